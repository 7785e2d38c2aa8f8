// Package web holds the dashboard's built files (web/dist, produced by
// `npm run build` in this directory, which `make run` does) and a
// placeholder page served when the Go binary was built without them.
// The webserver serves whichever is present; nothing here executes.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist all:placeholder
var files embed.FS

// UI returns the dashboard's files and whether they are the real build
// (false: the placeholder that explains how to build the UI).
func UI() (fs.FS, bool) {
	if dist, err := fs.Sub(files, "dist"); err == nil {
		if _, err := fs.Stat(dist, "index.html"); err == nil {
			return dist, true
		}
	}
	placeholder, _ := fs.Sub(files, "placeholder")
	return placeholder, false
}
