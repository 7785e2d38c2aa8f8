package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// TOML renders c as a TOML document, each key followed by its environment
// variable as a comment. Call it on Masked() before printing.
func (c Config) TOML() string {
	var top, sections strings.Builder
	v := reflect.ValueOf(c)
	for i, f := range reflect.VisibleFields(v.Type()) {
		tag := f.Tag.Get("koanf")
		fv := v.Field(i)
		if oidc, ok := fv.Interface().(OIDCConfig); ok {
			sections.WriteString(oidc.toml())
			continue
		}
		if svcs, ok := fv.Interface().([]ServiceConfig); ok {
			sections.WriteString(servicesTOML(svcs))
			continue
		}
		if f.Type.Kind() == reflect.Struct {
			fmt.Fprintf(&sections, "\n[%s]\n", tag)
			for j, sf := range reflect.VisibleFields(f.Type) {
				writeKey(&sections, sf.Tag.Get("koanf"), tag+"."+sf.Tag.Get("koanf"), fv.Field(j))
			}
			continue
		}
		writeKey(&top, tag, tag, fv)
	}
	return top.String() + sections.String()
}

func writeKey(b *strings.Builder, name, key string, v reflect.Value) {
	fmt.Fprintf(b, "%-22s = %-32s # %s\n", name, tomlValue(v), EnvName(key))
}

func tomlValue(v reflect.Value) string {
	if d, ok := v.Interface().(time.Duration); ok {
		return quote(d.String())
	}
	switch v.Kind() {
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = quote(k.String()) + " = " + tomlValue(v.MapIndex(k))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	case reflect.String:
		return quote(v.String())
	case reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = tomlValue(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v.Interface())
}

// quote writes a TOML basic string; JSON's escaping is a subset TOML accepts.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// toml renders the provider tables, which are set in the file only.
func (o OIDCConfig) toml() string {
	var b strings.Builder
	if len(o.Providers) == 0 {
		b.WriteString("\n# [[oidc.providers]] tables: none (set in the file only)\n")
	}
	for _, p := range o.Providers {
		b.WriteString("\n[[oidc.providers]]\n")
		v := reflect.ValueOf(p)
		var nested strings.Builder
		for i, f := range reflect.VisibleFields(v.Type()) {
			tag := f.Tag.Get("koanf")
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Duration]() {
				fmt.Fprintf(&nested, "[oidc.providers.%s]\n", tag)
				for j, sf := range reflect.VisibleFields(f.Type) {
					fmt.Fprintf(&nested, "%-22s = %s\n", sf.Tag.Get("koanf"), tomlValue(v.Field(i).Field(j)))
				}
				continue
			}
			fmt.Fprintf(&b, "%-22s = %s\n", tag, tomlValue(v.Field(i)))
		}
		b.WriteString(nested.String())
	}
	return b.String()
}

// servicesTOML renders the [[services]] tables, which are set in the
// file only.
func servicesTOML(svcs []ServiceConfig) string {
	var b strings.Builder
	if len(svcs) == 0 {
		b.WriteString("\n# [[services]] tables: none (set in the file only)\n")
	}
	for _, s := range svcs {
		b.WriteString("\n[[services]]\n")
		v := reflect.ValueOf(s)
		for i, f := range reflect.VisibleFields(v.Type()) {
			fmt.Fprintf(&b, "%-22s = %s\n", f.Tag.Get("koanf"), tomlValue(v.Field(i)))
		}
	}
	return b.String()
}
