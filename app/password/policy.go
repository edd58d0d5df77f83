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
// keyboard composed it), not one of the 30,000 most common passwords, not built on the account's
// username, and (zxcvbn) not guessable within about 10^8 tries from its patterns (sequences,
// repeats, keyboard walks, dates, words) and the account's own names. No composition rules.

// MinScore is the zxcvbn score a new password needs: 3 is "safely unguessable: moderate
// protection from offline slow-hash scenario" (about 10^8 guesses or more).
const MinScore = 3

// zxcvbnRunes caps what zxcvbn analyses (its cost grows with the square of the length); the
// rest of a longer password only adds to its strength.
const zxcvbnRunes = 64

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
	CodeDate             = "date"
	CodeGuessable        = "guessable"
)

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
	analysed := pw
	if n > zxcvbnRunes {
		analysed = string([]rune(pw)[:zxcvbnRunes])
	}
	res := zxcvbn.PasswordStrength(analysed, inputs)
	if res.Score >= MinScore {
		return nil
	}
	return weakness(res)
}

// weakness names the pattern that makes a password guessable: the longest match zxcvbn found.
func weakness(res zxcvbn.Result) *Problem {
	pattern, dict := "", ""
	longest := -1
	for _, m := range res.Sequence {
		if l := m.J - m.I; l > longest && m.Pattern != "bruteforce" {
			longest, pattern, dict = l, m.Pattern, m.DictionaryName
		}
	}
	switch {
	case pattern == "dictionary" && dict == "user_inputs":
		return &Problem{CodePersonal, "Don't build your password on your name, username or organisation."}
	case pattern == "dictionary" && dict == "passwords":
		return &Problem{CodeCommon, "This is built on one of the most common passwords: choose something less predictable."}
	case pattern == "repeat":
		return &Problem{CodeRepeat, "Repeated characters or words are easy to guess: use a few unrelated words."}
	case pattern == "sequence":
		return &Problem{CodeSequence, "Sequences like 1234 or abcd are easy to guess: use a few unrelated words."}
	case pattern == "spatial":
		return &Problem{CodeKeyboard, "Keyboard patterns like qwerty are easy to guess: use a few unrelated words."}
	case pattern == "date":
		return &Problem{CodeDate, "Dates are easy to guess: use a few unrelated words."}
	}
	return &Problem{CodeGuessable, "This password is easy to guess: add another word or two that don't go together."}
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
