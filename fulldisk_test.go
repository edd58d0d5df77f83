//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// smallDisk mounts a tmpfs of size MiB for the test; it needs root (CI has it).
func smallDisk(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm", size), "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", mnt).Run() })
	return mnt
}

// fillDisk grows a filler file on the disk holding dir until leave bytes are free (0: none).
func fillDisk(t *testing.T, dir string, leave uint64) {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := st.Bavail * uint64(st.Bsize)
	f, err := os.OpenFile(filepath.Join(dir, "filler"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	size, _ := f.Seek(0, 2)
	if free <= leave {
		return
	}
	grow := int64(free - leave)
	if err := unix.Fallocate(int(f.Fd()), 0, size, grow); err != nil && leave > 0 {
		t.Fatalf("fallocate: %v", err)
	}
	if leave == 0 { // to the last block
		buf := make([]byte, 4096)
		for {
			if _, err := f.Write(buf); err != nil {
				break
			}
		}
	}
}

func emptyFiller(t *testing.T, dir string) {
	t.Helper()
	if err := os.Truncate(filepath.Join(dir, "filler"), 0); err != nil {
		t.Fatal(err)
	}
}

// TestFullDiskStopsChangesNotTheProcess: below the reserve changes answer 507 and the server
// stays up; once there is room they are accepted again; a start on a full disk comes up
// read-only (sign-in, reads and the export work) instead of dying of SIGBUS.
func TestFullDiskStopsChangesNotTheProcess(t *testing.T) {
	mnt := smallDisk(t, 160)
	data := filepath.Join(mnt, "data")
	addr := freeAddr(t)
	env := []string{"USERDESK_ADMIN_PASSWORD=" + relPassword}
	p := start(t, env, "--addr", addr, "--data", data, "--no-browser", "--demo", "--disk-reserve", "48MiB")
	waitHealthy(t, addr)
	a := signInAs(t, addr, "admin@userdesk.local", relPassword)
	code, _, b, _ := a.do("GET", "/api/v1/users?q=trust.admin", nil, nil)
	var list struct{ Items []struct{ ID string } }
	if json.Unmarshal(b, &list); code != 200 || len(list.Items) == 0 {
		t.Fatalf("find a user: %d %s", code, b)
	}
	id := list.Items[0].ID
	patch := func(title string) (int, string) {
		_, h, _, err := a.do("GET", "/api/v1/users/"+id, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		code, _, b, err := a.do("PATCH", "/api/v1/users/"+id, map[string]any{"jobTitle": title}, map[string]string{"If-Match": h.Get("ETag")})
		if err != nil {
			t.Fatalf("PATCH got no answer (the server died?): %v\n%s", err, p.out)
		}
		return code, string(b)
	}
	if code, b := patch("Before the disk filled"); code != 200 {
		t.Fatalf("PATCH: %d %s", code, b)
	}

	// An import is checked, then the disk fills to a little above the reserve: changes still
	// go through, but the apply (which needs twice the file plus 64 MiB) is refused up front.
	_, _, b, _ = a.do("GET", "/api/v1/users/"+id, nil, nil)
	var who struct{ LocalID string }
	_ = json.Unmarshal(b, &who)
	code, b = a.upload(t, "late.csv", "Local ID,Job Title\n"+who.LocalID+",Imported late\n")
	var im struct{ ID string }
	if json.Unmarshal(b, &im); code != 201 || im.ID == "" {
		t.Fatalf("upload: %d %s", code, b)
	}
	fillDisk(t, mnt, 80<<20)
	if code, b := patch("Still room for a change"); code != 200 {
		t.Fatalf("PATCH above the reserve: %d %s", code, b)
	}
	if code, _, b, _ := a.do("POST", "/api/v1/imports/"+im.ID+"/apply", nil, nil); code != 507 || !strings.Contains(string(b), "applying this import") {
		t.Fatalf("apply with too little room: %d %s", code, b)
	}
	emptyFiller(t, mnt)

	fillDisk(t, mnt, 24<<20)
	code, body := patch("While the disk is full")
	if code != 507 || !strings.Contains(body, "problem") && !strings.Contains(body, "free") {
		t.Fatalf("PATCH on a full disk: %d %s", code, body)
	}
	if code, _, b, _ := a.do("POST", "/api/v1/backups", nil, nil); code != 507 {
		t.Fatalf("backup on a full disk: %d %s", code, b)
	}
	var info struct{ Storage struct{ Full bool } }
	if _, _, b, _ := a.do("GET", "/api/v1/info", nil, nil); json.Unmarshal(b, &info) != nil || !info.Storage.Full {
		t.Fatalf("info does not say the disk is full: %s", b)
	}
	if code, _, _, _ := a.do("GET", "/api/v1/users/"+id, nil, nil); code != 200 {
		t.Fatalf("read on a full disk: %d", code)
	}
	// A new sign-in works (its session is kept in memory).
	if got := signIn(t, addr, "trust.admin@northgate.example", relPassword); got != 200 {
		t.Fatalf("sign-in on a full disk: %d", got)
	}
	emptyFiller(t, mnt)
	if code, b := patch("After space was freed"); code != 200 {
		t.Fatalf("PATCH after freeing space: %d %s", code, b)
	}

	// Stop on a nearly full disk, fill it to the last block, start again: read-only.
	fillDisk(t, mnt, 24<<20)
	p.stop(t)
	fillDisk(t, mnt, 0)
	addr2 := freeAddr(t)
	q := start(t, env, "--addr", addr2, "--data", data, "--no-browser", "--disk-reserve", "48MiB")
	waitHealthy(t, addr2)
	noCrash(t, "start on a full disk", q.out.String())
	if !strings.Contains(q.waitOutput("read-only", 5e9), "read-only") {
		t.Fatalf("no read-only notice:\n%s", q.out)
	}
	a = signInAs(t, addr2, "admin@userdesk.local", relPassword)
	_, _, b, _ = a.do("GET", "/api/v1/users/"+id, nil, nil)
	if !strings.Contains(string(b), "After space was freed") {
		t.Fatalf("the last change is not there: %s", b)
	}
	if code, _, b, _ := a.do("GET", "/api/v1/exports/users.csv", nil, nil); code != 200 || !strings.Contains(string(b), "trust.admin@northgate.example") {
		t.Fatalf("export on a read-only store: %d %.200s", code, b)
	}
	if code, body := patch("On a read-only store"); code != 507 || !strings.Contains(body, "read-only") {
		t.Fatalf("PATCH on a read-only store: %d %s", code, body)
	}
	q.stop(t)
	noCrash(t, "read-only server", q.out.String())
}
