package sqlstore_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/store/postgres"
	"github.com/berth-platform/berth/internal/store/sqlite"
	"github.com/berth-platform/berth/internal/store/sqlstore"
	"github.com/berth-platform/berth/internal/testenv"
)

// TestMigrationBackfill records executions under the schema before stats
// (migration 2), migrates, and checks that the migration's roll-ups of
// them equal what AppendExecutions would have counted: its SQL repeats the
// histogram's bounds, which must agree with berth.DurationBin.
func TestMigrationBackfill(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "b.db")+"?_pragma=foreign_keys(1)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		checkBackfill(t, db, goose.DialectSQLite3, "../sqlite/migrations", sqlite.Dialect)
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		cfg, err := pgx.ParseConfig(testenv.PostgresURL(t))
		if err != nil {
			t.Fatal(err)
		}
		db := stdlib.OpenDB(*cfg)
		t.Cleanup(func() { db.Close() })
		checkBackfill(t, db, goose.DialectPostgres, "../postgres/migrations", postgres.Dialect)
	})
}

func checkBackfill(t *testing.T, db *sql.DB, dialect goose.Dialect, dir string, d sqlstore.Dialect) {
	ctx := t.Context()
	p, err := goose.NewProvider(dialect, db, os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	s := sqlstore.New(db, d)
	s.SetRollups(false) // the tables do not exist yet
	day := time.Date(2026, time.May, 4, 0, 0, 0, 0, time.UTC)
	fns := []string{uuid.NewString(), uuid.NewString()}
	statuses := []berth.ExecutionStatus{berth.ExecSuccess, berth.ExecError, berth.ExecTimeout, berth.ExecSuccess, berth.ExecRejected}
	var es []berth.Execution
	// Every bound, and each side of it, for both functions over two days.
	for bin := range berth.HistogramBins {
		lo, _ := berth.BinBounds(bin)
		for j, us := range []int64{lo - 1, lo, lo + 1} {
			i := len(es)
			es = append(es, berth.Execution{ID: uuid.NewString(), FunctionID: fns[i%2], OwnerID: "owner-" + fns[i%2][:4],
				Version: 1, Status: statuses[i%len(statuses)], HTTPStatus: 200,
				StartedAt:  day.Add(time.Duration(i*613) * time.Second),
				DurationUS: us, BytesIn: int64(i), BytesOut: int64(j), ColdStart: i%3 == 0, CallerKind: berth.CallerOwner})
		}
	}
	if err := s.AppendExecutions(ctx, es); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrating with executions stored: %v", err)
	}
	for _, g := range []berth.Granularity{berth.Hourly, berth.Daily} {
		for _, fn := range fns {
			want := map[time.Time]*berth.Rollup{}
			for i := range es {
				if es[i].FunctionID != fn {
					continue
				}
				b := g.Truncate(es[i].StartedAt)
				if want[b] == nil {
					want[b] = &berth.Rollup{Start: b}
				}
				want[b].Add(&es[i])
			}
			n := int(2 * 24 * time.Hour / g.Duration())
			got, err := s.RollupSeries(ctx, berth.StatsScope{FunctionID: fn}, g, day, n)
			if err != nil {
				t.Fatal(err)
			}
			// Each function has its own owner: the owner's series is the same.
			owned, err := s.RollupSeries(ctx, berth.StatsScope{OwnerID: "owner-" + fn[:4]}, g, day, n)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range got {
				if owned[i] != r {
					t.Fatalf("%s bucket %v of the owner of %s:\n got %+v\nwant %+v", g, r.Start, fn, owned[i], r)
				}
				w := berth.Rollup{Start: r.Start}
				if want[r.Start] != nil {
					w = *want[r.Start]
				}
				if r != w {
					t.Fatalf("%s bucket %v of %s:\n got %+v\nwant %+v", g, r.Start, fn, r, w)
				}
				delete(want, r.Start)
			}
			if len(want) != 0 {
				t.Fatalf("%s: buckets outside the series: %v", g, fmt.Sprint(want))
			}
		}
	}
}
