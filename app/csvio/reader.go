package csvio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/gocarina/gocsv"
)

// Limits of one uploaded file (Google Workspace's: 150,000 rows, 35 MB).
const (
	MaxBytes   = 35 << 20
	MaxRows    = 150_000
	MaxColumns = 200
	// maxHeaderLine bounds the first line, read whole to choose the delimiter.
	maxHeaderLine = 64 << 10
)

// FileError is a problem with the file as a whole (not one row): it is answered before any row
// is looked at.
type FileError struct{ Message string }

func (e *FileError) Error() string { return e.Message }

func fileErrorf(format string, a ...any) error { return &FileError{Message: fmt.Sprintf(format, a...)} }

// Record is one data row of an uploaded file.
type Record struct {
	// Line is the row's line number in the file (the header is line 1).
	Line int
	// Cells holds the row's values in header order, formula escapes removed, padded to the
	// header's width.
	Cells []string
	// Problem says what is wrong with the row's shape ("" when nothing): extra cells or text
	// that is not UTF-8.
	Problem string
}

// Reader streams the data rows of a users CSV: UTF-8 with or without a byte-order mark, comma,
// semicolon or tab delimited (chosen from the header line), header names matched to columns
// case- and space-insensitively. Rows are decoded by gocsv from encoding/csv one at a time, so
// memory stays flat whatever the file's size.
type Reader struct {
	header  []string
	keys    []string
	comma   rune
	maxRows int
	rows    int

	dec  *rowDecoder
	ch   chan csvRow
	errc chan error
	stop sync.Once
	done chan struct{}
	err  error
	// headerLegacy is 1 when the header was read as Windows-1252.
	headerLegacy int
	// sheet is the worksheet read from an Excel workbook ("" for CSV), sheets the workbook's
	// worksheets.
	sheet  string
	sheets []string
}

// rowSource gives the rows of a file, the header first: CSV records or a worksheet's rows.
type rowSource interface {
	// Read returns the next row's cells, or io.EOF after the last.
	Read() ([]string, error)
	// Line is the line (CSV) or row (worksheet) number where the last row read starts.
	Line() int
	Close() error
}

type csvSource struct{ cr *csv.Reader }

func (c csvSource) Read() ([]string, error) { return c.cr.Read() }
func (c csvSource) Line() int {
	line, _ := c.cr.FieldPos(0)
	return line
}
func (c csvSource) Close() error { return nil }

// NewReader reads the header of a users CSV from r. maxRows ≤ 0 means MaxRows. Header problems
// (no header, a duplicated column, a column Userdesk does not know, UTF-16) are *FileError.
func NewReader(r io.Reader, maxRows int) (*Reader, error) {
	if maxRows <= 0 {
		maxRows = MaxRows
	}
	br := bufio.NewReaderSize(r, maxHeaderLine)
	head, err := br.Peek(4)
	if len(head) == 0 && err != nil {
		return nil, fileErrorf("The file is empty: it needs a header row naming the columns, then one row per account.")
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, fileErrorf("The file is UTF-16 text. Save it as \"CSV UTF-8\" and upload it again.")
	}
	var (
		src    rowSource
		header []string
		comma  = ','
	)
	switch {
	case bytes.HasPrefix(head, zipMagic):
		wb, h, err := openWorkbook(br)
		if err != nil {
			return nil, err
		}
		src, header = wb, h
	case bytes.HasPrefix(head, oleMagic[:4]):
		return nil, fileErrorf("The file is an Excel 97-2003 workbook (.xls) or a password-protected one. " +
			"Save it as \"Excel Workbook (.xlsx)\" or \"CSV UTF-8\", without a password, and upload it again.")
	default:
		line, _ := br.Peek(maxHeaderLine)
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		comma = sniff(line)
		cr := csv.NewReader(br)
		cr.Comma = comma
		cr.FieldsPerRecord = -1
		cr.LazyQuotes = false
		h, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil, fileErrorf("The file is empty: it needs a header row naming the columns, then one row per account.")
		}
		if err != nil {
			return nil, fileErrorf("The header row could not be read as CSV: %s.", csvReason(err))
		}
		// Each row's cells are new strings, but the slices holding them are reused: gocsv hands
		// a row's cells to csvRow before it asks for the next row.
		cr.ReuseRecord = true
		src, header = csvSource{cr}, h
	}
	rd, err := newReader(src, header, comma, maxRows)
	if err != nil {
		_ = src.Close()
		return nil, err
	}
	return rd, nil
}

// newReader checks the header and starts decoding the rows of src.
func newReader(src rowSource, header []string, comma rune, maxRows int) (*Reader, error) {
	if len(header) > MaxColumns {
		return nil, fileErrorf("The file has %d columns; the users CSV has at most %d.", len(header), MaxColumns)
	}
	rd := &Reader{header: header, comma: comma, maxRows: maxRows, done: make(chan struct{})}
	if wb, ok := src.(*sheetReader); ok {
		rd.sheet, rd.sheets = wb.name, wb.sheets
	}
	seen := map[string]string{}
	var unknown []string
	for i, h := range header {
		if !utf8.ValidString(h) {
			h = fromWindows1252(h)
			header[i] = h
			rd.headerLegacy = 1
		}
		k := KeyOf(Unescape(h))
		switch {
		case k == "":
			if strings.TrimSpace(h) == "" {
				unknown = append(unknown, "(an empty header)")
			} else {
				unknown = append(unknown, strconv.Quote(strings.TrimSpace(h)))
			}
		case k != KeyIgnored:
			if prev, dup := seen[k]; dup {
				return nil, fileErrorf("The columns %q and %q are the same column (%s); keep one of them.", prev, h, Header(k))
			}
			seen[k] = h
		}
		rd.keys = append(rd.keys, k)
	}
	if len(unknown) > 0 {
		return nil, fileErrorf("Userdesk does not know the column %s. The columns are: %s.", strings.Join(unknown, ", "), knownHeaders())
	}
	if _, ok := seen[KeyLocalID]; !ok {
		if _, ok := seen[KeyID]; !ok {
			return nil, fileErrorf("The file needs a Local ID column (or ExternalSyncID, or User ID): it is how Userdesk finds each account.")
		}
	}
	rd.dec = &rowDecoder{src: src, width: len(header), done: rd.done, maxRows: maxRows,
		row: make([]string, 0, len(header)+3), widthText: strconv.Itoa(len(header))}
	rd.ch = make(chan csvRow, 64)
	rd.errc = make(chan error, 1)
	go func() {
		err := gocsv.UnmarshalDecoderToChan(rd.dec, rd.ch)
		if cerr := src.Close(); err == nil {
			err = cerr
		}
		rd.errc <- err
	}()
	return rd, nil
}

func knownHeaders() string {
	hs := make([]string, len(Columns))
	for i, c := range Columns {
		hs[i] = c.Header
	}
	return strings.Join(hs, ", ")
}

// sniff chooses the delimiter that splits the header line most: comma, semicolon or tab.
func sniff(line []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, b := range line {
		switch {
		case b == '"':
			quoted = !quoted
		case !quoted && (b == ',' || b == ';' || b == '\t'):
			counts[rune(b)]++
		}
	}
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("line %d, column %d: %v", pe.StartLine, pe.Column, pe.Err)
	}
	return err.Error()
}

// Header returns the header cells as uploaded.
func (r *Reader) Header() []string { return r.header }

// Keys returns the column key of each header cell (KeyIgnored for Result and Message,
// KeyPassword for a password column).
func (r *Reader) Keys() []string { return r.keys }

// Sheet returns the worksheet an Excel workbook was read from ("" for a CSV file) and the
// workbook's worksheets.
func (r *Reader) Sheet() (string, []string) { return r.sheet, r.sheets }

// Comma returns the delimiter the file uses (',' for a workbook).
func (r *Reader) Comma() rune { return r.comma }

// Next returns the next row, or io.EOF after the last. A row that breaks CSV quoting, or one row
// too many, ends the file with a *FileError.
func (r *Reader) Next() (*Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	row, ok := <-r.ch
	if !ok {
		err := <-r.errc
		r.errc <- err
		if err == nil {
			err = io.EOF
		} else if _, isFile := err.(*FileError); !isFile && !errors.Is(err, errStopped) {
			err = fileErrorf("The file is not valid CSV at %s. Nothing was imported.", csvReason(err))
		}
		r.err = err
		return nil, err
	}
	r.rows++
	return &Record{Line: row.line, Cells: row.cells, Problem: row.problem}, nil
}

// Close stops reading and waits for the decoder to finish; rows not yet read are dropped.
func (r *Reader) Close() {
	r.stop.Do(func() {
		close(r.done)
		for range r.ch {
		}
		err := <-r.errc
		r.errc <- err
	})
}

var errStopped = errors.New("csvio: reader closed")

// csvRow is what gocsv decodes each row into: the decoder below hands it the cells under
// their column positions, plus the row's line and shape problem under reserved names.
type csvRow struct {
	Line    int `csv:"\x00line"`
	line    int
	cells   []string
	problem string
}

// UnmarshalCSVWithFields receives each cell of a row from gocsv.
func (c *csvRow) UnmarshalCSVWithFields(key, value string) error {
	switch key {
	case hWidth:
		// The first cell of every row: the cells are allocated once, at their size.
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 || n > MaxColumns {
			return fmt.Errorf("csvio: bad width %q", value)
		}
		c.cells = make([]string, n)
		return nil
	case hLine:
		n, err := strconv.Atoi(value)
		c.line = n
		return err
	case hProblem:
		c.problem = value
		return nil
	}
	i, err := strconv.Atoi(key)
	if err != nil || i < 0 || i >= MaxColumns {
		return fmt.Errorf("csvio: bad column %q", key)
	}
	for len(c.cells) <= i { // never, with the width first
		c.cells = append(c.cells, "")
	}
	c.cells[i] = Unescape(value)
	return nil
}

const (
	hWidth   = "\x00width"
	hLine    = "\x00line"
	hProblem = "\x00problem"
)

// rowDecoder is the gocsv.SimpleDecoder over encoding/csv: it names the columns by position,
// pads short rows, reports long ones and bad UTF-8 as row problems, and stops at the row limit.
type rowDecoder struct {
	src     rowSource
	width   int
	rows    int
	maxRows int
	header  bool
	done    chan struct{}
	row     []string // the row GetCSVRow returns, reused
	// widthText is width in decimal, the first cell of each row GetCSVRow returns.
	widthText string
	// legacy counts the rows read as Windows-1252 (not UTF-8).
	legacy int
}

func (d *rowDecoder) GetCSVRow() ([]string, error) {
	if !d.header {
		d.header = true
		h := make([]string, 1, d.width+3)
		h[0] = hWidth
		for i := 0; i < d.width; i++ {
			h = append(h, strconv.Itoa(i))
		}
		return append(h, hLine, hProblem), nil
	}
	select {
	case <-d.done:
		return nil, errStopped
	default:
	}
	for {
		rec, err := d.src.Read()
		if err != nil {
			return nil, err
		}
		line := d.src.Line()
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" && d.width > 1 {
			continue // a blank line
		}
		blank := true
		for _, c := range rec {
			if strings.TrimSpace(c) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue // a row of empty cells, as spreadsheets leave below the data
		}
		d.rows++
		if d.rows > d.maxRows {
			return nil, fileErrorf("The file has more than %d rows; split it into smaller files.", d.maxRows)
		}
		problem := ""
		if len(rec) > d.width {
			for _, c := range rec[d.width:] {
				if strings.TrimSpace(c) != "" {
					problem = fmt.Sprintf("This row has %d cells but the header names %d columns.", len(rec), d.width)
					break
				}
			}
			rec = rec[:d.width]
		}
		row := append(append(d.row[:0], d.widthText), rec...)
		for len(row) < 1+d.width {
			row = append(row, "")
		}
		// Excel's default "CSV (Comma delimited)" is Windows-1252: text that is not UTF-8 is read
		// as that (every byte means a character there), and the import says so once.
		converted := false
		for i, c := range row {
			if !utf8.ValidString(c) {
				row[i], converted = fromWindows1252(c), true
			}
		}
		if converted {
			d.legacy++
		}
		d.row = append(row, strconv.Itoa(line), problem)
		return d.row, nil
	}
}

// fromWindows1252 reads s as Windows-1252 (a superset of Latin-1 in what people type).
func fromWindows1252(s string) string {
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}

// Windows1252Rows is how many rows (the header counted as one) were not UTF-8 and were read as
// Windows-1252. Call it once the rows are read.
func (r *Reader) Windows1252Rows() int {
	n := r.headerLegacy
	if r.dec != nil {
		n += r.dec.legacy
	}
	return n
}

func (d *rowDecoder) GetCSVRows() ([][]string, error) {
	return nil, errors.New("csvio: rows are read one at a time")
}
