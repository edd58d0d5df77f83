package core

import (
	"userdesk/app"
	"userdesk/app/password"
)

// passwordContext is what a new password of u must not be built on: its username and the
// names a guesser tries first (its own, its organisation's).
func passwordContext(u *app.User, r *refs) password.Context {
	ctx := password.Context{Username: u.Username, Names: []string{u.FirstName, u.LastName, u.DisplayName}}
	if r != nil {
		if o := r.units[u.PrimaryOrgID]; o != nil {
			ctx.Names = append(ctx.Names, o.Name)
		}
	}
	return ctx
}

// userPasswordContext reads u's context through a read transaction.
func (s *Service) userPasswordContext(u *app.User) (password.Context, error) {
	var r *refs
	err := s.store.View(func(tx app.Tx) (err error) { r, err = s.currentRefs(tx); return })
	return passwordContext(u, r), err
}

// PasswordProblem says why pw may not become the password of an account, for the console to
// show while the user types (nil: it may). The account is the actor's own when token is "",
// else the one the activation or reset link token belongs to (an unusable link is an error).
func (s *Service) PasswordProblem(actor *app.User, purpose app.TokenPurpose, token, pw string) (*password.Problem, error) {
	u := actor
	if token != "" || actor == nil {
		err := s.store.View(func(tx app.Tx) (err error) { _, u, err = s.lookToken(tx, purpose, token); return })
		if err != nil {
			return nil, err
		}
	} else if fresh, err := s.currentUser(actor.ID); err == nil {
		u = fresh
	}
	ctx, err := s.userPasswordContext(u)
	if err != nil {
		return nil, err
	}
	return password.Evaluate(pw, ctx), nil
}

// currentUser reads an account as stored now.
func (s *Service) currentUser(id string) (*app.User, error) {
	var u *app.User
	err := s.store.View(func(tx app.Tx) (err error) { u, err = tx.User(id); return })
	return u, err
}
