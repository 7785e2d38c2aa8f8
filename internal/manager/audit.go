package manager

import (
	"context"

	"github.com/berth-platform/berth"
)

// Audit actions.
const (
	actRegister       = "auth.register"
	actLogin          = "auth.login"
	actAuthorize      = "auth.authorize"
	actRefresh        = "auth.refresh"
	actLogout         = "auth.logout"
	actKeypairCreate  = "keypair.create"
	actKeypairDelete  = "keypair.delete"
	actPasswordChange = "user.password_change"
	actPasswordReset  = "user.password_reset"
	actEmailVerify    = "user.email_verification"
	actUserUpdate     = "user.update"
	actProfileUpdate  = "user.profile_update"
	actPrefsUpdate    = "user.preferences_update"

	actFunctionInit     = "function.init"
	actFunctionUpdate   = "function.update"
	actFunctionDeploy   = "function.deploy"
	actFunctionRollback = "function.rollback"
	actFunctionDelete   = "function.delete"
	actFunctionPurge    = "function.purge"
	actAPIKeyCreate     = "api_key.create"
	actAPIKeyUpdate     = "api_key.update"
	actAPIKeyRoll       = "api_key.roll"
	actAPIKeySecret     = "api_key.secret_replace"
	actAPIKeyRevoke     = "api_key.revoke"
	actAPIKeyEnable     = "api_key.enable"
	actAPIKeyDelete     = "api_key.delete"
	actAdminUserBlock   = "admin.user_block"
	actAdminUserEnable  = "admin.user_enable"
	actAdminUserUpdate  = "admin.user_update"
	actAdminSessionEnd  = "admin.session_end"
	actAdminUserDelete  = "admin.user_delete"
	actAdminUserRestore = "admin.user_restore"
	actAdminUserCreate  = "admin.user_create"
	actAdminTempPW      = "admin.user_temporary_password"
	actAdminSettings    = "admin.settings_update"
	actAdminFeatureSet  = "admin.feature_role_grant"
	actAdminFeatureDel  = "admin.feature_role_revoke"
	actAdminTierCreate  = "admin.tier_create"
	actAdminTierUpdate  = "admin.tier_update"
	actAdminTierDelete  = "admin.tier_delete"
	actAdminOrgCreate   = "admin.organization_create"
	actAdminOrgUpdate   = "admin.organization_update"
	actAdminOrgDelete   = "admin.organization_delete"
	actAdminOrgMember   = "admin.organization_member_set"
	actAdminOrgRemove   = "admin.organization_member_remove"
	actAdminGroupCreate = "admin.group_create"
	actAdminGroupUpdate = "admin.group_update"
	actAdminGroupDelete = "admin.group_delete"
	actAdminGroupAdd    = "admin.group_member_add"
	actAdminGroupRemove = "admin.group_member_remove"
	actEarlyAccessAsk   = "early_access.request"
	actAdminEarlyOK     = "admin.early_access_approve"
	actAdminEarlyNo     = "admin.early_access_reject"
)

// audit records an event. A failure to record is logged, never hidden, but
// does not undo the change it describes.
func (m *Manager) audit(ctx context.Context, e berth.AuditEvent) {
	if e.At.IsZero() {
		e.At = m.now().UTC()
	}
	if err := m.store.AppendAudit(ctx, &e); err != nil {
		m.log.ErrorContext(ctx, "audit event not recorded", "event", "audit_failed",
			"action", e.Action, "user_id", e.ActorID, "outcome", e.Outcome, "error", err)
	}
}

// auditUser records an event by the request's principal.
func (m *Manager) auditUser(ctx context.Context, u *berth.User, action, target string, outcome berth.AuditOutcome, detail string) {
	m.audit(ctx, berth.AuditEvent{ActorID: u.ID, ActorEmail: u.Email, Action: action, Target: target,
		ClientAddr: clientAddrFrom(ctx), Outcome: outcome, Detail: detail})
}
