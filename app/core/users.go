package core

import (
	"fmt"
	"slices"
	"strings"

	"userdesk/app"
)

// errNoUser is the answer for a user that does not exist or that the actor may not see: the
// two must look the same, or a 403 would confirm that an account exists.
var errNoUser = app.Errorf(app.ENOTFOUND, "User not found.")

// UserView is a user with what the actor may do to it.
type UserView struct {
	*app.User
	Capabilities app.Capabilities `json:"capabilities"`
	Warnings     []string         `json:"warnings,omitempty"`
	// Hidden names the fields the actor may not see, left out of the user's JSON: only
	// "authUrl", for an actor without access to the user's primary organisation (seed 004).
	Hidden []string `json:"hidden,omitempty"`
}

// hiddenAuthURL is UserView.Hidden when the authentication URL is not shown.
var hiddenAuthURL = []string{"authUrl"}

func (s *Service) view(actor, u *app.User) *UserView {
	v := &UserView{User: u, Capabilities: s.authz.Capabilities(actor, u)}
	if !s.authz.SeesPrimary(actor, u) {
		c := *u
		c.AuthURL = "" // not even in memory the answer is built from
		v.User, v.Hidden = &c, hiddenAuthURL
	}
	if u.ConnectorManaged {
		v.Warnings = append(v.Warnings, "This account is managed by a connector: the next sync overwrites manual changes.")
	}
	return v
}

func (s *Service) canView(actor, u *app.User) bool {
	return actor.ID == u.ID || s.authz.Can(actor, app.PermUsersView, u.UnitID)
}

// User returns a user the actor may view.
func (s *Service) User(actor *app.User, id string) (*UserView, error) {
	var u *app.User
	err := s.store.View(func(tx app.Tx) (err error) { u, err = tx.User(id); return })
	if app.ErrorCodeOf(err) == app.ENOTFOUND || (err == nil && !s.canView(actor, u)) {
		return nil, errNoUser
	}
	if err != nil {
		return nil, err
	}
	return s.view(actor, u), nil
}

// ListUsers searches the users the actor may view.
func (s *Service) ListUsers(actor *app.User, q Query, unitFilter string) ([]UserSummary, int, error) {
	if unitFilter != "" {
		units, err := s.Units(actor)
		if err != nil {
			return nil, 0, err
		}
		q.InUnits = subtree(units, unitFilter)
		if len(q.InUnits) == 0 {
			return nil, 0, app.FieldErrors("Unknown unit.", map[string]string{"unit": "No unit you can see has this id."})
		}
	}
	if units := s.authz.UnitsWith(actor, app.PermUsersView); units != nil {
		q.Visible = func(unitID string) bool { return units[unitID] }
	}
	items, total := s.index.Search(q)
	return items, total, nil
}

// subtree returns the ids of root and every unit below it, among units.
func subtree(units []app.Unit, root string) map[string]bool {
	children := map[string][]string{}
	found := false
	for _, u := range units {
		children[u.ParentID] = append(children[u.ParentID], u.ID)
		found = found || u.ID == root
	}
	if !found {
		return nil
	}
	out := map[string]bool{}
	stack := []string{root}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if out[id] {
			continue
		}
		out[id] = true
		stack = append(stack, children[id]...)
	}
	return out
}

// CreateUser creates an account from a patch of an empty one.
func (s *Service) CreateUser(actor *app.User, p *UserPatch, src app.Source) (*UserView, error) {
	if ro := p.readOnly(nil); len(ro) > 0 {
		return nil, app.FieldErrors("Some fields are set by Userdesk.", ro)
	}
	now := s.now()
	u := &app.User{ID: app.NewID(), AccountType: app.Internal, Status: app.StatusCreated, Enabled: true, AllowLogin: true,
		EmailSameAsUsername: true, Language: "en", MailboxSizeMB: 1024, CreatedAt: now, UpdatedAt: now, UpdatedBy: actorEmail(actor)}
	p.apply(u)
	if p.Status != nil && *p.Status != app.StatusCreated {
		return nil, app.FieldErrors("New accounts start as Created.", map[string]string{"status": "A new account starts as Created; send the activation email to move it on."})
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.store.Update(func(tx app.Tx) error {
		r, err := s.lockedRefs(tx)
		if err != nil {
			return err
		}
		if u.PrimaryOrgID == "" {
			u.PrimaryOrgID = r.orgOf(u.UnitID)
		}
		u.OrgIDs = app.PrimaryFirst(u.OrgIDs, u.PrimaryOrgID)
		// The field rules come first: they do not depend on who asks (nothing about other
		// accounts shows through them), and a form without a home OU is a 422 naming the
		// field, not a 403 over a unit that does not exist.
		if err := validateUser(u, r); err != nil {
			return err
		}
		if err := s.authz.CheckChange(actor, nil, u); err != nil {
			return err
		}
		if err := s.checkLookAlike(tx, actor, nil, u); err != nil {
			return err
		}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.AddAudit(&app.AuditRecord{At: now, ActorID: actorID(actor), ActorEmail: actorEmail(actor), TokenID: tokenID(actor), Token: tokenName(actor), Source: src,
			Action: "user.create", TargetType: "user", TargetID: u.ID, TargetName: u.Username,
			Changes: Diff(&app.User{}, u)})
	})
	if err != nil {
		return nil, err
	}
	s.committed(u, nil)
	return s.view(actor, u), nil
}

// committed brings the authorizer, the index and open consoles up to date after a user write.
func (s *Service) committed(after, before *app.User) {
	s.authz.PutUser(after)
	s.index.Put(after)
	s.looks.put(before, after)
	if before == nil || rightsChanged(before, after) {
		s.notify.RightsChanged([]string{after.ID})
	}
	s.notify.UserChanged(after.ID, after.Version)
}

// rightsChanged reports whether a change of a user can change what it may do: its type, its
// grants or roles (in order, as stored; nil and empty are the same), or whether it may sign in.
func rightsChanged(a, b *app.User) bool {
	return a.AccountType != b.AccountType || !slices.Equal(a.AdminRoles, b.AdminRoles) ||
		!slices.Equal(a.RoleIDs, b.RoleIDs) || a.Enabled != b.Enabled || a.AllowLogin != b.AllowLogin
}

// PatchUser applies a partial update. ifMatch is the version the editor started from.
func (s *Service) PatchUser(actor *app.User, id string, ifMatch uint64, p *UserPatch, src app.Source) (*UserView, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var before, after *app.User
	endSessions := false
	err := s.store.Update(func(tx app.Tx) error {
		var err error
		if before, err = tx.User(id); err != nil || !s.canView(actor, before) {
			return errNoUser
		}
		if before.Version != ifMatch {
			return staleError(s.view(actor, before))
		}
		if ro := p.readOnly(before); len(ro) > 0 {
			return app.FieldErrors("Some fields are set by Userdesk.", ro)
		}
		a := *before
		after = &a
		p.apply(after)
		if err := s.lifecycleOnTypeChange(tx, actor, before, after, p); err != nil {
			return err
		}
		if after.AccountType != app.ConfigAdmin && p.RoleIDs == nil {
			after.RoleIDs = nil // roles belong to Config admin accounts only
		}
		if p.PrimaryOrgID != nil {
			after.OrgIDs = app.PrimaryFirst(after.OrgIDs, after.PrimaryOrgID)
		}
		r, err := s.lockedRefs(tx)
		if err != nil {
			return err
		}
		// Moving an SSO user to an organisation without SSO makes it a local account (rule 9).
		if after.IsExternal && after.PrimaryOrgID != before.PrimaryOrgID {
			if o := r.units[after.PrimaryOrgID]; o != nil && (o.Settings == nil || !o.Settings.SSOEnabled) {
				after.IsExternal, after.AuthURL, after.IdentityProvider = false, "", ""
			}
		}
		// An account becomes external (SSO) only in an organisation that has single sign-on.
		if after.IsExternal && !before.IsExternal {
			if o := r.units[after.PrimaryOrgID]; o != nil && (o.Settings == nil || !o.Settings.SSOEnabled) {
				return app.FieldErrors("Single sign-on is not configured.", map[string]string{
					"isExternal": fmt.Sprintf("%s has no single sign-on configured, so its accounts can't be external (SSO) users.", o.Name)})
			}
		}
		// Invalid values are answered first (422): they are wrong whoever sends them, and the
		// rights check can then assume that every referenced unit and role exists.
		if err := validateUserFrom(after, before, r); err != nil {
			return err
		}
		if err := s.checkLookAlike(tx, actor, before, after); err != nil {
			return err
		}
		if err := s.authz.CheckChange(actor, before, after); err != nil {
			return err
		}
		changes := Diff(before, after)
		if len(changes) == 0 {
			after = before
			return nil
		}
		after.UpdatedAt, after.UpdatedBy = s.now(), actorEmail(actor)
		if err := tx.PutUser(after); err != nil {
			return err
		}
		// A new username, a disabled account or a withdrawn login ends every session.
		endSessions = !strings.EqualFold(before.Username, after.Username) || (before.Enabled && !after.Enabled) ||
			(before.AllowLogin && !after.AllowLogin)
		if endSessions {
			if _, err := tx.DeleteUserSessions(id); err != nil {
				return err
			}
		}
		if err := s.noticeChanges(tx, actor, before, after, r, after.UpdatedAt); err != nil {
			return err
		}
		return tx.AddAudit(&app.AuditRecord{At: after.UpdatedAt, ActorID: actorID(actor), ActorEmail: actorEmail(actor), TokenID: tokenID(actor), Token: tokenName(actor),
			Source: src, Action: "user.update", TargetType: "user", TargetID: id, TargetName: after.Username, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	if after != before {
		s.committed(after, before)
	}
	s.relayMail()
	return s.view(actor, after), nil
}

// lifecycleOnTypeChange: a 1-time completion account that becomes another type must be told
// what happens to its activation: "send" (→ Pending) or "later" (→ Created).
func (s *Service) lifecycleOnTypeChange(tx app.Tx, actor, before, after *app.User, p *UserPatch) error {
	if p.ConfirmSSO != nil && (p.ActivationEmail == nil || *p.ActivationEmail != "send") {
		return app.FieldErrors("confirmSso goes with sending the activation email.",
			map[string]string{"confirmSso": `Send confirmSso only with "activationEmail":"send".`})
	}
	if before.AccountType != app.OneTime || after.AccountType == app.OneTime {
		if p.ActivationEmail != nil {
			return app.FieldErrors("Only a 1-time completion account's type change asks about activation.",
				map[string]string{"activationEmail": "Send activationEmail only when changing a 1-time completion account's type."})
		}
		return nil
	}
	choice := ""
	if p.ActivationEmail != nil {
		choice = *p.ActivationEmail
	}
	switch choice {
	case "send":
		// The same rules as POST /users/{id}/activation-email, for the account as it will be.
		probe := *after
		probe.Status = app.StatusCreated
		if c := s.authz.Capabilities(actor, &probe).Actions["activate"]; !c.Allowed {
			return &app.Error{Code: app.EFORBIDDEN, Message: orDefault(c.Reason, "You may not send this account's activation email."),
				Fields: map[string]string{"activationEmail": orDefault(c.Reason, "You may not send this account's activation email.")}}
		}
		if after.Leaver {
			return app.Errorf(app.ECONFLICT, "This account is marked as a leaver: it gets no activation email until an organisation claims it.")
		}
		if after.IsExternal && (p.ConfirmSSO == nil || !*p.ConfirmSSO) {
			return &app.Error{Code: app.ECONFLICT, Message: ssoConfirmMessage, Extra: map[string]any{"confirm": "confirmSso"}}
		}
		now := s.now()
		after.Status, after.ActivationSentAt = app.StatusPending, &now
		return s.issueActivation(tx, after) // lifecycle.go: token and mail, in this transaction
	case "later":
		after.Status = app.StatusCreated
	default:
		return app.FieldErrors("Choose whether to send the activation email now.", map[string]string{
			"activationEmail": `Changing a 1-time completion account's type needs "send" (send the activation email now) or "later".`})
	}
	return nil
}

// staleError is the 412 answer: the record as it is now, and who changed it, so the console
// can show what changed and offer to reload.
func staleError(current *UserView) error {
	return &app.Error{Code: app.ESTALE,
		Message: fmt.Sprintf("Someone else changed this account (%s) since you opened it. Reload to see their changes, then make yours again.", current.UpdatedBy),
		Extra:   map[string]any{"current": current, "changedBy": current.UpdatedBy, "changedAt": current.UpdatedAt}}
}

// DeleteUser deletes an account.
func (s *Service) DeleteUser(actor *app.User, id string, src app.Source) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var gone *app.User
	err := s.store.Update(func(tx app.Tx) error {
		u, err := tx.User(id)
		if err != nil || !s.canView(actor, u) {
			return errNoUser
		}
		if c := s.authz.Capabilities(actor, u).Actions["delete"]; !c.Allowed {
			return app.Errorf(app.EFORBIDDEN, "%s", orDefault(c.Reason, "You may not delete this account."))
		}
		if err := tx.DeleteUser(id); err != nil {
			return err
		}
		gone = u
		return tx.AddAudit(&app.AuditRecord{At: s.now(), ActorID: actorID(actor), ActorEmail: actorEmail(actor), TokenID: tokenID(actor), Token: tokenName(actor), Source: src,
			Action: "user.delete", TargetType: "user", TargetID: id, TargetName: u.Username, Changes: Diff(u, &app.User{})})
	})
	if err != nil {
		return err
	}
	s.authz.DeleteUser(id)
	s.index.Delete(id)
	s.looks.drop(gone)
	s.notify.RightsChanged([]string{gone.ID})
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TransferResult is the outcome of a bulk transfer for one user.
type TransferResult struct {
	ID      string `json:"id"`
	OK      bool   `json:"ok"`
	Message string `json:"message,omitempty"`
}

// Transfer moves users to another unit of the same organisation, each on its own.
func (s *Service) Transfer(actor *app.User, ids []string, unitID string, src app.Source) ([]TransferResult, error) {
	if len(ids) == 0 {
		return nil, app.FieldErrors("Choose the users to move.", map[string]string{"userIds": "Choose at least one user."})
	}
	if len(ids) > 10_000 {
		return nil, app.FieldErrors("Too many users at once.", map[string]string{"userIds": "Move at most 10,000 users at a time."})
	}
	var target *app.Unit
	err := s.store.View(func(tx app.Tx) (err error) { target, err = tx.Unit(unitID); return })
	if err != nil || !s.authz.Can(actor, app.PermUsersMove, unitID) {
		return nil, app.FieldErrors("Choose a unit you may move users into.", map[string]string{"unitId": "No unit you may move users into has this id."})
	}
	out := make([]TransferResult, 0, len(ids))
	for _, id := range ids {
		cur, err := s.User(actor, id)
		if err != nil {
			out = append(out, TransferResult{ID: id, Message: "User not found."})
			continue
		}
		if cur.UnitID == unitID {
			out = append(out, TransferResult{ID: id, OK: true, Message: "Already in " + target.Name + "."})
			continue
		}
		unit := unitID
		_, err = s.PatchUser(actor, id, cur.Version, &UserPatch{UnitID: &unit}, src)
		if err != nil {
			out = append(out, TransferResult{ID: id, Message: errText(err)})
			continue
		}
		out = append(out, TransferResult{ID: id, OK: true, Message: "Moved to " + target.Name + "."})
	}
	return out, nil
}

func errText(err error) string {
	if e, ok := err.(*app.Error); ok {
		msg := e.Message
		for f, m := range e.Fields {
			msg += " " + f + ": " + m
		}
		return msg
	}
	return "Something went wrong."
}

// Audit returns audit records the actor may read: with audit.view everywhere, every record;
// with audit.view over some units, the records about users they can see. Authentication URLs
// of users whose primary organisation the actor has no access to are hidden (seed 004).
func (s *Service) Audit(actor *app.User, f app.AuditFilter) ([]app.AuditRecord, string, error) {
	items, next, err := s.audit(actor, f)
	if err != nil {
		return nil, "", err
	}
	return s.hideAuthURLs(actor, items), next, nil
}

// hiddenValue stands for an audited value the reader may not see.
const hiddenValue = "(hidden)"

// hideAuthURLs replaces the authentication URL's values in records about users whose primary
// organisation actor has no access to, as their page does not show the field. A deleted user's
// organisation is unknown: its values are shown only to those who see every organisation.
func (s *Service) hideAuthURLs(actor *app.User, recs []app.AuditRecord) []app.AuditRecord {
	sees := map[string]bool{}
	for i := range recs {
		rec := &recs[i]
		k := slices.IndexFunc(rec.Changes, func(c app.FieldChange) bool { return c.Field == "authUrl" })
		if rec.TargetType != "user" || k < 0 {
			continue
		}
		may, known := sees[rec.TargetID]
		if !known {
			target := &app.User{ID: rec.TargetID}
			_ = s.store.View(func(tx app.Tx) error {
				if u, err := tx.User(rec.TargetID); err == nil {
					target = u
				}
				return nil
			})
			may = s.authz.SeesPrimary(actor, target)
			sees[rec.TargetID] = may
		}
		if may {
			continue
		}
		hide := func(v any) any {
			if v == nil || v == "" {
				return v
			}
			return hiddenValue
		}
		changes := append([]app.FieldChange(nil), rec.Changes...) // the records may share their slices
		changes[k] = app.FieldChange{Field: "authUrl", Before: hide(changes[k].Before), After: hide(changes[k].After)}
		rec.Changes = changes
	}
	return recs
}

func (s *Service) audit(actor *app.User, f app.AuditFilter) ([]app.AuditRecord, string, error) {
	global := s.authz.CanGlobal(actor, app.PermAuditView)
	if f.TargetID != "" && !global {
		var u *app.User
		err := s.store.View(func(tx app.Tx) (err error) { u, err = tx.User(f.TargetID); return })
		if err != nil || !s.authz.Can(actor, app.PermAuditView, u.UnitID) {
			return nil, "", app.Errorf(app.EFORBIDDEN, "You need the audit.view permission over this user's unit to read their history.")
		}
		return s.store.Audit(f)
	}
	if global {
		return s.store.Audit(f)
	}
	if !contains(s.authz.Permissions(actor), app.PermAuditView) {
		return nil, "", app.Errorf(app.EFORBIDDEN, "You need the audit.view permission to read the audit log.")
	}
	// Scoped auditors: keep records about users they may audit now; page until full.
	want := f.Limit
	if want <= 0 || want > 500 {
		want = 100
	}
	var out []app.AuditRecord
	next := f.Cursor
	for pages := 0; pages < 50 && len(out) < want; pages++ {
		f.Cursor, f.Limit = next, want
		items, n, err := s.store.Audit(f)
		if err != nil {
			return nil, "", err
		}
		for _, rec := range items {
			if rec.TargetType != "user" {
				continue
			}
			if v, err := s.User(actor, rec.TargetID); err == nil && s.authz.Can(actor, app.PermAuditView, v.UnitID) {
				out = append(out, rec)
			}
		}
		next = n
		if next == "" {
			break
		}
	}
	return out, next, nil
}
