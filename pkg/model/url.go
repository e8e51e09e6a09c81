package model

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// CanonicalURL returns the SCIM base URL raw in the one form wbsync compares
// and records: scheme and host lower-cased, a default port (443 for https,
// 80 for http) dropped, a trailing slash dropped. "/scim" and "/scim/v2"
// stay different targets; a port loses its leading zeros. It refuses what a
// base URL must not carry (user information, a query, a fragment), a
// scheme other than http or https, a host outside ASCII or with an IPv6
// zone, and a port outside 1..65535. Whether plain http is allowed (loopback only) is
// the SCIM client's rule, not this one's.
func CanonicalURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("empty URL")
	}
	if !strings.Contains(raw, "://") { // "HOST:PORT/scim" would parse as scheme HOST, or not at all
		return "", errors.New("no scheme: want an absolute https:// URL such as https://HOST/scim")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("not a URL: %w", errors.Unwrap(err))
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "https" && scheme != "http") || u.Host == "" {
		return "", errors.New("want an absolute https:// URL such as https://HOST/scim")
	}
	if u.User != nil {
		return "", errors.New("the URL must not carry user information (the API key comes from WANDB_API_KEY or --api-key-file)")
	}
	if strings.EqualFold(u.RawQuery, "aadOptscim062020") {
		// W&B's docs give the URL so for Microsoft Entra's provisioning.
		return "", errors.New("the URL must not carry a query: ?aadOptscim062020 is a flag for Microsoft Entra ID's provisioning, not for wbsync; drop it")
	}
	if u.RawQuery != "" || u.ForceQuery {
		return "", errors.New("the URL must not carry a query (what follows ? may be a credential, which wbsync takes only from WANDB_API_KEY or --api-key-file, and the URL is recorded in plan files)")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return "", errors.New("the URL must not carry a fragment (#...)")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", errors.New("the URL has no host")
	}
	if strings.ContainsFunc(host, func(r rune) bool { return r >= 0x80 }) {
		// The dialer maps such a name (full-width letters, an ideographic
		// full stop, a zero-width space or soft hyphen pasted with it) to
		// another host, api.wandb.ai among them, than the one wbsync would
		// judge and record; a look-alike letter spells another host
		// outright.
		q := strconv.QuoteToASCII(host)
		return "", fmt.Errorf("the host %s holds characters outside ASCII (escaped): a look-alike or a pasted invisible character can make it reach another host than it reads as; write the host in ASCII (an internationalized name in its xn-- form)", q[1:len(q)-1])
	}
	if strings.Contains(host, "%") {
		return "", errors.New("the host holds an IPv6 zone (%...): give the address without it")
	}
	port := u.Port()
	if port != "" || strings.HasSuffix(u.Host, ":") { // "HOST:" has an empty port
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("invalid port %q: want 1 to 65535", port)
		}
		port = strconv.Itoa(n) // without leading zeros
		if (scheme == "https" && n == 443) || (scheme == "http" && n == 80) {
			port = ""
		}
	}
	if strings.Contains(host, ":") { // an IPv6 literal
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	return scheme + "://" + host + path, nil
}

// ShowURL returns raw as it may be shown in a message: without user
// information, and with a query or fragment replaced by "?…" or "#…", since
// either may carry a credential.
func ShowURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "(an unparsable URL)"
	}
	u.User = nil
	q, f := u.RawQuery != "" || u.ForceQuery, u.Fragment != ""
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	s := u.String()
	if q {
		s += "?…"
	}
	if f {
		s += "#…"
	}
	return s
}
