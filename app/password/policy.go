package password

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/frequency"
	"golang.org/x/text/unicode/norm"

	"userdesk/app"
)

// The rules for a new password follow NIST SP 800-63B §3.1.1.2: at least MinLength characters
// of valid UTF-8, normalised to NFC (so that the same typed password matches whichever way a
// keyboard composed it), and not on a blocklist: the 30,000 most common passwords (zxcvbn's
// list, also with digits or punctuation added around one), the account's username and names,
// and the trivial patterns (one piece repeated, a run along the alphabet, the digits or a
// keyboard row). Those checks come first because each has a precise reason to show. Last,
// zxcvbn's estimator must put the password at 10^8 guesses or more (score 3), with the
// username, names and organisation as its user inputs: no list of the 100,000 most common
// passwords is published on the registries reachable here, and the estimator refuses every
// such password and the common words, names, dates and l33t spellings around them too. Its
// dictionaries cost about 20 ms and 10 MB at start (docs/BENCHMARKS.md). No composition rules.

// Problem codes: stable, so that the console can say them in the user's language.
const (
	CodeInvalidText      = "invalid-text"
	CodeTooShort         = "too-short"
	CodeTooLong          = "too-long"
	CodeCommon           = "common"
	CodeContainsUsername = "contains-username"
	CodePersonal         = "personal"
	CodeRepeat           = "repeat"
	CodeSequence         = "sequence"
	CodeKeyboard         = "keyboard"
	CodeGuessable        = "guessable"
)

// MinScore is the zxcvbn score a new password needs: 3, at least 10^8 guesses.
const MinScore = 3

// Problem says why a password is refused.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Context is what a password must not be built on: the account's username and the names a
// guesser would try first (first and last name, display name, organisation).
type Context struct {
	Username string
	Names    []string
}

// common is zxcvbn's list of the 30,000 most common passwords, as a set built on first use
// (not at start: most runs never set a password).
var common = sync.OnceValue(func() map[string]struct{} {
	list := frequency.FrequencyLists["passwords"]
	m := make(map[string]struct{}, len(list))
	for _, p := range list {
		m[p] = struct{}{}
	}
	return m
})

// Normalize is the form a password is hashed and compared in: Unicode NFC.
func Normalize(pw string) string {
	if isASCII(pw) {
		return pw
	}
	return norm.NFC.String(pw)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Evaluate returns why pw may not be a new password for the account ctx describes, or nil.
func Evaluate(pw string, ctx Context) *Problem {
	// A JSON decoder turns invalid bytes into U+FFFD, so that twelve invalid bytes would all be
	// the same password: neither is text anyone types.
	if !utf8.ValidString(pw) || strings.ContainsRune(pw, utf8.RuneError) {
		return &Problem{CodeInvalidText, "This password has bytes that aren't text (invalid UTF-8): type it again."}
	}
	pw = Normalize(pw)
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinLength:
		return &Problem{CodeTooShort, fmt.Sprintf("Use at least %d characters; a few unrelated words work well.", MinLength)}
	case n > MaxLength:
		return &Problem{CodeTooLong, fmt.Sprintf("Use at most %d characters.", MaxLength)}
	}
	lower := strings.ToLower(pw)
	if _, ok := common()[lower]; ok || strings.TrimSpace(pw) == "" {
		return &Problem{CodeCommon, "This is one of the most common passwords: choose something less predictable."}
	}
	user := strings.ToLower(strings.TrimSpace(ctx.Username))
	local := user
	if at := strings.LastIndexByte(user, '@'); at >= 0 {
		local = user[:at]
	}
	if user != "" && (strings.Contains(lower, user) || (utf8.RuneCountInString(local) >= 3 && strings.Contains(lower, local))) {
		return &Problem{CodeContainsUsername, "Don't use your username in your password."}
	}
	inputs := []string{user, local}
	for _, s := range ctx.Names {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			inputs = append(inputs, s, strings.Join(strings.Fields(s), ""))
			inputs = append(inputs, strings.Fields(s)...)
		}
	}
	if builtOn(lower, inputs) {
		return &Problem{CodePersonal, "Don't build your password on your name, username or organisation."}
	}
	switch {
	case builtOnCommon(lower):
		return &Problem{CodeCommon, "This is one of the most common passwords: choose something less predictable."}
	case repeated(lower):
		return &Problem{CodeRepeat, "Repeated characters or words are easy to guess: use a few unrelated words."}
	case walk(lower, sequences):
		return &Problem{CodeSequence, "Sequences like 1234 or abcd are easy to guess: use a few unrelated words."}
	case walk(lower, keyboards):
		return &Problem{CodeKeyboard, "Keyboard patterns like qwerty are easy to guess: use a few unrelated words."}
	}
	if zxcvbn.PasswordStrength(pw, inputs).Score < MinScore {
		return &Problem{CodeGuessable, "This password would be easy to guess (common words, names, dates or swapped letters): add another unrelated word."}
	}
	return nil
}

// builtOnCommon reports whether a password is a common one with digits, spaces or punctuation
// before or after it ("password2024!", "123qwerty").
func builtOnCommon(lower string) bool {
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	if utf8.RuneCountInString(core) < 4 || core == lower {
		return false
	}
	_, ok := common()[core]
	return ok
}

// repeated reports whether a password is one short piece over and over ("passwordpassword",
// "abcabcabcabc") or holds at most four distinct characters ("aaaabbbb1111").
func repeated(lower string) bool {
	r := []rune(lower)
	for p := 1; p <= len(r)/2; p++ {
		same := true
		for i := p; i < len(r) && same; i++ {
			same = r[i] == r[i-p]
		}
		if same {
			return true
		}
	}
	distinct := map[rune]bool{}
	for _, c := range r {
		distinct[c] = true
	}
	return len(distinct) <= 4
}

// The orders a password may walk along: each doubled, so that a walk may wrap round
// ("123456789012"), and read both ways.
var (
	sequences = []string{"abcdefghijklmnopqrstuvwxyz", "0123456789"}
	keyboards = []string{"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertyuiopasdfghjklzxcvbnm",
		"qazwsxedcrfvtgbyhnujmikolp", "azertyuiop", "qwertzuiop", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p"}
)

// walk reports whether a password, spaces aside, is a stretch of one of the orders, either way.
func walk(lower string, orders []string) bool {
	s := strings.ReplaceAll(lower, " ", "")
	if len(s) < 6 {
		return false
	}
	rev := []rune(s)
	slices.Reverse(rev)
	for _, o := range orders {
		o2 := o + o
		if strings.Contains(o2, s) || strings.Contains(o2, string(rev)) {
			return true
		}
	}
	return false
}

// Check returns an EINVALID error naming field when pw may not be a new password for the
// account ctx describes. The error carries the problem's code as "code".
func Check(pw string, ctx Context, field string) error {
	p := Evaluate(pw, ctx)
	if p == nil {
		return nil
	}
	e := app.FieldErrors("Choose a different password.", map[string]string{field: p.Message})
	e.Extra = map[string]any{"code": p.Code}
	return e
}

// builtOn reports whether a password is little more than the given words (names, the
// username) with spaces, punctuation and digits between them: fewer than six letters of its own.
func builtOn(lower string, inputs []string) bool {
	words := slices.Clone(inputs)
	slices.SortFunc(words, func(a, b string) int { return len(b) - len(a) })
	rest := lower
	for _, w := range words {
		if utf8.RuneCountInString(w) >= 3 {
			rest = strings.ReplaceAll(rest, w, " ")
		}
	}
	if rest == lower {
		return false
	}
	own := 0
	for _, r := range rest {
		if unicode.IsLetter(r) {
			own++
		}
	}
	return own < 6
}
