package core

import (
	"log/slog"
	"strings"
	"sync"
	"time"

	"userdesk/app"
	"userdesk/app/password"
)

// The account lifecycle: activation email (Created → Pending), activation (→ Active), password
// reset by email, ending sessions, the leaver process and claiming, mailbox statistics.

// TokenTTL is how long an emailed activation or reset link works.
const TokenTTL = 72 * time.Hour

// Password-reset mail is limited per account so that the form cannot flood a mailbox.
const (
	resetMailsPerWindow = 5
	resetWindow         = time.Hour
)

// Mailer writes the mail the directory sends into the local mail store inside the caller's
// transaction, so a status change, its token and its mail commit together. mail.Sender
// implements it.
type Mailer interface {
	Activation(tx app.Tx, u *app.User, token string, expires time.Time) (*app.Message, error)
	Reset(tx app.Tx, u *app.User, token string, expires time.Time) (*app.Message, error)
	// Notice writes a security notice about u's account to address to ("" for u's own).
	Notice(tx app.Tx, u *app.User, to, subject string, paragraphs []string) (*app.Message, error)
	// SendImportResults delivers an import's results CSV to its uploader in its own transaction.
	SendImportResults(to *app.User, im *app.Import, csv []byte) error
}

// accountState is the lifecycle's part of the Service.
type accountState struct {
	mu     sync.Mutex
	mail   Mailer
	bg     sync.WaitGroup
	resets map[string][]time.Time // reset mails sent per user id, for the rate limit
}

// SetMailer connects the service to the mail store; without one, nothing can be mailed.
func (s *Service) SetMailer(m Mailer) {
	s.acct.mu.Lock()
	defer s.acct.mu.Unlock()
	s.acct.mail = m
}

// Mailer returns the mailer set with SetMailer (nil when none).
func (s *Service) Mailer() Mailer {
	s.acct.mu.Lock()
	defer s.acct.mu.Unlock()
	return s.acct.mail
}

// Wait blocks until background work (password-reset requests) has finished.
func (s *Service) Wait() { s.acct.bg.Wait() }

// relayMail tells the mailer that a transaction carrying mail committed, when it relays mail on.
func (s *Service) relayMail() {
	if r, ok := s.Mailer().(interface{ Relay() }); ok {
		r.Relay()
	}
}

func (s *Service) mailer() (Mailer, error) {
	if m := s.Mailer(); m != nil {
		return m, nil
	}
	return nil, app.Errorf(app.EINTERNAL, "mail is not set up")
}

func audit(actor *app.User, src app.Source, at time.Time, action string, u *app.User, changes []app.FieldChange) *app.AuditRecord {
	return &app.AuditRecord{At: at, ActorID: actorID(actor), ActorEmail: actorEmail(actor), TokenID: tokenID(actor), Token: tokenName(actor), Source: src,
		Action: action, TargetType: "user", TargetID: u.ID, TargetName: u.Username, Changes: changes}
}

// issueActivation replaces u's activation links with a new one and writes its mail, in tx.
func (s *Service) issueActivation(tx app.Tx, u *app.User) error {
	m, err := s.mailer()
	if err != nil {
		return err
	}
	if _, err := tx.DeleteUserTokens(u.ID, app.TokenActivation); err != nil {
		return err
	}
	now := s.now()
	token := app.NewToken()
	tok := &app.Token{UserID: u.ID, Purpose: app.TokenActivation, CreatedAt: now, ExpiresAt: now.Add(TokenTTL)}
	if err := tx.PutToken(token, tok); err != nil {
		return err
	}
	_, err = m.Activation(tx, u, token, tok.ExpiresAt)
	return err
}

// ssoConfirmMessage explains why an SSO user's activation email needs a confirmation.
const ssoConfirmMessage = "This is a single sign-on user: they sign in through their organisation's identity provider " +
	"and don't need a Userdesk password, so they normally get no activation email. Send it anyway only if they " +
	"must also sign in with a password (send again with confirmSso: true)."

// SendActivationEmail sends (or resends) the activation email: a Created account becomes
// Pending; the time it was sent is recorded; any earlier link stops working.
func (s *Service) SendActivationEmail(actor *app.User, id string, confirmSSO bool, src app.Source) (*UserView, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var before, after *app.User
	err := s.store.Update(func(tx app.Tx) error {
		var err error
		if before, err = tx.User(id); err != nil || !s.canView(actor, before) {
			return errNoUser
		}
		if c := s.authz.Capabilities(actor, before).Actions["activate"]; !c.Allowed {
			return app.Errorf(app.EFORBIDDEN, "%s", orDefault(c.Reason, "You may not send this account's activation email."))
		}
		if before.Leaver {
			return app.Errorf(app.ECONFLICT, "This account is marked as a leaver: it gets no activation email until an organisation claims it.")
		}
		if before.IsExternal && !confirmSSO {
			return &app.Error{Code: app.ECONFLICT, Message: ssoConfirmMessage, Extra: map[string]any{"confirm": "confirmSso"}}
		}
		a := *before
		after = &a
		now := s.now()
		after.Status, after.ActivationSentAt = app.StatusPending, &now
		after.UpdatedAt, after.UpdatedBy = now, actorEmail(actor)
		if err := s.issueActivation(tx, after); err != nil {
			return err
		}
		if err := tx.PutUser(after); err != nil {
			return err
		}
		return tx.AddAudit(audit(actor, src, now, "user.activation-email", after, Diff(before, after)))
	})
	if err != nil {
		return nil, err
	}
	s.relayMail()
	s.committed(after, before)
	return s.view(actor, after), nil
}

// TokenInfo is what a page opened from an emailed link shows before the user acts.
type TokenInfo struct {
	Purpose   app.TokenPurpose `json:"purpose"`
	Username  string           `json:"username"`
	ExpiresAt time.Time        `json:"expiresAt"`
}

func errBadLink(p app.TokenPurpose) error {
	what := "activation"
	if p == app.TokenReset {
		what = "password reset"
	}
	return app.Errorf(app.ENOTFOUND, "This %s link doesn't work: it was already used, replaced by a newer one, or copied incompletely. Ask for a new one.", what)
}

func errExpiredLink(p app.TokenPurpose) error {
	what := "activation"
	if p == app.TokenReset {
		what = "password reset"
	}
	return app.Errorf(app.ENOTFOUND, "This %s link has expired: links work for %d hours. Ask for a new one.", what, int(TokenTTL.Hours()))
}

// usable reports whether a token's account may still use a link of its purpose.
func usable(p app.TokenPurpose, u *app.User) bool {
	switch p {
	case app.TokenActivation:
		return !u.Leaver && u.Status != app.StatusActive
	case app.TokenReset:
		return resettable(u)
	}
	return false
}

// resettable says whether an account may reset its password by email: the same accounts that
// may sign in.
func resettable(u *app.User) bool {
	return u.Enabled && u.AllowLogin && !u.Leaver && u.Status == app.StatusActive
}

// lookToken finds a live token of purpose and its account, in tx.
func (s *Service) lookToken(tx app.Tx, p app.TokenPurpose, token string) (*app.Token, *app.User, error) {
	if token == "" || len(token) > 128 {
		return nil, nil, errBadLink(p)
	}
	tok, err := tx.Token(token)
	if app.ErrorCodeOf(err) == app.ENOTFOUND || (err == nil && tok.Purpose != p) {
		return nil, nil, errBadLink(p)
	}
	if err != nil {
		return nil, nil, err
	}
	if !s.now().Before(tok.ExpiresAt) {
		return nil, nil, errExpiredLink(p)
	}
	u, err := tx.User(tok.UserID)
	if app.ErrorCodeOf(err) == app.ENOTFOUND || (err == nil && !usable(p, u)) {
		return nil, nil, errBadLink(p)
	}
	return tok, u, err
}

// checkNewPassword checks that an emailed link works and that pw may be its account's password.
func (s *Service) checkNewPassword(p app.TokenPurpose, token, pw string) error {
	var u *app.User
	var r *refs
	err := s.store.View(func(tx app.Tx) (err error) {
		if _, u, err = s.lookToken(tx, p, token); err != nil {
			return err
		}
		r, err = s.currentRefs(tx)
		return err
	})
	if err != nil {
		return err
	}
	return password.Check(pw, passwordContext(u, r), "password")
}

// CheckToken says whether an emailed link still works, and for which account.
func (s *Service) CheckToken(p app.TokenPurpose, token string) (*TokenInfo, error) {
	var info *TokenInfo
	err := s.store.View(func(tx app.Tx) error {
		tok, u, err := s.lookToken(tx, p, token)
		if err != nil {
			return err
		}
		info = &TokenInfo{Purpose: p, Username: u.Username, ExpiresAt: tok.ExpiresAt}
		return nil
	})
	return info, err
}

// Activate sets the password of the account an activation link was sent to and makes it
// Active. The link works once.
func (s *Service) Activate(token, pw string) (*app.User, error) {
	// Check the link, then the password for its account, before spending a hash on it.
	if err := s.checkNewPassword(app.TokenActivation, token, pw); err != nil {
		return nil, err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return nil, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var before, after *app.User
	err = s.store.Update(func(tx app.Tx) error {
		_, u, err := s.lookToken(tx, app.TokenActivation, token)
		if err != nil {
			return err
		}
		before = u
		a := *u
		after = &a
		now := s.now()
		after.Status, after.ActivatedAt = app.StatusActive, &now
		after.UpdatedAt, after.UpdatedBy = now, after.Username
		// Every activation link of the account goes, this one included: single use.
		if _, err := tx.DeleteUserTokens(u.ID, app.TokenActivation); err != nil {
			return err
		}
		if err := tx.SetPasswordHash(u.ID, hash); err != nil {
			return err
		}
		if err := tx.PutUser(after); err != nil {
			return err
		}
		return tx.AddAudit(audit(after, app.SourceConsole, now, "user.activate", after, Diff(before, after)))
	})
	if err != nil {
		return nil, err
	}
	s.committed(after, before)
	return after, nil
}

// RequestPasswordReset starts a password reset for username in the background and returns at
// once, so that neither the answer nor its timing tells whether the account exists. Only an
// account that may sign in gets the reset mail.
func (s *Service) RequestPasswordReset(username string) {
	s.acct.bg.Add(1)
	go func() {
		defer s.acct.bg.Done()
		if err := s.requestReset(username); err != nil {
			slog.Default().Warn("password reset request failed", "err", err)
		}
	}()
}

// CheckResetRequest decides a password-reset request made while signed in as actor (the form
// is public, but an admin can call it too): asking for the reset of another account that holds
// rights the actor lacks is refused, with the reason, like every other action on it. Accounts
// the actor may not see, and requests without a session, are left to the uniform answer.
func (s *Service) CheckResetRequest(actor *app.User, username string) error {
	if actor == nil || actor.ID == "" {
		return nil
	}
	var u *app.User
	err := s.store.View(func(tx app.Tx) (err error) { u, err = tx.UserByUsername(strings.TrimSpace(username)); return })
	if err != nil || u.ID == actor.ID || !s.canView(actor, u) {
		return nil
	}
	if c := s.authz.Capabilities(actor, u).Actions["resetPassword"]; !c.Allowed {
		return app.Errorf(app.EFORBIDDEN, "%s", orDefault(c.Reason, "You may not start a password reset for this account."))
	}
	return nil
}

// resetAllowed applies the per-account rate limit and records a mail about to be sent.
func (s *Service) resetAllowed(userID string, now time.Time) bool {
	s.acct.mu.Lock()
	defer s.acct.mu.Unlock()
	if s.acct.resets == nil || len(s.acct.resets) > 100_000 {
		s.acct.resets = map[string][]time.Time{}
	}
	var recent []time.Time
	for _, t := range s.acct.resets[userID] {
		if now.Sub(t) < resetWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) >= resetMailsPerWindow {
		s.acct.resets[userID] = recent
		return false
	}
	s.acct.resets[userID] = append(recent, now)
	return true
}

func (s *Service) requestReset(username string) error {
	username = strings.TrimSpace(username)
	if username == "" {
		return nil
	}
	m, err := s.mailer()
	if err != nil {
		return err
	}
	// Serialised with other writes, so that of two requests the later link replaces the earlier.
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	sent := false
	defer func() {
		if sent {
			s.relayMail()
		}
	}()
	return s.store.Update(func(tx app.Tx) error {
		sent = false
		u, err := tx.UserByUsername(username)
		if app.ErrorCodeOf(err) == app.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		now := s.now()
		if !resettable(u) || !s.resetAllowed(u.ID, now) {
			return nil
		}
		// A new reset link replaces any earlier one.
		if _, err := tx.DeleteUserTokens(u.ID, app.TokenReset); err != nil {
			return err
		}
		token := app.NewToken()
		tok := &app.Token{UserID: u.ID, Purpose: app.TokenReset, CreatedAt: now, ExpiresAt: now.Add(TokenTTL)}
		if err := tx.PutToken(token, tok); err != nil {
			return err
		}
		_, err = m.Reset(tx, u, token, tok.ExpiresAt)
		sent = err == nil
		return err
	})
}

// ResetPassword sets a new password through a reset link and ends every session of the
// account. The link works once. It returns the account's username.
func (s *Service) ResetPassword(token, pw string) (string, error) {
	if err := s.checkNewPassword(app.TokenReset, token, pw); err != nil {
		return "", err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return "", err
	}
	var username string
	err = s.store.Update(func(tx app.Tx) error {
		_, u, err := s.lookToken(tx, app.TokenReset, token)
		if err != nil {
			return err
		}
		username = u.Username
		if _, err := tx.DeleteUserTokens(u.ID, app.TokenReset); err != nil {
			return err
		}
		if err := tx.SetPasswordHash(u.ID, hash); err != nil {
			return err
		}
		n, err := tx.DeleteUserSessions(u.ID)
		if err != nil {
			return err
		}
		if err := s.noticePasswordReset(tx, u, s.now()); err != nil {
			return err
		}
		return tx.AddAudit(audit(u, app.SourceConsole, s.now(), "user.password-reset", u,
			[]app.FieldChange{{Field: "password", Before: "(hidden)", After: "(reset by email link)"}, {Field: "sessions", Before: n, After: 0}}))
	})
	if err == nil {
		s.relayMail()
	}
	return username, err
}

// EndSessions signs a user out everywhere and returns how many sessions ended.
func (s *Service) EndSessions(actor *app.User, id string, src app.Source) (int, error) {
	var n int
	err := s.store.Update(func(tx app.Tx) error {
		u, err := tx.User(id)
		if err != nil || !s.canView(actor, u) {
			return errNoUser
		}
		if c := s.authz.Capabilities(actor, u).Actions["resetSessions"]; !c.Allowed {
			return app.Errorf(app.EFORBIDDEN, "%s", orDefault(c.Reason, "You may not sign this account out."))
		}
		if n, err = tx.DeleteUserSessions(id); err != nil {
			return err
		}
		return tx.AddAudit(audit(actor, src, s.now(), "user.sessions-end", u, []app.FieldChange{{Field: "sessions", Before: n, After: 0}}))
	})
	return n, err
}

// Reasons of the leaver process.
const (
	reasonLeaverSelf  = "You can't mark your own account as a leaver."
	reasonLeaverSuper = "Only a Super admin can mark a Super admin account as a leaver."
	reasonLeaverPerm  = "You need the Move users or Delete users permission over this user's unit to mark them as a leaver."
)

// MarkLeaver starts the leaver process: the account is disabled, signed out, and detached from
// its unit, organisations and every right, until an organisation's admin claims it.
func (s *Service) MarkLeaver(actor *app.User, id string, src app.Source) (*UserView, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var before, after *app.User
	err := s.store.Update(func(tx app.Tx) error {
		var err error
		if before, err = tx.User(id); err != nil || !s.canView(actor, before) {
			return errNoUser
		}
		// The same decision the user page shows (one function decides both).
		switch c := s.authz.Capabilities(actor, before).Actions["markLeaver"]; {
		case before.Leaver:
			return app.Errorf(app.ECONFLICT, "This account is already marked as a leaver.")
		case before.AccountType == app.SuperAdmin && actor.AccountType != app.SuperAdmin:
			return app.Errorf(app.EFORBIDDEN, reasonLeaverSuper)
		case !c.Allowed:
			return app.Errorf(app.EFORBIDDEN, "%s", orDefault(c.Reason, reasonLeaverPerm))
		}
		a := *before
		after = &a
		now := s.now()
		after.Leaver, after.Enabled = true, false
		after.UnitID, after.PrimaryOrgID, after.OrgIDs = "", "", nil
		after.AdminRoles, after.RoleIDs = nil, nil
		// The Local ID is the old organisation's sync key; it means nothing elsewhere.
		after.LocalID, after.ConnectorManaged = "", false
		after.UpdatedAt, after.UpdatedBy = now, actorEmail(actor)
		if err := tx.PutUser(after); err != nil {
			return err
		}
		if _, err := tx.DeleteUserSessions(id); err != nil {
			return err
		}
		if _, err := tx.DeleteUserTokens(id, ""); err != nil {
			return err
		}
		return tx.AddAudit(audit(actor, src, now, "user.leaver", after, Diff(before, after)))
	})
	if err != nil {
		return nil, err
	}
	s.committed(after, before)
	return s.view(actor, after), nil
}

// LeaverSummary is a leaver as an admin looking for one to claim sees it.
type LeaverSummary struct {
	ID          string    `json:"id"`
	Username    string    `json:"username"`
	Email       string    `json:"email"`
	DisplayName string    `json:"displayName"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// FindLeaver looks a leaver up by exact username, for an admin who may move users somewhere:
// the admin of the new organisation knows who joined them. Anything else answers "none".
func (s *Service) FindLeaver(actor *app.User, username string) ([]LeaverSummary, error) {
	if !contains(s.authz.Permissions(actor), app.PermUsersMove) {
		return nil, app.Errorf(app.EFORBIDDEN, "You need the Move users permission to claim leavers.")
	}
	out := []LeaverSummary{}
	username = strings.TrimSpace(username)
	if username == "" {
		return out, nil
	}
	err := s.store.View(func(tx app.Tx) error {
		u, err := tx.UserByUsername(username)
		if err != nil || !u.Leaver {
			return nil
		}
		out = append(out, LeaverSummary{ID: u.ID, Username: u.Username, Email: u.Email, DisplayName: u.DisplayName, UpdatedAt: u.UpdatedAt})
		return nil
	})
	return out, err
}

// Claim brings a leaver into unitID, an OU the actor may move users into: the account joins
// that unit's organisation and is enabled again.
func (s *Service) Claim(actor *app.User, id, unitID string, src app.Source) (*UserView, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var before, after *app.User
	err := s.store.Update(func(tx app.Tx) error {
		var err error
		before, err = tx.User(id)
		if err != nil {
			return errNoUser
		}
		if !before.Leaver {
			if !s.canView(actor, before) {
				return errNoUser
			}
			return app.Errorf(app.ECONFLICT, "Only leavers can be claimed: mark this account as a leaver first, or move it within its organisation.")
		}
		r, err := s.lockedRefs(tx)
		if err != nil {
			return err
		}
		if r.units[unitID] == nil || !s.authz.Can(actor, app.PermUsersMove, unitID) {
			return app.FieldErrors("Choose a unit you may move users into.", map[string]string{"unitId": "No unit you may move users into has this id."})
		}
		org := r.orgOf(unitID)
		a := *before
		after = &a
		now := s.now()
		after.Leaver, after.Enabled = false, true
		after.UnitID, after.PrimaryOrgID, after.OrgIDs = unitID, org, []string{org}
		settings := r.units[org].Settings
		if settings == nil {
			settings = app.DefaultOrgSettings()
		}
		if after.IsExternal && !settings.SSOEnabled {
			after.IsExternal, after.AuthURL, after.IdentityProvider = false, "", ""
		}
		if len(settings.Languages) > 0 && !contains(settings.Languages, after.Language) {
			after.Language = settings.Languages[0]
		}
		after.UpdatedAt, after.UpdatedBy = now, actorEmail(actor)
		if err := validateUser(after, r); err != nil {
			return err
		}
		if err := tx.PutUser(after); err != nil {
			return err
		}
		return tx.AddAudit(audit(actor, src, now, "user.claim", after, Diff(before, after)))
	})
	if err != nil {
		return nil, err
	}
	s.committed(after, before)
	return s.view(actor, after), nil
}

// MailboxStatistics are the figures of "Show mailbox statistics".
type MailboxStatistics struct {
	LastLogon   *time.Time `json:"lastLogon"`
	Items       int        `json:"items"`
	UsedBytes   int64      `json:"usedBytes"`
	QuotaBytes  int64      `json:"quotaBytes"`
	UsedPercent float64    `json:"usedPercent"`
}

// MailboxStatistics computes a user's mailbox figures from the local mail store against the
// user's mailbox size.
func (s *Service) MailboxStatistics(actor *app.User, id string) (*MailboxStatistics, error) {
	var st *MailboxStatistics
	err := s.store.View(func(tx app.Tx) error {
		u, err := tx.User(id)
		if err != nil || !s.canView(actor, u) {
			return errNoUser
		}
		msgs, err := tx.Messages(u.ID, 0)
		if err != nil {
			return err
		}
		st = &MailboxStatistics{LastLogon: u.LastLoginAt, Items: len(msgs), QuotaBytes: int64(u.MailboxSizeMB) << 20}
		for _, m := range msgs {
			st.UsedBytes += m.Size
		}
		switch {
		case st.QuotaBytes > 0:
			st.UsedPercent = float64(int64(float64(st.UsedBytes)*10000/float64(st.QuotaBytes))) / 100
		case st.UsedBytes > 0:
			st.UsedPercent = 100
		}
		return nil
	})
	return st, err
}
