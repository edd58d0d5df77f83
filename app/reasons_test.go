package app

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
)

// TestEveryReasonTemplateGivesItsCode: each template, filled in with parameters, is read back
// as its own code with those parameters in order. With names full of spaces and punctuation
// (as units and roles have) a text can split more than one way where two parameters are only a
// space or a comma apart; the code is still its own and the parameters still make the same
// sentence. A sentence from elsewhere has no code.
func TestEveryReasonTemplateGivesItsCode(t *testing.T) {
	holder := regexp.MustCompile(`\{(\d)\}`)
	fill := func(tpl string, param func(i int) string) (string, []string) {
		var params []string
		text := holder.ReplaceAllStringFunc(tpl, func(string) string {
			p := param(len(params))
			params = append(params, p)
			return p
		})
		if params == nil {
			params = []string{}
		}
		return text, params
	}
	for _, code := range ReasonCodes() {
		tpl := ReasonTemplate(code)
		text, want := fill(tpl, func(i int) string { return fmt.Sprintf("Name%d", i) })
		if rc := CodeOf(text); rc == nil || rc.Code != code || !slices.Equal(rc.Params, want) {
			t.Errorf("%q: got %+v, want code %s with %q", text, rc, code, want)
		}
		text, _ = fill(tpl, func(i int) string { return fmt.Sprintf("Ward %c (St. Mary's, level %d)", 'A'+i, i+2) })
		rc := CodeOf(text)
		if rc == nil || rc.Code != code {
			t.Errorf("%q: got %+v, want code %s", text, rc, code)
			continue
		}
		if again, _ := fill(tpl, func(i int) string { return rc.Params[i] }); again != text {
			t.Errorf("%s: params %q make %q, not %q", code, rc.Params, again, text)
		}
	}
	for _, s := range []string{"", "Something went wrong on the server.", "No role gives"} {
		if rc := CodeOf(s); rc != nil {
			t.Errorf("%q has code %+v", s, rc)
		}
	}
}

func TestAppendReasonCode(t *testing.T) {
	got := string(AppendReasonCode([]byte(`{"reason":"x"`), "reason", `No role gives Move users over Ward "A" & <B>.`))
	want := `{"reason":"x","reasonCode":"no-role-gives-x-over-x","reasonParams":["Move users","Ward \"A\" \u0026 \u003cB\u003e"]`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := string(AppendReasonCode(nil, "reason", "Not a server reason")); got != "" {
		t.Fatalf("a sentence with no code wrote %s", got)
	}
}

// BenchmarkFindCode is the cost of reading a sentence's code the first time (CodeOf remembers
// it after): a sentence with parameters and one with no code, which tries every template.
func BenchmarkFindCode(b *testing.B) {
	for _, text := range []string{"No role gives Edit users over Ward 7 (St. Mary's).", "A sentence from elsewhere, with no code."} {
		b.Run(text[:8], func(b *testing.B) {
			for range b.N {
				_ = findCode(text)
			}
		})
	}
}
