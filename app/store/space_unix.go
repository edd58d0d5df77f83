//go:build unix

package store

import "golang.org/x/sys/unix"

// freeSpace is the space on dir's file system that an unprivileged process may still use.
func freeSpace(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil // #nosec G115 -- Bsize is a small positive block size
}
