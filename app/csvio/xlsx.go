package csvio

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Excel workbooks (.xlsx): the same columns and rules as the CSV, read from a workbook's first
// worksheet (or the one named Users) by the scanner in xlsx_read.go as the worksheet inflates,
// and written as one worksheet by excelize's stream writer (which keeps the sheet in a
// temporary file past 16 MB), so that 100,000 rows stay within the import's memory budget.

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

// openWorkbook opens the workbook r holds (read whole: a ZIP archive is read from its end)
// and reads the header row of its first worksheet, or of the one named Users.
func openWorkbook(r io.Reader) (*sheetReader, []string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err // reading the upload failed (too large, …): not the file's content
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, nil, fileErrorf("The file is not an Excel workbook (.xlsx) that Userdesk can read: it starts as a ZIP archive "+
			"but is not one (%v). Save it as \"Excel Workbook (.xlsx)\" or \"CSV UTF-8\" and upload it again.", err)
	}
	sheet, sheets, f, shared, err := openSheet(zr)
	if err != nil {
		return nil, nil, err
	}
	sc, err := newScanner(f)
	if err != nil {
		return nil, nil, err
	}
	wb := &sheetReader{sc: sc, shared: shared, name: sheet, sheets: sheets}
	for {
		header, err := wb.Read()
		if errors.Is(err, io.EOF) {
			_ = wb.Close()
			return nil, nil, fileErrorf("The worksheet %q is empty: it needs a header row naming the columns, then one row per account.", sheet)
		}
		if err != nil {
			_ = wb.Close()
			return nil, nil, err
		}
		if !blankRow(header) { // the header is the first row with something in it
			return wb, append([]string(nil), header...), nil
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
	// Deflate at its fastest: the sheet is most of the work of an export, and level 1 costs
	// about a third of the default's time for a file a few percent larger.
	f.ZipWriter = func(w io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
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
		switch {
		case c == "":
			x.vals = append(x.vals, nil) // no cell at all: half the export's cells are empty
			continue
		case strings.HasPrefix(c, "'") && needsEscape(c):
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
