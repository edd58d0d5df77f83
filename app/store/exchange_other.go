//go:build !linux

package store

import "errors"

func exchange(a, b string) error { return errors.New("atomic exchange not available here") }
