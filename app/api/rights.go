package api

import (
	"github.com/gofiber/fiber/v2"

	"userdesk/app"
	"userdesk/app/authz"
)

// explainer is the part of the authorizer that answers "Why?".
type explainer interface {
	Explain(actor *app.User, perm app.Permission, unitID string) authz.Explanation
}

// PermissionRight is one permission of an actor over a target user, with its reason.
type PermissionRight struct {
	ID    app.Permission `json:"id"`
	Label string         `json:"label"`
	authz.Explanation
}

type rightsResponse struct {
	Actor        rightsParty       `json:"actor"`
	Target       rightsParty       `json:"target"`
	Permissions  []PermissionRight `json:"permissions"`
	Capabilities app.Capabilities  `json:"capabilities"`
}

type rightsParty struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"displayName"`
}

// userRights answers the effective-rights view: for an actor (the signed-in user unless
// ?actor= names another) and a target user, every scoped permission with the grant that gives
// it or the reason it is missing, and the field and action capabilities. Looking at someone
// else's rights needs the Manage roles permission everywhere, and both users must be visible.
func (s *Server) userRights(c *fiber.Ctx) error {
	me := actorOf(c)
	target, err := s.dir.User(me, c.Params("id"))
	if err != nil {
		return err
	}
	actor := me
	if id := c.Query("actor"); id != "" && id != me.ID {
		if !s.authz.CanGlobal(me, app.PermConfigRoles) {
			return app.Errorf(app.EFORBIDDEN, "Looking at another user's rights needs the Manage roles permission everywhere.")
		}
		other, err := s.dir.User(me, id)
		if err != nil {
			return app.FieldErrors("Unknown actor.", map[string]string{"actor": "No user you can see has this id."})
		}
		actor = other.User
	}
	ex, ok := s.authz.(explainer)
	if !ok {
		return app.Errorf(app.EINTERNAL, "This authorizer cannot explain its decisions.")
	}
	resp := rightsResponse{
		Actor:        rightsParty{actor.ID, actor.Username, actor.DisplayName},
		Target:       rightsParty{target.ID, target.Username, target.DisplayName},
		Capabilities: s.authz.Capabilities(actor, target.User),
	}
	for _, p := range app.Catalogue {
		if !p.Scoped {
			continue
		}
		resp.Permissions = append(resp.Permissions, PermissionRight{ID: p.ID, Label: p.Label,
			Explanation: ex.Explain(actor, p.ID, target.UnitID)})
	}
	return c.JSON(resp)
}
