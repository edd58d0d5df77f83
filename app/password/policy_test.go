package password

import (
	"encoding/base64"
	"os"
	"strings"
	"testing"
)

// TestEvaluate: before the NIST rules only the length was checked, so each of the refused
// passwords below was accepted (invalid UTF-8 became U+FFFD: any twelve invalid bytes were the
// same password).
func TestEvaluate(t *testing.T) {
	ctx := Context{Username: "ann.jones@acme.example", Names: []string{"Ann", "Jones", "Ann Jones", "Acme Health"}}
	for _, tc := range []struct{ pw, code string }{
		{"123456789012", CodeSequence},
		{"passwordpassword", CodeRepeat},
		{strings.Repeat(" ", 12), CodeCommon},
		{"ann.jones@acme.example", CodeContainsUsername},
		{"my name is ann.jones!", CodeContainsUsername},
		{"short", CodeTooShort},
		{strings.Repeat("\xff", 12), CodeInvalidText},
		{strings.Repeat("\ufffd", 12), CodeInvalidText},
		{"qwertyuiopasdf", CodeKeyboard},
		{"aaaaaaaaaaaaaaaa", CodeRepeat},
		{"aaaabbbb1111", ""},
		// Beyond the 30,000-word list: common words with a year, names, l33t spellings.
		{"Liverpool1892", CodeCommon},
		{"Tr0ub4dour&3", CodeGuessable},
		{"monkeybusiness", CodeGuessable},
		{"jordan23jordan", CodeGuessable},
		{"AcmeHealth2026", CodePersonal},
		{"qwerty12345678", ""},
		{"iloveyou123456", CodeCommon},
		{"Password2024!!", CodeCommon},
		{"Acme Health Ann Jones", CodePersonal},
		{strings.Repeat("x", MaxLength+1), CodeTooLong},
		// Accepted:
		{"correct-horse-battery-staple", "ok"},
		{"violet tractor umbrella", "ok"},
		{"Zebra-Kettle-Orbit-9", "ok"},
		{"cafe\u0301 au lait sur la plage", "ok"},
		{"brand new password", "ok"},
		{"heron-quartz-lantern-walk", "ok"},
		{"michael jordan tractor", "ok"},
	} {
		p := Evaluate(tc.pw, ctx)
		switch {
		case tc.code == "ok" && p != nil:
			t.Errorf("Evaluate(%q) = %+v, want accepted", tc.pw, p)
		case tc.code == "" && p == nil:
			t.Errorf("Evaluate(%q) accepted, want refused", tc.pw)
		case tc.code != "" && tc.code != "ok" && (p == nil || p.Code != tc.code):
			t.Errorf("Evaluate(%q) = %+v, want code %s", tc.pw, p, tc.code)
		}
	}
}

// TestNormalisedPasswordsMatch: a password typed composed matches one typed decomposed, and a
// hash made before normalisation still matches the password as it was typed.
func TestNormalisedPasswordsMatch(t *testing.T) {
	composed, decomposed := "caf\u00e9 au lait sur la plage", "cafe\u0301 au lait sur la plage"
	h, err := Hash(decomposed)
	if err != nil {
		t.Fatal(err)
	}
	if !Verify(h, composed) || !Verify(h, decomposed) {
		t.Error("the two forms of one password do not both match")
	}
	old := mustLegacyHash(t, decomposed)
	if !Verify(old, decomposed) {
		t.Error("a hash of the password as typed no longer matches")
	}
}

// mustLegacyHash hashes pw as it is, without normalising, as Hash did before.
func mustLegacyHash(t *testing.T, pw string) string {
	t.Helper()
	salt := make([]byte, saltLen)
	key := derive(pw, salt, memoryKiB, iterations, parallelism, keyLen)
	return "$argon2id$v=19$m=19456,t=2,p=1$" + b64(salt) + "$" + b64(key)
}

func b64(b []byte) string { return base64.RawStdEncoding.EncodeToString(b) }

// TestConsoleSaysEveryCode: the console words each refusal itself, in the user's language
// (frontend/src/lib/password.ts); a code it does not know falls back to the server's English.
func TestConsoleSaysEveryCode(t *testing.T) {
	src, err := os.ReadFile("../../frontend/src/lib/password.ts")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{CodeInvalidText, CodeTooShort, CodeTooLong, CodeCommon, CodeContainsUsername,
		CodePersonal, CodeRepeat, CodeSequence, CodeKeyboard, CodeGuessable} {
		if !strings.Contains(string(src), "case '"+code+"':") {
			t.Errorf("frontend/src/lib/password.ts has no case for the code %q", code)
		}
	}
}
