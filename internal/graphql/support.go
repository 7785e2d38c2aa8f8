package graphql

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/berth-platform/berth"
)

// Resolver answers the schema from the store, with the REST API's rules:
// a user sees their own functions, an admin everyone's; others' functions
// do not exist.
type Resolver struct {
	Store berth.Store
	// User returns the authenticated user of a request (nil: none).
	User func(ctx context.Context) *berth.User
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// LogPoll is how often the logs subscription looks for new lines.
	LogPoll time.Duration
	// Recheck reads the request's credential again and fails once it has
	// ended (logout, password change, blocked account). It runs before
	// every operation — each one on a WebSocket too — and every
	// RecheckEvery while a subscription is open; nil: never.
	Recheck      func(ctx context.Context) error
	RecheckEvery time.Duration
	// Internal reports an error that is not the client's (a store that
	// failed) and returns what the client is told instead: the detail goes
	// to the log only. Nil: a generic message.
	Internal func(ctx context.Context, err error) string
}

// clientError is an error meant for the client, shown as it is.
type clientError string

func (e clientError) Error() string { return string(e) }

// present shows the client its own mistakes (parsing, validation, an
// unknown function) and nothing of any other error: a raw store error is
// reported through Internal and replaced by its answer.
func (r *Resolver) present(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	cause := errors.Unwrap(gqlErr)
	var ce clientError
	if cause == nil || errors.As(cause, &ce) {
		return gqlErr // gqlparser's own errors, or the resolver's for the client
	}
	msg := "an internal error occurred"
	if r.Internal != nil {
		msg = r.Internal(ctx, cause)
	}
	gqlErr.Message, gqlErr.Extensions = msg, nil
	return gqlErr
}

// errUnauthenticated is answered when no user is known (the manager
// refuses such requests before they get here).
var errUnauthenticated error = clientError("authentication required")

func (r *Resolver) user(ctx context.Context) (*berth.User, error) {
	if u := r.User(ctx); u != nil {
		return u, nil
	}
	return nil, errUnauthenticated
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// readable loads a function the user may read, or nil.
func (r *Resolver) readable(ctx context.Context, id string) (*berth.Function, error) {
	u, err := r.user(ctx)
	if err != nil {
		return nil, err
	}
	f, err := r.Store.Function(ctx, id)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if f.OwnerID != u.ID && u.Role != berth.RoleAdmin {
		return nil, nil
	}
	return f, nil
}

// page turns optional page arguments into a bounded page.
func page(p, perPage *int) berth.Page {
	n, size := 1, 20
	if p != nil && *p > 0 {
		n = *p
	}
	if perPage != nil && *perPage > 0 {
		size = min(*perPage, 100)
	}
	return berth.Page{Number: n, Size: size}
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func functionOf(f *berth.Function) Function {
	out := Function{ID: f.ID, OwnerID: f.OwnerID, Name: f.Name, Runtime: f.Runtime, Description: f.Description,
		Status: string(f.Status), DeleteAfter: optTime(f.DeleteAfter), CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt,
		Settings: &Settings{MemoryMb: f.Settings.MemoryMB, TimeoutMs: f.Settings.TimeoutMS, MaxConcurrency: f.Settings.MaxConcurrency,
			Visibility: string(f.Settings.Visibility), Secrets: slices.Clone(f.SecretNames), Env: []EnvVar{}}}
	if out.Settings.Secrets == nil {
		out.Settings.Secrets = []string{}
	}
	for _, k := range slices.Sorted(maps.Keys(f.Settings.Env)) {
		out.Settings.Env = append(out.Settings.Env, EnvVar{Name: k, Value: f.Settings.Env[k]})
	}
	if f.ActiveVersion > 0 {
		v := f.ActiveVersion
		out.ActiveVersion = &v
	}
	return out
}
