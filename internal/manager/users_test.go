package manager_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/berth-platform/berth/client"
)

func strp(s string) *string { return &s }

func TestUpdateMe(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	email, pw, c := ts.newUser()
	u, err := c.UpdateMe(ctx, client.UpdateMe{Name: strp("  Grace Hopper  ")})
	if err != nil || u.Name != "Grace Hopper" {
		t.Fatalf("%+v %v", u, err)
	}
	if me, _ := c.Me(ctx); me.Name != "Grace Hopper" {
		t.Fatalf("name not stored: %+v", me)
	}
	t.Run("ErrInvalidName", func(t *testing.T) {
		for _, bad := range []string{"", "   ", strings.Repeat("n", 101), "tab\there", "\u2028"} {
			_, err := c.UpdateMe(ctx, client.UpdateMe{Name: strp(bad)})
			if client.StatusOf(err) != 422 {
				t.Errorf("name %q: %v", bad, err)
			}
		}
	})
	t.Run("PasswordNeedsCurrent", func(t *testing.T) {
		_, err := c.UpdateMe(ctx, client.UpdateMe{Password: strp("a fine new password")})
		ce := wantStatus(t, err, 422, "validation")
		if ce.Errors[0].Location != "body.current_password" {
			t.Fatalf("%+v", ce)
		}
		_, err = c.UpdateMe(ctx, client.UpdateMe{Password: strp("a fine new password"), CurrentPassword: strp("not it at all")})
		wantStatus(t, err, 422, "validation")
		_, err = c.UpdateMe(ctx, client.UpdateMe{Password: strp("short"), CurrentPassword: &pw})
		wantStatus(t, err, 422, "validation")
	})
	t.Run("PasswordChangeEndsOtherSessions", func(t *testing.T) {
		other, otherTok := ts.login(email, pw)
		web, err := ts.anon().Authorize(ctx, email, pw)
		if err != nil {
			t.Fatal(err)
		}
		cli, err := c.CreateKeypair(ctx, "cli")
		if err != nil {
			t.Fatal(err)
		}
		newPW := "the new password is long"
		me, err := c.UpdateMe(ctx, client.UpdateMe{Password: &newPW, CurrentPassword: &pw})
		if err != nil {
			t.Fatal(err)
		}
		if me.Ended == nil || me.Ended.WebSessions != 1 || me.Ended.Keypairs != 1 || me.Ended.TokenFamilies < 1 {
			t.Errorf("the answer does not count what ended: %+v", me.Ended)
		}
		if _, err := c.Me(ctx); err != nil {
			t.Fatalf("the session that changed the password was ended: %v", err)
		}
		if _, err := other.Me(ctx); client.StatusOf(err) != 401 {
			t.Errorf("other bearer session survives: %v", err)
		}
		if _, err := ts.anon().Refresh(ctx, otherTok.RefreshToken); client.StatusOf(err) != 401 {
			t.Errorf("other refresh token survives: %v", err)
		}
		if _, err := ts.signer(web.AccessKey, web.SecretKey).Me(ctx); client.StatusOf(err) != 401 {
			t.Errorf("web session keypair survives: %v", err)
		}
		// A password change is what a user does when a credential may have
		// leaked: CLI keypairs end with it too.
		if _, err := ts.signer(cli.AccessKey, cli.SecretKey).Me(ctx); client.StatusOf(err) != 401 {
			t.Errorf("CLI keypair survives a password change: %v", err)
		}
		if _, err := ts.anon().Login(ctx, email, pw); client.StatusOf(err) != 401 {
			t.Errorf("old password still works: %v", err)
		}
		if _, err := ts.anon().Login(ctx, email, newPW); err != nil {
			t.Errorf("new password refused: %v", err)
		}
	})
}

func TestPreferences(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, c := ts.newUser()
	p, err := c.Preferences(ctx)
	if err != nil || p.Theme != "system" || p.PinnedFunctions == nil || len(p.PinnedFunctions) != 0 {
		t.Fatalf("defaults %+v %v", p, err)
	}
	var pinned []string
	for _, name := range []string{"pinned-a", "pinned-b"} {
		f, err := c.InitFunction(ctx, name, "wasm", "")
		if err != nil {
			t.Fatal(err)
		}
		pinned = append(pinned, f.ID)
	}
	p, err = c.UpdatePreferences(ctx, client.PreferencesPatch{PinnedFunctions: &pinned})
	if err != nil || len(p.PinnedFunctions) != 2 || p.Theme != "system" {
		t.Fatalf("%+v %v", p, err)
	}
	p, err = c.UpdatePreferences(ctx, client.PreferencesPatch{Theme: strp("dark")})
	if err != nil || p.Theme != "dark" || len(p.PinnedFunctions) != 2 {
		t.Fatalf("theme patch lost the pins: %+v %v", p, err)
	}
	tooMany := make([]string, 51)
	for i := range tooMany {
		tooMany[i] = uuid.NewString()
	}
	bad := map[string]client.PreferencesPatch{
		"TooManyPins":  {PinnedFunctions: &tooMany},
		"NotUUID":      {PinnedFunctions: &[]string{"not-a-uuid"}},
		"DuplicatePin": {PinnedFunctions: &[]string{pinned[0], pinned[0]}},
		"BadTheme":     {Theme: strp("neon")},
	}
	for name, patch := range bad {
		t.Run("ErrInvalid"+name, func(t *testing.T) {
			_, err := c.UpdatePreferences(ctx, patch)
			wantStatus(t, err, 422, "")
		})
	}
	if p, _ := c.Preferences(ctx); p.Theme != "dark" || len(p.PinnedFunctions) != 2 {
		t.Fatalf("a refused patch changed the preferences: %+v", p)
	}
}

func TestProfile(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, c := ts.newUser()
	p, err := c.Profile(ctx)
	if err != nil || *p != (client.Profile{}) {
		t.Fatalf("%+v %v", p, err)
	}
	want := client.Profile{FullName: "Zoë Ünïcode", Phone: "+49 (30) 123-4567", Country: "DE", City: "Berlin",
		Address: "Unter den Linden 1", AvatarURL: "https://example.test/zoe.png"}
	got, err := c.PutProfile(ctx, want)
	if err != nil || *got != want {
		t.Fatalf("%+v %v", got, err)
	}
	if got, _ := c.Profile(ctx); *got != want {
		t.Fatalf("stored %+v", got)
	}
	bad := map[string]struct {
		p     client.Profile
		field string
	}{
		"Phone":          {client.Profile{Phone: "call me maybe"}, "phone"},
		"CountryLower":   {client.Profile{Country: "de"}, "country"},
		"CountryName":    {client.Profile{Country: "Germany"}, "country"},
		"AvatarHTTP":     {client.Profile{AvatarURL: "http://example.test/a.png"}, "avatar_url"},
		"AvatarJS":       {client.Profile{AvatarURL: "javascript:alert(1)"}, "avatar_url"},
		"AvatarCreds":    {client.Profile{AvatarURL: "https://u:p@example.test/a.png"}, "avatar_url"},
		"ControlInCity":  {client.Profile{City: "Ber\x00lin"}, "city"},
		"NewlineAddress": {client.Profile{Address: "a\nb"}, "address"},
		"LongName":       {client.Profile{FullName: strings.Repeat("x", 201)}, "full_name"},
		"LongAddress":    {client.Profile{Address: strings.Repeat("x", 501)}, "address"},
	}
	for name, tt := range bad {
		t.Run("ErrInvalid"+name, func(t *testing.T) {
			_, err := c.PutProfile(ctx, tt.p)
			ce := wantStatus(t, err, 422, "")
			if len(ce.Errors) == 0 || !strings.Contains(ce.Errors[0].Location+ce.Errors[0].Message, tt.field) {
				t.Fatalf("error does not name %s: %+v", tt.field, ce)
			}
		})
	}
	if got, _ := c.Profile(ctx); *got != want {
		t.Fatalf("a refused update changed the profile: %+v", got)
	}
}

func TestPinnedFunctionsMustBeOwn(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, c := ts.newUser()
	_, _, other := ts.newUser()
	mine, err := c.InitFunction(ctx, "mine", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := other.InitFunction(ctx, "theirs", "wasm", "")
	if err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]string{"ErrInvalidOthers": theirs.ID, "ErrInvalidMissing": uuid.NewString()} {
		t.Run(name, func(t *testing.T) {
			_, err := c.UpdatePreferences(ctx, client.PreferencesPatch{PinnedFunctions: &[]string{mine.ID, id}})
			ce := wantStatus(t, err, 422, "validation")
			if len(ce.Errors) != 1 || ce.Errors[0].Location != "body.pinned_functions" || !strings.Contains(ce.Errors[0].Message, id) {
				t.Fatalf("the problem does not name %s in pinned_functions: %+v", id, ce)
			}
		})
	}
	t.Run("AppIDsAlias", func(t *testing.T) {
		var out map[string]any
		if err := c.Do(ctx, "PATCH", "/api/users/me/preferences", map[string]any{"app_ids": []string{mine.ID}}, &out); err != nil {
			t.Fatal(err)
		}
		if pins, _ := out["pinned_functions"].([]any); len(pins) != 1 || pins[0] != mine.ID {
			t.Fatalf("app_ids not stored as pinned_functions: %v", out)
		}
		if _, echoed := out["app_ids"]; echoed {
			t.Fatalf("answers name the pins pinned_functions only: %v", out)
		}
		err := c.Do(ctx, "PATCH", "/api/users/me/preferences", map[string]any{"app_ids": []string{theirs.ID}}, nil)
		ce := wantStatus(t, err, 422, "validation")
		if ce.Errors[0].Location != "body.app_ids" || !strings.Contains(ce.Errors[0].Message, theirs.ID) {
			t.Fatalf("the problem does not name %s in app_ids: %+v", theirs.ID, ce)
		}
		err = c.Do(ctx, "PATCH", "/api/users/me/preferences", map[string]any{"app_ids": []string{mine.ID}, "pinned_functions": []string{}}, nil)
		wantStatus(t, err, 422, "validation")
	})
	if p, err := c.Preferences(ctx); err != nil || len(p.PinnedFunctions) != 1 || p.PinnedFunctions[0] != mine.ID {
		t.Fatalf("a refused patch changed the pins: %+v (%v)", p, err)
	}
}

func TestProfilePutAndPatch(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	_, _, c := ts.newUser()
	full := client.Profile{FullName: "Ada Lovelace", Phone: "+44 20 7946 0000", Country: "GB", City: "London",
		Address: "12 St James's Square", AvatarURL: "https://example.test/ada.png"}
	if _, err := c.PutProfile(ctx, full); err != nil {
		t.Fatal(err)
	}
	t.Run("PutSubsetClearsTheRest", func(t *testing.T) {
		var got client.Profile
		if err := c.Do(ctx, "PUT", "/api/users/me/profile", map[string]string{"city": "Paris"}, &got); err != nil {
			t.Fatal(err)
		}
		if got != (client.Profile{City: "Paris"}) {
			t.Fatalf("PUT with one field: %+v", got)
		}
		if _, err := c.PutProfile(ctx, full); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("PatchChangesOnlyWhatIsSent", func(t *testing.T) {
		var got client.Profile
		if err := c.Do(ctx, "PATCH", "/api/users/me/profile", map[string]string{"city": "Bath", "address": ""}, &got); err != nil {
			t.Fatal(err)
		}
		want := full
		want.City, want.Address = "Bath", ""
		if got != want {
			t.Fatalf("PATCH: %+v, want %+v", got, want)
		}
		if stored, _ := c.Profile(ctx); *stored != want {
			t.Fatalf("stored %+v", stored)
		}
		err := c.Do(ctx, "PATCH", "/api/users/me/profile", map[string]string{"country": "gb", "city": "York"}, nil)
		ce := wantStatus(t, err, 422, "validation")
		if ce.Errors[0].Location != "body.country" {
			t.Fatalf("%+v", ce)
		}
		if stored, _ := c.Profile(ctx); *stored != want {
			t.Fatalf("a refused PATCH changed the profile: %+v", stored)
		}
	})
}
