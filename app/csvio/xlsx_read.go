package csvio

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Reading a workbook. excelize's row iterator decodes the worksheet's XML with encoding/xml,
// about 13 s of CPU for a 100,000-row export (35 columns): a hundred times the CSV reader. The
// worksheet and shared strings are read here instead by a small scanner that knows the few
// elements SpreadsheetML keeps cells in (row, c, v, is, t, r, rPh, f), over the ZIP entry as
// it inflates; the workbook's sheet list and relationships, a few hundred bytes, go through
// encoding/xml. Numbers are given as the shortest decimal that reads back to the stored value
// (no number format is applied: a date typed into a cell reads as its serial number).

// maxCell bounds one tag or cell text: Excel allows 32,767 characters in a cell.
const maxCell = 1 << 20

// openSheet finds the worksheet to read (the first, or the one named Users) and the shared
// strings of the workbook in zr.
func openSheet(zr *zip.Reader) (sheet string, sheets []string, sheetFile *zip.File, shared *sharedStrings, err error) {
	files := map[string]*zip.File{}
	var total uint64
	for _, f := range zr.File {
		files[strings.TrimPrefix(f.Name, "/")] = f
		total += f.UncompressedSize64
	}
	if total > maxUnzipped {
		return "", nil, nil, nil, fileErrorf("The workbook unpacks to more than %d MB; split it into smaller files.", maxUnzipped>>20)
	}
	notWorkbook := fileErrorf("The file is a ZIP archive but not an Excel workbook (.xlsx) that Userdesk can read. " +
		"Save it as \"Excel Workbook (.xlsx)\" or \"CSV UTF-8\" and upload it again.")
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := readXML(files["xl/workbook.xml"], &wb); err != nil {
		return "", nil, nil, nil, notWorkbook
	}
	if err := readXML(files["xl/_rels/workbook.xml.rels"], &rels); err != nil {
		return "", nil, nil, nil, notWorkbook
	}
	target := func(t string) string {
		if strings.HasPrefix(t, "/") {
			return path.Clean(t[1:])
		}
		return path.Join("xl", t)
	}
	byID := map[string]string{}
	sharedName := "xl/sharedStrings.xml"
	for _, r := range rels.Rel {
		byID[r.ID] = target(r.Target)
		if strings.HasSuffix(r.Type, "/sharedStrings") {
			sharedName = target(r.Target)
		}
	}
	if len(wb.Sheets) == 0 {
		return "", nil, nil, nil, fileErrorf("The workbook has no worksheet.")
	}
	pick := 0
	for i, s := range wb.Sheets {
		sheets = append(sheets, s.Name)
		if strings.EqualFold(s.Name, SheetName) && !strings.EqualFold(wb.Sheets[pick].Name, SheetName) {
			pick = i
		}
	}
	sheet = wb.Sheets[pick].Name
	if sheetFile = files[byID[wb.Sheets[pick].ID]]; sheetFile == nil {
		return "", nil, nil, nil, fileErrorf("The worksheet %q is missing from the workbook.", sheet)
	}
	shared = &sharedStrings{}
	if f := files[sharedName]; f != nil {
		if err := shared.read(f); err != nil {
			return "", nil, nil, nil, err
		}
	}
	return sheet, sheets, sheetFile, shared, nil
}

func readXML(f *zip.File, v any) error {
	if f == nil {
		return errors.New("missing")
	}
	if f.UncompressedSize64 > 16<<20 {
		return errors.New("too large")
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v)
}

// sharedStrings is the workbook's table of strings, in one buffer.
type sharedStrings struct {
	text []byte
	ends []uint32 // the end of string i in text; it starts where string i-1 ends
}

func (s *sharedStrings) get(i int) (string, bool) {
	if i < 0 || i >= len(s.ends) {
		return "", false
	}
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return string(s.text[start:s.ends[i]]), true
}

func (s *sharedStrings) read(f *zip.File) error {
	sc, err := newScanner(f)
	if err != nil {
		return err
	}
	defer sc.Close()
	depth := 0 // inside <si>: 1; inside <rPh> (phonetic text, not the cell's): 2
	for {
		tag, err := sc.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case tag.name == "si" && !tag.end:
			depth = 1
			if tag.selfClose {
				s.ends = append(s.ends, uint32(len(s.text)))
				depth = 0
			}
		case tag.name == "si" && tag.end:
			s.ends = append(s.ends, uint32(len(s.text)))
			depth = 0
		case tag.name == "rPh":
			if tag.end {
				depth = 1
			} else if !tag.selfClose {
				depth = 2
			}
		case tag.name == "t" && !tag.end && !tag.selfClose && depth == 1:
			if s.text, err = sc.text(s.text); err != nil {
				return err
			}
			if len(s.text) > maxUnzipped {
				return fileErrorf("The workbook's strings are larger than %d MB.", maxUnzipped>>20)
			}
		}
	}
}

// sheetReader is a rowSource over a worksheet's XML.
type sheetReader struct {
	sc     *scanner
	shared *sharedStrings
	name   string   // the worksheet read
	sheets []string // the workbook's worksheets
	line   int
	row    []string
	buf    []byte
}

func (r *sheetReader) Line() int    { return r.line }
func (r *sheetReader) Close() error { return r.sc.Close() }

// Read returns the cells of the next <row>, placed by their references.
func (r *sheetReader) Read() ([]string, error) {
	for {
		tag, err := r.sc.next()
		if err != nil {
			return nil, r.fail(err)
		}
		if tag.name != "row" || tag.end {
			continue
		}
		if n, err := strconv.Atoi(tag.attr("r")); err == nil && n > r.line {
			r.line = n
		} else {
			r.line++
		}
		r.row = r.row[:0]
		if tag.selfClose {
			return r.row, nil
		}
		if err := r.readRow(); err != nil {
			return nil, r.fail(err)
		}
		return r.row, nil
	}
}

func (r *sheetReader) fail(err error) error {
	if errors.Is(err, io.EOF) {
		return io.EOF
	}
	var fe *FileError
	if errors.As(err, &fe) {
		return err
	}
	return fileErrorf("The worksheet %q could not be read after row %d: %v.", r.name, r.line, err)
}

// readRow reads the cells up to </row>.
func (r *sheetReader) readRow() error {
	for {
		tag, err := r.sc.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		switch {
		case tag.name == "row" && tag.end:
			return nil
		case tag.name == "c" && !tag.end:
			col := len(r.row)
			if ref := tag.attr("r"); ref != "" {
				if c, ok := columnOf(ref); ok {
					col = c
				}
			}
			if col >= MaxColumns {
				return fileErrorf("Row %d has a cell beyond column %d; the users file has at most %d columns.", r.line, MaxColumns, MaxColumns)
			}
			typ := tag.attr("t")
			val := ""
			if !tag.selfClose {
				if val, err = r.readCell(typ); err != nil {
					return err
				}
			}
			for len(r.row) <= col {
				r.row = append(r.row, "")
			}
			r.row[col] = val
		}
	}
}

// readCell reads a cell's value up to </c>.
func (r *sheetReader) readCell(typ string) (string, error) {
	r.buf = r.buf[:0]
	inPhonetic := false
	for {
		tag, err := r.sc.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
		switch {
		case tag.name == "c" && tag.end:
			return r.value(typ)
		case tag.name == "rPh":
			inPhonetic = !tag.end && !tag.selfClose
		case (tag.name == "v" || tag.name == "t") && !tag.end && !tag.selfClose && !inPhonetic:
			if r.buf, err = r.sc.text(r.buf); err != nil {
				return "", err
			}
		}
	}
}

func (r *sheetReader) value(typ string) (string, error) {
	switch typ {
	case "s":
		i, err := strconv.Atoi(string(r.buf))
		s, ok := r.shared.get(i)
		if err != nil || !ok {
			return "", fileErrorf("Row %d refers to a shared string (%q) the workbook does not have.", r.line, r.buf)
		}
		return s, nil
	case "b":
		switch string(r.buf) {
		case "1":
			return "TRUE", nil
		case "0":
			return "FALSE", nil
		}
	case "", "n":
		if f, err := strconv.ParseFloat(string(r.buf), 64); err == nil && f > -1e21 && f < 1e21 {
			return strconv.FormatFloat(f, 'f', -1, 64), nil
		}
	}
	return string(r.buf), nil // inlineStr, str (a formula's text), e (an error such as #N/A), d (ISO date)
}

// columnOf reads the column of a cell reference ("AB12" → 27).
func columnOf(ref string) (int, bool) {
	n := 0
	i := 0
	for ; i < len(ref) && i < 4; i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		n = n*26 + int(c-'a'+1)
	}
	return n - 1, i > 0
}

// scanner reads the tags of an XML document, and the text of an element on request.
type scanner struct {
	rc    io.ReadCloser
	br    *bufio.Reader
	n     int64 // bytes read
	limit int64
	tag   tag
	raw   []byte
}

type tag struct {
	name      string // the local name, without a namespace prefix
	end       bool   // </name>
	selfClose bool   // <name/>
	attrs     []byte // the raw attributes
}

// attr returns the value of the attribute named name (no prefix), unescaped.
func (t *tag) attr(name string) string {
	a := t.attrs
	for len(a) > 0 {
		a = trimSpace(a)
		eq := bytes.IndexByte(a, '=')
		if eq < 0 {
			return ""
		}
		key := bytes.TrimSpace(a[:eq])
		rest := trimSpace(a[eq+1:])
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return ""
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return ""
		}
		if string(key) == name {
			v, _ := unescape(nil, rest[1:1+end])
			return string(v)
		}
		a = rest[end+2:]
	}
	return ""
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	return b
}

func newScanner(f *zip.File) (*scanner, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fileErrorf("The workbook's part %s could not be read: %v.", f.Name, err)
	}
	s := &scanner{rc: rc, limit: maxUnzipped}
	s.br = bufio.NewReaderSize(countingReader{s}, 256<<10)
	return s, nil
}

func (s *scanner) Close() error { return s.rc.Close() }

type countingReader struct{ s *scanner }

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.s.rc.Read(p)
	c.s.n += int64(n)
	if c.s.n > c.s.limit {
		return n, fileErrorf("The workbook unpacks to more than %d MB; split it into smaller files.", maxUnzipped>>20)
	}
	return n, err
}

// readUntil returns the bytes up to and without delim (valid until the next read).
func (s *scanner) readUntil(delim byte) ([]byte, error) {
	b, err := s.br.ReadSlice(delim)
	if err == nil {
		return b[:len(b)-1], nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		if errors.Is(err, io.EOF) && len(b) > 0 {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	s.raw = append(s.raw[:0], b...)
	for {
		b, err = s.br.ReadSlice(delim)
		s.raw = append(s.raw, b...)
		if len(s.raw) > maxCell {
			return nil, fileErrorf("The workbook has a cell or tag longer than %d bytes.", maxCell)
		}
		if err == nil {
			return s.raw[:len(s.raw)-1], nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if errors.Is(err, io.EOF) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// next returns the next start, end or empty-element tag, skipping text, comments, processing
// instructions and declarations. The tag is valid until the next call.
func (s *scanner) next() (*tag, error) {
	for {
		if _, err := s.readUntil('<'); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, io.EOF // text after the last tag
			}
			return nil, err
		}
		b, err := s.readUntil('>')
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if len(b) == 0 {
			continue
		}
		switch b[0] {
		case '?':
			continue
		case '!':
			if err := s.skipMarkup(b); err != nil {
				return nil, err
			}
			continue
		}
		// An attribute's value may hold '>': read on until the quotes balance.
		if bytes.Count(b, []byte{'"'})%2 == 1 || bytes.Count(b, []byte{'\''})%2 == 1 {
			b = append(append([]byte{}, b...), '>')
			for bytes.Count(b, []byte{'"'})%2 == 1 || bytes.Count(b, []byte{'\''})%2 == 1 {
				more, err := s.readUntil('>')
				if err != nil {
					return nil, err
				}
				b = append(append(b, more...), '>')
			}
			b = b[:len(b)-1]
		}
		t := &s.tag
		t.end, t.selfClose = false, false
		if b[0] == '/' {
			t.end, b = true, b[1:]
		}
		if n := len(b); n > 0 && b[n-1] == '/' {
			t.selfClose, b = true, b[:n-1]
		}
		nameEnd := bytes.IndexAny(b, " \t\r\n")
		if nameEnd < 0 {
			nameEnd = len(b)
		}
		name := b[:nameEnd]
		if i := bytes.IndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		t.name = internName(name)
		t.attrs = b[nameEnd:]
		return t, nil
	}
}

// skipMarkup skips a comment or CDATA section between elements whose start b has been read up
// to its first '>'.
func (s *scanner) skipMarkup(b []byte) error {
	var end []byte
	switch {
	case bytes.HasPrefix(b, []byte("!--")):
		end = []byte("--")
	case bytes.HasPrefix(b, []byte("![CDATA[")):
		end = []byte("]]")
	default:
		return nil // <!DOCTYPE …>: nothing in a workbook has one with a subset
	}
	tail := append([]byte{}, b[max(0, len(b)-2):]...)
	for !bytes.HasSuffix(tail, end) {
		more, err := s.readUntil('>')
		if err != nil {
			return err
		}
		joined := append(append(tail, '>'), more...)
		tail = append(tail[:0:0], joined[max(0, len(joined)-2):]...)
	}
	return nil
}

// text appends the text of the element whose start tag was just read, unescaped, to dst, and
// reads its end tag (CDATA sections included; child elements are not expected).
func (s *scanner) text(dst []byte) ([]byte, error) {
	for {
		b, err := s.readUntil('<')
		if err != nil {
			return dst, err
		}
		if dst, err = unescape(dst, b); err != nil {
			return dst, err
		}
		if peek, _ := s.br.Peek(8); bytes.HasPrefix(peek, []byte("![CDATA[")) {
			_, _ = s.br.Discard(8)
			for {
				c, err := s.readUntil('>')
				if err != nil {
					return dst, err
				}
				if bytes.HasSuffix(c, []byte("]]")) {
					dst = append(dst, c[:len(c)-2]...)
					break
				}
				dst = append(append(dst, c...), '>')
			}
			continue
		}
		if _, err := s.readUntil('>'); err != nil { // the end tag
			return dst, err
		}
		return dst, nil
	}
}

// unescape appends b to dst with XML's entities and character references replaced.
func unescape(dst, b []byte) ([]byte, error) {
	for {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			return append(dst, b...), nil
		}
		dst = append(dst, b[:i]...)
		b = b[i+1:]
		semi := bytes.IndexByte(b, ';')
		if semi < 0 || semi > 10 {
			return dst, errors.New("an unterminated XML entity")
		}
		ent := b[:semi]
		b = b[semi+1:]
		switch string(ent) {
		case "amp":
			dst = append(dst, '&')
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			if len(ent) < 2 || ent[0] != '#' {
				return dst, fmt.Errorf("an unknown XML entity &%s;", ent)
			}
			var n uint64
			var err error
			if ent[1] == 'x' || ent[1] == 'X' {
				n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
			} else {
				n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
			}
			if err != nil || !utf8.ValidRune(rune(n)) {
				return dst, fmt.Errorf("a bad character reference &%s;", ent)
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
	}
}

// internName returns the names the readers compare without allocating; others as new strings.
func internName(b []byte) string {
	switch string(b) {
	case "row":
		return "row"
	case "c":
		return "c"
	case "v":
		return "v"
	case "t":
		return "t"
	case "si":
		return "si"
	case "rPh":
		return "rPh"
	case "is":
		return "is"
	case "r":
		return "r"
	case "f":
		return "f"
	}
	return string(b)
}
