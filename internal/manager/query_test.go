package manager_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestQueryOutOfRange checks that every list and stats endpoint answers a
// query parameter out of range (or not a number) with the same 422
// validation problem, naming the parameter.
func TestQueryOutOfRange(t *testing.T) {
	ts := startServer(t, withRegistration)
	_, tok := ts.login(ts.admin, ts.adminPW)
	c := ts.bearer(tok.AccessToken)
	f, err := c.InitFunction(t.Context(), "ranged", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	fn := "/api/functions/" + f.ID
	lists := []string{"/api/functions", "/api/functions/pending-deletions", fn + "/deployments", fn + "/api-keys",
		fn + "/executions", "/api/admin/audit"}
	type query struct{ path, param string }
	var bad []query
	for _, l := range lists {
		bad = append(bad, query{l + "?page=0", "page"}, query{l + "?page=abc", "page"},
			query{l + "?per_page=0", "per_page"}, query{l + "?per_page=101", "per_page"})
	}
	bad = append(bad,
		query{"/api/admin/errors?limit=0", "limit"}, query{"/api/admin/errors?limit=201", "limit"},
		query{fn + "/logs?limit=0", "limit"}, query{fn + "/logs?limit=1001", "limit"}, query{fn + "/logs?limit=x", "limit"},
		query{"/api/stats/overview/hourly?hours=169", "hours"}, query{"/api/stats/overview/daily?days=0", "days"},
		query{fn + "/stats/hourly?hours=0", "hours"}, query{fn + "/stats/daily?days=91", "days"},
	)
	for _, q := range bad {
		t.Run(q.path, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, ts.url+q.path, nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			status, header, body := ts.raw(req)
			p := problemOf(t, status, header, body)
			if status != http.StatusUnprocessableEntity || p["type"] != "urn:berth:problem:validation" {
				t.Fatalf("%d %v, want 422 urn:berth:problem:validation: %s", status, p["type"], body)
			}
			if !strings.Contains(string(body), "query."+q.param) {
				t.Fatalf("the problem does not name query.%s: %s", q.param, body)
			}
		})
	}
}
