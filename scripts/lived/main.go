// Command lived measures Userdesk on a store built the way a user builds one (issue 18): the
// real binary, N accounts created by a CSV import through the API, five update imports from
// fresh exports with restarts in between, and twenty console clients during one apply. It
// prints a table for docs/BENCHMARKS.md. `make bench-lived` runs it at 100,000 rows.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"userdesk/scripts/drive"
)

func main() {
	bin := flag.String("bin", "bin/userdesk", "binary")
	rows := flag.Int("rows", 100_000, "accounts to create")
	clients := flag.Int("clients", 20, "console clients during the third update's apply")
	keep := flag.String("data", "", "build the store in this directory (must not exist) and keep it, to study it afterwards")
	flag.Parse()
	dir := *keep
	if dir == "" {
		work, err := os.MkdirTemp("", "userdesk-lived-")
		if err != nil {
			fail(err)
		}
		defer os.RemoveAll(work)
		dir = filepath.Join(work, "data")
	}
	fmt.Printf("machine: %d cores; %d accounts\n", drive.Nproc(), *rows)
	rep, err := drive.Lived(drive.LivedOptions{Bin: *bin, Dir: dir, Rows: *rows, Clients: *clients, Log: os.Stdout})
	if err != nil {
		fail(err)
	}
	fmt.Println()
	rep.Markdown(os.Stdout)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "lived:", err)
	os.Exit(1)
}
