package csvio

import (
	"encoding/csv"
	"io"
	"strings"
)

// Writer writes CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads accents
// right), LF line ends (CRLF would drop a CR inside a cell), and every cell escaped against
// formula injection.
type Writer struct {
	w   *csv.Writer
	out []string // the escaped cells of the record being written, reused
}

// NewWriter starts a CSV file on w, writing the byte-order mark.
func NewWriter(w io.Writer) (*Writer, error) { return NewWriterComma(w, ',') }

// NewWriterComma is NewWriter with another delimiter: ';' is what Excel opens in the locales
// whose decimal separator is a comma.
func NewWriterComma(w io.Writer, comma rune) (*Writer, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.Comma = comma
	return &Writer{w: cw}, nil
}

// ParseDelimiter reads a delimiter's name: comma (the default), semicolon or tab.
func ParseDelimiter(name string) (rune, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "comma", ",":
		return ',', true
	case "semicolon", ";":
		return ';', true
	case "tab", "\t":
		return '\t', true
	}
	return 0, false
}

// Write writes one record, escaping each cell.
func (w *Writer) Write(cells []string) error {
	w.out = w.out[:0]
	for _, c := range cells {
		w.out = append(w.out, Escape(c))
	}
	return w.w.Write(w.out)
}

// Flush writes buffered records and reports any write error.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

// triggers are the first characters that make a spreadsheet treat a cell as a formula.
const triggers = "=+-@\t\r"

// needsEscape reports whether s would be read as a formula, or is already an escaped-looking
// value (apostrophes then a trigger) that must keep its apostrophes through a round trip.
func needsEscape(s string) bool {
	t := strings.TrimLeft(s, "'")
	return t != "" && strings.IndexByte(triggers, t[0]) >= 0
}

// Escape defuses a cell against formula injection (OWASP): a cell that starts with = + - @ tab
// or CR gets a leading apostrophe, which spreadsheets show as text. Unescape undoes it, so
// Unescape(Escape(s)) == s for every s.
func Escape(s string) string {
	if needsEscape(s) {
		return "'" + s
	}
	return s
}

// Unescape removes the apostrophe Escape added.
func Unescape(s string) string {
	if strings.HasPrefix(s, "'") && needsEscape(s) {
		return s[1:]
	}
	return s
}

// RowWriter writes the rows of a users file: a CSV Writer or an XLSXWriter.
type RowWriter interface {
	Write(cells []string) error
	Flush() error
}

// Format is how a users file is written: CSV with a delimiter, or an Excel workbook.
type Format struct {
	Comma rune // ',' when zero
	XLSX  bool
}

// NewRowWriter starts a users file of format f on w.
func NewRowWriter(w io.Writer, f Format) (RowWriter, error) {
	if f.XLSX {
		return NewXLSXWriter(w)
	}
	if f.Comma == 0 {
		f.Comma = ','
	}
	return NewWriterComma(w, f.Comma)
}
