// Command badgerfloor measures what Badger alone costs in memory and time to write what a
// 100,000-row CSV import writes, with nothing else in the process: a fresh store opened with
// the product's options (app/store.Open: fsync on commit, the same memtables and caches, the
// table-builder pool emptied), and per row the keys and value sizes the import stores (the
// user, its audit record and two audit index keys, the import's row with its result), in
// transactions of the import's batch size. No reads, no rules, no users list, no decoding.
//
// It is the floor under the import's peak RSS target (docs/BENCHMARKS.md, CSV import): the
// import cannot use less memory than the store it writes through.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"

	"userdesk/app/store"
)

func main() {
	rows := flag.Int("rows", 100_000, "rows to write")
	batch := flag.Int("batch", 500, "rows per transaction (the import's batch)")
	runs := flag.Int("runs", 3, "runs, each in a fresh store")
	flag.Parse()
	fmt.Printf("machine: %d cores, %s; %d rows, %d a transaction, GOGC=%s GOMEMLIMIT=%s\n", runtime.NumCPU(),
		runtime.Version(), *rows, *batch, os.Getenv("GOGC"), os.Getenv("GOMEMLIMIT"))
	for r := 0; r < *runs; r++ {
		if err := run(*rows, *batch); err != nil {
			fmt.Fprintln(os.Stderr, "badgerfloor:", err)
			os.Exit(1)
		}
	}
}

// The import's stored sizes at 100,000 rows, measured on the benchmark's store: a user 281
// bytes under a 12-byte key, an audit record 207 under 30, two audit index keys of 51 with no
// value, an import row 244 under 29.
func run(rows, batch int) error {
	dir, err := os.MkdirTemp("", "badgerfloor-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	db := st.DB()
	// The import updates existing users: seed them first, so that the measured writes replace
	// keys the tree already holds, as the import's do.
	if err := write(db, rows, batch, func(i int) [][2][]byte { r := records(i); return r[:1] }); err != nil {
		return err
	}

	runtime.GC()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		fmt.Println("peak covers the whole process:", err)
	}
	before := status("VmRSS:")
	var anon, file int
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			anon, file = max(anon, status("RssAnon:")), max(file, status("RssFile:"))
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	cpu0 := cpuSeconds()
	start := time.Now()
	if err := write(db, rows, batch, func(i int) [][2][]byte { r := records(i); return r[:] }); err != nil {
		return err
	}
	took := time.Since(start)
	close(done)
	<-stopped
	fmt.Printf("wrote %d rows in %.2f s (%.0f rows/s, %.1f cpu-s): RSS before %d MiB, peak %d MiB (anonymous %d + file-backed %d)\n",
		rows, took.Seconds(), float64(rows)/took.Seconds(), cpuSeconds()-cpu0, before>>10, status("VmHWM:")>>10, anon>>10, file>>10)
	return nil
}

// write stores the records of rows 0 to rows-1 in transactions of batch rows.
func write(db *badger.DB, rows, batch int, of func(i int) [][2][]byte) error {
	for s := 0; s < rows; s += batch {
		err := db.Update(func(txn *badger.Txn) error {
			for i := s; i < min(s+batch, rows); i++ {
				for _, kv := range of(i) {
					if err := txn.Set(kv[0], kv[1]); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// records returns row i's five keys and values: text much like the import's (ids, names,
// addresses, a few changed fields), so that Badger's compression sees what it would.
func records(i int) [5][2][]byte {
	id := fmt.Sprintf("u%011d", i)
	user := pad(fmt.Sprintf("%s user%d@acme.example First Last%d +44 20 %07d senior title %d Department %d en internal active ou-acme org-acme L%d",
		id, i, i, i, i, i%50, i), 281)
	audit := pad(fmt.Sprintf("audit %s import user.update jobTitle senior title %d senior title %d department Department %d phone +44 20 %07d", id, i, i+1, i%50, i), 207)
	row := pad(fmt.Sprintf("row %d L%d user%d@acme.example update jobTitle senior title %d department %d phone %07d result updated", i, i, i, i, i%50, i), 244)
	akey := fmt.Sprintf("audit/%019d%05d/", time.Now().UnixNano(), i%100000)
	return [5][2][]byte{
		{[]byte("user/" + id + "/"), user},
		{[]byte(akey), audit},
		{[]byte("ix/audittarget/" + id + "/" + akey[6:]), nil},
		{[]byte("ix/auditactor/admin0000001/" + akey[6:]), nil},
		{[]byte(fmt.Sprintf("imp/0123456789ab/row/%08d", i)), row},
	}
}

func pad(s string, n int) []byte {
	for len(s) < n {
		s += " " + s
	}
	return []byte(s[:n])
}

// status returns a /proc/self/status field in KiB.
func status(field string) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb
		}
	}
	return 0
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
