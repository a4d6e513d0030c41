package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestConsoleSessions (issue #15): signing in gives the browser a session
// id, never the token; signing out ends the session on the server, so the
// old cookie opens nothing; after five wrong tokens from an address, the
// next sign-in from it waits, even with the right one.
func TestConsoleSessions(t *testing.T) {
	b, _, _ := setup(t, "s3cret-token")
	if _, path, page := b.post("/console/login", url.Values{"token": {"s3cret-token"}}, nil); path != "/console/" || !strings.Contains(page, "sign out") {
		t.Fatalf("signed in: %s\n%s", path, page)
	}
	u, _ := url.Parse(b.base + "/console/")
	cookies := b.hc.Jar.Cookies(u)
	if len(cookies) != 1 || cookies[0].Value == "" || strings.Contains(cookies[0].Value, "s3cret") {
		t.Fatalf("the browser holds %v", cookies)
	}
	old := cookies[0]
	if _, path, _ := b.post("/console/logout", url.Values{}, nil); path != "/console/login" {
		t.Fatalf("sign out ended at %s", path)
	}
	if _, path, _ := b.get("/console/runs"); path != "/console/login" {
		t.Errorf("after signing out the console is open: %s", path)
	}
	// the old cookie, replayed, opens nothing: the session is gone
	req, _ := http.NewRequest(http.MethodGet, b.base+"/console/runs", nil)
	req.AddCookie(old)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
		t.Errorf("a signed-out session's cookie: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	for i := range 5 {
		if st, _, _ := b.post("/console/login", url.Values{"token": {"guess"}}, nil); st != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d", i+1, st)
		}
	}
	st, _, page := b.post("/console/login", url.Values{"token": {"s3cret-token"}}, nil)
	if st != http.StatusTooManyRequests || !strings.Contains(page, "try again in") {
		t.Errorf("after five wrong tokens the right one: %d\n%s", st, page)
	}
}
