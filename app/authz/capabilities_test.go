package authz

import (
	"math/rand"
	"testing"

	"userdesk/app"
)

// TestSameSetFastPath: sameSet, which answers equal lists without building sets, agrees with
// the symmetric difference on random lists, repeats and orders included.
func TestSameSetFastPath(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	list := func() []string {
		if rng.Intn(5) == 0 {
			return nil
		}
		l := make([]string, rng.Intn(4))
		for i := range l {
			l[i] = string(rune('a' + rng.Intn(3)))
		}
		return l
	}
	for i := 0; i < 50000; i++ {
		x, y := list(), list()
		if rng.Intn(3) == 0 {
			y = append([]string(nil), x...)
		}
		if got, want := sameSet(x, y), len(symmetricDiff(x, y)) == 0; got != want {
			t.Fatalf("sameSet(%q, %q) = %v, want %v", x, y, got, want)
		}
	}
}

func TestSeesPrimary(t *testing.T) {
	a, actors := fixture(t)
	inB := with(user("t-b", "u-sales", "org-b"), func(u *app.User) { u.OrgIDs = []string{"org-b", "org-a"} })
	tests := []struct {
		actor  string
		target *app.User
		want   bool
	}{
		{"super", inB, true},
		{"config", inB, true}, // View users everywhere
		{"orgAdmin", inB, false},
		{"ouAdmin", inB, false},
		{"orgAdmin", user("t-a", "u-sales", "org-a"), true},
		{"helpdesk", user("t-a", "u-sales", "org-a"), true}, // View users within org-a
		{"plain", user("t-a", "u-sales", "org-a"), false},
		{"orgAdmin", &app.User{ID: "gone"}, false}, // a deleted account: no organisation known
		{"config", &app.User{ID: "gone"}, true},
	}
	for _, tt := range tests {
		if got := a.SeesPrimary(actors[tt.actor], tt.target); got != tt.want {
			t.Errorf("SeesPrimary(%s, %s) = %v, want %v", tt.actor, tt.target.ID, got, tt.want)
		}
	}
	if !a.SeesPrimary(actors["plain"], actors["plain"]) {
		t.Error("one's own account")
	}
	if a.SeesPrimary(nil, inB) {
		t.Error("nobody signed in")
	}
}
