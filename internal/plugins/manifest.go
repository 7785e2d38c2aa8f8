// Package plugins is berth's side of feature services and the plugin
// contract (docs/plugins.md): the registry of services and its health
// poll, the manifest a plugin serves and its checks, the settings a
// plugin describes with JSON Schema (validated, masked, merged), the
// access rules, and the signed identity assertion berth adds to every
// call it forwards.
package plugins

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ManifestVersion is the version of the contract this berth speaks.
const ManifestVersion = 1

// MaxManifestBytes bounds a manifest.
const MaxManifestBytes = 256 << 10

// Mask is what a secret setting reads as when it holds a value.
const Mask = "********"

// Manifest is what a plugin says of itself at GET /plugin/manifest.
type Manifest struct {
	ManifestVersion int             `json:"manifest_version"`
	ID              string          `json:"id"`
	Name            string          `json:"name"`
	Version         string          `json:"version"`
	Description     string          `json:"description"`
	Icon            string          `json:"icon,omitempty"`
	SettingsSchema  json.RawMessage `json:"settings_schema"`
	Access          Access          `json:"access"`
	Actions         []Action        `json:"actions"`
	UI              json.RawMessage `json:"ui,omitempty"`

	schema  *jsonschema.Schema
	secrets [][]string // paths of the settings that are secrets
}

// Action is something the plugin does on request, such as testing a
// connection; berth forwards POST /api/plugins/{id}/actions/{name}.
type Action struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// Admin: only full administrators may run it.
	Admin bool `json:"admin,omitempty"`
}

// Access says who may use a plugin: every signed-in user when it sets
// nothing; else someone with every required feature role and at least
// one of the required groups; administrators always, with
// allow_superuser.
type Access struct {
	AllowSuperuser       bool     `json:"allow_superuser"`
	RequiredGroups       []string `json:"required_groups"`
	RequiredFeatureRoles []string `json:"required_feature_roles"`
}

// Allows reports whether a user with these facts may use the plugin.
func (a Access) Allows(admin bool, groups, featureRoles []string) bool {
	if a.AllowSuperuser && admin {
		return true
	}
	for _, r := range a.RequiredFeatureRoles {
		if !slices.Contains(featureRoles, r) {
			return false
		}
	}
	if len(a.RequiredGroups) == 0 {
		return true
	}
	for _, g := range a.RequiredGroups {
		if slices.Contains(groups, g) {
			return true
		}
	}
	return false
}

var actionName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// ParseManifest reads and checks the manifest the service serviceID
// served. Nothing of a manifest that fails is used.
func ParseManifest(serviceID string, data []byte) (*Manifest, error) {
	if len(data) > MaxManifestBytes {
		return nil, fmt.Errorf("the manifest is over %d KiB", MaxManifestBytes>>10)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("the manifest is not JSON of the plugin contract: %w", err)
	}
	var bad []string
	if m.ManifestVersion != ManifestVersion {
		bad = append(bad, fmt.Sprintf("manifest_version is %d; this berth speaks %d", m.ManifestVersion, ManifestVersion))
	}
	if m.ID != serviceID {
		bad = append(bad, fmt.Sprintf("its id %q is not this service's id %q (a plugin cannot claim another's)", m.ID, serviceID))
	}
	if strings.TrimSpace(m.Name) == "" || len(m.Name) > 100 {
		bad = append(bad, "name must be 1 to 100 characters")
	}
	if strings.TrimSpace(m.Version) == "" || len(m.Version) > 64 {
		bad = append(bad, "version must be 1 to 64 characters")
	}
	if len(m.Description) > 2000 {
		bad = append(bad, "description is over 2000 characters")
	}
	if m.Icon != "" {
		if u, err := url.Parse(m.Icon); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad = append(bad, "icon must be an http(s) URL")
		}
	}
	seen := map[string]bool{}
	for _, a := range m.Actions {
		switch {
		case !actionName.MatchString(a.Name):
			bad = append(bad, fmt.Sprintf("action %q: a name is lower-case letters, digits and dashes", a.Name))
		case seen[a.Name]:
			bad = append(bad, fmt.Sprintf("action %q is declared twice", a.Name))
		case strings.TrimSpace(a.Title) == "":
			bad = append(bad, fmt.Sprintf("action %q has no title", a.Name))
		}
		seen[a.Name] = true
	}
	if len(m.SettingsSchema) == 0 {
		m.SettingsSchema = json.RawMessage(`{"type":"object","properties":{}}`)
	}
	if err := m.compile(); err != nil {
		bad = append(bad, "settings_schema: "+err.Error())
	}
	if len(bad) > 0 {
		return nil, errors.New(strings.Join(bad, "; "))
	}
	if m.Actions == nil {
		m.Actions = []Action{}
	}
	if m.Access.RequiredGroups == nil {
		m.Access.RequiredGroups = []string{}
	}
	if m.Access.RequiredFeatureRoles == nil {
		m.Access.RequiredFeatureRoles = []string{}
	}
	return &m, nil
}

// compile checks the settings schema as JSON Schema 2020-12 (no remote
// references: nothing is fetched) and finds its secrets.
func (m *Manifest) compile() error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(m.SettingsSchema))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	root, ok := doc.(map[string]any)
	if !ok || root["type"] != "object" {
		return errors.New(`it must be an object schema ("type": "object")`)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	const loc = "berth:plugin/settings-schema.json"
	if err := c.AddResource(loc, doc); err != nil {
		return err
	}
	if m.schema, err = c.Compile(loc); err != nil {
		return errors.New(strings.ReplaceAll(err.Error(), loc, "the schema"))
	}
	m.secrets = nil
	walkSecrets(root, nil, &m.secrets)
	return nil
}

// walkSecrets collects the paths of properties marked writeOnly or
// format "password", through nested object properties.
func walkSecrets(s map[string]any, path []string, out *[][]string) {
	props, _ := s["properties"].(map[string]any)
	for name, v := range props {
		p, ok := v.(map[string]any)
		if !ok {
			continue
		}
		here := append(slices.Clone(path), name)
		if p["writeOnly"] == true || p["format"] == "password" {
			*out = append(*out, here)
			continue
		}
		walkSecrets(p, here, out)
	}
	slices.SortFunc(*out, func(a, b []string) int { return strings.Compare(strings.Join(a, "/"), strings.Join(b, "/")) })
}

// Secrets are the paths of the secret settings.
func (m *Manifest) Secrets() [][]string { return m.secrets }

// FieldError is a setting that breaks the schema, named by its JSON
// pointer.
type FieldError struct {
	Pointer string
	Message string
}

// Validate checks settings (a decoded JSON value) against the schema.
func (m *Manifest) Validate(settings any) []FieldError {
	// The validator wants its own number type: re-decode through it.
	raw, err := json.Marshal(settings)
	if err != nil {
		return []FieldError{{Pointer: "", Message: err.Error()}}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return []FieldError{{Pointer: "", Message: err.Error()}}
	}
	err = m.schema.Validate(inst)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		if err != nil {
			return []FieldError{{Pointer: "", Message: err.Error()}}
		}
		return nil
	}
	var out []FieldError
	seen := map[string]bool{}
	for _, u := range ve.BasicOutput().Errors {
		if u.Error == nil {
			continue
		}
		msg := u.Error.String()
		if strings.HasPrefix(msg, "validation failed") || seen[u.InstanceLocation+msg] {
			continue
		}
		seen[u.InstanceLocation+msg] = true
		out = append(out, FieldError{Pointer: u.InstanceLocation, Message: msg})
	}
	if len(out) == 0 {
		out = []FieldError{{Pointer: "", Message: ve.Error()}}
	}
	return out
}

// MaskSettings returns settings with every secret that holds a value
// replaced by Mask, and every absent or empty one as "".
func (m *Manifest) MaskSettings(settings map[string]any) map[string]any {
	out := deepCopy(settings)
	for _, p := range m.secrets {
		parent := walk(out, p[:len(p)-1], true)
		if parent == nil {
			continue
		}
		key := p[len(p)-1]
		if v, ok := parent[key]; ok && v != nil && v != "" {
			parent[key] = Mask
		} else {
			parent[key] = ""
		}
	}
	return out
}

// PreparePatch turns a patch from the dashboard into the one the
// service gets: a secret sent back as Mask is left out (kept as it is),
// and one sent as "" is cleared (null, as JSON merge patch removes).
func (m *Manifest) PreparePatch(patch map[string]any) map[string]any {
	out := deepCopy(patch)
	for _, p := range m.secrets {
		parent := walk(out, p[:len(p)-1], false)
		if parent == nil {
			continue
		}
		key := p[len(p)-1]
		switch parent[key] {
		case Mask:
			delete(parent, key)
		case "":
			parent[key] = nil
		}
	}
	return out
}

// walk follows path through nested objects; with create it makes the
// missing ones.
func walk(m map[string]any, path []string, create bool) map[string]any {
	cur := m
	for _, k := range path {
		next, ok := cur[k].(map[string]any)
		if !ok {
			if !create {
				return nil
			}
			if _, exists := cur[k]; exists {
				return nil // not an object: leave it to validation
			}
			next = map[string]any{}
			cur[k] = next
		}
		cur = next
	}
	return cur
}

// MergePatch applies a JSON merge patch (RFC 7396) to doc.
func MergePatch(doc, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	d, ok := doc.(map[string]any)
	if !ok {
		d = map[string]any{}
	} else {
		d = deepCopy(d)
	}
	for k, v := range p {
		if v == nil {
			delete(d, k)
			continue
		}
		d[k] = MergePatch(d[k], v)
	}
	return d
}

func deepCopy(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch t := v.(type) {
		case map[string]any:
			out[k] = deepCopy(t)
		case []any:
			out[k] = slices.Clone(t)
		default:
			out[k] = v
		}
	}
	return out
}

// Action returns the declared action name.
func (m *Manifest) Action(name string) (Action, bool) {
	for _, a := range m.Actions {
		if a.Name == name {
			return a, true
		}
	}
	return Action{}, false
}
