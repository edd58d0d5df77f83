package core

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"userdesk/app"
)

// TestPhoneCharsMatchesPattern checks the byte loop against the pattern it replaced, on every
// single byte and on random strings of the characters that matter.
func TestPhoneCharsMatchesPattern(t *testing.T) {
	re := regexp.MustCompile(`^[0-9+()\-. ]*$`)
	check := func(s string) {
		t.Helper()
		if got, want := phoneChars(s), re.MatchString(s); got != want {
			t.Fatalf("phoneChars(%q) = %v, the pattern says %v", s, got, want)
		}
	}
	for b := 0; b < 256; b++ {
		check(string([]byte{byte(b)}))
		check("+44 " + string([]byte{byte(b)}) + "1")
	}
	alphabet := []string{"0", "9", "+", "(", ")", "-", ".", " ", "a", "x", "/", "\t", "é", "\xff", "٣"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		check(randomString(rng, alphabet, 12))
	}
}

// TestValidEmailMatchesParser checks validEmail, which skips the parser for plain addresses,
// against the parser alone (what it did before) on edge cases and random strings of the
// characters that matter.
func TestValidEmailMatchesParser(t *testing.T) {
	parsed := func(s string) bool {
		return s != "" && len(s) <= maxEmail && !strings.ContainsAny(s, " <>\"\t\r\n") && parsedAddress(s)
	}
	check := func(s string) {
		t.Helper()
		if got, want := validEmail(s), parsed(s); got != want {
			t.Fatalf("validEmail(%q) = %v, the parser says %v", s, got, want)
		}
	}
	for _, s := range []string{"a@b.c", "user1@acme.example", "first.last+tag@sub.example.org", "a..b@c.d", ".a@b.c", "a.@b.c",
		"a@b..c", "a@.b.c", "a@b.c.", "a@b", "@b.c", "a@@b.c", "a@b@c.d", "a(b)@c.d", "\"a b\"@c.d", "é@b.c", "a@é.fr",
		"{x}|~!#$%&'*/=?^_`-@a-b.c", strings.Repeat("a", 250) + "@b.c", strings.Repeat("a", 249) + "@b.c", "a@[1.2.3.4]", "a@b.c,d@e.f"} {
		check(s)
	}
	for b := 0; b < 256; b++ {
		check("a" + string([]byte{byte(b)}) + "b@c.d")
		check("ab@c" + string([]byte{byte(b)}) + ".d")
	}
	alphabet := []string{"a", "Z", "0", ".", "@", "-", "_", "+", "!", "(", ")", ",", ";", ":", "[", "]", "\\", "\"", "é", "\xff", " "}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 100000; i++ {
		s := randomString(rng, alphabet, 10)
		check(s)
		check("x" + s + "@y.z")
		check("x@y" + s + ".z")
	}
}

// randomString joins fewer than maxLen pieces of alphabet picked at random.
func randomString(rng *rand.Rand, alphabet []string, maxLen int) string {
	s := ""
	for n := rng.IntN(maxLen); n > 0; n-- {
		s += alphabet[rng.IntN(len(alphabet))]
	}
	return s
}

// TestRightsChanged compares rightsChanged with the text comparison it replaced on the cases
// where both must agree, and checks that nil and empty lists count as the same.
func TestRightsChanged(t *testing.T) {
	old := func(a, b *app.User) bool {
		return a.AccountType != b.AccountType || fmt.Sprint(a.AdminRoles) != fmt.Sprint(b.AdminRoles) ||
			fmt.Sprint(a.RoleIDs) != fmt.Sprint(b.RoleIDs) || a.Enabled != b.Enabled || a.AllowLogin != b.AllowLogin
	}
	grants := [][]app.Grant{nil, {}, {{RoleID: "r1", UnitID: "u1"}}, {{RoleID: "r1", UnitID: "u2"}},
		{{RoleID: "r1", UnitID: "u1"}, {RoleID: "r2", UnitID: "u1"}}, {{RoleID: "r2", UnitID: "u1"}, {RoleID: "r1", UnitID: "u1"}}}
	roles := [][]string{nil, {}, {"c1"}, {"c2"}, {"c1", "c2"}, {"c2", "c1"}}
	types := []app.AccountType{app.Internal, app.ConfigAdmin}
	var users []*app.User
	for _, g := range grants {
		for _, r := range roles {
			for _, ty := range types {
				for _, flags := range [][2]bool{{true, true}, {false, true}, {true, false}} {
					users = append(users, &app.User{AdminRoles: g, RoleIDs: r, AccountType: ty, Enabled: flags[0], AllowLogin: flags[1]})
				}
			}
		}
	}
	for _, a := range users {
		for _, b := range users {
			if got, want := rightsChanged(a, b), old(a, b); got != want {
				t.Fatalf("rightsChanged(%+v, %+v) = %v, want %v", a, b, got, want)
			}
		}
	}
}
