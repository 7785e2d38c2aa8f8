package graphql

import (
	"context"
	"time"

	"github.com/berth-platform/berth"
)

// Deployments is the resolver for the deployments field.
func (r *functionResolver) Deployments(ctx context.Context, obj *Function, p *int, perPage *int) (*DeploymentPage, error) {
	pg := page(p, perPage)
	ds, total, err := r.Store.ListDeployments(ctx, obj.ID, pg)
	if err != nil {
		return nil, err
	}
	out := &DeploymentPage{Items: []Deployment{}, Page: pg.Number, PerPage: pg.Size, Total: total}
	for _, d := range ds {
		out.Items = append(out.Items, Deployment{Version: d.Version, Status: string(d.Status),
			Active: obj.ActiveVersion != nil && *obj.ActiveVersion == d.Version, Sha256: d.SHA256, Size: int(d.Size),
			ContentType: d.ContentType, Error: optString(d.Error), CreatedAt: d.CreatedAt})
	}
	return out, nil
}

// Executions is the resolver for the executions field.
func (r *functionResolver) Executions(ctx context.Context, obj *Function, p *int, perPage *int, status *string) (*ExecutionPage, error) {
	pg := page(p, perPage)
	f := berth.ExecutionFilter{FunctionID: obj.ID, Page: pg}
	if status != nil {
		f.Status = berth.ExecutionStatus(*status)
	}
	es, total, err := r.Store.ListExecutions(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &ExecutionPage{Items: []Execution{}, Page: pg.Number, PerPage: pg.Size, Total: total}
	for _, e := range es {
		out.Items = append(out.Items, Execution{ID: e.ID, Version: e.Version, Status: string(e.Status), HTTPStatus: e.HTTPStatus,
			Error: optString(e.Error), StartedAt: e.StartedAt, DurationMs: float64(e.DurationUS) / 1000, BytesIn: int(e.BytesIn),
			BytesOut: int(e.BytesOut), ColdStart: e.ColdStart, Caller: string(e.CallerKind), CallerKey: optString(e.CallerKeyID)})
	}
	return out, nil
}

// APIKeys is the resolver for the apiKeys field.
func (r *functionResolver) APIKeys(ctx context.Context, obj *Function, p *int, perPage *int) (*APIKeyPage, error) {
	pg := page(p, perPage)
	ks, total, err := r.Store.ListAPIKeys(ctx, obj.ID, pg)
	if err != nil {
		return nil, err
	}
	now := r.now()
	out := &APIKeyPage{Items: []APIKey{}, Page: pg.Number, PerPage: pg.Size, Total: total}
	for _, k := range ks {
		status := "active"
		switch {
		case !k.RevokedAt.IsZero():
			status = "revoked"
		case !k.Usable(now):
			status = "expired"
		}
		out.Items = append(out.Items, APIKey{ID: k.ID, KeyID: k.KeyID, Name: k.Name, Status: status, CreatedAt: k.CreatedAt,
			ExpiresAt: optTime(k.ExpiresAt), RevokedAt: optTime(k.RevokedAt), LastUsedAt: optTime(k.LastUsedAt)})
	}
	return out, nil
}

// Me is the resolver for the me field.
func (r *queryResolver) Me(ctx context.Context) (*User, error) {
	u, err := r.user(ctx)
	if err != nil {
		return nil, err
	}
	out := userOf(u)
	return &out, nil
}

// Functions is the resolver for the functions field.
func (r *queryResolver) Functions(ctx context.Context, p *int, perPage *int, name *string, status *string) (*FunctionPage, error) {
	u, err := r.user(ctx)
	if err != nil {
		return nil, err
	}
	pg := page(p, perPage)
	filter := berth.FunctionFilter{Page: pg}
	if u.Role != berth.RoleAdmin {
		filter.OwnerID = u.ID
	}
	if name != nil {
		filter.Name = *name
	}
	if status != nil {
		filter.Status = berth.FunctionStatus(*status)
	}
	fs, total, err := r.Store.ListFunctions(ctx, filter)
	if err != nil {
		return nil, err
	}
	out := &FunctionPage{Items: []Function{}, Page: pg.Number, PerPage: pg.Size, Total: total}
	for i := range fs {
		out.Items = append(out.Items, functionOf(&fs[i]))
	}
	return out, nil
}

// Function is the resolver for the function field.
func (r *queryResolver) Function(ctx context.Context, id string) (*Function, error) {
	f, err := r.readable(ctx, id)
	if err != nil || f == nil {
		return nil, err
	}
	out := functionOf(f)
	return &out, nil
}

// Logs is the resolver for the logs field: it polls the store for lines of
// executions recorded after the subscription started.
func (r *subscriptionResolver) Logs(ctx context.Context, functionID string) (<-chan *LogLine, error) {
	f, err := r.readable(ctx, functionID)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, clientError("no such function (or it is not yours)")
	}
	poll := r.LogPoll
	if poll <= 0 {
		poll = time.Second
	}
	out := make(chan *LogLine, 64)
	go func() {
		defer close(out)
		since := r.now()
		seen := map[string]time.Time{} // execution id -> its start, while it may come again
		t := time.NewTicker(poll)
		defer t.Stop()
		every := r.RecheckEvery
		if r.Recheck == nil || every <= 0 {
			every = time.Hour
		}
		check := time.NewTicker(every)
		defer check.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-check.C:
				if r.Recheck != nil && r.Recheck(ctx) != nil {
					return // the credential ended: the subscription completes
				}
				continue
			case <-t.C:
			}
			lines, err := r.Store.RecentLogs(ctx, f.ID, since, 1000)
			if err != nil {
				continue // the store may come back
			}
			fresh := map[string]time.Time{}
			for _, l := range lines {
				if _, old := seen[l.ExecutionID]; old {
					continue
				}
				fresh[l.ExecutionID] = l.At
				select {
				case out <- &LogLine{ExecutionID: l.ExecutionID, At: l.At, Line: l.Line}:
				case <-ctx.Done():
					return
				}
			}
			// A record is written whole, so an execution seen once is done.
			// Look again from just before the newest start (records with
			// the same start time may still arrive) and forget older ids.
			for id, at := range fresh {
				seen[id] = at
				if at.After(since) {
					since = at.Add(-time.Microsecond)
				}
			}
			for id, at := range seen {
				if at.Before(since) {
					delete(seen, id)
				}
			}
		}
	}()
	return out, nil
}

// Function returns FunctionResolver implementation.
func (r *Resolver) Function() FunctionResolver { return &functionResolver{r} }

// Query returns QueryResolver implementation.
func (r *Resolver) Query() QueryResolver { return &queryResolver{r} }

// Subscription returns SubscriptionResolver implementation.
func (r *Resolver) Subscription() SubscriptionResolver { return &subscriptionResolver{r} }

type (
	functionResolver     struct{ *Resolver }
	queryResolver        struct{ *Resolver }
	subscriptionResolver struct{ *Resolver }
)
