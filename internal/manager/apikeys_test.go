package manager_test

import (
	"sync"
	"testing"
	"time"

	"github.com/berth-platform/berth/client"
)

func TestReplaceAPIKeySecret(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	c, f := deployed(t, ts)
	k, err := c.CreateAPIKey(ctx, f.ID, "ci", "30d")
	if err != nil {
		t.Fatal(err)
	}
	nk, err := c.ReplaceAPIKeySecret(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if nk.ID != k.ID || nk.KeyID != k.KeyID || nk.Name != k.Name || nk.ExpiresAt.Sub(*k.ExpiresAt).Abs() >= time.Microsecond ||
		nk.Secret == "" || nk.Secret == k.Secret {
		t.Fatalf("replaced %+v, was %+v", nk, k)
	}
	_, err = ts.signer(k.KeyID, k.Secret).Invoke(ctx, f.ID, nil, nil)
	wantStatus(t, err, 401, "invalid-credentials")
	if _, err := ts.signer(nk.KeyID, nk.Secret).Invoke(ctx, f.ID, nil, nil); err != nil {
		t.Fatalf("the new secret: %v", err)
	}
	_, _, stranger := ts.newUser()
	_, err = stranger.ReplaceAPIKeySecret(ctx, k.ID)
	wantStatus(t, err, 404, "not-found")

	t.Run("ConcurrentReplacementsKeepOne", func(t *testing.T) {
		var wg sync.WaitGroup
		results := make([]*client.NewAPIKey, 8)
		for i := range results {
			wg.Go(func() {
				r, err := c.ReplaceAPIKeySecret(ctx, k.ID)
				if err != nil {
					wantStatus(t, err, 409, "conflict")
					return
				}
				results[i] = r
			})
		}
		wg.Wait()
		working := 0
		for _, r := range results {
			if r == nil {
				continue
			}
			if _, err := ts.signer(r.KeyID, r.Secret).Invoke(ctx, f.ID, nil, nil); err == nil {
				working++
			}
		}
		if working != 1 {
			t.Fatalf("%d of the secrets answered as replaced work; want exactly 1", working)
		}
	})
}
