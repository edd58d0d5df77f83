package main

import (
	"embed"
	"io/fs"
)

// dist holds the built console. frontend/dist/.gitkeep is committed so the package compiles
// before the first frontend build; the binary then answers that the console is missing.
//
//go:embed all:frontend/dist
var dist embed.FS

// modelConf is the Casbin model every right is decided with.
//
//go:embed policy/model.conf
var modelConf string

// consoleFS returns the built console with index.html at its root.
func consoleFS() fs.FS {
	sub, err := fs.Sub(dist, "frontend/dist")
	if err != nil {
		panic(err) // the path is a constant
	}
	return sub
}
