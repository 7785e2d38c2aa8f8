// Package userimport reads the accounts file of `berth admin users
// import`: a JSON list of {email, name, password_hash} objects or a CSV
// file with a header row naming those columns. It reads structure only;
// the manager checks each account (address, name, hash format) and says
// why it skipped any.
package userimport

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits of one file.
const (
	MaxRecords = 10_000
	MaxBytes   = 16 << 20
)

// Record is one account of the file.
type Record struct {
	// Line is where the record starts: the line of a CSV row, the 1-based
	// position in a JSON list.
	Line          int    `json:"-"`
	Email         string `json:"email"`
	Name          string `json:"name,omitempty"`
	PasswordHash  string `json:"password_hash,omitempty"`
	EmailVerified bool   `json:"email_verified,omitempty"`
}

// Parse reads a file in format "json" or "csv"; "" tells them apart by
// the first character that is not white space ([ or { is JSON). It
// returns the format it read.
func Parse(r io.Reader, format string) ([]Record, string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, format, err
	}
	if len(data) > MaxBytes {
		return nil, format, fmt.Errorf("the file is over %d MiB; split it", MaxBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a spreadsheet's byte-order mark
	if format == "" {
		format = "csv"
		if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && (t[0] == '[' || t[0] == '{') {
			format = "json"
		}
	}
	var recs []Record
	switch format {
	case "json":
		recs, err = parseJSON(data)
	case "csv":
		recs, err = parseCSV(data)
	default:
		return nil, format, fmt.Errorf("unknown format %q: use json or csv", format)
	}
	if err != nil {
		return nil, format, err
	}
	if len(recs) == 0 {
		return nil, format, errors.New("the file lists no accounts")
	}
	if len(recs) > MaxRecords {
		return nil, format, fmt.Errorf("the file lists %d accounts; at most %d per import: split it", len(recs), MaxRecords)
	}
	return recs, format, nil
}

// jsonRecord accepts the usual names of the hash column.
type jsonRecord struct {
	Email         string `json:"email"`
	Name          string `json:"name"`
	PasswordHash  string `json:"password_hash"`
	Hash          string `json:"hash"`
	EmailVerified *bool  `json:"email_verified"`
}

func parseJSON(data []byte) ([]Record, error) {
	var list []json.RawMessage
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		var wrapped struct {
			Users []json.RawMessage `json:"users"`
		}
		if err := json.Unmarshal(data, &wrapped); err != nil {
			return nil, fmt.Errorf("not JSON: %w", err)
		}
		list = wrapped.Users
	} else if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("not a JSON list of accounts: %w", err)
	}
	out := make([]Record, 0, len(list))
	for i, raw := range list {
		var j jsonRecord
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&j); err != nil {
			return nil, fmt.Errorf("account %d: %w (fields: email, name, password_hash, email_verified)", i+1, err)
		}
		r := Record{Line: i + 1, Email: j.Email, Name: j.Name, PasswordHash: j.PasswordHash}
		if r.PasswordHash == "" {
			r.PasswordHash = j.Hash
		}
		if j.EmailVerified != nil {
			r.EmailVerified = *j.EmailVerified
		}
		out = append(out, r)
	}
	return out, nil
}

func parseCSV(data []byte) ([]Record, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty")
	}
	if err != nil {
		return nil, fmt.Errorf("not CSV: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if name == "hash" || name == "password" {
			name = "password_hash"
		}
		switch name {
		case "email", "name", "password_hash", "email_verified":
		default:
			return nil, fmt.Errorf("line 1: unknown column %q (columns: email, name, password_hash, email_verified)", h)
		}
		if _, dup := col[name]; dup {
			return nil, fmt.Errorf("line 1: the column %q is named twice", name)
		}
		col[name] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, errors.New("line 1: the header names no email column (columns: email, name, password_hash, email_verified)")
	}
	var out []Record
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue // a blank line
		}
		if len(row) > len(header) {
			return nil, fmt.Errorf("line %d: %d fields, the header names %d", line, len(row), len(header))
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		r := Record{Line: line, Email: get("email"), Name: get("name"), PasswordHash: get("password_hash")}
		if v := get("email_verified"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("line %d: email_verified is %q, not true or false", line, v)
			}
			r.EmailVerified = b
		}
		out = append(out, r)
		if len(out) > MaxRecords {
			return out, nil // Parse refuses it with the count
		}
	}
	return out, nil
}
