package core

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"userdesk/app"
)

// Security notices: the holder of an account is told, by mail, when its password changes, when
// a reset link is used, when its email address changes (at the old address, which a hijacker
// cannot silence), and when it gains or loses an admin role — each naming who did it. They are
// written in the transaction of the change, so that one exists exactly when the other does, and
// the SMTP relay (when configured) takes them once it has committed (relayMail).

// noticeFooter ends every notice: what to do when the change is a surprise.
const noticeFooter = "If you did not expect this change, tell your administrator at once: someone else may be using your account."

// byWhom names the actor of a change as the notice says it.
func byWhom(actor *app.User, self *app.User) string {
	switch {
	case actor == nil:
		return "by " + app.ProductName + " (system)"
	case self != nil && actor.ID == self.ID:
		return "by you (" + actor.Username + ")"
	}
	return "by " + actor.Username
}

func noticeTime(t time.Time) string { return t.UTC().Format("2 January 2006 at 15:04 UTC") }

// notice writes one notice in tx when a mailer is set (without one nothing can be mailed, and
// the change goes ahead).
func (s *Service) notice(tx app.Tx, u *app.User, to, subject string, paragraphs ...string) error {
	m := s.Mailer()
	if m == nil {
		return nil
	}
	_, err := m.Notice(tx, u, to, subject, append(paragraphs, noticeFooter))
	return err
}

// noticePasswordChanged tells u its password was changed (how says where: "in My Account").
func (s *Service) noticePasswordChanged(tx app.Tx, actor, u *app.User, how string, at time.Time) error {
	return s.notice(tx, u, "", "Your "+app.ProductName+" password was changed",
		fmt.Sprintf("The password of your %s account %s was changed %s, %s, on %s. Your other sessions have ended.",
			app.ProductName, u.Username, how, byWhom(actor, u), noticeTime(at)))
}

// noticePasswordReset tells u a reset link was used.
func (s *Service) noticePasswordReset(tx app.Tx, u *app.User, at time.Time) error {
	return s.notice(tx, u, "", "Your "+app.ProductName+" password was reset",
		fmt.Sprintf("The password of your %s account %s was reset on %s by someone who opened the reset link sent to %s. "+
			"Every session of the account has ended.", app.ProductName, u.Username, noticeTime(at), recipientOf(u)))
}

func recipientOf(u *app.User) string {
	if u.Email != "" {
		return u.Email
	}
	return u.Username
}

// noticeChanges writes the notices a change of an account calls for: its email address (to the
// old one) and its admin or config roles. r names roles and units (nil: ids).
func (s *Service) noticeChanges(tx app.Tx, actor, before, after *app.User, r *refs, at time.Time) error {
	if before == nil {
		return nil
	}
	if old, cur := recipientOf(before), recipientOf(after); !strings.EqualFold(old, cur) {
		if err := s.notice(tx, after, old, "The email address of your "+app.ProductName+" account was changed",
			fmt.Sprintf("The email address of your %s account was changed from %s to %s %s on %s. "+
				"Mail about the account now goes to the new address; this notice goes to the old one.",
				app.ProductName, old, cur, byWhom(actor, before), noticeTime(at))); err != nil {
			return err
		}
	}
	granted, removed := roleChanges(before, after, r)
	if len(granted) > 0 {
		if err := s.notice(tx, after, "", "You were given an admin role in "+app.ProductName,
			fmt.Sprintf("Your %s account %s was given %s %s on %s.", app.ProductName, after.Username,
				strings.Join(granted, "; "), byWhom(actor, after), noticeTime(at))); err != nil {
			return err
		}
	}
	if len(removed) > 0 {
		if err := s.notice(tx, after, "", "An admin role was removed from your "+app.ProductName+" account",
			fmt.Sprintf("Your %s account %s no longer has %s: removed %s on %s.", app.ProductName, after.Username,
				strings.Join(removed, "; "), byWhom(actor, after), noticeTime(at))); err != nil {
			return err
		}
	}
	return nil
}

// roleChanges describes the admin roles (role over unit) and config roles granted and removed.
func roleChanges(before, after *app.User, r *refs) (granted, removed []string) {
	grant := func(g app.Grant) string {
		role, unit := g.RoleID, g.UnitID
		if r != nil {
			if x := r.roles[g.RoleID]; x != nil {
				role = x.Name
			}
			if x := r.units[g.UnitID]; x != nil {
				unit = x.Name
			}
		}
		return "the admin role " + role + " over " + unit
	}
	config := func(id string) string {
		if r != nil {
			if x := r.roles[id]; x != nil {
				return "the config role " + x.Name
			}
		}
		return "the config role " + id
	}
	for _, g := range after.AdminRoles {
		if !slices.Contains(before.AdminRoles, g) {
			granted = append(granted, grant(g))
		}
	}
	for _, g := range before.AdminRoles {
		if !slices.Contains(after.AdminRoles, g) {
			removed = append(removed, grant(g))
		}
	}
	for _, id := range after.RoleIDs {
		if !slices.Contains(before.RoleIDs, id) {
			granted = append(granted, config(id))
		}
	}
	for _, id := range before.RoleIDs {
		if !slices.Contains(after.RoleIDs, id) {
			removed = append(removed, config(id))
		}
	}
	if before.AccountType != app.SuperAdmin && after.AccountType == app.SuperAdmin {
		granted = append(granted, "the Super admin account type")
	}
	if before.AccountType == app.SuperAdmin && after.AccountType != app.SuperAdmin {
		removed = append(removed, "the Super admin account type")
	}
	return granted, removed
}
