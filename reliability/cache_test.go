package reliability

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/testenv"
)

// cachedCredentialsAcrossReplicas (a case of TestHostileClients) runs two
// berth serve processes sharing PostgreSQL and Redis. Replica B serves a
// keypair and a function API key often enough that their lookups come
// from its cache; then they end through replica A — the API key revoked,
// the keypair deleted — and B must refuse them within a second (the
// measured time is logged; the bound asserted leaves room for a loaded
// machine). A change made behind berth's back, straight in the database
// (a block), is announced to no cache: it ends the credential by the
// cache's age bound, within a second too.
func cachedCredentialsAcrossReplicas(t *testing.T) {
	db, rd := testenv.PostgresURL(t), startRedis(t)
	env := map[string]string{"BERTH_MASTER_KEY": "CAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg=",
		"BERTH_AUTH_ALLOW_REGISTRATION": "true"}
	a := startBerth(t, berthConfig{DatabaseURL: db, RedisURL: rd.URL(), Env: env})
	b := startBerth(t, berthConfig{DatabaseURL: db, RedisURL: rd.URL(), Env: env})
	ctx := ctxT(t)
	const email, pw = "cached@example.test", "a password that is long enough"
	if _, err := a.client().Register(ctx, email, pw, "Cached"); err != nil {
		t.Fatal(err)
	}
	tok, err := a.client().Login(ctx, email, pw)
	if err != nil {
		t.Fatal(err)
	}
	onA := a.client(client.WithBearer(tok.AccessToken))
	// Artefacts stay on the replica that took the deploy (shared artefact
	// storage is not there yet): deploy on B, which runs the calls.
	onB := b.client(client.WithBearer(tok.AccessToken))
	fn := newFunction(t, onB, "cached", "wasm", "application/wasm", readWasm(t, "echo.wasm"))
	key := newAPIKey(t, onA, fn.ID)
	kp, err := onA.CreateKeypair(ctx, "cached")
	if err != nil {
		t.Fatal(err)
	}

	invokeOnB := b.client(client.WithKeypair(key.KeyID, key.Secret))
	meOnB := b.client(client.WithKeypair(kp.AccessKey, kp.SecretKey))
	invokes := func() error { _, err := invokeOnB.Invoke(ctx, fn.ID, []byte("x"), nil); return err }
	me := func() error { _, err := meOnB.Me(ctx); return err }
	for range 20 { // the lookups are in B's cache now
		if err := invokes(); err != nil {
			t.Fatalf("invoke with the API key on B: %v", err)
		}
		if err := me(); err != nil {
			t.Fatalf("signed GET /api/users/me on B: %v", err)
		}
	}

	refused := func(what string, call func() error, status int) {
		t.Helper()
		start := time.Now()
		waitUntil(t, revocationWithin, what, func() bool {
			var ce *client.Error
			return errors.As(call(), &ce) && ce.Status == status
		})
		t.Logf("%s: refused on B %v after the change", what, time.Since(start).Round(time.Millisecond))
	}
	if _, err := onA.RevokeAPIKey(ctx, key.ID); err != nil {
		t.Fatal(err)
	}
	refused("API key revoked on A", invokes, http.StatusUnauthorized)
	for range 20 { // the revocation emptied B's cache: fill it again
		if err := me(); err != nil {
			t.Fatalf("signed GET /api/users/me on B: %v", err)
		}
	}
	if err := onA.DeleteKeypair(ctx, kp.AccessKey); err != nil {
		t.Fatal(err)
	}
	refused("keypair deleted on A", me, http.StatusUnauthorized)

	kp2, err := onA.CreateKeypair(ctx, "cached again")
	if err != nil {
		t.Fatal(err)
	}
	meOnB = b.client(client.WithKeypair(kp2.AccessKey, kp2.SecretKey))
	for range 20 {
		if err := me(); err != nil {
			t.Fatalf("signed GET /api/users/me on B with the new keypair: %v", err)
		}
	}
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `UPDATE users SET status = 'blocked' WHERE email = $1`, email); err != nil {
		t.Fatal(err)
	}
	refused("user blocked in the database", me, http.StatusForbidden)
}
