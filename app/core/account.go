package core

import (
	"strings"

	"userdesk/app"
	"userdesk/app/password"
)

// My Account (the signed-in user's own record and password) and reading the local mail store.

// MeView is the signed-in user's own account with what they may change in My Account.
type MeView struct {
	*app.User
	Capabilities app.Capabilities `json:"capabilities"`
	Languages    []string         `json:"languages"`
	DateFormats  []string         `json:"dateFormats"`
	TimeFormats  []string         `json:"timeFormats"`
}

// MePatch is a change to one's own account: personal information and the username. Any other
// field is unknown here, so a request that tries one gets a 422 naming it.
type MePatch struct {
	Username    *string `json:"username"`
	Title       *string `json:"title"`
	FirstName   *string `json:"firstName"`
	LastName    *string `json:"lastName"`
	DisplayName *string `json:"displayName"`
	Phone       *string `json:"phone"`
	Mobile      *string `json:"mobile"`
	JobTitle    *string `json:"jobTitle"`
	Department  *string `json:"department"`
	Language    *string `json:"language"`
	DateFormat  *string `json:"dateFormat"`
	TimeFormat  *string `json:"timeFormat"`
}

// meFields are the fields My Account edits, in page order.
var meFields = []string{"username", "title", "firstName", "lastName", "displayName", "phone", "mobile",
	"jobTitle", "department", "language", "dateFormat", "timeFormat"}

func (p *MePatch) given() map[string]bool {
	return map[string]bool{"username": p.Username != nil, "title": p.Title != nil, "firstName": p.FirstName != nil,
		"lastName": p.LastName != nil, "displayName": p.DisplayName != nil, "phone": p.Phone != nil,
		"mobile": p.Mobile != nil, "jobTitle": p.JobTitle != nil, "department": p.Department != nil,
		"language": p.Language != nil, "dateFormat": p.DateFormat != nil, "timeFormat": p.TimeFormat != nil}
}

func (p *MePatch) userPatch() *UserPatch {
	return &UserPatch{Username: p.Username, Title: p.Title, FirstName: p.FirstName, LastName: p.LastName,
		DisplayName: p.DisplayName, Phone: p.Phone, Mobile: p.Mobile, JobTitle: p.JobTitle, Department: p.Department,
		Language: p.Language, DateFormat: p.DateFormat, TimeFormat: p.TimeFormat}
}

// meCapabilities decides what u may change about themselves, from their organisation's settings.
func meCapabilities(u *app.User, r *refs) (app.Capabilities, *app.OrgSettings) {
	settings := app.DefaultOrgSettings()
	org := "your organisation"
	if o := r.units[u.PrimaryOrgID]; o != nil {
		org = o.Name
		if o.Settings != nil {
			settings = o.Settings
		}
	}
	caps := app.Capabilities{Fields: map[string]app.Capability{}, Actions: map[string]app.ActionCapability{
		"changePassword": {Allowed: true}}}
	for _, f := range meFields {
		caps.Fields[f] = app.Capability{Editable: true}
	}
	switch {
	case settings.UsernamePolicy == app.UsernameLocked:
		caps.Fields["username"] = app.Capability{Reason: "Usernames in " + org + " can't be changed (username policy: locked)."}
	case settings.UsernamePolicy == app.UsernameAfterActivation && u.Status != app.StatusActive:
		caps.Fields["username"] = app.Capability{Reason: "Usernames in " + org + " can only be changed once the account is active."}
	}
	if !settings.AllowDatetimeFormatChange {
		for _, f := range []string{"dateFormat", "timeFormat"} {
			caps.Fields[f] = app.Capability{Reason: "Date and time formats can't be changed in " + org + "."}
		}
	}
	return caps, settings
}

func meView(u *app.User, r *refs) *MeView {
	caps, settings := meCapabilities(u, r)
	langs := settings.Languages
	if len(langs) == 0 {
		langs = []string{"en"}
	}
	return &MeView{User: u.ListsNotNil(), Capabilities: caps, Languages: langs, DateFormats: DateFormats, TimeFormats: TimeFormats}
}

// Me returns the signed-in user's own account.
func (s *Service) Me(actor *app.User) (*MeView, error) {
	var v *MeView
	err := s.store.View(func(tx app.Tx) error {
		u, err := tx.User(actor.ID)
		if err != nil {
			return err
		}
		r, err := s.currentRefs(tx)
		if err != nil {
			return err
		}
		v = meView(u, r)
		return nil
	})
	return v, err
}

// PatchMe changes the signed-in user's own personal information and username. ifMatch, when
// not nil, is the version the page started from. A new username ends every other session of
// the account; keepSession (the session making the change) stays signed in.
func (s *Service) PatchMe(actor *app.User, ifMatch *uint64, p *MePatch, keepSession string) (*MeView, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var before, after *app.User
	var view *MeView
	err := s.store.Update(func(tx app.Tx) error {
		var err error
		if before, err = tx.User(actor.ID); err != nil {
			return err
		}
		if ifMatch != nil && before.Version != *ifMatch {
			return &app.Error{Code: app.ESTALE, Message: "Your account changed (by " + before.UpdatedBy +
				") since you opened this page. Reload to see the changes, then make yours again."}
		}
		r, err := s.lockedRefs(tx)
		if err != nil {
			return err
		}
		caps, _ := meCapabilities(before, r)
		a := *before
		after = &a
		p.userPatch().apply(after)
		bad := map[string]string{}
		for f, given := range p.given() {
			if c := caps.Fields[f]; given && !c.Editable && meChanged(f, before, after) {
				bad[f] = c.Reason
			}
		}
		if len(bad) > 0 {
			return &app.Error{Code: app.EFORBIDDEN, Message: "You can't change some of these fields.", Fields: bad}
		}
		if err := validateUserFrom(after, before, r); err != nil {
			return err
		}
		if err := s.checkLookAlike(tx, actor, before, after); err != nil {
			return err
		}
		changes := Diff(before, after)
		if len(changes) == 0 {
			after = before
			view = meView(after, r)
			return nil
		}
		after.UpdatedAt, after.UpdatedBy = s.now(), actorEmail(actor)
		if err := tx.PutUser(after); err != nil {
			return err
		}
		if !strings.EqualFold(before.Username, after.Username) {
			if err := endOtherSessions(tx, after.ID, keepSession); err != nil {
				return err
			}
		}
		view = meView(after, r)
		if err := s.noticeChanges(tx, actor, before, after, r, after.UpdatedAt); err != nil {
			return err
		}
		return tx.AddAudit(audit(actor, app.SourceConsole, after.UpdatedAt, "user.update", after, changes))
	})
	if err != nil {
		return nil, err
	}
	if after != before {
		s.committed(after, before)
		s.relayMail()
	}
	return view, nil
}

// meChanged reports whether My Account field f differs between a and b.
func meChanged(f string, a, b *app.User) bool {
	switch f {
	case "username":
		return a.Username != b.Username
	case "title":
		return a.Title != b.Title
	case "firstName":
		return a.FirstName != b.FirstName
	case "lastName":
		return a.LastName != b.LastName
	case "displayName":
		return a.DisplayName != b.DisplayName
	case "phone":
		return a.Phone != b.Phone
	case "mobile":
		return a.Mobile != b.Mobile
	case "jobTitle":
		return a.JobTitle != b.JobTitle
	case "department":
		return a.Department != b.Department
	case "language":
		return a.Language != b.Language
	case "dateFormat":
		return a.DateFormat != b.DateFormat
	case "timeFormat":
		return a.TimeFormat != b.TimeFormat
	}
	return false
}

// endOtherSessions ends every session of a user except keep.
func endOtherSessions(tx app.Tx, userID, keep string) error {
	var kept *app.Session
	if keep != "" {
		if sess, err := tx.Session(keep); err == nil && sess.UserID == userID {
			kept = sess
		}
	}
	if _, err := tx.DeleteUserSessions(userID); err != nil {
		return err
	}
	if kept != nil {
		return tx.PutSession(keep, kept)
	}
	return nil
}

// ChangePassword sets the signed-in user's password; the current one is required. Every
// other session of the account ends.
func (s *Service) ChangePassword(actor *app.User, current, next, keepSession string) error {
	if current == "" {
		// #nosec G101 -- a form message, not a credential
		return app.FieldErrors("Enter your current password.", map[string]string{"currentPassword": "Enter your current password."})
	}
	me, err := s.currentUser(actor.ID)
	if err != nil {
		return err
	}
	ctx, err := s.userPasswordContext(me)
	if err != nil {
		return err
	}
	if err := password.Check(next, ctx, "newPassword"); err != nil {
		return err
	}
	var hash string
	if err := s.store.View(func(tx app.Tx) (err error) { hash, err = tx.PasswordHash(actor.ID); return }); err != nil {
		return err
	}
	if !password.Verify(hash, current) {
		return app.FieldErrors("Your current password is not right.", map[string]string{"currentPassword": "This is not your current password."})
	}
	newHash, err := password.Hash(next)
	if err != nil {
		return err
	}
	err = s.store.Update(func(tx app.Tx) error {
		// The password may have changed since it was checked; the newer one wins.
		if h, err := tx.PasswordHash(actor.ID); err != nil || h != hash {
			return app.Errorf(app.ECONFLICT, "Your password was just changed elsewhere. Reload and try again.")
		}
		if err := tx.SetPasswordHash(actor.ID, newHash); err != nil {
			return err
		}
		if err := endOtherSessions(tx, actor.ID, keepSession); err != nil {
			return err
		}
		if _, err := tx.DeleteUserTokens(actor.ID, app.TokenReset); err != nil {
			return err
		}
		now := s.now()
		if err := s.noticePasswordChanged(tx, actor, me, "in My Account", now); err != nil {
			return err
		}
		return tx.AddAudit(audit(actor, app.SourceConsole, now, "user.password-change", actor,
			[]app.FieldChange{{Field: "password", Before: "(hidden)", After: "(changed in My Account)"}}))
	})
	if err == nil {
		s.relayMail()
	}
	return err
}

// Mailbox lists messages newest first. Everyone reads their own mailbox; a Super admin reads
// the whole outbox, or the messages to one address (or account id) with to.
func (s *Service) Mailbox(actor *app.User, to string, limit int) ([]app.MessageSummary, error) {
	to = strings.TrimSpace(to)
	super := actor.AccountType == app.SuperAdmin
	own := to == "" || strings.EqualFold(to, actor.Username) || strings.EqualFold(to, actor.Email) || to == actor.ID
	if !super && !own {
		return nil, app.Errorf(app.EFORBIDDEN, "You can read only your own mailbox.")
	}
	var out []app.MessageSummary
	err := s.store.View(func(tx app.Tx) error {
		if !super {
			var err error
			out, err = tx.Messages(actor.ID, limit)
			return err
		}
		all, err := tx.Messages("", 0)
		if err != nil {
			return err
		}
		out = []app.MessageSummary{}
		for _, m := range all {
			if limit > 0 && len(out) == limit {
				break
			}
			if to == "" || strings.EqualFold(m.To, to) || m.ToUserID == to {
				out = append(out, m)
			}
		}
		return nil
	})
	return out, err
}

// Message returns one message to its recipient, or to a Super admin.
func (s *Service) Message(actor *app.User, id string) (*app.Message, error) {
	var m *app.Message
	err := s.store.View(func(tx app.Tx) (err error) { m, err = tx.Message(id); return })
	if app.ErrorCodeOf(err) == app.ENOTFOUND || (err == nil && m.ToUserID != actor.ID && actor.AccountType != app.SuperAdmin) {
		return nil, app.Errorf(app.ENOTFOUND, "Message not found.")
	}
	return m, err
}
