package graphql

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/berth-platform/berth"
)

// listStore is a berth.Store that lists no functions; any other call
// panics.
type listStore struct {
	berth.Store
	lists int
}

func (s *listStore) ListFunctions(context.Context, berth.FunctionFilter) ([]berth.Function, int, error) {
	s.lists++
	return nil, 0, nil
}

func postQuery(t *testing.T, h http.Handler, query string, vars map[string]any) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/api/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, rec.Body)
	}
	return rec.Code, out
}

// TestQueryCost: the cost of a query multiplies by each page's perPage,
// nested pages multiply again, and a query that could return tens of
// thousands of rows is refused before the store is asked, with a message
// that names the cost and the limit.
func TestQueryCost(t *testing.T) {
	store := &listStore{}
	h := Handler(&Resolver{Store: store, User: func(context.Context) *berth.User {
		return &berth.User{ID: "u1", Email: "a@example.test", Role: berth.RoleAdmin, Status: berth.UserActive}
	}})
	t.Run("OK", func(t *testing.T) {
		q := `{ me { email } functions(perPage: 5) { total items { name
		  deployments(perPage: 5) { total items { version } } } } }`
		code, out := postQuery(t, h, q, nil)
		if code != http.StatusOK || out["errors"] != nil || store.lists != 1 {
			t.Fatalf("cheap query: %d %v (lists %d)", code, out, store.lists)
		}
	})
	refused := map[string]struct {
		query string
		vars  map[string]any
		cost  string
	}{
		// 1 + 100 × (1 + 1 + (1 + 100 × (1 + 2))): perPage is capped at 100.
		"NestedPerPage1000": {query: `{ functions(perPage: 1000) { items { name
		  executions(perPage: 1000) { items { id status } } } } }`, cost: "30301"},
		"FromVariables": {query: `query($n: Int) { functions(perPage: $n) { items { name
		  executions(perPage: $n) { items { id status } } } } }`, vars: map[string]any{"n": 1000}, cost: "30301"},
		// Default pages (20) nested side by side.
		"DefaultPagesNested": {query: `{ functions { items {
		  deployments { items { version } } executions { items { id } } apiKeys { items { name } } } } }`, cost: "2481"},
		// Aliases add up: 5 × (1 + 100 × 1).
		"Aliases": {query: `{ a: functions(perPage: 100) { total } b: functions(perPage: 100) { total }
		  c: functions(perPage: 100) { total } d: functions(perPage: 100) { total } e: functions(perPage: 100) { total } }`, cost: "505"},
	}
	for name, tt := range refused {
		t.Run("ErrTooCostly/"+name, func(t *testing.T) {
			before := store.lists
			code, out := postQuery(t, h, tt.query, tt.vars)
			msg, _ := json.Marshal(out["errors"])
			want := "query cost " + tt.cost + " exceeds the limit of 500"
			// application/json answers carry errors with 200 (GraphQL over HTTP).
			if code != http.StatusOK || out["data"] != nil || !strings.Contains(string(msg), want) {
				t.Fatalf("%d %v; want errors with %q and no data", code, out, want)
			}
			if store.lists != before {
				t.Fatal("a refused query reached the store")
			}
		})
	}
}
