package core

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/net/idna"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
)

// Identities: usernames and email addresses are compared by what a person sees, not by their
// bytes. An address goes through PRECIS (RFC 8265) for its local part and IDNA (RFC 5891) for
// its domain; invisible characters, direction controls and local parts that mix scripts are
// refused; and two usernames whose UTS #39 skeletons agree are the same name to a reader.

// idnaProfile validates and maps a domain as a browser's address bar would look it up.
var idnaProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false), idna.StrictDomainName(true),
	idna.ValidateLabels(true), idna.CheckHyphens(true), idna.CheckJoiners(true))

// normalAddress checks an email address and returns the form to store: the local part through
// PRECIS UsernameCasePreserved (width folded, NFC; the case kept for display — case never
// tells two accounts apart, see identityKey), the domain in its Unicode form, lower case. A
// non-empty reason says what is wrong, for a person; label names the field ("Username").
//
// Plain ASCII addresses — nearly all of them — take a byte-by-byte path with no allocation.
func normalAddress(s, label string) (string, string) {
	if s == "" || len(s) > maxEmail || strings.ContainsAny(s, " <>\"\t\r\n") {
		return s, label + " must be an email address, like name@example.org."
	}
	if plainAddress(s) && ldhDomain(s[strings.IndexByte(s, '@')+1:]) {
		return s, ""
	}
	if !utf8.ValidString(s) {
		return s, label + " has bytes that are not text (invalid UTF-8)."
	}
	if r, ok := hiddenRune(s); ok {
		what := "an invisible character"
		if bidiControl(r) {
			what = "a text-direction control character"
		}
		return s, fmt.Sprintf("%s has %s (U+%04X) that would make it look like another address: remove it.", label, what, r)
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return s, label + " must be an email address, like name@example.org."
	}
	local, domain := s[:at], s[at+1:]
	loc, err := precis.UsernameCasePreserved.String(local)
	if err != nil {
		return s, label + " has characters that aren't allowed in a username (letters, digits and . _ - + ' are)."
	}
	if scripts, mixed := mixedScripts(loc); mixed {
		return s, fmt.Sprintf("%s mixes scripts (%s) before the @: a look-alike of another address. Use one script.", label, scripts)
	}
	ascii, err := idnaProfile.ToASCII(domain)
	if err != nil || !strings.Contains(ascii, ".") {
		return s, label + " has a domain that isn't a valid domain name, like example.org."
	}
	uni, err := idnaProfile.ToUnicode(ascii)
	if err != nil {
		return s, label + " has a domain that isn't a valid domain name, like example.org."
	}
	for _, l := range strings.Split(uni, ".") {
		if scripts, mixed := mixedScripts(l); mixed {
			return s, fmt.Sprintf("%s has a domain part that mixes scripts (%s): a look-alike of another domain.", label, scripts)
		}
	}
	out := loc + "@" + uni
	if len(out) > maxEmail || !(plainAddress(loc+"@"+ascii) || parsedAddress(loc+"@"+ascii)) {
		return s, label + " must be an email address, like name@example.org."
	}
	return out, ""
}

// NormalAddress is normalAddress for callers outside the directory service (the first Super
// admin's --admin-email): the address to store, or why it is refused.
func NormalAddress(s, label string) (string, string) { return normalAddress(s, label) }

// ldhDomain reports whether an ASCII domain is letters, digits and hyphens in labels of at most
// 63 characters that neither start nor end with a hyphen and are not punycode (xn--): the
// domains IDNA leaves as they are, apart from case.
func ldhDomain(d string) bool {
	start := 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			c := d[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
			continue
		}
		l := d[start:i]
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' || (len(l) >= 4 && l[2] == '-' && l[3] == '-') {
			return false
		}
		start = i + 1
	}
	return true
}

// hiddenRune finds a character a reader cannot see or that reorders what they see: format
// characters (zero-width spaces and joiners, direction controls, the BOM), variation
// selectors, other default-ignorable code points, and any space or control.
func hiddenRune(s string) (rune, bool) {
	for _, r := range s {
		if r < utf8.RuneSelf {
			if r < ' ' || r == 0x7f {
				return r, true
			}
			continue
		}
		if unicode.In(r, unicode.Cf, unicode.Cc, unicode.Zs, unicode.Zl, unicode.Zp, unicode.Variation_Selector,
			unicode.Other_Default_Ignorable_Code_Point) || r == 0x115F || r == 0x1160 || r == 0x3164 || r == 0xFFA0 {
			return r, true
		}
	}
	return 0, false
}

// bidiControl reports whether r is one of the explicit text-direction marks and controls.
func bidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// scriptTables are the scripts mixedScripts tells apart; a letter in none of them counts as
// "Other" (a script that no look-alike attack relies on is still one script).
var scriptTables = []struct {
	name string
	t    *unicode.RangeTable
}{
	{"Latin", unicode.Latin}, {"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek}, {"Armenian", unicode.Armenian},
	{"Hebrew", unicode.Hebrew}, {"Arabic", unicode.Arabic}, {"Cherokee", unicode.Cherokee}, {"Georgian", unicode.Georgian},
	{"Han", unicode.Han}, {"Hiragana", unicode.Hiragana}, {"Katakana", unicode.Katakana}, {"Hangul", unicode.Hangul},
	{"Bopomofo", unicode.Bopomofo}, {"Devanagari", unicode.Devanagari}, {"Thai", unicode.Thai},
	{"Coptic", unicode.Coptic}, {"Ethiopic", unicode.Ethiopic}, {"Tamil", unicode.Tamil}, {"Bengali", unicode.Bengali},
}

// mixedScripts reports whether s uses letters of more than one script (Common and Inherited
// characters — digits, punctuation, combining marks — go with any), as UTS #39's "highly
// restrictive" level does: Han may go with Hiragana and Katakana (Japanese), with Hangul
// (Korean) or with Bopomofo (Chinese), and Latin with any one of those sets.
func mixedScripts(s string) (string, bool) {
	var found []string
	for _, r := range s {
		if r < utf8.RuneSelf {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				found = addScript(found, "Latin")
			}
			continue
		}
		if unicode.In(r, unicode.Common, unicode.Inherited) {
			continue
		}
		name := "Other"
		for _, st := range scriptTables {
			if unicode.Is(st.t, r) {
				name = st.name
				break
			}
		}
		found = addScript(found, name)
	}
	if len(found) <= 1 {
		return "", false
	}
	allowed := func(set ...string) bool {
		for _, f := range found {
			if f != "Latin" && !contains(set, f) {
				return false
			}
		}
		return true
	}
	if allowed("Han", "Hiragana", "Katakana") || allowed("Han", "Hangul") || allowed("Han", "Bopomofo") {
		return "", false
	}
	return strings.Join(found, " and "), true
}

func addScript(list []string, name string) []string {
	if contains(list, name) {
		return list
	}
	return append(list, name)
}

// asciiSkeleton holds, for each ASCII byte, what UTS #39's skeleton maps it to, lower-cased
// (identityKey compares lower-cased skeletons): "m" becomes "rn", "1" and "|" become "l", "0"
// becomes "o".
var asciiSkeleton = func() (t [utf8.RuneSelf]string) {
	for b := range utf8.RuneSelf {
		t[b] = strings.ToLower(confusables.Skeleton(string(rune(b))))
	}
	return t
}()

// asciiSkeletonSame says which ASCII bytes asciiSkeleton leaves as they are.
var asciiSkeletonSame = func() (t [utf8.RuneSelf]bool) {
	for b := range utf8.RuneSelf {
		t[b] = asciiSkeleton[b] == string(rune(b))
	}
	return t
}()

// identityKey is what a reader sees of a username: its case-mapped PRECIS form (lower case,
// width folded, NFC) through UTS #39's skeleton, lower-cased. Two usernames with one key look
// the same; e.g. "admin@x.org", "ADMIN@x.org", "аdmin@x.org" (Cyrillic а) and "adrnin@x.org".
func identityKey(username string) string {
	ascii := true
	for i := 0; i < len(username); i++ {
		if username[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		same := true
		for i := 0; i < len(username) && same; i++ {
			same = asciiSkeletonSame[username[i]]
		}
		if same {
			return username
		}
		var b strings.Builder
		b.Grow(len(username) + 8)
		for i := 0; i < len(username); i++ {
			c := username[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteString(asciiSkeleton[c])
		}
		return b.String()
	}
	s := username
	if at := strings.LastIndexByte(s, '@'); at > 0 {
		if loc, err := precis.UsernameCaseMapped.String(s[:at]); err == nil {
			s = loc + s[at:]
		}
	}
	s = norm.NFC.String(strings.ToLower(s))
	return strings.ToLower(norm.NFC.String(confusables.Skeleton(s)))
}
