package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"userdesk/app/store"
)

// runBackup writes a backup: through the running server when one holds the data directory
// (Badger's backup reads a snapshot while it keeps serving), else from the store directly.
func runBackup(o *cmdOpts, file string, stdout, stderr io.Writer) (int, error) {
	if r, err := remoteOf(o); err != nil {
		return exitUsage, err
	} else if r != nil {
		return remoteBackup(r, file, stdout, stderr)
	}
	toStdout := file == "-"
	info := stdout
	if toStdout {
		info = stderr
	}
	if !toStdout {
		if _, err := os.Stat(file); err == nil {
			return exitFailed, fmt.Errorf("%s already exists; choose another name (a backup never overwrites a file)", file)
		}
	}
	in, live := liveInstance(o.data)
	if live && in.Kiosk {
		return exitFailed, fmt.Errorf("the Userdesk running on %s is a demo kiosk: command-line tools are refused against it", o.data)
	}
	var size uint64
	var st *store.Store
	if !live {
		var err error
		if st, err = openStore(o.data); err != nil {
			return exitFailed, err
		}
		defer st.Close()
		size = st.SizeOnDisk()
	}
	if !toStdout {
		dir := filepath.Dir(file)
		if free, err := store.FreeSpace(dir); err == nil && size > 0 && free < size+64<<20 {
			return exitFailed, fmt.Errorf("not enough free space in %s for the backup: it needs about %s and %s is free", dir, store.MiB(size+64<<20), store.MiB(free))
		}
	}
	out, finish, abort, err := backupOutput(file)
	if err != nil {
		return exitFailed, err
	}
	var sum store.BackupSummary
	if live {
		sum, err = backupFromServer(in, out)
	} else {
		sum, err = st.Backup(out)
	}
	if err == nil {
		err = finish()
	} else {
		abort()
	}
	if err != nil {
		return exitFailed, fmt.Errorf("backup: %w", err)
	}
	where := file
	if toStdout {
		where = "standard output"
	}
	via := ""
	if live {
		via = " (taken by the running Userdesk at " + in.URL + ")"
	}
	fmt.Fprintf(info, "Backed up %d users (%d records, %s) to %s%s\n", sum.Users, sum.Keys, store.MiB(uint64(max(sum.Bytes, 0))), where, via) // #nosec G115 -- max(,0)
	return exitOK, nil
}

// backupOutput opens where a backup goes: standard output, or FILE.partial, which finish syncs
// and renames to FILE (a backup cut short never carries the final name) and abort removes.
func backupOutput(file string) (w io.Writer, finish func() error, abort func(), err error) {
	if file == "-" {
		bw := bufio.NewWriterSize(os.Stdout, 1<<20)
		return bw, bw.Flush, func() { _ = bw.Flush() }, nil
	}
	tmp := file + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 G703 -- operator's own path
	if err != nil {
		return nil, nil, nil, fmt.Errorf("backup: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	finish = func() error {
		err := bw.Flush()
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Link(tmp, file) // fails if FILE appeared meanwhile: never overwrite
		}
		_ = os.Remove(tmp) // #nosec G703 -- the file this command created
		return err
	}
	abort = func() {
		_ = f.Close()
		_ = os.Remove(tmp) // #nosec G703 -- the file this command created
	}
	return bw, finish, abort, nil
}

// backupFromServer asks the running instance for a backup with its control token.
func backupFromServer(in *instance, w io.Writer) (store.BackupSummary, error) {
	return backupFrom(in.URL, in.Control, w)
}

// runRestore restores a backup; nothing is touched until the backup is proven whole.
func runRestore(o *cmdOpts, file string, stdout, _ io.Writer) (int, error) {
	var src io.Reader = os.Stdin
	name := "standard input"
	if file != "-" {
		f, err := os.Open(file) // #nosec G304 G703 -- operator's own path
		if err != nil {
			return exitFailed, fmt.Errorf("restore: %w", err)
		}
		defer f.Close()
		name = file
		// Prove the file before anything is created, then read it again to load it.
		if _, _, err := store.VerifyBackup(bufio.NewReaderSize(f, 1<<20)); err != nil {
			return exitFailed, fmt.Errorf("restore: %s is %w; nothing was changed", file, err)
		}
		st, err := f.Stat()
		if err != nil {
			return exitFailed, err
		}
		parent := filepath.Dir(filepath.Clean(o.data))
		need := 2*uint64(max(st.Size(), 0)) + 64<<20 // #nosec G115 -- max(,0)
		if free, err := store.FreeSpace(parent); err == nil && free < need {
			return exitFailed, fmt.Errorf("restore: not enough free space beside %s: loading the backup needs about %s and %s is free; nothing was changed",
				o.data, store.MiB(need), store.MiB(free))
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return exitFailed, err
		}
		src = f
	}
	res, err := store.Restore(o.data, src, o.replace, newLogger(os.Stderr))
	if err != nil {
		if errors.Is(err, store.ErrBadBackup) {
			return exitFailed, fmt.Errorf("restore: %s is %w; nothing was changed", name, err)
		}
		return exitFailed, fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stdout, "Restored %d users (%d records) from %s, a backup made %s by %s %s.\n", res.Summary.Users, res.Summary.Keys, name,
		res.Header.CreatedAt.Local().Format("2 Jan 2006 15:04"), res.Header.Product, res.Header.Version)
	if res.Previous != "" {
		fmt.Fprintf(stdout, "The store it replaced is kept at %s until Userdesk next starts.\n", res.Previous)
	}
	return exitOK, nil
}
