// Command testidp runs the test OpenID provider of internal/oidc/oidctest
// as a process, for the dashboard's end-to-end run: one client and the
// people named in -users, until it is stopped. It is a test tool, never
// part of a berth install.
//
//	testidp -listen 127.0.0.1:5556 -client berth -secret s \
//	    -redirect http://127.0.0.1:8080/server/oidc/corp/callback \
//	    -post-logout http://127.0.0.1:8080/login -users users.json
//
// users.json is a list of {subject, username, password, email,
// email_verified, name, groups, realm_roles}.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/berth-platform/berth/internal/oidc/oidctest"
)

type user struct {
	Subject       string   `json:"subject"`
	Username      string   `json:"username"`
	Password      string   `json:"password"`
	Email         string   `json:"email"`
	EmailVerified bool     `json:"email_verified"`
	Name          string   `json:"name"`
	Groups        []string `json:"groups"`
	RealmRoles    []string `json:"realm_roles"`
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	client := flag.String("client", "berth", "client id")
	secret := flag.String("secret", "", "client secret")
	redirect := flag.String("redirect", "", "redirect URIs, comma-separated")
	postLogout := flag.String("post-logout", "", "post-logout redirect URIs, comma-separated")
	usersFile := flag.String("users", "", "JSON file of the people who can sign in")
	flag.Parse()
	if err := run(*listen, *client, *secret, *redirect, *postLogout, *usersFile); err != nil {
		fmt.Fprintln(os.Stderr, "testidp:", err)
		os.Exit(1)
	}
}

func run(listen, client, secret, redirect, postLogout, usersFile string) error {
	var people []user
	if usersFile != "" {
		raw, err := os.ReadFile(usersFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &people); err != nil {
			return fmt.Errorf("%s: %w", usersFile, err)
		}
	}
	s, err := oidctest.Listen(listen)
	if err != nil {
		return err
	}
	defer s.Close()
	s.AddClient(oidctest.Client{ID: client, Secret: secret, RedirectURIs: split(redirect), PostLogoutRedirectURIs: split(postLogout)})
	for _, u := range people {
		s.AddUser(oidctest.User{Subject: u.Subject, Username: u.Username, Password: u.Password, Email: u.Email,
			EmailVerified: u.EmailVerified, Name: u.Name, Groups: u.Groups, RealmRoles: u.RealmRoles})
	}
	fmt.Println(s.URL) // the issuer: the caller waits for this line
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	return nil
}

func split(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
