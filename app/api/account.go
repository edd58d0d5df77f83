package api

import (
	"errors"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"userdesk/app"
	"userdesk/app/core"
)

// Handlers for the account lifecycle (activation, password reset, sessions, leavers), My
// Account and the local mail store. The rules live in core.

// resetAccepted is the one answer to every well-formed reset request, whether or not the
// account exists; the work happens in the background so the timing says nothing either.
var resetAccepted = fiber.Map{
	"status": "accepted",
	"detail": "If this username belongs to an account that can sign in, an email with a link to reset its password " +
		"is on its way. The link works once, for 72 hours.",
}

type resetRequest struct {
	Username string `json:"username"`
}

func (s *Server) requestPasswordReset(c *fiber.Ctx) error {
	var req resetRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	req.Username = strings.TrimSpace(req.Username)
	switch {
	case req.Username == "":
		return app.FieldErrors("Enter your username.", map[string]string{"username": "Enter your username."})
	case len(req.Username) > 320:
		return app.FieldErrors("That is not a username.", map[string]string{"username": "A username is an email address of at most 254 characters."})
	}
	// Signed in, an admin may not start the reset of an account more powerful than themselves.
	if err := s.dir.CheckResetRequest(actorOf(c), req.Username); err != nil {
		return err
	}
	s.dir.RequestPasswordReset(req.Username)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusAccepted).JSON(resetAccepted)
}

type newPasswordRequest struct {
	Password string `json:"password"`
}

func (s *Server) checkResetLink(c *fiber.Ctx) error {
	info, err := s.dir.CheckToken(app.TokenReset, c.Params("token"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(info)
}

func (s *Server) resetPassword(c *fiber.Ctx) error {
	var req newPasswordRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	username, err := s.dir.ResetPassword(c.Params("token"), req.Password)
	if err != nil {
		return err
	}
	// Whoever holds the link owns the mailbox: failed sign-ins before it no longer count.
	s.throttle.forget(username)
	return c.JSON(fiber.Map{"username": username, "detail": "Your password has been changed and every session of your account has ended. Sign in with your new password."})
}

func (s *Server) checkActivationLink(c *fiber.Ctx) error {
	info, err := s.dir.CheckToken(app.TokenActivation, c.Params("token"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(info)
}

func (s *Server) activate(c *fiber.Ctx) error {
	var req newPasswordRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.dir.Activate(c.Params("token"), req.Password)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"username": u.Username, "status": u.Status, "activatedAt": u.ActivatedAt,
		"detail": "Your account is active. Sign in with your username and the password you chose."})
}

func (s *Server) sendMe(c *fiber.Ctx, v *core.MeView) error {
	c.Set(fiber.HeaderETag, etag(v.Version))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(v)
}

func (s *Server) getMe(c *fiber.Ctx) error {
	v, err := s.dir.Me(actorOf(c))
	if err != nil {
		return err
	}
	return s.sendMe(c, v)
}

func (s *Server) patchMe(c *fiber.Ctx) error {
	var version *uint64
	if c.Get(fiber.HeaderIfMatch) != "" {
		v, err := ifMatch(c)
		if err != nil {
			return err
		}
		version = &v
	}
	var p core.MePatch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	id, _ := c.Locals(localSessionID).(string)
	v, err := s.dir.PatchMe(actorOf(c), version, &p, id)
	if err != nil {
		return err
	}
	return s.sendMe(c, v)
}

type changePasswordRequest struct {
	CurrentPassword string `json:"currentPassword"`
	NewPassword     string `json:"newPassword"`
}

func (s *Server) changePassword(c *fiber.Ctx) error {
	var req changePasswordRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, addr := actorOf(c), c.IP()
	// Guessing the current password from a stolen session is as slow as guessing at sign-in; it
	// has a lane of its own ("session:"), so strangers guessing at sign-in do not slow it.
	tk, refused := s.throttle.acquire("session:"+u.ID, addr, true)
	if refused != nil {
		return tooMany(c, refused, "password attempts")
	}
	id, _ := c.Locals(localSessionID).(string)
	err := s.dir.ChangePassword(u, req.CurrentPassword, req.NewPassword, id)
	var ae *app.Error
	tk.done(!(errors.As(err, &ae) && ae.Fields["currentPassword"] != "" && req.CurrentPassword != ""))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"detail": "Your password has been changed. Your other sessions have ended."})
}

type activationEmailRequest struct {
	ConfirmSSO bool `json:"confirmSso"`
}

// decodeOptionalJSON is decodeJSON for bodies that may be left out altogether.
func decodeOptionalJSON(c *fiber.Ctx, v any) error {
	if len(c.Body()) == 0 {
		return nil
	}
	return decodeJSON(c, v)
}

func (s *Server) sendActivationEmail(c *fiber.Ctx) error {
	var req activationEmailRequest
	if err := decodeOptionalJSON(c, &req); err != nil {
		return err
	}
	v, err := s.dir.SendActivationEmail(actorOf(c), c.Params("id"), req.ConfirmSSO, sourceOf(c))
	if err != nil {
		return err
	}
	return s.sendUser(c, v)
}

func (s *Server) mailboxStatistics(c *fiber.Ctx) error {
	st, err := s.dir.MailboxStatistics(actorOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(st)
}

func (s *Server) endSessions(c *fiber.Ctx) error {
	n, err := s.dir.EndSessions(actorOf(c), c.Params("id"), sourceOf(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"ended": n})
}

func (s *Server) markLeaver(c *fiber.Ctx) error {
	var req struct{}
	if err := decodeOptionalJSON(c, &req); err != nil {
		return err
	}
	v, err := s.dir.MarkLeaver(actorOf(c), c.Params("id"), sourceOf(c))
	if err != nil {
		return err
	}
	return s.sendUser(c, v)
}

type claimRequest struct {
	UnitID string `json:"unitId"`
}

func (s *Server) claimLeaver(c *fiber.Ctx) error {
	var req claimRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	v, err := s.dir.Claim(actorOf(c), c.Params("id"), req.UnitID, sourceOf(c))
	if err != nil {
		return err
	}
	return s.sendUser(c, v)
}

func (s *Server) findLeavers(c *fiber.Ctx) error {
	items, err := s.dir.FindLeaver(actorOf(c), c.Query("username"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) listMail(c *fiber.Ctx) error {
	limit := 200
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return app.FieldErrors("Some query parameters are not valid.", map[string]string{"limit": "Limit must be a number from 1 to 1000."})
		}
		limit = n
	}
	items, err := s.dir.Mailbox(actorOf(c), c.Query("to"), limit)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"items": nonNil(items)})
}

// mailAttachmentJSON describes an attachment; url downloads it.
type mailAttachmentJSON struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int    `json:"size"`
	URL         string `json:"url"`
}

type mailJSON struct {
	ID          string               `json:"id"`
	To          string               `json:"to"`
	ToUserID    string               `json:"toUserId"`
	Subject     string               `json:"subject"`
	Text        string               `json:"text"`
	HTML        string               `json:"html"`
	SentAt      time.Time            `json:"sentAt"`
	Attachments []mailAttachmentJSON `json:"attachments"`
}

func (s *Server) getMail(c *fiber.Ctx) error {
	if s.kiosk != nil {
		s.kiosk.Saw("mail")
	}
	m, err := s.dir.Message(actorOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	out := mailJSON{ID: m.ID, To: m.To, ToUserID: m.ToUserID, Subject: m.Subject, Text: m.Text, HTML: m.HTML, SentAt: m.SentAt,
		Attachments: []mailAttachmentJSON{}}
	for i, a := range m.Attachments {
		out.Attachments = append(out.Attachments, mailAttachmentJSON{Name: a.Name, ContentType: a.ContentType, Size: len(a.Data),
			URL: "/api/v1/mail/" + m.ID + "/attachments/" + strconv.Itoa(i)})
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

func (s *Server) mailAttachment(c *fiber.Ctx) error {
	m, err := s.dir.Message(actorOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil || n < 0 || n >= len(m.Attachments) {
		return app.Errorf(app.ENOTFOUND, "This message has no such attachment.")
	}
	a := m.Attachments[n]
	ct := a.ContentType
	if _, _, err := mime.ParseMediaType(ct); err != nil || ct == "" {
		ct = "application/octet-stream"
	}
	name := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '/' {
			return '_'
		}
		return r
	}, a.Name)
	c.Set(fiber.HeaderContentType, ct)
	// Always a download, never rendered in the console's origin.
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disp == "" {
		disp = "attachment"
	}
	c.Set(fiber.HeaderContentDisposition, disp)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(a.Data)
}
