// Package exampleauth is the OAuth plumbing of kith's example programs
// that can sync a real Google account (examples/contactsync,
// examples/calendarsync): reading a saved token for -real, and the
// installed-app login flow for -login. Both take the programs' shared
// flags, -client (an OAuth client of type Desktop app, as JSON) and -token
// (where the token is saved).
package exampleauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/google/uuid"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// Config names the program and what it asks for.
type Config struct {
	App        string   // the program's name, for messages ("contactsync")
	ClientFile string   // -client: the OAuth client's JSON; "" for none
	TokenFile  string   // -token: the saved token
	Scopes     []string // read-only scopes the program needs
	Access     string   // what the user allows, for the prompt ("your contacts")
}

// TokenSource reads the saved token and, with a client file, refreshes it;
// without one the access token is used as is.
func TokenSource(ctx context.Context, cfg Config) (oauth2.TokenSource, error) {
	b, err := os.ReadFile(cfg.TokenFile)
	if err != nil {
		return nil, fmt.Errorf("read -token: %w (get one with -login)", err)
	}
	var tok oauth2.Token
	if err := json.Unmarshal(b, &tok); err != nil {
		return nil, fmt.Errorf("-token %s: %w", cfg.TokenFile, err)
	}
	if cfg.ClientFile == "" {
		if tok.RefreshToken != "" {
			fmt.Fprintf(os.Stderr, "%s: no -client: the access token is used as is, without refresh\n", cfg.App)
		}
		return oauth2.StaticTokenSource(&tok), nil
	}
	oc, err := clientConfig(cfg, "")
	if err != nil {
		return nil, err
	}
	return oc.TokenSource(ctx, &tok), nil
}

func clientConfig(cfg Config, redirect string) (*oauth2.Config, error) {
	b, err := os.ReadFile(cfg.ClientFile)
	if err != nil {
		return nil, fmt.Errorf("read -client: %w", err)
	}
	oc, err := google.ConfigFromJSON(b, cfg.Scopes...)
	if err != nil {
		return nil, fmt.Errorf("-client %s: %w", cfg.ClientFile, err)
	}
	if redirect != "" {
		oc.RedirectURL = redirect
	}
	return oc, nil
}

// Login runs the OAuth flow of an installed app: a loopback redirect to
// this process, the user consents in the browser, the token is saved to
// cfg.TokenFile (mode 0600). It returns when the token is saved or ctx
// ends.
func Login(ctx context.Context, cfg Config) error {
	if cfg.ClientFile == "" {
		return errors.New("-login needs -client (an OAuth client of type Desktop app)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	oc, err := clientConfig(cfg, "http://"+ln.Addr().String()+"/")
	if err != nil {
		return err
	}
	state := uuid.NewString()
	verifier := oauth2.GenerateVerifier()
	fmt.Printf("Open this URL in a browser and allow read-only access to %s:\n\n%s\n\n", cfg.Access,
		oc.AuthCodeURL(state, oauth2.AccessTypeOffline, oauth2.ApprovalForce, oauth2.S256ChallengeOption(verifier)))
	codes := make(chan string, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("state") != state || r.URL.Query().Get("code") == "" {
			http.Error(w, "no code", http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "kith %s: done, you may close this tab.\n", cfg.App)
		select {
		case codes <- r.URL.Query().Get("code"):
		default:
		}
	})}
	go srv.Serve(ln)
	defer srv.Close()
	var code string
	select {
	case code = <-codes:
	case <-ctx.Done():
		return ctx.Err()
	}
	tok, err := oc.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return fmt.Errorf("exchange the code: %w", err)
	}
	b, err := json.MarshalIndent(tok, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(cfg.TokenFile, b, 0o600); err != nil {
		return err
	}
	fmt.Printf("token saved to %s (keep it private); now run with -real -client %s -token %s\n", cfg.TokenFile, cfg.ClientFile, cfg.TokenFile)
	return nil
}
