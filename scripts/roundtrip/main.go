// Command roundtrip measures the CSV import the way an admin does it, on the load script's
// directory (100,000 users in 5,000 units): export every account with `userdesk export`,
// change each Job Title, then import the file twice over, each time on a fresh copy of the
// store:
//
//   - through the console's API: a server started and left idle, the file uploaded as a
//     multipart form (POST /api/v1/imports), applied (POST /imports/{id}/apply) and polled
//     until applied; the server's peak RSS over each step, from /proc (VmHWM, reset between);
//   - from the command line: `userdesk import FILE --yes`, its peak RSS from the kernel's
//     accounting of the child (the same figure /usr/bin/time -v prints).
//
// With --xlsx the same is done through an Excel workbook: exported as .xlsx, its Job Titles
// changed with the project's own reader and writer, and uploaded as .xlsx, so the figures can
// be set beside the CSV ones (issue 19: within 2x of them).
//
// Unlike the Go benchmarks (app/core, 15 columns), the file holds every export column (36),
// and each process is in the state a real one is in when the import starts.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"userdesk/app/csvio"
	"userdesk/scripts/drive"
)

func main() {
	bin := flag.String("bin", "bin/userdesk", "binary")
	runs := flag.Int("runs", 3, "runs of each way")
	xlsx := flag.Bool("xlsx", false, "round trip through an Excel workbook instead of CSV")
	flag.Parse()
	work, err := os.MkdirTemp("", "userdesk-roundtrip-")
	check(err)
	defer os.RemoveAll(work)
	orig := filepath.Join(work, "orig")
	gen := exec.Command("go", "run", "./scripts/load", "--generate", orig) // #nosec G204 -- fixed arguments
	gen.Stdout, gen.Stderr = os.Stdout, os.Stderr
	check(gen.Run())
	// One start creates the Super admin.
	srv, err := drive.Start(*bin, orig)
	check(err)
	srv.Stop()
	ext := ".csv"
	if *xlsx {
		ext = ".xlsx"
	}
	exported := filepath.Join(work, "export"+ext)
	t0 := time.Now()
	exp := exec.Command(*bin, "export", "--data", orig, exported) // #nosec G204 -- the operator names the binary
	out, err := exp.CombinedOutput()
	check(err, string(out))
	fmt.Printf("export with `userdesk export`: %.2f s wall, max RSS %d MiB\n", time.Since(t0).Seconds(),
		exp.ProcessState.SysUsage().(*syscall.Rusage).Maxrss>>10)
	file := filepath.Join(work, "edited"+ext)
	rows := editJobTitles(exported, file, csvio.Format{XLSX: *xlsx})
	st, err := os.Stat(file)
	check(err)
	fmt.Printf("machine: %d cores; the %s file: %d rows, %.1f MB, every export column\n", drive.Nproc(), ext, rows, float64(st.Size())/1e6)

	for r := 0; r < *runs; r++ {
		data := fresh(work, orig)
		srv, err := drive.Start(*bin, data)
		check(err)
		time.Sleep(3 * time.Second) // idle: the users list warm, the load's memory handed back
		cl, err := drive.SignIn(srv.Base)
		check(err)
		before := srv.RSS()
		srv.ResetPeak()
		body, err := os.ReadFile(file) // #nosec G304 -- our own temporary file
		check(err)
		t0 := time.Now()
		id, err := cl.Upload(file, body)
		check(err)
		validate, vPeak := time.Since(t0), srv.Peak()
		srv.ResetPeak()
		t1 := time.Now()
		check(cl.Apply(id))
		apply := time.Since(t1)
		time.Sleep(time.Second) // the results mail and the index update end the job
		aPeak := srv.Peak()
		srv.Stop()
		fmt.Printf("console run %d: RSS before %d MiB; upload and validate %.2f s, peak %d MiB; apply %.2f s, peak %d MiB\n",
			r+1, before, validate.Seconds(), vPeak, apply.Seconds(), aPeak)
	}
	for r := 0; r < *runs; r++ {
		data := fresh(work, orig)
		cmd := exec.Command(*bin, "import", "--data", data, file, "--yes") // #nosec G204 -- the operator names the binary
		var tail bytes.Buffer
		cmd.Stdout = &tail
		t0 := time.Now()
		check(cmd.Run())
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		lines := strings.Split(strings.TrimSpace(tail.String()), "\n")
		fmt.Printf("command line run %d: %.2f s wall, max RSS %d MiB (%s)\n", r+1, time.Since(t0).Seconds(), ru.Maxrss>>10, lines[len(lines)-1])
	}
}

// editJobTitles copies the export (CSV or workbook, as f says) with every Job Title changed
// and returns the rows, through the project's own reader (which undoes formula escapes) and
// writer (which puts them back).
func editJobTitles(from, to string, f csvio.Format) int {
	in, err := os.Open(from) // #nosec G304 -- our own temporary file
	check(err)
	defer in.Close()
	r, err := csvio.NewReader(in, 0)
	check(err)
	defer r.Close()
	out, err := os.Create(to) // #nosec G304 -- our own temporary file
	check(err)
	defer out.Close()
	w, err := csvio.NewRowWriter(out, f)
	check(err)
	header := r.Header()
	col := slices.Index(header, "Job Title")
	if col < 0 {
		check(fmt.Errorf("no Job Title column in %v", header))
	}
	check(w.Write(header))
	n := 0
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		check(err)
		rec.Cells[col] = "Title " + strconv.Itoa(n)
		check(w.Write(rec.Cells))
		n++
	}
	check(w.Flush())
	return n
}

// fresh copies the generated store for one run.
func fresh(work, orig string) string {
	dir := filepath.Join(work, "run")
	check(os.RemoveAll(dir))
	out, err := exec.Command("cp", "-a", orig, dir).CombinedOutput() // #nosec G204 -- our own paths
	check(err, string(out))
	return dir
}

func check(err error, context ...string) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "roundtrip:", err, strings.Join(context, " "))
		os.Exit(1)
	}
}
