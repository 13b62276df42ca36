package mail

import (
	"fmt"
	"time"
)

// LinkMail is the mail carrying a one-time link: an invitation or a
// password reset.
type LinkMail struct {
	To      string    // the person's address
	Name    string    // the person's display name
	From    string    // who made the link (an admin's or owner's name), "" for the person themselves
	Link    string    // the absolute URL
	Expires time.Time // when the link stops working
	Reset   bool      // a password reset rather than an invitation
	Site    string    // the instance's public base URL, to say where
}

// Message writes the mail.
func (l LinkMail) Message() Message {
	exp := l.Expires.UTC().Format("Monday 2 January 2006, 15:04 UTC")
	if l.Reset {
		by := "You (or someone who typed your address) asked"
		if l.From != "" {
			by = l.From + " made"
		}
		return Message{To: l.To, Subject: "Choose a new Lyssna password",
			Body: fmt.Sprintf("Hello %s,\n\n%s for a link to choose a new password for your account at %s:\n\n%s\n\nThe link works once, until %s. Choosing a new password signs you out everywhere else.\nIf you did not ask for this, ignore this mail: your password stays as it is.\n",
				l.Name, by, l.Site, l.Link, exp)}
	}
	by := "You are invited"
	if l.From != "" {
		by = l.From + " has invited you"
	}
	return Message{To: l.To, Subject: "You are invited to Lyssna",
		Body: fmt.Sprintf("Hello %s,\n\n%s to produce podcasts at %s.\nAccept the invitation and set your password here:\n\n%s\n\nThe link works once, until %s.\n",
			l.Name, by, l.Site, l.Link, exp)}
}
