package core

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
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
		want, _ := json.Marshal(plain{User: v.User.ListsNotNil(), Capabilities: plainCaps(v.Capabilities), Warnings: v.Warnings})
		if !bytes.Equal(got, want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	}
}

// TestUserJSONEveryField fills every field of app.User by reflection (so a field added to
// app.User and not to appendUserFields fails here) with random values, strings full of
// characters that need escaping, nil and empty lists and times, and compares the hand-written
// encoding with encoding/json's.
func TestUserJSONEveryField(t *testing.T) {
	type plain struct {
		*app.User
		Capabilities app.Capabilities `json:"capabilities"`
	}
	r := rand.New(rand.NewPCG(5, 6))
	words := []string{"", "Ann", "<b>&amp;", "Zoë \"Q\"", "a\\b", "line\nbreak\t\r", "\u2028\u2029", "\xff\xe2\x80", "\x00\x1f", "😀/'"}
	var fill func(v reflect.Value, path string)
	fill = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.String:
			v.SetString(words[r.IntN(len(words))])
		case reflect.Bool:
			v.SetBool(r.IntN(2) == 0)
		case reflect.Int, reflect.Int64:
			v.SetInt(r.Int64N(1<<40) - 1<<39)
		case reflect.Uint64:
			v.SetUint(r.Uint64())
		case reflect.Slice:
			switch r.IntN(3) {
			case 0: // nil
				v.SetZero()
			default:
				s := reflect.MakeSlice(v.Type(), r.IntN(4), 4)
				for i := range s.Len() {
					fill(s.Index(i), path)
				}
				v.Set(s)
			}
		case reflect.Pointer:
			if r.IntN(3) == 0 {
				v.SetZero()
				return
			}
			p := reflect.New(v.Type().Elem())
			fill(p.Elem(), path)
			v.Set(p)
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() {
				tm := time.Unix(r.Int64N(4e9)-1e9, int64(r.IntN(1e9)))
				if r.IntN(2) == 0 {
					tm = tm.UTC()
				} else {
					tm = tm.In(time.FixedZone("x", (r.IntN(48)-24)*1800))
				}
				if r.IntN(5) == 0 {
					tm = time.Time{}
				}
				v.Set(reflect.ValueOf(tm))
				return
			}
			for i := range v.NumField() {
				fill(v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		default:
			t.Fatalf("%s: no random values for %s; teach this test and appendUserFields about it", path, v.Type())
		}
	}
	for i := 0; i < 2000; i++ {
		u := &app.User{}
		fill(reflect.ValueOf(u).Elem(), "User")
		v := &UserView{User: u, Capabilities: app.Capabilities{Fields: map[string]app.Capability{"a": {Editable: true}}}}
		got, err := v.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		// Lists are [] where encoding/json writes null: ListsNotNil is the reference for that.
		want, err := json.Marshal(plain{User: u.ListsNotNil(), Capabilities: v.Capabilities})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	}
	// A time encoding/json refuses is an error here too.
	bad := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := (&UserView{User: &app.User{LastLoginAt: &bad}}).AppendJSON(nil); err == nil {
		t.Fatal("a year past 9999 encoded")
	}
}

// TestUserViewJSONHidesAuthURL: a view that hides the authentication URL writes every other
// member as encoding/json would, no authUrl member at all, and names it in "hidden".
func TestUserViewJSONHidesAuthURL(t *testing.T) {
	u := &app.User{ID: "u1", Username: "sso@example.org", IsExternal: true, IdentityProvider: "IdP", AuthURL: "https://idp.example/secret"}
	v := &UserView{User: u, Capabilities: app.Capabilities{Fields: map[string]app.Capability{}, Actions: map[string]app.ActionCapability{}},
		Hidden: []string{"authUrl"}}
	got, err := v.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	var m, want map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	plain, _ := json.Marshal(&UserView{User: u, Capabilities: v.Capabilities})
	_ = json.Unmarshal(plain, &want)
	delete(want, "authUrl")
	want["hidden"] = []any{"authUrl"}
	if !reflect.DeepEqual(m, want) || bytes.Contains(got, []byte("secret")) {
		t.Fatalf("got  %s\nwant %v", got, want)
	}
}
