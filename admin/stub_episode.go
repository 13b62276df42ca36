package admin

import "net/http"

func (h *Handler) episodeUpload(w http.ResponseWriter, r *http.Request, s *session)       {}
func (h *Handler) episodeEditForm(w http.ResponseWriter, r *http.Request, s *session)     {}
func (h *Handler) episodeUpdate(w http.ResponseWriter, r *http.Request, s *session)       {}
func (h *Handler) episodeReplaceAudio(w http.ResponseWriter, r *http.Request, s *session) {}
func (h *Handler) transcriptUpload(w http.ResponseWriter, r *http.Request, s *session)    {}
func (h *Handler) transcriptDelete(w http.ResponseWriter, r *http.Request, s *session)    {}
func (h *Handler) episodePublish(w http.ResponseWriter, r *http.Request, s *session)      {}
func (h *Handler) episodeUnpublish(w http.ResponseWriter, r *http.Request, s *session)    {}
