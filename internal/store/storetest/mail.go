package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/berth-platform/berth"
)

// testMailOutbox: a queued mail is due at once, leased while it is tried,
// retried later, and given up for the admins to see; a sent one goes.
func testMailOutbox(t *testing.T, s berth.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := &berth.OutboxMail{Recipient: "ada@example.test", Kind: "password-reset", Sealed: []byte{1, 2, 3}}
	b := &berth.OutboxMail{Recipient: "bob@example.test", Kind: "temporary-password", Sealed: []byte{4}, NextAttemptAt: now.Add(time.Hour),
		ExpiresAt: now.Add(2 * time.Hour)}
	for _, m := range []*berth.OutboxMail{a, b} {
		if err := s.QueueMail(ctx, m, 10); err != nil {
			t.Fatal(err)
		}
	}
	due, err := s.DueMail(ctx, now.Add(time.Second), time.Minute, 10)
	if err != nil || len(due) != 1 || due[0].ID != a.ID || due[0].Recipient != a.Recipient || !slices.Equal(due[0].Sealed, a.Sealed) {
		t.Fatalf("due: %+v, %v; want only %s", due, err, a.ID)
	}
	// Leased: not due again until the lease ends.
	if again, _ := s.DueMail(ctx, now.Add(30*time.Second), time.Minute, 10); len(again) != 0 {
		t.Fatalf("claimed twice within the lease: %+v", again)
	}
	if err := s.MailRetry(ctx, a.ID, 1, now.Add(5*time.Minute), "451 try later"); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.DueMail(ctx, now.Add(4*time.Minute), time.Minute, 10); len(d) != 0 {
		t.Fatalf("due before its retry time: %+v", d)
	}
	d, _ := s.DueMail(ctx, now.Add(6*time.Minute), time.Minute, 10)
	if len(d) != 1 || d[0].Attempts != 1 || d[0].LastError != "451 try later" {
		t.Fatalf("retry: %+v", d)
	}
	if err := s.MailGivenUp(ctx, a.ID, 8, "550 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.DueMail(ctx, now.Add(24*time.Hour), time.Minute, 10); len(d) != 1 || d[0].ID != b.ID || !d[0].ExpiresAt.Equal(b.ExpiresAt) {
		t.Fatalf("after giving up a: %+v, want only b (expiring at %s)", d, b.ExpiresAt)
	}
	failed, err := s.FailedMail(ctx, now.Add(-time.Hour), 10)
	defer func() {
		// A month later the given-up mail goes.
		if n, err := s.PruneMail(ctx, now, time.Now().Add(time.Hour)); err != nil || n != 1 {
			t.Errorf("prune of given-up mail: %d, %v", n, err)
		}
		if f, _ := s.FailedMail(ctx, time.Time{}, 10); len(f) != 0 {
			t.Errorf("given-up mail after the prune: %+v", f)
		}
	}()
	if err != nil || len(failed) != 1 || failed[0].ID != a.ID || !failed[0].Failed || failed[0].Attempts != 8 || failed[0].LastError != "550 mailbox unavailable" ||
		!failed[0].ExpiresAt.IsZero() {
		t.Fatalf("failed: %+v, %v", failed, err)
	}
	if err := s.MailSent(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.DueMail(ctx, now.Add(48*time.Hour), time.Minute, 10); len(d) != 0 {
		t.Fatalf("a sent mail is due: %+v", d)
	}
	if err := s.MailRetry(ctx, b.ID, 1, now, "x"); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("retry of a sent mail: %v", err)
	}
}

// testMailOutboxBounded: beyond the bound a mail is refused, given-up ones
// not counted.
func testMailOutboxBounded(t *testing.T, s berth.Store) {
	ctx := t.Context()
	var first *berth.OutboxMail
	for i := range 3 {
		m := &berth.OutboxMail{Recipient: "q@example.test", Kind: "password-reset", Sealed: []byte{byte(i)}}
		if err := s.QueueMail(ctx, m, 3); err != nil {
			t.Fatalf("mail %d: %v", i, err)
		}
		if first == nil {
			first = m
		}
	}
	err := s.QueueMail(ctx, &berth.OutboxMail{Recipient: "q@example.test", Kind: "password-reset", Sealed: []byte{9}}, 3)
	if !errors.Is(err, berth.ErrQueueFull) || !errors.Is(err, berth.ErrUnavailable) {
		t.Fatalf("the fourth of three: %v", err)
	}
	if err := s.MailGivenUp(ctx, first.ID, 1, "x"); err != nil {
		t.Fatal(err)
	}
	if err := s.QueueMail(ctx, &berth.OutboxMail{Recipient: "q@example.test", Kind: "password-reset", Sealed: []byte{9}}, 3); err != nil {
		t.Fatalf("with one given up: %v", err)
	}
}

// testMailOutboxClaimOnce: replicas claiming at once never take the same
// mail.
func testMailOutboxClaimOnce(t *testing.T, s berth.Store) {
	ctx := t.Context()
	for range 20 {
		if err := s.QueueMail(ctx, &berth.OutboxMail{Recipient: "c@example.test", Kind: "k", Sealed: []byte{1}}, 100); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	now := time.Now().Add(time.Second)
	for range 4 {
		wg.Go(func() {
			for {
				d, err := s.DueMail(ctx, now, time.Hour, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(d) == 0 {
					return
				}
				mu.Lock()
				for _, m := range d {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 20 {
		t.Fatalf("claimed %d distinct mails, want 20", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("mail %s claimed %d times", id, n)
		}
	}
}

// testOneTimeCodes: one code per account and purpose, found by hash or by
// account, attempts counted, spent once.
func testOneTimeCodes(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	exp := time.Now().Add(30 * time.Minute).UTC().Truncate(time.Microsecond)
	c1 := &berth.OneTimeCode{UserID: u.ID, Purpose: berth.CodePasswordReset, Hash: []byte("h1"), ExpiresAt: exp}
	if err := s.PutCode(ctx, c1); err != nil {
		t.Fatal(err)
	}
	c2 := &berth.OneTimeCode{UserID: u.ID, Purpose: berth.CodePasswordReset, Hash: []byte("h2"), ExpiresAt: exp}
	if err := s.PutCode(ctx, c2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CodeByHash(ctx, berth.CodePasswordReset, []byte("h1")); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("a replaced code is still found: %v", err)
	}
	got, err := s.CodeByHash(ctx, berth.CodePasswordReset, []byte("h2"))
	if err != nil || got.ID != c2.ID || got.UserID != u.ID || !got.ExpiresAt.Equal(exp) {
		t.Fatalf("by hash: %+v, %v", got, err)
	}
	if _, err := s.CodeByHash(ctx, berth.CodeEmailVerification, []byte("h2")); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("found under another purpose: %v", err)
	}
	v := &berth.OneTimeCode{UserID: u.ID, Purpose: berth.CodeEmailVerification, Hash: []byte("v"), ExpiresAt: exp}
	if err := s.PutCode(ctx, v); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UserCode(ctx, u.ID, berth.CodeEmailVerification); err != nil || got.ID != v.ID {
		t.Fatalf("by account: %+v, %v", got, err)
	}
	for want := 1; want <= 3; want++ {
		if n, err := s.CodeAttempt(ctx, v.ID); err != nil || n != want {
			t.Fatalf("attempt %d: %d, %v", want, n, err)
		}
	}
	// Spent once, even when two try at once.
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- s.SpendCode(ctx, c2.ID) }()
	}
	e1, e2 := <-errs, <-errs
	if (e1 == nil) == (e2 == nil) || (!errors.Is(e1, berth.ErrNotFound) && !errors.Is(e2, berth.ErrNotFound)) {
		t.Fatalf("two spends: %v, %v; want exactly one to succeed", e1, e2)
	}
	if got, err := s.UserCode(ctx, u.ID, berth.CodeEmailVerification); err != nil || got.ID != v.ID {
		t.Fatalf("the other purpose's code after a spend: %+v, %v", got, err)
	}
	// Pruning takes expired codes only.
	if n, err := s.PruneMail(ctx, exp.Add(-time.Minute), time.Time{}); err != nil || n != 0 {
		t.Fatalf("prune before expiry: %d, %v", n, err)
	}
	if n, err := s.PruneMail(ctx, exp, time.Time{}); err != nil || n != 1 {
		t.Fatalf("prune at expiry: %d, %v", n, err)
	}
	if _, err := s.UserCode(ctx, u.ID, berth.CodeEmailVerification); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("an expired code outlives the prune: %v", err)
	}
}
