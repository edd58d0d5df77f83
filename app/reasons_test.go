package app

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
)

// TestEveryReasonTemplateGivesItsCode: each template, filled in with parameters (names with
// spaces and punctuation, as units and roles have), is read back as its own code with those
// parameters in order; a sentence from elsewhere has no code.
func TestEveryReasonTemplateGivesItsCode(t *testing.T) {
	holder := regexp.MustCompile(`\{(\d)\}`)
	for _, code := range ReasonCodes() {
		tpl := ReasonTemplate(code)
		var want []string
		text := holder.ReplaceAllStringFunc(tpl, func(h string) string {
			p := fmt.Sprintf("Ward %c (St. Mary's, level %d)", 'A'+len(want), len(want)+2)
			want = append(want, p)
			return p
		})
		rc := CodeOf(text)
		if rc == nil || rc.Code != code {
			t.Errorf("%q: got %+v, want code %s", text, rc, code)
			continue
		}
		if want == nil {
			want = []string{}
		}
		if !slices.Equal(rc.Params, want) {
			t.Errorf("%s: params %q, want %q", code, rc.Params, want)
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
