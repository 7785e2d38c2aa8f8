package manager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/clientaddr"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/plugins"
)

// Feature services and plugins (docs/plugins.md): the registry each
// replica polls, the plugin API (manifests, settings checked against the
// plugin's JSON Schema with secrets masked, actions), and the feature
// proxy /api/ext/{id}/… that carries the user's identity as a signed
// assertion. Access rules are checked on every call, before anything is
// forwarded; a plugin the user may not use is 404, as one that does not
// exist.

type servicesRuntime struct {
	registry  *plugins.Registry
	signer    *plugins.Signer
	transport http.RoundTripper
	config    []config.ServiceConfig
	interval  time.Duration
}

func (m *Manager) initServices(o Options) {
	tr := o.ServiceTransport
	if tr == nil {
		tr = plugins.NewTransport()
	}
	timeout, interval := o.ServiceTimeout, o.ServicePollInterval
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	if interval == 0 {
		interval = 30 * time.Second
	}
	seed := o.AssertionSeed
	if len(seed) == 0 {
		seed = make([]byte, 32)
		copy(seed, m.codeKey) // tests without a master key: stable for the process
	}
	m.svc = &servicesRuntime{registry: plugins.NewRegistry(tr, timeout, o.Now, m.log), transport: tr, config: o.Services, interval: interval,
		signer: plugins.NewSigner(seed, func() string { return strings.TrimSuffix(m.publicURL(), "/") }, o.Now)}
	if list, err := m.serviceList(context.Background(), false); err == nil {
		m.svc.registry.Sync(list)
	}
	if m.metrics != nil && m.metrics.reg != nil {
		var are prometheus.AlreadyRegisteredError
		if err := m.metrics.reg.Register(m.svc.registry.Collector()); err != nil && !errors.As(err, &are) {
			m.log.Warn("service metrics not registered", "event", "metrics", "error", err)
		}
	}
}

// serviceList is the configuration's services and, unless configOnly, the
// store's.
func (m *Manager) serviceList(ctx context.Context, configOnly bool) ([]plugins.Service, error) {
	out := make([]plugins.Service, 0, len(m.svc.config))
	taken := map[string]bool{}
	for _, s := range m.svc.config {
		out = append(out, plugins.Service{ID: s.ID, Name: s.Name, URL: s.URL, HealthPath: s.HealthPath, Source: "config"})
		taken[s.ID] = true
	}
	if configOnly {
		return out, nil
	}
	stored, err := m.store.ListServices(ctx)
	if err != nil {
		return out, err
	}
	for _, s := range stored {
		if !taken[s.ID] {
			out = append(out, plugins.Service{ID: s.ID, Name: s.Name, URL: s.URL, HealthPath: s.HealthPath, Source: "api"})
		}
	}
	return out, nil
}

// runServices polls the services until ctx ends.
func (m *Manager) runServices(ctx context.Context) {
	m.svc.registry.Run(ctx, m.svc.interval, func(ctx context.Context) ([]plugins.Service, error) { return m.serviceList(ctx, false) })
}

// CheckServices runs one round of health checks (tests, and after an
// admin changed a service).
func (m *Manager) CheckServices(ctx context.Context) {
	if list, err := m.serviceList(ctx, false); err == nil {
		m.svc.registry.Sync(list)
	}
	m.svc.registry.CheckAll(ctx)
}

// ServiceInfo is a service as every signed-in user sees it.
type ServiceInfo struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Status    string     `json:"status" enum:"up,down,unknown"`
	CheckedAt *time.Time `json:"checked_at,omitempty"`
	LatencyMS *float64   `json:"latency_ms,omitempty"`
	Plugin    bool       `json:"plugin"`
}

// AdminServiceInfo is a service as administrators see it.
type AdminServiceInfo struct {
	ID            string      `json:"id"`
	Name          string      `json:"name"`
	Status        string      `json:"status" enum:"up,down,unknown"`
	CheckedAt     *time.Time  `json:"checked_at,omitempty"`
	LatencyMS     *float64    `json:"latency_ms,omitempty"`
	URL           string      `json:"url"`
	HealthPath    string      `json:"health_path"`
	Source        string      `json:"source" enum:"config,api"`
	LastError     string      `json:"last_error,omitempty"`
	ManifestError string      `json:"manifest_error,omitempty"`
	Plugin        *PluginInfo `json:"plugin,omitempty" doc:"The plugin's manifest, when the service serves a valid one."`
}

// PluginInfo names a plugin's manifest.
type PluginInfo struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// PluginSummary is a plugin in the user's list.
type PluginSummary struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	Version     string           `json:"version"`
	Description string           `json:"description"`
	Icon        string           `json:"icon,omitempty"`
	Status      string           `json:"status"`
	Actions     []plugins.Action `json:"actions"`
}

func serviceInfo(s plugins.State) ServiceInfo {
	out := ServiceInfo{ID: s.ID, Name: s.Name, Status: string(s.Status), Plugin: s.Manifest != nil}
	if !s.CheckedAt.IsZero() {
		t := s.CheckedAt.UTC()
		ms := float64(s.Latency.Microseconds()) / 1000
		out.CheckedAt, out.LatencyMS = &t, &ms
	}
	return out
}

type listOutput[T any] struct {
	Body struct {
		Items []T `json:"items"`
	}
}

type serviceIDInput struct {
	ID string `path:"id" maxLength:"32"`
}

type serviceBody struct {
	ID         string `json:"id" pattern:"^[a-z0-9][a-z0-9-]{0,31}$" doc:"Lower-case letters, digits and dashes; in URLs and the assertions' audience."`
	Name       string `json:"name" minLength:"1" maxLength:"100"`
	URL        string `json:"url" minLength:"1" maxLength:"2048" doc:"The service's base URL."`
	HealthPath string `json:"health_path,omitempty" maxLength:"256" doc:"Default /health."`
}

type createServiceInput struct{ Body serviceBody }

type updateServiceInput struct {
	ID   string `path:"id" maxLength:"32"`
	Body struct {
		Name       *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
		URL        *string `json:"url,omitempty" minLength:"1" maxLength:"2048"`
		HealthPath *string `json:"health_path,omitempty" maxLength:"256"`
	}
}

type adminServiceOutput struct{ Body AdminServiceInfo }

type pluginInput struct {
	ID string `path:"id" maxLength:"32"`
}

type manifestOutput struct{ Body *plugins.Manifest }

type pluginSettingsOutput struct{ Body map[string]any }

type settingsPatchInput struct {
	ID   string `path:"id" maxLength:"32"`
	Body map[string]any
}

type actionInput struct {
	ID   string         `path:"id" maxLength:"32"`
	Name string         `path:"name" maxLength:"64"`
	Body map[string]any `required:"false"`
}

type actionOutput struct {
	Status int
	Body   any
}

const (
	actAdminServiceCreate = "admin.service_create"
	actAdminServiceUpdate = "admin.service_update"
	actAdminServiceDelete = "admin.service_delete"
	actPluginSettings     = "plugin.settings_update"
)

func (m *Manager) registerPlugins(admin, write map[string]any) {
	tags := []string{"plugins"}
	operation(m, huma.Operation{OperationID: "list-services", Method: http.MethodGet, Path: "/api/services", Tags: tags,
		Security: authenticated, Summary: "Feature services and their health, as this replica last checked"}, m.listServicesOp)
	operation(m, huma.Operation{OperationID: "admin-list-services", Method: http.MethodGet, Path: "/api/admin/services", Tags: []string{"admin"},
		Security: authenticated, Metadata: admin, Summary: "Every service with its address, health, errors and plugin manifest"}, m.adminListServices)
	operation(m, huma.Operation{OperationID: "admin-create-service", Method: http.MethodPost, Path: "/api/admin/services", Tags: []string{"admin"},
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusCreated, Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity},
		Summary: "Register a service (checked at once, then every poll)"}, m.createService)
	operation(m, huma.Operation{OperationID: "admin-update-service", Method: http.MethodPatch, Path: "/api/admin/services/{id}", Tags: []string{"admin"},
		Security: authenticated, Metadata: write, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		Summary: "Change a registered service (not one from berth.toml: 409)"}, m.updateService)
	operation(m, huma.Operation{OperationID: "admin-delete-service", Method: http.MethodDelete, Path: "/api/admin/services/{id}", Tags: []string{"admin"},
		Security: authenticated, Metadata: write, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound, http.StatusConflict},
		Summary: "Remove a registered service (not one from berth.toml: 409)"}, m.deleteService)
	operation(m, huma.Operation{OperationID: "list-plugins", Method: http.MethodGet, Path: "/api/plugins", Tags: tags,
		Security: authenticated, Summary: "The plugins you may use"}, m.listPlugins)
	operation(m, huma.Operation{OperationID: "plugin-manifest", Method: http.MethodGet, Path: "/api/plugins/{id}/manifest", Tags: tags,
		Security: authenticated, Errors: []int{http.StatusNotFound}, Summary: "A plugin's manifest (404 when you may not use it)"}, m.pluginManifest)
	operation(m, huma.Operation{OperationID: "plugin-settings", Method: http.MethodGet, Path: "/api/plugins/{id}/settings", Tags: tags,
		Security: authenticated, Errors: []int{http.StatusNotFound, http.StatusBadGateway},
		Summary: "A plugin's settings, from the plugin, with secrets masked"}, m.pluginSettings)
	operation(m, huma.Operation{OperationID: "plugin-update-settings", Method: http.MethodPatch, Path: "/api/plugins/{id}/settings", Tags: tags,
		Security: authenticated, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusBadGateway},
		Summary: "Change a plugin's settings (full administrators): a JSON merge patch checked against the plugin's schema",
		Description: "422 names each broken setting by its JSON pointer (errors[].location). A secret sent back as ******** keeps its value; " +
			"\"\" or null clears it."}, m.updatePluginSettings)
	operation(m, huma.Operation{OperationID: "plugin-action", Method: http.MethodPost, Path: "/api/plugins/{id}/actions/{name}", Tags: tags,
		Security: authenticated, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusBadGateway},
		Summary: "Run an action the plugin declares; the plugin's answer is returned"}, m.pluginAction)
}

func (m *Manager) listServicesOp(ctx context.Context, _ *struct{}) (*listOutput[ServiceInfo], error) {
	out := &listOutput[ServiceInfo]{}
	out.Body.Items = []ServiceInfo{}
	for _, s := range m.svc.registry.List() {
		out.Body.Items = append(out.Body.Items, serviceInfo(s))
	}
	return out, nil
}

func adminInfo(s plugins.State) AdminServiceInfo {
	info := serviceInfo(s)
	out := AdminServiceInfo{ID: info.ID, Name: info.Name, Status: info.Status, CheckedAt: info.CheckedAt, LatencyMS: info.LatencyMS,
		URL: s.URL, HealthPath: s.HealthPath, Source: s.Source, LastError: s.LastError, ManifestError: s.ManifestError}
	if s.Manifest != nil {
		out.Plugin = &PluginInfo{ID: s.Manifest.ID, Name: s.Manifest.Name, Version: s.Manifest.Version}
	}
	return out
}

func (m *Manager) adminListServices(ctx context.Context, _ *struct{}) (*listOutput[AdminServiceInfo], error) {
	if list, err := m.serviceList(ctx, false); err == nil {
		m.svc.registry.Sync(list)
	}
	out := &listOutput[AdminServiceInfo]{}
	out.Body.Items = []AdminServiceInfo{}
	for _, s := range m.svc.registry.List() {
		out.Body.Items = append(out.Body.Items, adminInfo(s))
	}
	return out, nil
}

func (m *Manager) fromConfig(id string) bool {
	for _, s := range m.svc.config {
		if s.ID == id {
			return true
		}
	}
	return false
}

func serviceInvalid(field, msg string) error {
	return problem(http.StatusUnprocessableEntity, codeValidation, "validation failed: "+field+": "+msg,
		&huma.ErrorDetail{Location: "body." + field, Message: msg})
}

func checkServiceFields(url, healthPath string) error {
	if err := config.CheckServiceURL(url); err != nil {
		return serviceInvalid("url", err.Error())
	}
	if !strings.HasPrefix(healthPath, "/") {
		return serviceInvalid("health_path", "must be a path starting with /")
	}
	return nil
}

func (m *Manager) createService(ctx context.Context, in *createServiceInput) (*adminServiceOutput, error) {
	b := in.Body
	if b.HealthPath == "" {
		b.HealthPath = "/health"
	}
	if err := checkServiceFields(b.URL, b.HealthPath); err != nil {
		return nil, err
	}
	if m.fromConfig(b.ID) {
		return nil, problem(http.StatusConflict, codeConflict, fmt.Sprintf("a service %q is set in berth.toml", b.ID))
	}
	f := &berth.FeatureService{ID: b.ID, Name: strings.TrimSpace(b.Name), URL: b.URL, HealthPath: b.HealthPath}
	if err := m.store.CreateService(ctx, f); errors.Is(err, berth.ErrConflict) {
		return nil, problem(http.StatusConflict, codeConflict, fmt.Sprintf("a service %q exists already", b.ID))
	} else if err != nil {
		return nil, m.fail(ctx, err)
	}
	p := PrincipalFrom(ctx)
	m.auditUser(ctx, p.User, actAdminServiceCreate, f.ID, berth.AuditSuccess, f.URL)
	m.CheckServices(ctx)
	st, _ := m.svc.registry.Get(f.ID)
	return &adminServiceOutput{Body: adminInfo(st)}, nil
}

func (m *Manager) updateService(ctx context.Context, in *updateServiceInput) (*adminServiceOutput, error) {
	if m.fromConfig(in.ID) {
		return nil, problem(http.StatusConflict, codeConflict, fmt.Sprintf("the service %q is set in berth.toml; change it there", in.ID))
	}
	list, err := m.store.ListServices(ctx)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	var f *berth.FeatureService
	for i := range list {
		if list[i].ID == in.ID {
			f = &list[i]
		}
	}
	if f == nil {
		return nil, problem(http.StatusNotFound, codeNotFound, "no such service")
	}
	before := *f
	if in.Body.Name != nil {
		f.Name = strings.TrimSpace(*in.Body.Name)
	}
	if in.Body.URL != nil {
		f.URL = *in.Body.URL
	}
	if in.Body.HealthPath != nil {
		f.HealthPath = *in.Body.HealthPath
	}
	if err := checkServiceFields(f.URL, f.HealthPath); err != nil {
		return nil, err
	}
	if err := m.store.UpdateService(ctx, f); err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminServiceUpdate, f.ID, berth.AuditSuccess,
		fmt.Sprintf("%s %s%s → %s %s%s", before.Name, before.URL, before.HealthPath, f.Name, f.URL, f.HealthPath))
	m.CheckServices(ctx)
	st, _ := m.svc.registry.Get(f.ID)
	return &adminServiceOutput{Body: adminInfo(st)}, nil
}

func (m *Manager) deleteService(ctx context.Context, in *serviceIDInput) (*struct{}, error) {
	if m.fromConfig(in.ID) {
		return nil, problem(http.StatusConflict, codeConflict, fmt.Sprintf("the service %q is set in berth.toml; remove it there", in.ID))
	}
	if err := m.store.DeleteService(ctx, in.ID); errors.Is(err, berth.ErrNotFound) {
		return nil, problem(http.StatusNotFound, codeNotFound, "no such service")
	} else if err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminServiceDelete, in.ID, berth.AuditSuccess, "")
	if list, err := m.serviceList(ctx, false); err == nil {
		m.svc.registry.Sync(list)
	}
	return nil, nil
}

// plugin returns a plugin the caller may use, or 404 as for one that
// does not exist.
func (m *Manager) plugin(ctx context.Context, id string) (plugins.State, *entitlements, error) {
	notFound := problem(http.StatusNotFound, codeNotFound, "no such plugin")
	st, ok := m.svc.registry.Get(id)
	if !ok || st.Manifest == nil {
		return plugins.State{}, nil, notFound
	}
	u := PrincipalFrom(ctx).User
	e, err := m.entitlementsOf(ctx, u)
	if err != nil {
		return plugins.State{}, nil, m.fail(ctx, err)
	}
	if !allows(st.Manifest, u, e) {
		return plugins.State{}, nil, notFound
	}
	return st, e, nil
}

// allows applies a plugin's access rules to u.
func allows(mf *plugins.Manifest, u *berth.User, e *entitlements) bool {
	return mf.Access.Allows(u.Role == berth.RoleAdmin, e.groups, roleNames(e))
}

func roleNames(e *entitlements) []string {
	out := make([]string, len(e.roles))
	for i, r := range e.roles {
		out[i] = string(r)
	}
	return out
}

func (m *Manager) listPlugins(ctx context.Context, _ *struct{}) (*listOutput[PluginSummary], error) {
	out := &listOutput[PluginSummary]{}
	out.Body.Items = []PluginSummary{}
	u := PrincipalFrom(ctx).User
	e, err := m.entitlementsOf(ctx, u)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	for _, s := range m.svc.registry.List() {
		if s.Manifest == nil || !allows(s.Manifest, u, e) {
			continue
		}
		mf := s.Manifest
		out.Body.Items = append(out.Body.Items, PluginSummary{ID: s.ID, Name: mf.Name, Version: mf.Version, Description: mf.Description,
			Icon: mf.Icon, Status: string(s.Status), Actions: mf.Actions})
	}
	return out, nil
}

func (m *Manager) pluginManifest(ctx context.Context, in *pluginInput) (*manifestOutput, error) {
	st, _, err := m.plugin(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &manifestOutput{Body: st.Manifest}, nil
}

// identity is the assertion's subject: the caller.
func (m *Manager) identity(ctx context.Context, e *entitlements) plugins.Identity {
	u := PrincipalFrom(ctx).User
	return plugins.Identity{UserID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), AdminRole: string(u.AdminRole),
		Groups: e.groups, FeatureRoles: roleNames(e)}
}

// identify sets the identity headers of a call to a service: the user
// and their groups, and the signed assertion for the service.
func (m *Manager) identify(h http.Header, id plugins.Identity, audience string) error {
	a, err := m.svc.signer.Assert(id, audience)
	if err != nil {
		return err
	}
	h.Set("X-Berth-User", id.Email)
	h.Set("X-Berth-User-Id", id.UserID)
	h.Set("X-Berth-Groups", strings.Join(id.Groups, ","))
	h.Set(plugins.AssertionHeader, a)
	return nil
}

// callPlugin sends a JSON call to a plugin's contract endpoint and
// decodes a JSON answer of at most 1 MiB.
func (m *Manager) callPlugin(ctx context.Context, st plugins.State, e *entitlements, method, path string, body any) (int, []byte, error) {
	u, err := plugins.Join(st.URL, path)
	if err != nil {
		return 0, nil, err
	}
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		ct := "application/json"
		if method == http.MethodPatch {
			ct = "application/merge-patch+json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if err := m.identify(req.Header, m.identity(ctx, e), st.ID); err != nil {
		return 0, nil, err
	}
	resp, err := (&http.Client{Transport: m.svc.transport, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, data, err
}

func (m *Manager) pluginUnreachable(st plugins.State, err error) error {
	m.log.Warn("a plugin call failed", "event", "plugin_call", "plugin", st.ID, "error", err)
	return problem(http.StatusBadGateway, codeUnavailable, fmt.Sprintf("the plugin %s did not answer (%s); its health is %s", st.Manifest.Name, err, st.Status))
}

func pluginRefused(st plugins.State, status int, body []byte) error {
	detail := strings.TrimSpace(string(body))
	var p struct {
		Detail  string `json:"detail"`
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(body, &p) == nil {
		detail = p.Detail + p.Message + p.Error
	}
	if len(detail) > 300 {
		detail = detail[:300]
	}
	return problem(http.StatusBadGateway, codeUnavailable, fmt.Sprintf("the plugin %s answered %d: %s", st.Manifest.Name, status, detail))
}

// settings reads the plugin's settings, unmasked.
func (m *Manager) pluginSettingsOf(ctx context.Context, st plugins.State, e *entitlements) (map[string]any, error) {
	code, data, err := m.callPlugin(ctx, st, e, http.MethodGet, "/plugin/settings", nil)
	if err != nil {
		return nil, m.pluginUnreachable(st, err)
	}
	if code != http.StatusOK {
		return nil, pluginRefused(st, code, data)
	}
	var s map[string]any
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, problem(http.StatusBadGateway, codeUnavailable, fmt.Sprintf("the plugin %s answered settings that are not a JSON object", st.Manifest.Name))
	}
	return s, nil
}

func (m *Manager) pluginSettings(ctx context.Context, in *pluginInput) (*pluginSettingsOutput, error) {
	st, e, err := m.plugin(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	s, err := m.pluginSettingsOf(ctx, st, e)
	if err != nil {
		return nil, err
	}
	return &pluginSettingsOutput{Body: st.Manifest.MaskSettings(s)}, nil
}

func (m *Manager) updatePluginSettings(ctx context.Context, in *settingsPatchInput) (*pluginSettingsOutput, error) {
	st, e, err := m.plugin(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if u := PrincipalFrom(ctx).User; u.Role != berth.RoleAdmin || u.AdminRole != berth.AdminFull {
		return nil, problem(http.StatusForbidden, codeForbidden, "a plugin's settings are changed by full administrators")
	}
	patch := st.Manifest.PreparePatch(in.Body)
	current, err := m.pluginSettingsOf(ctx, st, e)
	if err != nil {
		return nil, err
	}
	merged, _ := plugins.MergePatch(current, patch).(map[string]any)
	if errs := st.Manifest.Validate(merged); len(errs) > 0 {
		details := make([]*huma.ErrorDetail, len(errs))
		for i, fe := range errs {
			loc := fe.Pointer
			if loc == "" {
				loc = "/"
			}
			details[i] = &huma.ErrorDetail{Location: loc, Message: fe.Message}
		}
		return nil, problem(http.StatusUnprocessableEntity, codeValidation,
			fmt.Sprintf("the settings break the plugin's schema at %d places; nothing was changed", len(errs)), details...)
	}
	code, data, err := m.callPlugin(ctx, st, e, http.MethodPatch, "/plugin/settings", patch)
	if err != nil {
		return nil, m.pluginUnreachable(st, err)
	}
	if code != http.StatusOK {
		return nil, pluginRefused(st, code, data)
	}
	var saved map[string]any
	if err := json.Unmarshal(data, &saved); err != nil {
		saved = merged
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actPluginSettings, st.ID, berth.AuditSuccess, "changed "+strings.Join(sortedKeys(in.Body), ", "))
	return &pluginSettingsOutput{Body: st.Manifest.MaskSettings(saved)}, nil
}

func (m *Manager) pluginAction(ctx context.Context, in *actionInput) (*actionOutput, error) {
	st, e, err := m.plugin(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	a, ok := st.Manifest.Action(in.Name)
	if !ok {
		return nil, problem(http.StatusNotFound, codeNotFound, fmt.Sprintf("the plugin %s declares no action %q", st.Manifest.Name, in.Name))
	}
	if u := PrincipalFrom(ctx).User; a.Admin && (u.Role != berth.RoleAdmin || u.AdminRole != berth.AdminFull) {
		return nil, problem(http.StatusForbidden, codeForbidden, "this action is for full administrators")
	}
	body := in.Body
	if body == nil {
		body = map[string]any{}
	}
	code, data, err := m.callPlugin(ctx, st, e, http.MethodPost, "/plugin/actions/"+url.PathEscape(a.Name), body)
	if err != nil {
		return nil, m.pluginUnreachable(st, err)
	}
	var v any
	if json.Unmarshal(data, &v) != nil {
		v = map[string]any{"ok": code < 300, "message": strings.TrimSpace(string(data))}
	}
	if code >= 500 {
		code = http.StatusBadGateway
	}
	return &actionOutput{Status: code, Body: v}, nil
}

// ---- the feature proxy ----

// ext forwards /api/ext/{id}/… to the service: any method, streaming
// both ways, WebSocket included. The caller must be signed in and allowed
// by the plugin's access rules (a service that is no plugin is open to
// every signed-in user). The service gets the user's identity and an
// assertion, never the caller's own credentials or X-Berth-* and
// X-Forwarded-* headers; its answer may not set cookies, and is
// sandboxed, as it is served on the dashboard's origin.
func (m *Manager) ext(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	if p == nil || p.User == nil {
		m.refuse(w, r, unauthorized("authentication required: the feature proxy takes the same credentials as the REST API"))
		return
	}
	id := r.PathValue("id")
	rest := r.PathValue("path")
	if bad := unsafeExtPath(r.URL.EscapedPath()); bad != "" {
		writeProblem(w, r, problem(http.StatusBadRequest, codeValidation, bad), nil)
		return
	}
	st, ok := m.svc.registry.Get(id)
	if !ok {
		writeProblem(w, r, problem(http.StatusNotFound, codeNotFound, "no such service"), nil)
		return
	}
	e, err := m.entitlementsOf(r.Context(), p.User)
	if err != nil {
		m.refuse(w, r, err)
		return
	}
	if st.Manifest != nil {
		if !allows(st.Manifest, p.User, e) {
			writeProblem(w, r, problem(http.StatusNotFound, codeNotFound, "no such plugin"), nil)
			return
		}
	} else if st.ManifestError != "" {
		// A plugin whose manifest was refused has no access rules to apply.
		writeProblem(w, r, problem(http.StatusNotFound, codeNotFound, "no such service"), nil)
		return
	}
	target, err := url.Parse(st.URL)
	if err != nil {
		writeProblem(w, r, problem(http.StatusBadGateway, codeUnavailable, "the service's address is not a URL"), nil)
		return
	}
	ident := m.identity(r.Context(), e)
	r.Body = http.MaxBytesReader(w, r.Body, m.fn.MaxInvokeBodyBytes)
	rp := &httputil.ReverseProxy{
		Transport: m.svc.transport,
		// The default: bodies of unknown length (streams, server-sent
		// events) are flushed as they come, others buffered.
		Rewrite: func(pr *httputil.ProxyRequest) {
			out := pr.Out
			out.URL.Scheme, out.URL.Host = target.Scheme, target.Host
			out.URL.Path = strings.TrimSuffix(target.Path, "/") + "/" + rest
			out.URL.RawPath = ""
			out.Host = target.Host
			stripClientHeaders(out.Header)
			if err := m.identify(out.Header, ident, id); err != nil {
				m.log.Error("assertion not signed", "event", "plugin_assertion", "error", err)
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			resp.Header.Del("Set-Cookie")
			resp.Header.Del("Set-Cookie2")
			resp.Header.Set("Content-Security-Policy", "sandbox allow-scripts allow-forms allow-popups; frame-ancestors 'none'")
			resp.Header.Set("X-Content-Type-Options", "nosniff")
			resp.Header.Set("Cross-Origin-Resource-Policy", "same-origin")
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				writeProblem(w, r, problem(http.StatusRequestEntityTooLarge, codeBodyTooLarge,
					fmt.Sprintf("the body is over %d bytes", m.fn.MaxInvokeBodyBytes)), nil)
				return
			}
			m.log.Warn("feature proxy: the service did not answer", "event", "ext_proxy", "service", id, "error", err)
			writeProblem(w, r, problem(http.StatusBadGateway, codeUnavailable,
				fmt.Sprintf("the service %s did not answer; its health is %s", st.Name, st.Status)), nil)
		},
	}
	rp.ServeHTTP(w, r)
}

// stripClientHeaders removes what a client may not say to a service: its
// credentials, the platform's headers, and forwarding headers (the
// service learns who the user is from berth alone).
func stripClientHeaders(h http.Header) {
	for k := range h {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-berth-") || strings.HasPrefix(lk, "x-forwarded-") || lk == "forwarded" || lk == "x-real-ip" ||
			lk == "authorization" || lk == "cookie" || lk == "x-session-token" || lk == "x-user-id" || lk == "x-user" ||
			strings.EqualFold(k, clientaddr.HeaderClientAddress) {
			h.Del(k)
		}
	}
}

// unsafeExtPath refuses paths a server might resolve outside the
// service's prefix: dot segments and encoded separators.
func unsafeExtPath(escaped string) string {
	lower := strings.ToLower(escaped)
	for _, bad := range []string{"%2f", "%5c", "%2e", "\\"} {
		if strings.Contains(lower, bad) {
			return "encoded separators and dots are not allowed in the path"
		}
	}
	for seg := range strings.SplitSeq(escaped, "/") {
		if seg == "." || seg == ".." {
			return "dot segments are not allowed in the path"
		}
	}
	return ""
}

// jwks serves the key set services verify assertions with.
func (m *Manager) jwks(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(m.svc.signer.JWKS())
}
