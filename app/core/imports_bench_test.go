package core_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"userdesk/app"
	"userdesk/app/core"
	"userdesk/app/csvio"
)

// The bulk-update benchmarks (make bench): a 100,000-row update of existing users, validated
// and applied against a real Badger store with fsync on commit, and a plain batched Badger
// write of the same records for scale. Run with -bench Import -benchtime 1x.

const benchRows = 100_000

// benchFile updates n existing users with the columns of an export a person would keep: about
// 150 bytes a row, so 15 MB for 100,000 rows. Job title, department and phone change;
// the other cells repeat what is stored. Rows past the seeded users have no account and create
// one (the OU column says where).
func benchFile(ia *importApp, n int, tag string) []byte {
	var b bytes.Buffer
	b.Grow(n * 170) // a row is up to about 165 bytes: one allocation, not a doubling past it
	b.WriteString("Local ID,Username,Email Same As Username,First Name,Last Name,Phone,Job Title,Department," +
		"Language,Account Type,Status,Enabled,Allow Login,OU ID,Primary Organisation ID\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "L%d,user%d@acme.example,yes,First,Last%d,+44 20 %07d,%s senior title %d,Department %d,"+
			"en,internal,active,yes,yes,%s,%s\n", i, i, i, i, tag, i, i%50, ia.ou, ia.org)
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

// peakRSS runs fn and returns the process's resident set size before it (after a GC) and its
// peak while fn ran, in MiB: the kernel's high-water mark (VmHWM) is reset first through
// /proc/self/clear_refs. Where that is refused, the peak covers the whole process so far.
// The metrics it reports (CPU seconds, the anonymous and file-backed peaks) and the profiles
// it writes are named with the run's name: "" for the import, "plain-" for the plain write.
func peakRSS(b *testing.B, run string, fn func()) (before, peak float64) {
	b.Helper()
	// The collection of what the seeding left is not the import's time (it took about 0.1 s
	// of each validate run until round 3).
	b.StopTimer()
	runtime.GC()
	debug.FreeOSMemory()
	b.StartTimer()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("peak RSS covers the whole run: %v", err)
	}
	before = procStatusMiB("VmRSS:")
	stopParts := rssParts(b, run)
	stop := heapSnapshots(b, run)
	stopCPU := cpuProfile(b, run)
	cpu := cpuSeconds()
	// The label marks the samples of fn and of the goroutines it starts, so that a CPU profile
	// of the run can leave out the seeding: go tool pprof -tagfocus run=import.
	pprof.Do(context.Background(), pprof.Labels("run", "import"), func(context.Context) { fn() })
	b.ReportMetric(cpuSeconds()-cpu, run+"cpu-s")
	stopCPU()
	stop()
	stopParts()
	return before, procStatusMiB("VmHWM:")
}

// rssParts samples the resident set every 10 ms while fn runs and reports the highest
// anonymous part (the Go heap, Badger's memtables and table buffers) and the highest
// file-backed part (Badger's memory-mapped tables, value log and write-ahead log, which the
// kernel can drop and read again) seen: the high-water mark alone does not tell them apart.
func rssParts(b *testing.B, run string) func() {
	done, stopped := make(chan struct{}), make(chan struct{})
	var anon, file float64
	go func() {
		defer close(stopped)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			anon = max(anon, procStatusMiB("RssAnon:"))
			file = max(file, procStatusMiB("RssFile:"))
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		b.ReportMetric(anon, run+"peak-anon-MiB")
		b.ReportMetric(file, run+"peak-file-MiB")
	}
}

// cpuSeconds is the CPU time the process used so far (user and system), in seconds: with the
// wall time it shows how much of the 2 cores a run kept busy, Badger's compactions included.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// cpuProfile, when USERDESK_BENCH_CPU names a directory, profiles the CPU while fn runs only
// (not the seeding), every goroutine included: the garbage collector's workers and Badger's
// flushes and compactions carry no label, so -tagfocus run=import leaves them out. It returns
// the function that stops profiling.
func cpuProfile(b *testing.B, run string) func() {
	dir := os.Getenv("USERDESK_BENCH_CPU")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, b.Name()+"."+run+"cpu"))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		b.Logf("no CPU profile of the run: %v", err)
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }
}

// heapSnapshots, when USERDESK_BENCH_HEAP names a directory, writes a heap profile there each
// time the live heap reaches a new high while fn runs (the file for the benchmark keeps the
// last, the highest), so `go tool pprof -sample_index=inuse_space` shows what the import holds
// at its peak. It returns the function that stops sampling.
func heapSnapshots(b *testing.B, run string) func() {
	dir := os.Getenv("USERDESK_BENCH_HEAP")
	if dir == "" {
		return func() {}
	}
	writeHeap := func(name string) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			b.Error(err)
			return
		}
		_ = pprof.Lookup("heap").WriteTo(f, 0)
		_ = f.Close()
	}
	// The profiles at the start and the end give what the run allocated: go tool pprof
	// -sample_index=alloc_space -diff_base X.start.heap X.end.heap.
	writeHeap(b.Name() + "." + run + "start.heap")
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		defer writeHeap(b.Name() + "." + run + "end.heap")
		var high uint64
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse <= high+high/20 {
				continue
			}
			high = ms.HeapInuse
			f, err := os.Create(filepath.Join(dir, b.Name()+"."+run+"heap"))
			if err != nil {
				b.Error(err)
				return
			}
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			_ = f.Close()
		}
	}()
	return func() { close(done); <-stopped }
}

func procStatusMiB(field string) float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

func BenchmarkImportValidate100k(b *testing.B) {
	ia := benchApp(b)
	file := benchFile(ia, benchRows, "v")
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	b.ReportMetric(float64(len(file))/1e6, "file-MB")
	var base, rss float64
	for i := 0; i < b.N; i++ {
		base, rss = peakRSS(b, "", func() {
			im, err := ia.Dir.ValidateImport(ia.admin, "bench.csv", bytes.NewReader(file), app.SourceCLI)
			if err != nil || im.Totals.Update != benchRows {
				b.Fatal(err, im.Totals)
			}
		})
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(rss, "peak-RSS-MiB")
	b.ReportMetric(base, "start-RSS-MiB")
}

// BenchmarkImportValidate150k35MB validates a file at the upload limits (150,000 rows, 35 MB):
// the 100,000 seeded users are updated and 50,000 rows create accounts. Wider cells than
// benchFile's bring it to the size limit.
func BenchmarkImportValidate150k35MB(b *testing.B) {
	ia := benchApp(b)
	const rows = 150_000
	var f bytes.Buffer
	f.WriteString("Local ID,Username,First Name,Last Name,Job Title,Department,OU ID,Primary Organisation ID\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&f, "L%d,user%d@acme.example,First,Last%d,Senior %s %d,%s %d,%s,%s\n", i, i, i,
			strings.Repeat("Consultant in general medicine ", 3), i, strings.Repeat("Department of medicine ", 2), i%50, ia.ou, ia.org)
	}
	file := f.Bytes()
	if len(file) < 35e6 || len(file) > csvio.MaxBytes {
		b.Fatalf("file is %d bytes; want just under %d", len(file), csvio.MaxBytes)
	}
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	b.ReportMetric(float64(len(file))/1e6, "file-MB")
	var base, rss float64
	for i := 0; i < b.N; i++ {
		base, rss = peakRSS(b, "", func() {
			im, err := ia.Dir.ValidateImport(ia.admin, "bench.csv", bytes.NewReader(file), app.SourceCLI)
			if err != nil || im.Totals.Update != benchRows || im.Totals.Create != rows-benchRows {
				b.Fatal(err, im.Totals)
			}
		})
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(rss, "peak-RSS-MiB")
	b.ReportMetric(base, "start-RSS-MiB")
}

func BenchmarkImportApply100k(b *testing.B) {
	ia := benchApp(b)
	var total time.Duration
	var base, rss float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		im, err := ia.Dir.ValidateImport(ia.admin, "bench.csv", bytes.NewReader(benchFile(ia, benchRows, fmt.Sprint("a", i))), app.SourceCLI)
		if err != nil || im.Totals.Update != benchRows {
			b.Fatal(err, im.Totals)
		}
		b.StartTimer()
		base, rss = peakRSS(b, "", func() {
			start := time.Now()
			done, err := ia.Dir.RunImport(context.Background(), ia.admin, im.ID, nil)
			total += time.Since(start)
			if err != nil || done.Results.Update != benchRows {
				b.Fatal(err, done)
			}
		})
	}
	rowsPerSec := float64(benchRows*b.N) / total.Seconds()
	b.ReportMetric(rowsPerSec, "rows/s")
	b.ReportMetric(rss, "peak-RSS-MiB")
	b.ReportMetric(base, "start-RSS-MiB")

	// The same records, written plainly in batches of the same size: for each row, the bytes
	// the import stored (the user as it left it, its audit record, the audit record's two
	// index keys, the row's result), under keys of the same lengths. No reads, no rules, no
	// encoding.
	db := ia.Store.DB()
	type record struct{ key, value []byte }
	var recs [][]record // by row
	err := db.View(func(txn *badger.Txn) error {
		var id string
		if err := ia.Store.View(func(tx app.Tx) error {
			imps, err := tx.Imports(1)
			if err != nil || len(imps) == 0 {
				return fmt.Errorf("no import: %v", err)
			}
			id = imps[0].ID
			return nil
		}); err != nil {
			return err
		}
		get := func(key []byte) []byte {
			item, err := txn.Get(key)
			if err != nil {
				b.Fatalf("%s: %v", key, err)
			}
			v, _ := item.ValueCopy(nil)
			return v
		}
		return ia.Store.View(func(tx app.Tx) error {
			return tx.ForEachImportRow(id, "", 0, func(r *app.ImportRow) error {
				rr := []record{{[]byte("user/" + r.UserID), get([]byte("user/" + r.UserID))}}
				// The user's newest audit record is the import's: its key ends the target index.
				opts := badger.DefaultIteratorOptions
				opts.Reverse, opts.PrefetchValues = true, false
				opts.Prefix = []byte("ix/audittarget/" + r.UserID + "/")
				it := txn.NewIterator(opts)
				it.Seek(append(append([]byte{}, opts.Prefix...), 0xff))
				if !it.Valid() {
					it.Close()
					return fmt.Errorf("no audit record for %s", r.UserID)
				}
				suffix := append([]byte{}, it.Item().Key()[len(opts.Prefix):]...)
				it.Close()
				rr = append(rr, record{append([]byte("audit/"), suffix...), get(append([]byte("audit/"), suffix...))},
					record{append(append([]byte{}, opts.Prefix...), suffix...), nil},
					record{append([]byte("ix/auditactor/"+ia.admin.ID+"/"), suffix...), nil})
				resKey := binary.BigEndian.AppendUint32([]byte("imp/"+id+"/res/"), uint32(r.Index)) // #nosec G115 -- below 2^32 rows
				rr = append(rr, record{resKey, get(resKey)})
				recs = append(recs, rr)
				return nil
			})
		})
	})
	if err != nil || len(recs) != benchRows {
		b.Fatalf("%d rows' records: %v", len(recs), err)
	}
	var plainTime time.Duration
	// The plain write's peak is measured like the import's; it holds its records (the
	// import streams them), which its start figure includes.
	plainBase, plainRSS := peakRSS(b, "plain-", func() {
		start := time.Now()
		for s := 0; s < len(recs); s += core.ImportBatch {
			err := db.Update(func(txn *badger.Txn) error {
				for _, rr := range recs[s:min(s+core.ImportBatch, len(recs))] {
					for _, r := range rr {
						// Under "b/" and the stored key: two bytes longer than the import's.
						if err := txn.Set(append([]byte("b/"), r.key...), r.value); err != nil {
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
		plainTime = time.Since(start)
	})
	plain := float64(len(recs)) / plainTime.Seconds()
	b.ReportMetric(plain, "plain-rows/s")
	b.ReportMetric(plainRSS, "plain-peak-RSS-MiB")
	b.ReportMetric(plainBase, "plain-start-RSS-MiB")
	b.ReportMetric(plain/rowsPerSec, "plain/import")
}

// BenchmarkCheckIdentities100k is the start-up identity check over 100,000 accounts (and,
// as a sub-benchmark, Load, which fills the look-alike index beside the users index).
func BenchmarkCheckIdentities100k(b *testing.B) {
	ia := benchApp(b)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b.Run("check", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if found, err := ia.Dir.CheckIdentities(quiet); err != nil || len(found) != 0 {
				b.Fatal(err, found)
			}
		}
	})
	b.Run("load", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := ia.Dir.Load(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkImportCreate100k applies 100,000 creates to an empty directory: the way a new
// install (and `--demo-size`) fills its store.
func BenchmarkImportCreate100k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ia := openImportApp(b, b.TempDir())
		ia.seed(b, 0)
		file := bytes.ReplaceAll(benchFile(ia, benchRows, "c"), []byte(",active,"), []byte(",created,"))
		im, err := ia.Dir.ValidateImport(ia.admin, "bench.csv", bytes.NewReader(file), app.SourceCLI)
		if err != nil || im.Totals.Create != benchRows {
			b.Fatal(err, im.Totals)
		}
		b.StartTimer()
		stop := cpuProfile(b, "")
		done, err := ia.Dir.RunImport(context.Background(), ia.admin, im.ID, nil)
		stop()
		b.StopTimer()
		if err != nil || done.Results.Create != benchRows {
			b.Fatal(err, done)
		}
		_ = ia.Close()
	}
}
