package manager

import (
	"context"
	"errors"
	"net/http"

	"github.com/berth-platform/berth"
)

// Who may do what with a function:
//   - its owner: everything;
//   - an admin with full_admin: everything;
//   - an admin with viewer: read only (a change answers 403);
//   - for a function shared with its owner's organisation (visibility
//     organization): the organisation's members may read and invoke it,
//     its owners may also change it;
//   - anyone else: nothing, and the function does not exist for them (404),
//     so that ids cannot be probed.

func canRead(p *Principal, f *berth.Function) bool {
	return p != nil && p.User != nil && (p.User.ID == f.OwnerID || p.User.Role == berth.RoleAdmin)
}

func canWrite(p *Principal, f *berth.Function) bool {
	return p != nil && p.User != nil && (p.User.ID == f.OwnerID ||
		(p.User.Role == berth.RoleAdmin && p.User.AdminRole == berth.AdminFull))
}

func functionNotFound(id string) error {
	return problem(http.StatusNotFound, codeNotFound, "no function "+id+" (or it is not yours)")
}

// orgAccess reports what p may do with f through f's owner's
// organisation: read and invoke as a member, also change as an owner.
func (m *Manager) orgAccess(ctx context.Context, p *Principal, f *berth.Function) (member, owner bool, err error) {
	if f.Settings.Visibility != berth.VisibilityOrganization || p == nil || p.User == nil || p.User.OrganizationID == "" {
		return false, false, nil
	}
	o, err := m.cache.CachedUser(ctx, f.OwnerID)
	if errors.Is(err, berth.ErrNotFound) {
		return false, false, nil
	}
	if err != nil || o.OrganizationID != p.User.OrganizationID {
		return false, false, err
	}
	return true, p.User.OrganizationRole == berth.OrgOwner, nil
}

// readableFunction loads a function the principal may read.
func (m *Manager) readableFunction(ctx context.Context, id string) (*berth.Function, error) {
	if !berth.ValidID(id) {
		return nil, functionNotFound(id)
	}
	f, err := m.store.Function(ctx, id)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, functionNotFound(id)
	}
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	if p := PrincipalFrom(ctx); !canRead(p, f) {
		member, _, err := m.orgAccess(ctx, p, f)
		if err != nil {
			return nil, m.fail(ctx, err)
		}
		if !member {
			return nil, functionNotFound(id)
		}
	}
	return f, nil
}

// writableFunction loads a function the principal may change.
func (m *Manager) writableFunction(ctx context.Context, id string) (*berth.Function, error) {
	f, err := m.readableFunction(ctx, id)
	if err != nil {
		return nil, err
	}
	if p := PrincipalFrom(ctx); !canWrite(p, f) {
		_, owner, err := m.orgAccess(ctx, p, f)
		if err != nil {
			return nil, m.fail(ctx, err)
		}
		if !owner {
			return nil, problem(http.StatusForbidden, codeForbidden, "you may read this function, not change it: "+
				"its owner, an organisation owner it is shared with or a full administrator can")
		}
	}
	return f, nil
}

// liveFunction is writableFunction for changes a pending deletion forbids.
func (m *Manager) liveFunction(ctx context.Context, id string) (*berth.Function, error) {
	f, err := m.writableFunction(ctx, id)
	if err != nil {
		return nil, err
	}
	if f.Status == berth.FunctionPendingDeletion {
		return nil, pendingDeletion(f)
	}
	return f, nil
}

func pendingDeletion(f *berth.Function) error {
	return problem(http.StatusConflict, codePendingDeletion, "function "+f.Name+" is scheduled for deletion at "+
		f.DeleteAfter.UTC().Format("2006-01-02 15:04 MST")+"; cancel the deletion first (POST /api/functions/"+f.ID+"/cancel-deletion)")
}
