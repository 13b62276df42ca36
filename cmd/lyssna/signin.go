package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/lyssna/lyssna/accounts/oidc"
	"github.com/lyssna/lyssna/config"
	"github.com/lyssna/lyssna/internal/mail"
)

// signInProvider builds the OpenID Connect provider of cfg's LYSSNA_OIDC_*
// settings, or nil when LYSSNA_OIDC_ISSUER is not set. Its callback is the
// producer UI's under baseURL.
func signInProvider(cfg *config.Config, db *sql.DB, baseURL string) (*oidc.Provider, error) {
	if cfg.OIDCIssuer == "" {
		return nil, nil
	}
	name := cfg.OIDCName
	if name == "" {
		if u, err := url.Parse(cfg.OIDCIssuer); err == nil {
			name = u.Hostname()
		}
	}
	p, err := oidc.New(db, oidc.Config{
		Issuer:         cfg.OIDCIssuer,
		ClientID:       cfg.OIDCClientID,
		ClientSecret:   cfg.OIDCClientSecret,
		RedirectURL:    strings.TrimRight(baseURL, "/") + "/admin/signin/oidc/callback",
		AllowedDomains: cfg.OIDCAllowedDomains,
		Name:           name,
		CookiePath:     "/admin/signin/oidc",
		CookieSecure:   strings.HasPrefix(baseURL, "https://"),
	}, time.Now)
	if err != nil {
		return nil, fmt.Errorf("set up sign-in with the identity provider (LYSSNA_OIDC_*): %w", err)
	}
	return p, nil
}

// mailSender builds the sender of cfg's LYSSNA_SMTP_* settings, or nil when
// LYSSNA_SMTP_HOST is not set.
func mailSender(cfg *config.Config) (*mail.Sender, error) {
	if cfg.SMTPHost == "" {
		return nil, nil
	}
	s, err := mail.New(mail.Config{
		Host: cfg.SMTPHost, Port: cfg.SMTPPort, TLS: cfg.SMTPTLS,
		Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, From: cfg.SMTPFrom,
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("set up mail (LYSSNA_SMTP_*): %w", err)
	}
	return s, nil
}
