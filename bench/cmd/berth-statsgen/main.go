// Command berth-statsgen fills a throw-away berth database with functions
// and executions for the stats benchmarks (bench/statsgen): by default
// 1 000 functions of 10 owners and 5 million executions over 30 days,
// written through the store's AppendExecutions so that the roll-ups are
// consistent. The owners' password is statsgen.Password.
//
//	go run ./bench/cmd/berth-statsgen -db /tmp/stats.db
//	go run ./bench/cmd/berth-statsgen -db postgres://postgres@127.0.0.1:5432/berth_stats?sslmode=disable
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/bench/statsgen"
	"github.com/berth-platform/berth/internal/password"
	"github.com/berth-platform/berth/internal/store/postgres"
	"github.com/berth-platform/berth/internal/store/sqlite"
)

func main() {
	db := flag.String("db", "", "SQLite file, or postgres://… URL of an existing (empty) database")
	functions := flag.Int("functions", 1000, "functions to create")
	owners := flag.Int("owners", 10, "owners to spread the functions over")
	executions := flag.Int("executions", 5_000_000, "executions to record")
	days := flag.Int("days", 30, "days the executions spread over, ending now")
	batch := flag.Int("batch", 5000, "executions per AppendExecutions call")
	flag.Parse()
	log.SetFlags(0)
	if *db == "" {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var s berth.Store
	var err error
	if strings.HasPrefix(*db, "postgres://") || strings.HasPrefix(*db, "postgresql://") {
		s, err = postgres.Open(ctx, *db)
	} else {
		s, err = sqlite.Open(ctx, *db)
	}
	if err != nil {
		log.Fatalf("berth-statsgen: %v", err)
	}
	defer s.Close()
	res, err := Generate(ctx, s, statsgen.Options{Functions: *functions, Owners: *owners, Executions: *executions,
		Span: time.Duration(*days) * 24 * time.Hour, Batch: *batch})
	if err != nil {
		log.Fatalf("berth-statsgen: %v", err)
	}
	fmt.Printf("%d owners, %d functions, %d executions in %s (%.0f executions/s)\n", len(res.Owners), res.Functions,
		res.Executions, res.Elapsed.Round(time.Second), float64(res.Executions)/res.Elapsed.Seconds())
	fmt.Printf("busiest owner: %s (password %q)\n", res.Owners[0].Email, statsgen.Password)
}

// Generate runs statsgen with the owners' password hashed cheaply (the
// accounts exist to sign in to a benchmark server) and progress logged.
func Generate(ctx context.Context, s berth.Store, o statsgen.Options) (*statsgen.Result, error) {
	h := password.NewHasher(password.Params{Memory: 64, Time: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 1, time.Second)
	hash, err := h.Hash(ctx, statsgen.Password)
	if err != nil {
		return nil, err
	}
	o.PasswordHash = hash
	last := time.Now()
	o.Progress = func(n int) {
		if time.Since(last) > 10*time.Second {
			last = time.Now()
			log.Printf("  %d executions written", n)
		}
	}
	return statsgen.Generate(ctx, s, o)
}
