package core_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"userdesk/app"
)

// The bulk-update benchmarks (make bench): a 100,000-row update of existing users, validated
// and applied against a real Badger store with fsync on commit, and a plain batched Badger
// write of the same records for scale. Run with -bench Import -benchtime 1x.

const benchRows = 100_000

// benchFile changes every user's job title and department: about 15 MB with the columns an
// export has would be heavier; this keeps the work per row (lookup, rules, diff, write) the same.
func benchFile(n int, tag string) []byte {
	var b bytes.Buffer
	b.WriteString("Local ID,Job Title,Department,First Name,Last Name,Phone\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "L%d,%s title %d,Dept %d,First,Last%d,+44 20 %07d\n", i, tag, i, i%50, i, i)
	}
	return b.Bytes()
}

func benchApp(b *testing.B) *importApp {
	b.Helper()
	ia := openImportApp(b, b.TempDir())
	b.Cleanup(func() { _ = ia.Close() })
	ia.seed(b, benchRows)
	return ia
}

func BenchmarkImportValidate100k(b *testing.B) {
	ia := benchApp(b)
	file := benchFile(benchRows, "v")
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		im, err := ia.Dir.ValidateImport(ia.admin, "bench.csv", bytes.NewReader(file), app.SourceCLI)
		if err != nil || im.Totals.Update != benchRows {
			b.Fatal(err, im.Totals)
		}
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkImportApply100k(b *testing.B) {
	ia := benchApp(b)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		im, err := ia.Dir.ValidateImport(ia.admin, "bench.csv", bytes.NewReader(benchFile(benchRows, fmt.Sprint("a", i))), app.SourceCLI)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		done, err := ia.Dir.RunImport(context.Background(), ia.admin, im.ID, nil)
		total += time.Since(start)
		if err != nil || done.Results.Update != benchRows {
			b.Fatal(err, done)
		}
	}
	rowsPerSec := float64(benchRows*b.N) / total.Seconds()
	b.ReportMetric(rowsPerSec, "rows/s")

	// The same records, written plainly in batches of the same size: the user, an audit record
	// and a row result per row, no reads and no rules.
	db := ia.Store.DB()
	var users []app.User
	_ = ia.Store.View(func(tx app.Tx) error {
		return tx.ForEachUser(func(u *app.User) error { users = append(users, *u); return nil })
	})
	start := time.Now()
	for s := 0; s < len(users); s += 500 {
		err := db.Update(func(txn *badger.Txn) error {
			for i := s; i < min(s+500, len(users)); i++ {
				u := &users[i]
				u.JobTitle = "plain"
				ub, _ := json.Marshal(u)
				ab, _ := json.Marshal(app.AuditRecord{ID: u.ID, Source: app.SourceImport, TargetID: u.ID,
					Changes: []app.FieldChange{{Field: "jobTitle", Before: "x", After: "plain"}}})
				rb, _ := json.Marshal(app.ImportRow{Index: i, Cells: []string{u.LocalID, "plain"}, Result: "updated"})
				for k, v := range map[string][]byte{"bench/user/" + u.ID: ub, "bench/audit/" + u.ID: ab, "bench/row/" + u.ID: rb} {
					if err := txn.Set([]byte(k), v); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	plain := float64(len(users)) / time.Since(start).Seconds()
	b.ReportMetric(plain, "plain-rows/s")
	b.ReportMetric(plain/rowsPerSec, "plain/import")
}
