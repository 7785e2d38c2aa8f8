package manager

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/invoke"
)

// Function is a function as the API shows it.
type Function struct {
	ID            string         `json:"id" format:"uuid"`
	OwnerID       string         `json:"owner_id" format:"uuid"`
	Name          string         `json:"name"`
	Runtime       string         `json:"runtime" enum:"wasm,container"`
	Description   string         `json:"description"`
	Status        string         `json:"status" enum:"initialized,active,pending_deletion"`
	ActiveVersion *int           `json:"active_version" doc:"The deployment that serves calls; null before the first deploy."`
	Settings      SettingsOut    `json:"settings"`
	InvokeURL     string         `json:"invoke_url" doc:"Path of the invoke endpoint, relative to the server."`
	TriggerURL    string         `json:"trigger_url" doc:"Base path of the HTTP trigger: any method on it and below it reaches the function."`
	DeleteAfter   *time.Time     `json:"delete_after,omitempty" doc:"When a pending deletion becomes final."`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	Recent        *RecentSummary `json:"recent,omitempty" doc:"Invocations of the last 24 hours (single-function reads only)."`
}

// SettingsOut are a function's settings; secret values are masked.
type SettingsOut struct {
	MemoryMB       int               `json:"memory_mb"`
	TimeoutMS      int               `json:"timeout_ms"`
	MaxConcurrency int               `json:"max_concurrency"`
	Env            map[string]string `json:"env"`
	Secrets        map[string]string `json:"secrets" doc:"Secret names, each with a masked value."`
	Visibility     string            `json:"visibility" enum:"private,organization,public"`
}

// RecentSummary counts recent invocations.
type RecentSummary struct {
	Since         time.Time  `json:"since"`
	Invocations   int64      `json:"invocations"`
	Errors        int64      `json:"errors"`
	AvgDurationMS float64    `json:"avg_duration_ms"`
	LastAt        *time.Time `json:"last_invoked_at,omitempty"`
}

// secretMask is how a secret's value reads back.
const secretMask = "********"

func functionOut(f *berth.Function) Function {
	out := Function{
		ID: f.ID, OwnerID: f.OwnerID, Name: f.Name, Runtime: f.Runtime, Description: f.Description, Status: string(f.Status),
		InvokeURL: "/api/functions/" + f.ID + "/invoke", TriggerURL: "/fn/" + f.ID + "/",
		DeleteAfter: timePtr(f.DeleteAfter), CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt,
		Settings: SettingsOut{MemoryMB: f.Settings.MemoryMB, TimeoutMS: f.Settings.TimeoutMS, MaxConcurrency: f.Settings.MaxConcurrency,
			Env: f.Settings.Env, Secrets: map[string]string{}, Visibility: string(f.Settings.Visibility)},
	}
	if out.Settings.Env == nil {
		out.Settings.Env = map[string]string{}
	}
	if f.ActiveVersion > 0 {
		v := f.ActiveVersion
		out.ActiveVersion = &v
	}
	for _, n := range f.SecretNames {
		out.Settings.Secrets[n] = secretMask
	}
	return out
}

// Page is one page of a list.
type Page[T any] struct {
	Items   []T `json:"items"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
	Total   int `json:"total"`
}

// PageParams select a page of a list.
type PageParams struct {
	Page    int `query:"page" minimum:"1" default:"1" doc:"1-based page number."`
	PerPage int `query:"per_page" minimum:"1" maximum:"100" default:"20"`
}

func (p PageParams) page() berth.Page { return berth.Page{Number: p.Page, Size: p.PerPage} }

// IDParam is a function id in the path.
type IDParam struct {
	ID string `path:"id" doc:"The function's id (a UUID)." maxLength:"64"`
}

type initInput struct {
	Body struct {
		Name        string `json:"name" minLength:"1" maxLength:"63" example:"hello" doc:"A lower-case DNS label: a-z, 0-9 and '-', not starting or ending with '-'; unique among your functions."`
		Runtime     string `json:"runtime,omitempty" enum:"wasm,container" default:"wasm" doc:"Default wasm."`
		Description string `json:"description,omitempty" maxLength:"500"`
	}
}

type functionOutput struct{ Body Function }

type listFunctionsInput struct {
	PageParams
	Name   string `query:"name" maxLength:"63" doc:"Only functions whose name contains this."`
	Status string `query:"status" enum:"initialized,active,pending_deletion"`
}

type listFunctionsOutput struct{ Body Page[Function] }

type patchFunctionInput struct {
	IDParam
	Body struct {
		Description    *string            `json:"description,omitempty" maxLength:"500"`
		MemoryMB       *int               `json:"memory_mb,omitempty" minimum:"16" doc:"Memory limit in MiB (at most functions.max_memory_mb)."`
		TimeoutMS      *int               `json:"timeout_ms,omitempty" minimum:"100" doc:"Deadline per call in milliseconds (at most functions.max_timeout)."`
		MaxConcurrency *int               `json:"max_concurrency,omitempty" minimum:"1" maximum:"1000" doc:"Calls of this function running at once; more wait briefly, then get 429."`
		Env            *map[string]string `json:"env,omitempty" doc:"Replaces the environment. At most 64 variables."`
		Secrets        map[string]*string `json:"secrets,omitempty" doc:"Sets secrets (a string) or removes them (null); values are write-only and stored encrypted."`
		Visibility     *string            `json:"visibility,omitempty" enum:"private,organization,public" doc:"organization: shared with your organisation (its members read and invoke it, its owners may also change it)."`
	}
}

type deletionStatusOutput struct {
	Body struct {
		Status              string     `json:"status"`
		DeletionRequestedAt *time.Time `json:"deletion_requested_at,omitempty"`
		DeleteAfter         *time.Time `json:"delete_after,omitempty"`
		SecondsRemaining    *int64     `json:"seconds_remaining,omitempty"`
	}
}

type deploymentsInput struct {
	IDParam
	PageParams
}

// Deployment is one version as the API shows it.
type Deployment struct {
	Version     int       `json:"version"`
	Status      string    `json:"status" enum:"building,ready,failed"`
	Active      bool      `json:"active"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	Error       string    `json:"error,omitempty"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

func deploymentOut(d *berth.Deployment, active int) Deployment {
	return Deployment{Version: d.Version, Status: string(d.Status), Active: d.Version == active, SHA256: d.SHA256, Size: d.Size,
		ContentType: d.ContentType, Error: d.Error, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt}
}

type deploymentsOutput struct{ Body Page[Deployment] }

type rollbackInput struct {
	IDParam
	Body struct {
		Version int `json:"version" minimum:"1" doc:"The version to make active."`
	}
}

func (m *Manager) registerFunctions() {
	tags := []string{"functions"}
	reg := func(op huma.Operation) huma.Operation {
		op.Tags, op.Security = tags, authenticated
		return op
	}
	operation(m, reg(huma.Operation{OperationID: "init-function", Method: http.MethodPost, Path: "/api/functions/init",
		Summary: "Create a function", DefaultStatus: http.StatusCreated}), m.initFunction)
	operation(m, reg(huma.Operation{OperationID: "list-functions", Method: http.MethodGet, Path: "/api/functions",
		Summary: "Your functions (an admin's: everyone's)"}), m.listFunctions)
	operation(m, reg(huma.Operation{OperationID: "pending-deletions", Method: http.MethodGet, Path: "/api/functions/pending-deletions",
		Summary: "Functions scheduled for deletion"}), m.pendingDeletions)
	operation(m, reg(huma.Operation{OperationID: "get-function", Method: http.MethodGet, Path: "/api/functions/{id}",
		Summary: "A function with its settings and recent invocations"}), m.getFunction)
	operation(m, reg(huma.Operation{OperationID: "update-function", Method: http.MethodPatch, Path: "/api/functions/{id}",
		Summary: "Change settings, environment, secrets or visibility"}), m.patchFunction)
	operation(m, reg(huma.Operation{OperationID: "delete-function", Method: http.MethodDelete, Path: "/api/functions/{id}",
		Summary: "Schedule deletion after the grace period", DefaultStatus: http.StatusAccepted}), m.deleteFunction)
	operation(m, reg(huma.Operation{OperationID: "cancel-deletion", Method: http.MethodPost, Path: "/api/functions/{id}/cancel-deletion",
		Summary: "Cancel a scheduled deletion"}), m.cancelDeletion)
	operation(m, reg(huma.Operation{OperationID: "deletion-status", Method: http.MethodGet, Path: "/api/functions/{id}/deletion-status",
		Summary: "Whether and when a function will be deleted"}), m.deletionStatus)
	operation(m, reg(huma.Operation{OperationID: "list-deployments", Method: http.MethodGet, Path: "/api/functions/{id}/deployments",
		Summary: "A function's deployments, newest first"}), m.listDeployments)
	operation(m, reg(huma.Operation{OperationID: "build-log", Method: http.MethodGet,
		Path:    "/api/functions/{id}/deployments/{version}/build-log",
		Summary: "The image build log of a container function's version (also of a failed one)"}), m.buildLog)
	operation(m, reg(huma.Operation{OperationID: "rollback", Method: http.MethodPost, Path: "/api/functions/{id}/rollback",
		Summary: "Make an earlier (or later) ready version the active one"}), m.rollback)
}

var functionName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func (m *Manager) initFunction(ctx context.Context, in *initInput) (*functionOutput, error) {
	p := PrincipalFrom(ctx)
	if !functionName.MatchString(in.Body.Name) {
		return nil, m.fail(ctx, berth.Invalid("name", "must be a lower-case DNS label: 1 to 63 of a-z, 0-9 and '-', not starting or ending with '-'"))
	}
	if _, ok := m.runtimes[in.Body.Runtime]; !ok {
		return nil, problem(http.StatusUnprocessableEntity, codeRuntimeOff,
			"the "+in.Body.Runtime+" runtime is not enabled on this server; use one of: "+strings.Join(m.runtimeNames(), ", "))
	}
	e, err := m.entitlementsOf(ctx, p.User)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	if in.Body.Runtime == "container" && !e.has(berth.FeatureContainers) {
		return nil, problem(http.StatusForbidden, codeFeatureRole, "the container runtime needs the feature role containers, which your account "+
			"does not have (neither from tier "+e.tier.Name+" nor granted); ask an administrator, or use the wasm runtime")
	}
	desc := strings.TrimSpace(in.Body.Description)
	if !berth.ValidText(desc) {
		return nil, m.fail(ctx, berth.Invalid("description", "must not contain control characters or line breaks"))
	}
	f := &berth.Function{OwnerID: p.User.ID, Name: in.Body.Name, Runtime: in.Body.Runtime, Description: desc,
		Status: berth.FunctionInitialized, Settings: m.defaultSettings()}
	if max := e.tier.Limits.MaxFunctions; max > 0 {
		err = m.store.CreateFunctionWithin(ctx, f, max)
	} else {
		err = m.store.CreateFunction(ctx, f)
	}
	if err != nil {
		switch {
		case errors.Is(err, berth.ErrConflict):
			return nil, problem(http.StatusConflict, codeConflict, "you already have a function named "+f.Name)
		case errors.Is(err, berth.ErrQuota):
			return nil, problem(http.StatusForbidden, codeQuotaExceeded, "tier limit max_functions reached: your tier "+e.tier.Name+" allows "+
				strconv.Itoa(e.tier.Limits.MaxFunctions)+" functions; delete one or ask an administrator for a larger tier")
		}
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, p.User, actFunctionInit, f.ID, berth.AuditSuccess, f.Name)
	return &functionOutput{Body: functionOut(f)}, nil
}

func (m *Manager) runtimeNames() []string {
	return slices.Sorted(maps.Keys(m.runtimes))
}

func (m *Manager) defaultSettings() berth.FunctionSettings {
	return berth.FunctionSettings{MemoryMB: berth.DefaultMemoryMB, TimeoutMS: int(berth.DefaultTimeout.Milliseconds()), MaxConcurrency: 10, Env: map[string]string{},
		Visibility: berth.VisibilityPrivate}
}

func (m *Manager) listFunctions(ctx context.Context, in *listFunctionsInput) (*listFunctionsOutput, error) {
	p := PrincipalFrom(ctx)
	filter := berth.FunctionFilter{Name: in.Name, Status: berth.FunctionStatus(in.Status), Page: in.page()}
	if p.User.Role != berth.RoleAdmin {
		filter.OwnerID, filter.SharedWithOrg = p.User.ID, p.User.OrganizationID
	}
	fs, total, err := m.store.ListFunctions(ctx, filter)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	out := &listFunctionsOutput{Body: Page[Function]{Items: make([]Function, len(fs)), Page: in.Page, PerPage: in.PerPage, Total: total}}
	for i := range fs {
		out.Body.Items[i] = functionOut(&fs[i])
	}
	return out, nil
}

func (m *Manager) pendingDeletions(ctx context.Context, in *struct{ PageParams }) (*listFunctionsOutput, error) {
	return m.listFunctions(ctx, &listFunctionsInput{PageParams: in.PageParams, Status: string(berth.FunctionPendingDeletion)})
}

func (m *Manager) getFunction(ctx context.Context, in *IDParam) (*functionOutput, error) {
	f, err := m.readableFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := functionOut(f)
	since := m.now().Add(-24 * time.Hour).UTC()
	sum, err := m.store.FunctionSummary(ctx, f.ID, since)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	out.Recent = &RecentSummary{Since: since, Invocations: sum.Invocations, Errors: sum.Errors,
		AvgDurationMS: float64(sum.AvgDurationUS) / 1000, LastAt: timePtr(sum.LastAt)}
	return &functionOutput{Body: out}, nil
}

// reservedEnv are names the platform sets for every call (CGI variables);
// a function's own variable of that name would be shadowed.
var reservedEnv = regexp.MustCompile(`^(REQUEST_METHOD|PATH_INFO|QUERY_STRING|CONTENT_TYPE|CONTENT_LENGTH|SERVER_.*|REMOTE_.*|GATEWAY_INTERFACE|SCRIPT_NAME|HTTP_.*|BERTH_.*)$`)

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

const (
	maxEnvVars     = 64
	maxEnvValueLen = 4096
	// Bounds of a function's settings (the server's own maxima come from
	// functions.max_memory_mb and functions.max_timeout).
	minMemoryMB    = 16
	minTimeoutMS   = 100
	maxConcurrency = 1000
)

func checkEnvName(field, name string) error {
	if !envName.MatchString(name) {
		return berth.Invalid(field, strconv.Quote(name)+" is not a valid variable name: letters, digits and '_', not starting with a digit")
	}
	if reservedEnv.MatchString(strings.ToUpper(name)) {
		return berth.Invalid(field, name+" is set by the platform for every call (CGI variables, HTTP_*, BERTH_*); choose another name")
	}
	return nil
}

// applySettings validates a PATCH and applies it to f; it returns the
// secrets to seal (nil values remove).
func (m *Manager) applySettings(f *berth.Function, in *patchFunctionInput) error {
	b, s := &in.Body, &f.Settings
	if b.Description != nil {
		d := strings.TrimSpace(*b.Description)
		if !berth.ValidText(d) {
			return berth.Invalid("description", "must not contain control characters or line breaks")
		}
		f.Description = d
	}
	// Every bound is checked here, whatever the schema already refused, so
	// that berth.toml (deploy.go) gets exactly these checks; comparisons
	// stay in int64 milliseconds, where no value can overflow.
	if b.MemoryMB != nil {
		if *b.MemoryMB < minMemoryMB || *b.MemoryMB > m.fn.MaxMemoryMB {
			return berth.Invalid("memory_mb", "must be from "+strconv.Itoa(minMemoryMB)+" to "+strconv.Itoa(m.fn.MaxMemoryMB)+" on this server")
		}
		s.MemoryMB = *b.MemoryMB
	}
	if b.TimeoutMS != nil {
		if maxMS := m.fn.MaxTimeout.Milliseconds(); int64(*b.TimeoutMS) < minTimeoutMS || int64(*b.TimeoutMS) > maxMS {
			return berth.Invalid("timeout_ms", "must be from "+strconv.Itoa(minTimeoutMS)+" to "+strconv.FormatInt(maxMS, 10)+" on this server")
		}
		s.TimeoutMS = *b.TimeoutMS
	}
	if b.MaxConcurrency != nil {
		if *b.MaxConcurrency < 1 || *b.MaxConcurrency > maxConcurrency {
			return berth.Invalid("max_concurrency", "must be from 1 to "+strconv.Itoa(maxConcurrency))
		}
		s.MaxConcurrency = *b.MaxConcurrency
	}
	if b.Visibility != nil {
		switch berth.Visibility(*b.Visibility) {
		case berth.VisibilityPublic, berth.VisibilityPrivate, berth.VisibilityOrganization:
		default:
			return berth.Invalid("visibility", "must be private, organization or public")
		}
		s.Visibility = berth.Visibility(*b.Visibility)
	}
	if b.Env != nil {
		env := *b.Env
		if len(env) > maxEnvVars {
			return berth.Invalid("env", "at most 64 variables")
		}
		for k, v := range env {
			if err := checkEnvName("env", k); err != nil {
				return err
			}
			if len(v) > maxEnvValueLen || strings.ContainsRune(v, 0) {
				return berth.Invalid("env", k+": values are at most 4096 bytes, without NUL")
			}
			if slices.Contains(f.SecretNames, k) {
				if s, removed := b.Secrets[k]; !removed || s != nil {
					return berth.Invalid("env", k+" is a secret of this function; a name is either one or the other")
				}
			}
		}
		s.Env = env
	}
	for k, v := range b.Secrets {
		if err := checkEnvName("secrets", k); err != nil {
			return err
		}
		if v != nil && (len(*v) > maxEnvValueLen || strings.ContainsRune(*v, 0)) {
			return berth.Invalid("secrets", k+": values are at most 4096 bytes, without NUL")
		}
		if _, clash := s.Env[k]; clash && v != nil {
			return berth.Invalid("secrets", k+" is also an environment variable; a name is either one or the other")
		}
	}
	return nil
}

func (m *Manager) patchFunction(ctx context.Context, in *patchFunctionInput) (*functionOutput, error) {
	f, err := m.liveFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if err := m.checkTierSettings(ctx, f, in); err != nil {
		return nil, m.fail(ctx, err)
	}
	if err := m.applySettings(f, in); err != nil {
		return nil, m.fail(ctx, err)
	}
	if len(f.SecretNames)+len(in.Body.Secrets) > maxEnvVars*2 {
		return nil, m.fail(ctx, berth.Invalid("secrets", "at most 128 secrets"))
	}
	if err := m.store.UpdateFunctionSettings(ctx, f.ID, f.Settings, f.Description); err != nil {
		return nil, m.fail(ctx, err)
	}
	if len(in.Body.Secrets) > 0 {
		sealed := map[string][]byte{}
		for k, v := range in.Body.Secrets {
			sealed[k] = nil
			if v != nil {
				sealed[k] = m.box.Seal([]byte(*v), secretAAD(f.ID, k))
			}
		}
		if err := m.store.PutSecrets(ctx, f.ID, sealed); err != nil {
			return nil, m.fail(ctx, err)
		}
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actFunctionUpdate, f.ID, berth.AuditSuccess, changedFields(in))
	f, err = m.store.Function(ctx, f.ID)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	return &functionOutput{Body: functionOut(f)}, nil
}

// changedFields names what a PATCH touched, for the audit log (never values).
func changedFields(in *patchFunctionInput) string {
	var names []string
	b := &in.Body
	for name, set := range map[string]bool{"description": b.Description != nil, "memory_mb": b.MemoryMB != nil,
		"timeout_ms": b.TimeoutMS != nil, "max_concurrency": b.MaxConcurrency != nil, "env": b.Env != nil,
		"visibility": b.Visibility != nil} {
		if set {
			names = append(names, name)
		}
	}
	for k := range b.Secrets {
		names = append(names, "secret:"+k)
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

func secretAAD(functionID, name string) []byte { return invoke.SecretAAD(functionID, name) }

func (m *Manager) deleteFunction(ctx context.Context, in *IDParam) (*deletionStatusOutput, error) {
	f, err := m.writableFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if f.Status == berth.FunctionPendingDeletion {
		return nil, pendingDeletion(f)
	}
	now := m.now().UTC()
	after := now.Add(m.fn.DeletionGrace)
	if err := m.store.ScheduleDeletion(ctx, f.ID, now, after); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, pendingDeletion(f)
		}
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actFunctionDelete, f.ID, berth.AuditSuccess, "scheduled")
	f.Status, f.DeletionRequestedAt, f.DeleteAfter = berth.FunctionPendingDeletion, now, after
	return m.deletionOut(f), nil
}

func (m *Manager) deletionOut(f *berth.Function) *deletionStatusOutput {
	out := &deletionStatusOutput{}
	out.Body.Status = string(f.Status)
	if f.Status == berth.FunctionPendingDeletion {
		out.Body.DeletionRequestedAt, out.Body.DeleteAfter = timePtr(f.DeletionRequestedAt), timePtr(f.DeleteAfter)
		left := int64(max(0, f.DeleteAfter.Sub(m.now()).Seconds()))
		out.Body.SecondsRemaining = &left
	}
	return out
}

func (m *Manager) cancelDeletion(ctx context.Context, in *IDParam) (*functionOutput, error) {
	f, err := m.writableFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if err := m.store.CancelDeletion(ctx, f.ID); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, problem(http.StatusConflict, codeConflict, "function "+f.Name+" is not scheduled for deletion")
		}
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actFunctionDelete, f.ID, berth.AuditSuccess, "cancelled")
	f, err = m.store.Function(ctx, f.ID)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	return &functionOutput{Body: functionOut(f)}, nil
}

func (m *Manager) deletionStatus(ctx context.Context, in *IDParam) (*deletionStatusOutput, error) {
	f, err := m.readableFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return m.deletionOut(f), nil
}

func (m *Manager) listDeployments(ctx context.Context, in *deploymentsInput) (*deploymentsOutput, error) {
	f, err := m.readableFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	ds, total, err := m.store.ListDeployments(ctx, f.ID, in.page())
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	out := &deploymentsOutput{Body: Page[Deployment]{Items: make([]Deployment, len(ds)), Page: in.Page, PerPage: in.PerPage, Total: total}}
	for i := range ds {
		out.Body.Items[i] = deploymentOut(&ds[i], f.ActiveVersion)
	}
	return out, nil
}

func (m *Manager) rollback(ctx context.Context, in *rollbackInput) (*functionOutput, error) {
	f, err := m.liveFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	d, err := m.store.Deployment(ctx, f.ID, in.Body.Version)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, problem(http.StatusNotFound, codeNotFound, "function "+f.Name+" has no version "+strconv.Itoa(in.Body.Version))
	}
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	if d.Status != berth.DeploymentReady {
		return nil, m.fail(ctx, berth.Invalid("version", "version "+strconv.Itoa(d.Version)+" is "+string(d.Status)+"; only a ready version can be activated"))
	}
	// Make sure the runtime holds it before it serves calls.
	if err := m.prepare(ctx, f, d); err != nil {
		return nil, m.fail(ctx, err)
	}
	if err := m.store.ActivateDeployment(ctx, f.ID, d.Version); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, pendingDeletion(f)
		}
		return nil, m.fail(ctx, err)
	}
	m.activated(ctx, f, d)
	m.auditUser(ctx, PrincipalFrom(ctx).User, actFunctionRollback, f.ID, berth.AuditSuccess, "version "+strconv.Itoa(d.Version))
	f, err = m.store.Function(ctx, f.ID)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	return &functionOutput{Body: functionOut(f)}, nil
}

type buildLogInput struct {
	IDParam
	Version int `path:"version" minimum:"1"`
}

type buildLogOutput struct {
	Body struct {
		Version int    `json:"version"`
		Log     string `json:"log" doc:"The engine's build output; long logs keep their beginning and end."`
	}
}

func (m *Manager) buildLog(ctx context.Context, in *buildLogInput) (*buildLogOutput, error) {
	f, err := m.readableFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	bl, ok := m.runtimes[f.Runtime].(berth.BuildLogger)
	if !ok {
		return nil, problem(http.StatusNotFound, codeNotFound, "only container functions have build logs")
	}
	d, err := m.store.Deployment(ctx, f.ID, in.Version)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, problem(http.StatusNotFound, codeNotFound, "function "+f.Name+" has no version "+strconv.Itoa(in.Version))
	}
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	text, err := bl.BuildLog(ctx, m.ref(f, d))
	if errors.Is(err, berth.ErrNotDeployed) {
		return nil, problem(http.StatusNotFound, codeNotFound, "no build log is kept for version "+strconv.Itoa(in.Version))
	}
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	out := &buildLogOutput{}
	out.Body.Version, out.Body.Log = d.Version, text
	return out, nil
}

// activated tells the runtime a version became active; best effort: the
// first call of the new version drains the old ones anyway.
func (m *Manager) activated(ctx context.Context, f *berth.Function, d *berth.Deployment) {
	if a, ok := m.runtimes[f.Runtime].(berth.Activator); ok {
		if err := a.Activate(context.WithoutCancel(ctx), m.ref(f, d)); err != nil {
			m.log.WarnContext(ctx, "old versions not drained", "event", "activate", "function_id", f.ID, "version", d.Version, "error", err)
		}
	}
}
