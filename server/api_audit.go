package server

import (
	"net/http"
	"strconv"
	"time"
)

// auditEventJSON is one recorded write.
type auditEventJSON struct {
	ID     int64          `json:"id"`
	At     time.Time      `json:"at"`
	Actor  auditActorJSON `json:"actor"`
	Action string         `json:"action"`
	Target string         `json:"target"`
	Detail map[string]any `json:"detail"`
}

type auditActorJSON struct {
	ID   *int64 `json:"id"` // null for the system
	Name string `json:"name"`
	Via  string `json:"via"`
}

// apiAuditList pages through a show's audit trail, newest first: GET
// /api/v1/shows/{show}/audit?cursor=&limit= (limit 1..200, 50 by default).
func (h *handler) apiAuditList(w http.ResponseWriter, r *http.Request) {
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			writeError(w, http.StatusBadRequest, codeInvalid, "invalid limit: must be a whole number from 1 to 200", "limit")
			return
		}
		limit = n
	}
	events, next, err := h.Store.AuditPage(r.Context(), s.ID, q.Get("cursor"), limit)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	out := struct {
		Events     []auditEventJSON `json:"events"`
		NextCursor *string          `json:"next_cursor"`
	}{Events: make([]auditEventJSON, 0, len(events))}
	for _, e := range events {
		a := auditActorJSON{Name: e.ActorName, Via: e.Via}
		if e.ActorID != 0 {
			id := e.ActorID
			a.ID = &id
		}
		d := e.Detail
		if d == nil {
			d = map[string]any{}
		}
		out.Events = append(out.Events, auditEventJSON{ID: e.ID, At: e.At, Actor: a, Action: e.Action, Target: e.Target, Detail: d})
	}
	if next != "" {
		out.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, out)
}
