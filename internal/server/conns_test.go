package server

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/password"
)

// TestShutdownSparesNoUnusedConnection: a connection that never sends a
// request (a client's spare dial) does not hold a shutdown past
// shutdown_timeout; Go alone would wait five seconds for it.
func TestShutdownSparesNoUnusedConnection(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir, cfg.Listen, cfg.MetricsListen = t.TempDir(), "127.0.0.1:0", ""
	cfg.ShutdownTimeout = 3 * time.Second
	s, err := New(t.Context(), cfg, Options{
		Logger: slog.New(slog.DiscardHandler),
		Hasher: password.NewHasher(password.Params{Memory: 64, Time: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 1, time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	spare, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer spare.Close()
	time.Sleep(100 * time.Millisecond) // the server has accepted it
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown with a spare connection open: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no shutdown within 30 s")
	}
}
