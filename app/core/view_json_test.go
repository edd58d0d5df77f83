package core

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"userdesk/app"
)

// TestUserViewJSONMatchesEncodingJSON compares AppendJSON with encoding/json's reflection on
// the same fields, over random users, capabilities and warnings.
func TestUserViewJSONMatchesEncodingJSON(t *testing.T) {
	type plainCaps struct {
		Fields  map[string]app.Capability       `json:"fields"`
		Actions map[string]app.ActionCapability `json:"actions"`
	}
	type plain struct {
		*app.User
		Capabilities plainCaps `json:"capabilities"`
		Warnings     []string  `json:"warnings,omitempty"`
	}
	r := rand.New(rand.NewPCG(3, 4))
	words := []string{"", "Ann", "<b>&amp;", "Zoë \"Q\"", "a\\b", "line\nbreak", "\u2028"}
	word := func() string { return words[r.IntN(len(words))] }
	for i := 0; i < 500; i++ {
		v := &UserView{Capabilities: app.Capabilities{Fields: map[string]app.Capability{}, Actions: map[string]app.ActionCapability{}}}
		if i%9 != 0 {
			login := time.Unix(int64(r.IntN(1e9)), int64(r.IntN(1e9))).UTC()
			v.User = &app.User{ID: word(), Username: word(), FirstName: word(), LastName: word(), JobTitle: word(),
				Enabled: r.IntN(2) == 0, MailboxSizeMB: r.IntN(5000), Version: r.Uint64(), UpdatedAt: login}
			if r.IntN(2) == 0 {
				v.User.LastLoginAt = &login
				v.User.OrgIDs = []string{word(), word()}
				v.User.AdminRoles = []app.Grant{{RoleID: word(), UnitID: word()}}
			}
		}
		for range r.IntN(5) {
			v.Capabilities.Fields[word()+"f"] = app.Capability{Editable: r.IntN(2) == 0, Reason: word()}
			v.Capabilities.Actions[word()+"a"] = app.ActionCapability{Allowed: r.IntN(2) == 0, Reason: word()}
		}
		for range r.IntN(3) {
			v.Warnings = append(v.Warnings, word())
		}
		got, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(plain{User: v.User, Capabilities: plainCaps(v.Capabilities), Warnings: v.Warnings})
		if !bytes.Equal(got, want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	}
}
