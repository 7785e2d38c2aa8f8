// Command plugin-notes is an example berth plugin (docs/plugins.md): a
// small notes service that describes itself with a manifest (settings
// with a secret and the document limits, an action), keeps its settings
// in a file, and answers its feature routes only for callers berth
// vouches for — it verifies X-Berth-Assertion against berth's key set
// (/.well-known/berth/jwks.json) and refuses a replayed one.
//
//	go run ./examples/plugin-notes -listen 127.0.0.1:9100 -berth http://127.0.0.1:8080
//
// then add it to berth.toml:
//
//	[[services]]
//	id = "notes"
//	name = "Notes"
//	url = "http://127.0.0.1:9100"
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9100", "address to listen on")
	berth := flag.String("berth", "http://127.0.0.1:8080", "berth's public URL (the assertions' issuer; its key set is under it)")
	id := flag.String("id", "notes", "the service id berth knows this plugin by (the assertions' audience)")
	data := flag.String("data", filepath.Join(os.TempDir(), "berth-plugin-notes.json"), "file the settings are kept in")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*listen, *berth, *id, *data, log); err != nil {
		fmt.Fprintln(os.Stderr, "plugin-notes:", err)
		os.Exit(1)
	}
}

func run(listen, berth, id, data string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	p, err := newPlugin(ctx, Config{ID: id, Berth: berth, DataFile: data})
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: listen, Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Info("plugin-notes listening", "addr", listen, "berth", berth, "id", id)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
