package config

import (
	"encoding/json"
	"fmt"
	"reflect"
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
