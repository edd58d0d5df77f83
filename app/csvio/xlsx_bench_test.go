package csvio

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"testing"
)

// benchWorkbook is a 100,000-row workbook of the export's columns, about half of them empty.
func benchWorkbook(b *testing.B) []byte {
	b.Helper()
	var buf bytes.Buffer
	w, err := NewXLSXWriter(&buf)
	if err != nil {
		b.Fatal(err)
	}
	h := HeaderRecord()
	_ = w.Write(h)
	row := make([]string, len(h))
	for i := 0; i < 100_000; i++ {
		for c := range row {
			row[c] = ""
			if c%2 == 0 {
				row[c] = "value " + strconv.Itoa(i*7+c)
			}
		}
		if err := w.Write(row); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkXLSXWrite100k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		data := benchWorkbook(b)
		b.ReportMetric(float64(len(data))/1e6, "MB")
	}
}

func BenchmarkXLSXRead100k(b *testing.B) {
	data := benchWorkbook(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := NewReader(bytes.NewReader(data), 0)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
		if n != 100_000 {
			b.Fatal(n)
		}
	}
}
