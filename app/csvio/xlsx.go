package csvio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Excel workbooks (.xlsx): the same columns and rules as the CSV, read from a workbook's first
// worksheet and written as one worksheet, both streamed by excelize so that 100,000 rows stay
// within the import's memory budget (a worksheet over 16 MB is unpacked to a temporary file
// and read from there, as is a large shared-strings table).

// XLSXContentType is the media type of an .xlsx workbook.
const XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// SheetName is the name of the worksheet an export writes.
const SheetName = "Users"

var (
	// zipMagic starts every ZIP archive, so every .xlsx (and .ods, .docx, …).
	zipMagic = []byte("PK\x03\x04")
	// oleMagic starts an OLE compound file: an .xls workbook, or an encrypted .xlsx.
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// maxUnzipped bounds what a workbook may unpack to (a ZIP bomb is refused before it is
// unpacked): a 150,000-row, 36-column worksheet with shared strings is about 250 MB of XML.
const maxUnzipped = 512 << 20

// workbookSource reads the rows of a workbook's worksheet.
type workbookSource struct {
	f      *excelize.File
	rows   *excelize.Rows
	line   int
	sheet  string
	sheets []string
}

// openWorkbook opens the workbook r holds (read whole: a ZIP archive is read from its end)
// and reads the header row of its first worksheet, or of the one named Users.
func openWorkbook(r io.Reader) (*workbookSource, []string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err // reading the upload failed (too large, …): not the file's content
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: maxUnzipped})
	if err != nil && strings.Contains(err.Error(), "unzip size exceeds") { // excelize has no error value for it
		return nil, nil, fileErrorf("The workbook unpacks to more than %d MB; split it into smaller files.", maxUnzipped>>20)
	}
	if err != nil {
		return nil, nil, fileErrorf("The file is a ZIP archive but not an Excel workbook (.xlsx) that Userdesk can read. " +
			"Save it as \"Excel Workbook (.xlsx)\" or \"CSV UTF-8\" and upload it again.")
	}
	wb := &workbookSource{f: f, sheets: f.GetSheetList()}
	if len(wb.sheets) == 0 {
		_ = f.Close()
		return nil, nil, fileErrorf("The workbook has no worksheet.")
	}
	wb.sheet = wb.sheets[0]
	for _, name := range wb.sheets {
		if strings.EqualFold(name, SheetName) {
			wb.sheet = name
			break
		}
	}
	if wb.rows, err = f.Rows(wb.sheet); err != nil {
		_ = f.Close()
		return nil, nil, fileErrorf("The worksheet %q could not be read: %v.", wb.sheet, err)
	}
	for {
		header, err := wb.Read()
		if errors.Is(err, io.EOF) {
			_ = wb.Close()
			return nil, nil, fileErrorf("The worksheet %q is empty: it needs a header row naming the columns, then one row per account.", wb.sheet)
		}
		if err != nil {
			_ = wb.Close()
			return nil, nil, err
		}
		if !blankRow(header) { // the header is the first row with something in it
			return wb, header, nil
		}
	}
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func (w *workbookSource) Read() ([]string, error) {
	if !w.rows.Next() {
		if err := w.rows.Error(); err != nil {
			return nil, fileErrorf("The worksheet %q could not be read at row %d: %v.", w.sheet, w.line+1, err)
		}
		return nil, io.EOF
	}
	w.line++
	cells, err := w.rows.Columns()
	if err != nil {
		return nil, fileErrorf("The worksheet %q could not be read at row %d: %v.", w.sheet, w.line, err)
	}
	return cells, nil
}

func (w *workbookSource) Line() int { return w.line }

func (w *workbookSource) Close() error {
	err := w.rows.Close()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// XLSXWriter writes the users report as an Excel workbook: one worksheet, a bold frozen header
// row, every cell text (so Excel keeps a Local ID's leading zeros and never reads a cell as a
// formula). Cells are written as they are, except that one already looking escaped (apostrophes
// then a formula's first character) gets one more apostrophe, which the reader removes again.
type XLSXWriter struct {
	w    io.Writer
	f    *excelize.File
	sw   *excelize.StreamWriter
	row  int
	text int // the style of every cell: text
	bold int // the header's
	vals []any
}

// NewXLSXWriter starts a workbook that Flush writes to w.
func NewXLSXWriter(w io.Writer) (*XLSXWriter, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", SheetName); err != nil {
		_ = f.Close()
		return nil, err
	}
	x := &XLSXWriter{w: w, f: f}
	var err error
	if x.text, err = f.NewStyle(&excelize.Style{NumFmt: 49}); err == nil { // 49 is "@": text
		x.bold, err = f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true}})
	}
	if err == nil {
		x.sw, err = f.NewStreamWriter(SheetName)
	}
	if err == nil {
		err = x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return x, nil
}

// Write writes one row; the first is the header.
func (x *XLSXWriter) Write(cells []string) error {
	if x.row == 0 && len(cells) > 0 {
		// Columns' widths and styles come before the first row: text, wide enough to read.
		if err := x.sw.SetColWidth(1, len(cells), 20); err != nil {
			return err
		}
		if err := x.sw.SetColStyle(1, len(cells), x.text); err != nil {
			return err
		}
	}
	x.row++
	x.vals = x.vals[:0]
	for _, c := range cells {
		if strings.HasPrefix(c, "'") && needsEscape(c) {
			c = "'" + c
		}
		x.vals = append(x.vals, c)
	}
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return fmt.Errorf("csvio: row %d: %w", x.row, err)
	}
	style := x.text
	if x.row == 1 {
		style = x.bold
	}
	return x.sw.SetRow(cell, x.vals, excelize.RowOpts{StyleID: style})
}

// Flush finishes the workbook and writes it out.
func (x *XLSXWriter) Flush() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(x.w)
	return err
}
