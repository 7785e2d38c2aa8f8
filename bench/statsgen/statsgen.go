// Package statsgen fills a berth database with owners, functions and
// executions for the stats benchmarks: by default 1 000 functions of 10
// owners and 5 million executions over the last 30 days. Executions go
// through the store's own AppendExecutions in large batches, so the
// roll-ups are exactly those a server would have written; nothing is
// inserted behind the store's back.
//
// It writes only to the store it is given; it is for throw-away benchmark
// databases, never a server's real one.
package statsgen

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/berth-platform/berth"
)

// Password is every generated owner's password.
const Password = "statsgen owner password"

// Options size the data; zero fields take the defaults.
type Options struct {
	Functions  int           // default 1 000
	Owners     int           // default 10; function i belongs to owner i mod Owners
	Executions int           // default 5 000 000
	Span       time.Duration // spread of the executions before Now; default 30 days
	Batch      int           // executions per AppendExecutions; default 5 000
	Now        time.Time     // default time.Now()
	Seed       uint64
	// PasswordHash is the owners' hash of Password (see password.Hasher).
	PasswordHash string
	// Progress, when set, is called after each batch with the count written.
	Progress func(written int)
}

// Owner is a generated account.
type Owner struct {
	ID    string
	Email string
	// Functions are its function ids, the busiest first.
	Functions []string
}

// Result describes what was written.
type Result struct {
	Owners     []Owner
	Functions  int
	Executions int
	Elapsed    time.Duration // writing executions only
}

func (o *Options) defaults() {
	if o.Functions <= 0 {
		o.Functions = 1000
	}
	if o.Owners <= 0 {
		o.Owners = 10
	}
	if o.Executions <= 0 {
		o.Executions = 5_000_000
	}
	if o.Span <= 0 {
		o.Span = 30 * 24 * time.Hour
	}
	if o.Batch <= 0 {
		o.Batch = 5000
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
}

// Generate writes the owners, functions and executions. Function choice
// follows a Zipf law (function 0, owned by owner 0, is the busiest), start
// times are spread evenly and written in order, durations are log-normal
// around 5 ms, 3 % of calls fail (2 % errors, 0.5 % timeouts, 0.5 %
// rejections) and 1 % are cold starts.
func Generate(ctx context.Context, s berth.Store, o Options) (*Result, error) {
	o.defaults()
	res := &Result{Owners: make([]Owner, o.Owners), Functions: o.Functions}
	tag := uuid.NewString()[:8]
	for i := range res.Owners {
		u := &berth.User{Email: fmt.Sprintf("stats-owner-%d-%s@example.test", i, tag), Name: fmt.Sprintf("Owner %d", i),
			Role: berth.RoleUser, Status: berth.UserActive, PasswordHash: o.PasswordHash}
		if err := s.CreateUser(ctx, u); err != nil {
			return nil, fmt.Errorf("statsgen: owner %d: %w", i, err)
		}
		res.Owners[i] = Owner{ID: u.ID, Email: u.Email}
	}
	fns := make([]*berth.Function, o.Functions)
	for i := range fns {
		owner := &res.Owners[i%o.Owners]
		f := &berth.Function{OwnerID: owner.ID, Name: fmt.Sprintf("fn-%04d", i), Runtime: berth.RuntimeWasm,
			Status: berth.FunctionInitialized, Settings: berth.FunctionSettings{MemoryMB: 128, TimeoutMS: 10000, MaxConcurrency: 10,
				Env: map[string]string{}, Visibility: berth.VisibilityPrivate}}
		if err := s.CreateFunction(ctx, f); err != nil {
			return nil, fmt.Errorf("statsgen: function %d: %w", i, err)
		}
		fns[i] = f
		owner.Functions = append(owner.Functions, f.ID)
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	zipf := rand.NewZipf(rng, 1.1, 1, uint64(o.Functions-1))
	start := o.Now.Add(-o.Span)
	step := float64(o.Span) / float64(o.Executions)
	began := time.Now()
	batch := make([]berth.Execution, 0, o.Batch)
	for i := range o.Executions {
		f := fns[zipf.Uint64()]
		batch = append(batch, execution(rng, f, start.Add(time.Duration(float64(i)*step))))
		if len(batch) == o.Batch || i == o.Executions-1 {
			if err := s.AppendExecutions(ctx, batch); err != nil {
				return nil, fmt.Errorf("statsgen: executions %d…%d: %w", i+1-len(batch), i, err)
			}
			res.Executions += len(batch)
			batch = batch[:0]
			if o.Progress != nil {
				o.Progress(res.Executions)
			}
		}
	}
	res.Elapsed = time.Since(began)
	return res, nil
}

func execution(rng *rand.Rand, f *berth.Function, at time.Time) berth.Execution {
	e := berth.Execution{ID: uuid.NewString(), FunctionID: f.ID, OwnerID: f.OwnerID, Version: 1, Status: berth.ExecSuccess,
		HTTPStatus: 200, StartedAt: at, BytesIn: int64(rng.IntN(2048)), BytesOut: int64(rng.IntN(8192)),
		ColdStart: rng.IntN(100) == 0, CallerKind: berth.CallerAPIKey, CallerKeyID: "BFstatsgen"}
	e.DurationUS = int64(min(math.Exp(math.Log(5000)+rng.NormFloat64()), 30e6))
	switch p := rng.IntN(1000); {
	case p < 20:
		e.Status, e.HTTPStatus, e.Error = berth.ExecError, 502, "the function failed: function crashed"
	case p < 25:
		e.Status, e.HTTPStatus, e.Error, e.DurationUS = berth.ExecTimeout, 504, "the function did not answer in time", 10_000_000
	case p < 30:
		e.Status, e.HTTPStatus, e.Error = berth.ExecRejected, 429, "the function is already running max_concurrency calls"
	}
	return e
}
