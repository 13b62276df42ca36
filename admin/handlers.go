package admin

import (
	"net/http"
	"strings"
)

// The producer UI's pages and actions, each an http.HandlerFunc behind its
// checks: a page needs a session (else it sends the browser to sign in), a
// form POST a session and its CSRF token, an upload the same before its
// body is read. server's route table mounts them under /admin/.

// Home sends GET /admin on to /admin/.
func (h *Handler) Home(w http.ResponseWriter, r *http.Request) { seeOther(w, r, "/admin/") }

// Static serves GET /admin/static/{file}: the UI's own script and styles.
func (h *Handler) Static(w http.ResponseWriter, r *http.Request) { h.serveStatic(w, r) }

// SignInForm serves GET /admin/signin.
func (h *Handler) SignInForm(w http.ResponseWriter, r *http.Request) { h.signInForm(w, r) }

// SignIn serves POST /admin/signin: a producer token starts a session.
func (h *Handler) SignIn(w http.ResponseWriter, r *http.Request) { h.signIn(w, r) }

// SignOut serves POST /admin/signout.
func (h *Handler) SignOut(w http.ResponseWriter, r *http.Request) { h.post(h.signOut)(w, r) }

// SignInOIDC serves POST /admin/signin/oidc: off to the identity provider.
func (h *Handler) SignInOIDC(w http.ResponseWriter, r *http.Request) { h.oidcStart(w, r) }

// SignInOIDCCallback serves GET /admin/signin/oidc/callback: back from the
// identity provider, signed in (or refused, with the reason).
func (h *Handler) SignInOIDCCallback(w http.ResponseWriter, r *http.Request) { h.oidcCallback(w, r) }

// InvitationForm serves GET /admin/invitations/{secret}: an invitation or
// password-reset link's page.
func (h *Handler) InvitationForm(w http.ResponseWriter, r *http.Request) { h.invitationForm(w, r) }

// InvitationAccept serves POST /admin/invitations/{secret}: set the password.
func (h *Handler) InvitationAccept(w http.ResponseWriter, r *http.Request) {
	h.invitationAccept(w, r)
}

// InvitationOIDC serves POST /admin/invitations/{secret}/oidc: accept by
// signing in with the identity provider.
func (h *Handler) InvitationOIDC(w http.ResponseWriter, r *http.Request) { h.invitationOIDC(w, r) }

// PasswordResetForm serves GET /admin/password-reset.
func (h *Handler) PasswordResetForm(w http.ResponseWriter, r *http.Request) {
	h.passwordResetForm(w, r)
}

// PasswordReset serves POST /admin/password-reset: a reset link by mail.
func (h *Handler) PasswordReset(w http.ResponseWriter, r *http.Request) { h.passwordReset(w, r) }

// AccountForm serves GET /admin/account: name, password, sessions, tokens.
func (h *Handler) AccountForm(w http.ResponseWriter, r *http.Request) { h.get(h.accountForm)(w, r) }

// AccountName serves POST /admin/account/name.
func (h *Handler) AccountName(w http.ResponseWriter, r *http.Request) { h.post(h.accountName)(w, r) }

// AccountPassword serves POST /admin/account/password.
func (h *Handler) AccountPassword(w http.ResponseWriter, r *http.Request) {
	h.post(h.accountPassword)(w, r)
}

// AccountSessionRevoke serves POST /admin/account/sessions/{id}/revoke.
func (h *Handler) AccountSessionRevoke(w http.ResponseWriter, r *http.Request) {
	h.post(h.accountSessionRevoke)(w, r)
}

// AccountTokenCreate serves POST /admin/account/tokens.
func (h *Handler) AccountTokenCreate(w http.ResponseWriter, r *http.Request) {
	h.post(h.accountTokenCreate)(w, r)
}

// AccountTokenRevoke serves POST /admin/account/tokens/revoke.
func (h *Handler) AccountTokenRevoke(w http.ResponseWriter, r *http.Request) {
	h.post(h.accountTokenRevoke)(w, r)
}

// ShowList serves GET /admin/: every show.
func (h *Handler) ShowList(w http.ResponseWriter, r *http.Request) { h.get(h.showList)(w, r) }

// ShowNewForm serves GET /admin/shows/new.
func (h *Handler) ShowNewForm(w http.ResponseWriter, r *http.Request) { h.get(h.showNewForm)(w, r) }

// ShowCreate serves POST /admin/shows/new.
func (h *Handler) ShowCreate(w http.ResponseWriter, r *http.Request) { h.post(h.showCreate)(w, r) }

// ShowView serves GET /admin/shows/{show}/: the show's episodes and the upload form.
func (h *Handler) ShowView(w http.ResponseWriter, r *http.Request) { h.get(h.showView)(w, r) }

// ShowEditForm serves GET /admin/shows/{show}/edit.
func (h *Handler) ShowEditForm(w http.ResponseWriter, r *http.Request) {
	h.get(h.showEditForm)(w, r)
}

// ShowUpdate serves POST /admin/shows/{show}/edit.
func (h *Handler) ShowUpdate(w http.ResponseWriter, r *http.Request) { h.post(h.showUpdate)(w, r) }

// ShowArtwork serves POST /admin/shows/{show}/artwork (multipart, streamed).
func (h *Handler) ShowArtwork(w http.ResponseWriter, r *http.Request) {
	h.postStream(h.showArtwork)(w, r)
}

// EpisodeUpload serves POST /admin/shows/{show}/episodes: audio in, a draft out.
func (h *Handler) EpisodeUpload(w http.ResponseWriter, r *http.Request) {
	h.postStream(h.episodeUpload)(w, r)
}

// EpisodeEditForm serves GET /admin/shows/{show}/episodes/{episode}/.
func (h *Handler) EpisodeEditForm(w http.ResponseWriter, r *http.Request) {
	h.get(h.episodeEditForm)(w, r)
}

// EpisodeUpdate serves POST /admin/shows/{show}/episodes/{episode}/.
func (h *Handler) EpisodeUpdate(w http.ResponseWriter, r *http.Request) {
	h.post(h.episodeUpdate)(w, r)
}

// EpisodeReplaceAudio serves POST .../episodes/{episode}/audio (multipart, streamed).
func (h *Handler) EpisodeReplaceAudio(w http.ResponseWriter, r *http.Request) {
	h.postStream(h.episodeReplaceAudio)(w, r)
}

// TranscriptUpload serves POST .../episodes/{episode}/transcripts (multipart, streamed).
func (h *Handler) TranscriptUpload(w http.ResponseWriter, r *http.Request) {
	h.postStream(h.transcriptUpload)(w, r)
}

// TranscriptDelete serves POST .../episodes/{episode}/transcripts/{lang}/delete.
func (h *Handler) TranscriptDelete(w http.ResponseWriter, r *http.Request) {
	h.post(h.transcriptDelete)(w, r)
}

// AlternateUpload serves POST .../episodes/{episode}/alternates (multipart, streamed).
func (h *Handler) AlternateUpload(w http.ResponseWriter, r *http.Request) {
	h.postStream(h.alternateUpload)(w, r)
}

// AlternateDelete serves POST .../episodes/{episode}/alternates/{name}/delete.
func (h *Handler) AlternateDelete(w http.ResponseWriter, r *http.Request) {
	h.post(h.alternateDelete)(w, r)
}

// EpisodePublish serves POST .../episodes/{episode}/publish (now or scheduled).
func (h *Handler) EpisodePublish(w http.ResponseWriter, r *http.Request) {
	h.post(h.episodePublish)(w, r)
}

// EpisodeUnpublish serves POST .../episodes/{episode}/unpublish.
func (h *Handler) EpisodeUnpublish(w http.ResponseWriter, r *http.Request) {
	h.post(h.episodeUnpublish)(w, r)
}

// ShowStats serves GET /admin/shows/{show}/stats/: the show's downloads.
func (h *Handler) ShowStats(w http.ResponseWriter, r *http.Request) { h.get(h.showStats)(w, r) }

// EpisodeStats serves GET /admin/shows/{show}/episodes/{episode}/stats/.
func (h *Handler) EpisodeStats(w http.ResponseWriter, r *http.Request) { h.get(h.episodeStats)(w, r) }

// StatsCSV serves GET /admin/shows/{show}/stats.csv and
// /admin/shows/{show}/episodes/{episode}/stats.csv: one table as CSV.
func (h *Handler) StatsCSV(w http.ResponseWriter, r *http.Request) { h.get(h.statsCSV)(w, r) }

// ShowArtworkDelete serves POST /admin/shows/{show}/artwork/delete.
func (h *Handler) ShowArtworkDelete(w http.ResponseWriter, r *http.Request) {
	h.post(h.showArtworkDelete)(w, r)
}

// ShowDeleteForm serves GET /admin/shows/{show}/delete: what goes away, and a confirm button.
func (h *Handler) ShowDeleteForm(w http.ResponseWriter, r *http.Request) {
	h.get(h.showDeleteForm)(w, r)
}

// ShowDelete serves POST /admin/shows/{show}/delete.
func (h *Handler) ShowDelete(w http.ResponseWriter, r *http.Request) { h.post(h.showDelete)(w, r) }

// EpisodeArtwork serves POST .../episodes/{episode}/artwork (multipart, streamed).
func (h *Handler) EpisodeArtwork(w http.ResponseWriter, r *http.Request) {
	h.postStream(h.episodeArtwork)(w, r)
}

// EpisodeArtworkDelete serves POST .../episodes/{episode}/artwork/delete.
func (h *Handler) EpisodeArtworkDelete(w http.ResponseWriter, r *http.Request) {
	h.post(h.episodeArtworkDelete)(w, r)
}

// EpisodeDeleteForm serves GET .../episodes/{episode}/delete: what goes away, and a confirm button.
func (h *Handler) EpisodeDeleteForm(w http.ResponseWriter, r *http.Request) {
	h.get(h.episodeDeleteForm)(w, r)
}

// EpisodeDelete serves POST .../episodes/{episode}/delete.
func (h *Handler) EpisodeDelete(w http.ResponseWriter, r *http.Request) {
	h.post(h.episodeDelete)(w, r)
}

// LTIPlatforms serves GET /admin/lti/: the registered LMS platforms.
func (h *Handler) LTIPlatforms(w http.ResponseWriter, r *http.Request) { h.get(h.ltiPlatforms)(w, r) }

// LTIPlatformAdd serves POST /admin/lti/: register an LMS platform.
func (h *Handler) LTIPlatformAdd(w http.ResponseWriter, r *http.Request) {
	h.post(h.ltiPlatformAdd)(w, r)
}

// LTIPlatformRemove serves POST /admin/lti/{id}/delete.
func (h *Handler) LTIPlatformRemove(w http.ResponseWriter, r *http.Request) {
	h.post(h.ltiPlatformRemove)(w, r)
}

// ShowMembers serves GET /admin/shows/{show}/members: the show's members.
func (h *Handler) ShowMembers(w http.ResponseWriter, r *http.Request) { h.get(h.showMembers)(w, r) }

// ShowMemberSet serves POST /admin/shows/{show}/members: invite or change a role.
func (h *Handler) ShowMemberSet(w http.ResponseWriter, r *http.Request) {
	h.post(h.showMemberSet)(w, r)
}

// ShowMemberRemove serves POST /admin/shows/{show}/members/remove.
func (h *Handler) ShowMemberRemove(w http.ResponseWriter, r *http.Request) {
	h.post(h.showMemberRemove)(w, r)
}

// ShowAudit serves GET /admin/shows/{show}/audit: the show's activity.
func (h *Handler) ShowAudit(w http.ResponseWriter, r *http.Request) { h.get(h.showAudit)(w, r) }

// Listeners serves GET /admin/shows/{show}/listeners/: the show's listener keys.
func (h *Handler) Listeners(w http.ResponseWriter, r *http.Request) { h.get(h.listeners)(w, r) }

// ListenerCreate serves POST /admin/shows/{show}/listeners/ (a form, or a
// multipart CSV upload).
func (h *Handler) ListenerCreate(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		h.postStream(h.listenerCreate)(w, r)
		return
	}
	h.post(h.listenerCreate)(w, r)
}

// ListenerRevoke serves POST /admin/shows/{show}/listeners/{id}/revoke.
func (h *Handler) ListenerRevoke(w http.ResponseWriter, r *http.Request) {
	h.post(h.listenerRevoke)(w, r)
}

// ImportNewForm serves GET /admin/imports/new: import a show from its feed
// or from an export archive.
func (h *Handler) ImportNewForm(w http.ResponseWriter, r *http.Request) {
	h.get(h.importNewForm)(w, r)
}

// ImportCreate serves POST /admin/imports: start an import of a feed.
func (h *Handler) ImportCreate(w http.ResponseWriter, r *http.Request) { h.post(h.importCreate)(w, r) }

// ImportArchive serves POST /admin/imports/archive (multipart, streamed):
// start an import of a Lyssna export archive.
func (h *Handler) ImportArchive(w http.ResponseWriter, r *http.Request) {
	h.postStream(h.importArchive)(w, r)
}

// ImportProgress serves GET /admin/imports/{id}: an import's progress.
func (h *Handler) ImportProgress(w http.ResponseWriter, r *http.Request) {
	h.get(h.importProgress)(w, r)
}

// ImportJSON serves GET /admin/imports/{id}.json: the progress, for the
// page's script.
func (h *Handler) ImportJSON(w http.ResponseWriter, r *http.Request) { h.get(h.importJSON)(w, r) }

// NetworkList serves GET /admin/networks/: every network.
func (h *Handler) NetworkList(w http.ResponseWriter, r *http.Request) { h.get(h.networkList)(w, r) }

// NetworkNewForm serves GET /admin/networks/new.
func (h *Handler) NetworkNewForm(w http.ResponseWriter, r *http.Request) {
	h.get(h.networkNewForm)(w, r)
}

// NetworkCreate serves POST /admin/networks/new.
func (h *Handler) NetworkCreate(w http.ResponseWriter, r *http.Request) {
	h.post(h.networkCreate)(w, r)
}

// NetworkView serves GET /admin/networks/{network}/: its details, shows
// and publisher feed.
func (h *Handler) NetworkView(w http.ResponseWriter, r *http.Request) { h.get(h.networkView)(w, r) }

// NetworkUpdate serves POST /admin/networks/{network}/.
func (h *Handler) NetworkUpdate(w http.ResponseWriter, r *http.Request) {
	h.post(h.networkUpdate)(w, r)
}

// NetworkDeleteForm serves GET /admin/networks/{network}/delete.
func (h *Handler) NetworkDeleteForm(w http.ResponseWriter, r *http.Request) {
	h.get(h.networkDeleteForm)(w, r)
}

// NetworkDelete serves POST /admin/networks/{network}/delete.
func (h *Handler) NetworkDelete(w http.ResponseWriter, r *http.Request) {
	h.post(h.networkDelete)(w, r)
}

// NetworkShowAdd serves POST /admin/networks/{network}/shows/{show}: put
// the show in the network.
func (h *Handler) NetworkShowAdd(w http.ResponseWriter, r *http.Request) {
	h.post(h.networkShowAdd)(w, r)
}

// NetworkShowRemove serves POST /admin/networks/{network}/shows/{show}/remove.
func (h *Handler) NetworkShowRemove(w http.ResponseWriter, r *http.Request) {
	h.post(h.networkShowRemove)(w, r)
}
