package server

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestOnePathSameRefusal sends the same invalid input through the API and
// through the producer UI: both doors call the same domain function, so
// both must refuse it with the same status, the same field and the same
// message (the API's says "invalid FIELD: " first for an invalid value; the
// UI shows the message beside the field's input).
func TestOnePathSameRefusal(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("taken")
	a.createShow("s")
	e := a.createEpisode("s", map[string]any{"title": "E"})
	a.giveAudio("s", e.ID) // 1:00 long

	rec := adminRequest(a.h, http.MethodPost, "/admin/signin", url.Values{"token": {a.token}}, nil)
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusSeeOther || len(cookies) != 1 {
		t.Fatalf("sign in: %d", rec.Code)
	}
	csrf := func(path string) string {
		m := csrfInput.FindStringSubmatch(adminRequest(a.h, http.MethodGet, path, nil, cookies).Body.String())
		if m == nil {
			t.Fatalf("no CSRF token on %s", path)
		}
		return m[1]
	}
	episodeUI := fmt.Sprintf("/admin/shows/s/episodes/%d/", e.ID)
	showForm := url.Values{"slug": {"new-one"}, "title": {"T"}, "language": {"en"}, "time_zone": {"UTC"}}
	episodeForm := url.Values{"title": {"E"}, "type": {"full"}, "action": {"save"}}

	var cases []onePathCase
	showCase := func(name, field string, apiBody map[string]any, ui map[string]string) {
		body := map[string]any{"slug": "new-one", "title": "T", "language": "en"}
		for k, v := range apiBody {
			body[k] = v
		}
		form := url.Values{}
		for k, v := range showForm {
			form[k] = v
		}
		for k, v := range ui {
			form.Set(k, v)
		}
		cases = append(cases, onePathCase{name, field, func() *httptest.ResponseRecorder {
			return a.json(http.MethodPost, "/api/v1/shows", body)
		}, "/admin/shows/new", form})
	}
	episodeCase := func(name, field string, apiBody map[string]any, ui map[string]string) {
		form := url.Values{}
		for k, v := range episodeForm {
			form[k] = v
		}
		for k, v := range ui {
			form.Set(k, v)
		}
		cases = append(cases, onePathCase{name, field, func() *httptest.ResponseRecorder {
			return a.json(http.MethodPatch, fmt.Sprintf("/api/v1/shows/s/episodes/%d", e.ID), apiBody)
		}, episodeUI, form})
	}
	showCase("no title", "title", map[string]any{"title": ""}, map[string]string{"title": ""})
	showCase("bad owner email", "owner.email", map[string]any{"owner": map[string]string{"name": "A", "email": "not-an-email"}},
		map[string]string{"owner.name": "A", "owner.email": "not-an-email"})
	showCase("reserved slug", "slug", map[string]any{"slug": "admin"}, map[string]string{"slug": "admin"})
	showCase("bad slug", "slug", map[string]any{"slug": "Bad Slug"}, map[string]string{"slug": "Bad Slug"})
	showCase("taken slug", "slug", map[string]any{"slug": "taken"}, map[string]string{"slug": "taken"})
	showCase("bad language", "language", map[string]any{"language": "klingon-xx-1"}, map[string]string{"language": "klingon-xx-1"})
	showCase("bad time zone", "time_zone", map[string]any{"time_zone": "Mars/Olympus_Mons"}, map[string]string{"time_zone": "Mars/Olympus_Mons"})
	showCase("bad website", "link", map[string]any{"link": "javascript:alert(1)"}, map[string]string{"link": "javascript:alert(1)"})
	episodeCase("bad slug", "slug", map[string]any{"slug": "Not A Slug"}, map[string]string{"slug": "Not A Slug"})
	episodeCase("chapter after the end", "chapters[0].start_ms",
		map[string]any{"chapters": []map[string]any{{"start_ms": 90_000, "title": "Late"}}},
		map[string]string{"chapters[0].start_ms": "1:30", "chapters[0].title": "Late"})
	episodeCase("chapter without title", "chapters[0].title",
		map[string]any{"chapters": []map[string]any{{"start_ms": 5_000, "title": ""}}},
		map[string]string{"chapters[0].start_ms": "0:05", "chapters[0].url": "https://example.org/x"})
	episodeCase("bad chapter link", "chapters[0].url",
		map[string]any{"chapters": []map[string]any{{"start_ms": 5_000, "title": "A", "url": "nowhere"}}},
		map[string]string{"chapters[0].start_ms": "0:05", "chapters[0].title": "A", "chapters[0].url": "nowhere"})
	episodeCase("bad DOI", "references[0].doi",
		map[string]any{"references": []map[string]any{{"title": "Paper", "doi": "11.5/x"}}},
		map[string]string{"references[0].title": "Paper", "references[0].doi": "11.5/x"})
	episodeCase("guest without name", "guests[0].name",
		map[string]any{"guests": []map[string]any{{"bio": "Knows things"}}},
		map[string]string{"guests[0].bio": "Knows things"})
	episodeCase("bad discussion link", "discussion_url", map[string]any{"discussion_url": "forum"}, map[string]string{"discussion_url": "forum"})

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := tc.api()
			var body errorBody
			if err := json.Unmarshal(api.Body.Bytes(), &body); err != nil {
				t.Fatalf("API answer %d %q: %v", api.Code, api.Body, err)
			}
			form := url.Values{}
			for k, v := range tc.ui {
				form[k] = v
			}
			form.Set("csrf", csrf(tc.uiPath))
			ui := adminRequest(a.h, http.MethodPost, tc.uiPath, form, cookies)
			uiMsg := fieldError(ui.Body.String(), tc.field)

			if body.Error.Field != tc.field {
				t.Errorf("API field %q, want %q (%s)", body.Error.Field, tc.field, body.Error.Message)
			}
			if uiMsg == "" {
				t.Fatalf("the UI (%d) shows no error beside %s", ui.Code, tc.field)
			}
			want := uiMsg
			if body.Error.Code == codeInvalid {
				want = "invalid " + tc.field + ": " + uiMsg
			}
			if body.Error.Message != want {
				t.Errorf("messages differ:\n API %q\n UI  %q", body.Error.Message, uiMsg)
			}
			if api.Code != ui.Code {
				t.Errorf("status: API %d, UI %d", api.Code, ui.Code)
			}
		})
	}
}

// onePathCase is one invalid input, as the API and as the UI take it.
type onePathCase struct {
	name   string
	field  string
	api    func() *httptest.ResponseRecorder // sends it to the API
	uiPath string                            // the UI form's address
	ui     url.Values                        // the UI form, before the CSRF token
}

// fieldError is the message the UI shows beside the named input.
func fieldError(page, field string) string {
	id := regexp.QuoteMeta(strings.NewReplacer("[", "-", "]", "", ".", "-", "_", "-").Replace("f-" + field))
	m := regexp.MustCompile(`id="` + id + `-error"[^>]*>(?:<span class="visually-hidden">Error: </span>)?([^<]*)</p>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}
