package core

import (
	"strings"
	"testing"
)

func TestNormalAddress(t *testing.T) {
	for _, tc := range []struct{ in, want, reason string }{
		{"ann@acme.example", "ann@acme.example", ""},
		{"Ann.Smith+tag@Acme.Example", "Ann.Smith+tag@Acme.Example", ""},
		{"zoe\u0308@acme.example", "zo\u00eb@acme.example", ""},                                // NFC
		{"\uff41\uff4e\uff4e@acme.example", "ann@acme.example", ""},                            // full width folded
		{"ann@B\u00fccher.example", "ann@b\u00fccher.example", ""},                             // IDNA maps case
		{"ann@xn--bcher-kva.example", "ann@b\u00fccher.example", ""},                           // punycode shown as Unicode
		{"\u0430\u0441\u043e@acme.example", "\u0430\u0441\u043e@acme.example", ""},             // one script
		{"\u5c71\u7530\u3055\u3093@acme.example", "\u5c71\u7530\u3055\u3093@acme.example", ""}, // Han and Hiragana
		{"admin@userdesk.local\u200b", "", "invisible character (U+200B)"},
		{"ad\u00admin@acme.example", "", "invisible character (U+00AD)"},
		{"ad\ufe0fmin@acme.example", "", "invisible character (U+FE0F)"},
		{"\u2067admin@acme.example", "", "text-direction control character (U+2067)"},
		{"p\u0430ypal@acme.example", "", "mixes scripts (Latin and Cyrillic)"},
		{"ann@p\u0430ypal.example", "", "domain part that mixes scripts"},
		{"ann@exa_mple.org", "", "valid domain name"},
		{"ann@-acme.example", "", "valid domain name"},
		{"ann@xn--zz.example", "", "valid domain name"},
		{"ann@acme", "", "valid domain name"},
		{"ann\xff@acme.example", "", "invalid UTF-8"},
		{"a b@acme.example", "", "must be an email address"},
		{"no-at-sign", "", "must be an email address"},
	} {
		got, reason := normalAddress(tc.in, "Username")
		if tc.reason == "" && (reason != "" || got != tc.want) {
			t.Errorf("normalAddress(%q) = %q, %q; want %q", tc.in, got, reason, tc.want)
		}
		if tc.reason != "" && !strings.Contains(reason, tc.reason) {
			t.Errorf("normalAddress(%q) reason %q, want it to say %q", tc.in, reason, tc.reason)
		}
	}
}

func TestIdentityKey(t *testing.T) {
	same := [][]string{
		{"admin@userdesk.local", "ADMIN@userdesk.local", "adrnin@userdesk.local", "\uff41dmin@userdesk.local"},
		{"aco@acme.example", "\u0430\u0441\u043e@acme.example"},
		{"mallory@acme.example", "ma11ory@acme.example"},
		{"j0hn@acme.example", "john@acme.example"},
	}
	for _, group := range same {
		for _, u := range group[1:] {
			if identityKey(u) != identityKey(group[0]) {
				t.Errorf("identityKey(%q) = %q, identityKey(%q) = %q: want equal", u, identityKey(u), group[0], identityKey(group[0]))
			}
		}
	}
	if identityKey("ann@acme.example") == identityKey("bob@acme.example") {
		t.Error("different names share a key")
	}
	// The ASCII path agrees with the general one.
	for _, s := range []string{"Mallory.O'Neil+1@Acme-Health.example", "l|1I0Oo`m@x.y"} {
		if got, want := identityKey(s), identityKey(s + "\u00e9")[:len(identityKey(s))]; got != want {
			t.Errorf("ASCII key of %q = %q, the general path says %q", s, got, want)
		}
	}
}

// The identity path of a row that sets a username (normalAddress, then identityKey for the
// look-alike index): plain ASCII, and an address that needs PRECIS and IDNA.
func BenchmarkIdentityASCII(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, r := normalAddress("mary.jones+ward7@northgate-health.example", "Username"); r != "" {
			b.Fatal(r)
		}
		_ = identityKey("mary.jones+ward7@northgate-health.example")
	}
}

func BenchmarkIdentityUnicode(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, r := normalAddress("zoë.brontë@bücher.example", "Username"); r != "" {
			b.Fatal(r)
		}
		_ = identityKey("zoë.brontë@bücher.example")
	}
}
