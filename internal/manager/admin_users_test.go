package manager_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/berth-platform/berth/client"
)

type userPage struct {
	Items []struct {
		Email     string `json:"email"`
		Role      string `json:"role"`
		AdminRole string `json:"admin_role"`
		Status    string `json:"status"`
	} `json:"items"`
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

func TestAdminListUsers(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, user := ts.newUser()
	admin, _ := ts.login(ts.admin, ts.adminPW)
	view := viewer(t, ts)
	for range 3 {
		ts.newUser()
	}
	list := func(c *client.Client, q url.Values) *userPage {
		t.Helper()
		return get[userPage](t, c, "/api/admin/users?"+q.Encode())
	}

	all := list(admin, url.Values{"per_page": {"100"}})
	// The first admin, the viewer, the user and three more.
	if all.Total != 6 || len(all.Items) != 6 || all.Page != 1 || all.PerPage != 100 {
		t.Fatalf("every user: total %d, %d items, page %d of %d", all.Total, len(all.Items), all.Page, all.PerPage)
	}
	for i := 1; i < len(all.Items); i++ {
		if all.Items[i-1].Email > all.Items[i].Email {
			t.Fatalf("not sorted by email: %s before %s", all.Items[i-1].Email, all.Items[i].Email)
		}
	}
	if v := list(view, url.Values{"admin_role": {"viewer"}}); v.Total != 1 || v.Items[0].AdminRole != "viewer" {
		t.Fatalf("a viewer lists the viewers: %+v", v)
	}
	if a := list(admin, url.Values{"role": {"admin"}, "sort": {"-email"}}); a.Total != 2 || a.Items[0].Email < a.Items[1].Email {
		t.Fatalf("admins, by email descending: %+v", a)
	}
	if q := list(admin, url.Values{"q": {ts.admin[:4]}}); q.Total < 1 || q.Items[0].Email != ts.admin {
		t.Fatalf("search %q: %+v", ts.admin[:4], q)
	}
	p1 := list(admin, url.Values{"per_page": {"4"}, "page": {"2"}})
	if p1.Total != 6 || len(p1.Items) != 2 || p1.Items[0].Email != all.Items[4].Email {
		t.Fatalf("page 2 of 4: %+v", p1)
	}

	wantStatus(t, user.Do(ctx, http.MethodGet, "/api/admin/users", nil, &struct{}{}), http.StatusForbidden, "forbidden")
	wantStatus(t, ts.anon().Do(ctx, http.MethodGet, "/api/admin/users", nil, &struct{}{}), http.StatusUnauthorized, "unauthorized")
	for _, bad := range []string{"sort=password_hash", "status=gone", "per_page=1000", "page=0"} {
		wantStatus(t, admin.Do(ctx, http.MethodGet, "/api/admin/users?"+bad, nil, &struct{}{}), http.StatusUnprocessableEntity, "validation")
	}
}
