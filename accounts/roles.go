package accounts

import "slices"

// Role is a person's role in one show.
type Role string

// The roles, from most to fewest rights. An instance admin may do
// everything in every show without one.
const (
	// Owner: everything, including members and deletion.
	Owner Role = "owner"
	// Editor: edit and publish.
	Editor Role = "editor"
	// Contributor: create and edit drafts, upload audio and transcripts;
	// never publish or delete.
	Contributor Role = "contributor"
	// Viewer: read everything, drafts and statistics included.
	Viewer Role = "viewer"
	// NoRole: not a member of the show.
	NoRole Role = ""
)

// Roles lists the roles, most rights first.
var Roles = []Role{Owner, Editor, Contributor, Viewer}

// rank orders roles: higher may do more.
func (r Role) rank() int {
	switch r {
	case Owner:
		return 4
	case Editor:
		return 3
	case Contributor:
		return 2
	case Viewer:
		return 1
	}
	return 0
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Action is what a request does, as the route table names it for each
// route; Decide says who may.
type Action string

// The actions. Show actions are decided by the person's role in the show of
// the request; instance actions by whether they are an admin.
const (
	// Public: anyone, signed in or not (sign-in pages, static files).
	Public Action = "public"
	// SignedIn: any person signed in (their own account, the list of the
	// shows they may see).
	SignedIn Action = "signed-in"
	// Read: a show, its episodes (drafts too), statistics, members, audit.
	Read Action = "read"
	// Draft: create and edit drafts; upload audio, artwork and transcripts
	// of a draft.
	Draft Action = "draft"
	// Edit: edit a show, or an episode that has been scheduled or public.
	Edit Action = "edit"
	// Publish: publish, schedule or unpublish an episode.
	Publish Action = "publish"
	// Delete: delete an episode or the show.
	Delete Action = "delete"
	// Members: add, change and remove the show's members.
	Members Action = "members"
	// CreateShow: create a show (instance admins).
	CreateShow Action = "create-show"
	// Users: manage people (instance admins).
	Users Action = "users"
	// Settings: the instance's settings, LTI platforms among them (instance admins).
	Settings Action = "settings"
	// Account: change one's own account (name, password, tokens): any
	// person signed in, but not with a read-only token or one limited to a
	// show, which must not make themselves more rights.
	Account Action = "account"
)

// Actions lists every action.
var Actions = []Action{Public, SignedIn, Read, Draft, Edit, Publish, Delete, Members, CreateShow, Users, Settings, Account}

// ShowAction reports whether a is decided per show (by role).
func (a Action) ShowAction() bool {
	switch a {
	case Read, Draft, Edit, Publish, Delete, Members:
		return true
	}
	return false
}

// instanceAction reports whether a is for instance admins only.
func (a Action) instanceAction() bool { return a == CreateShow || a == Users || a == Settings }

// readOnly reports whether a only reads.
func (a Action) readOnly() bool { return a == Public || a == SignedIn || a == Read }

// minRole is the least role that may do a show action.
func (a Action) minRole() Role {
	switch a {
	case Read:
		return Viewer
	case Draft:
		return Contributor
	case Edit, Publish:
		return Editor
	case Delete, Members:
		return Owner
	}
	return "" // not a show action
}

// Decide is the one rule of who may do what: whether p, whose role in the
// show concerned is role (NoRole for none, or for an instance action), may
// do a in the show showID (0 for an instance action). A token never has
// more rights than its person: a read-only one only reads, one limited to a
// show acts only there.
func Decide(p *Principal, a Action, showID int64, role Role) bool {
	if a == Public {
		return true
	}
	if p == nil {
		return false
	}
	if p.ReadOnly && !a.readOnly() {
		return false
	}
	if p.TokenShowID != 0 {
		if a.ShowAction() && showID != p.TokenShowID {
			return false
		}
		if a.instanceAction() || a == Account {
			return false
		}
	}
	if a == SignedIn || a == Account || p.Admin {
		return true
	}
	if !a.ShowAction() {
		return false
	}
	return role.rank() >= a.minRole().rank()
}
