package admin

import "time"

// Failed sign-ins allowed per client address in a sliding window, counted
// by accounts.SignInLimit in the database (so across replicas).
const (
	signInBurst  = 10
	signInWindow = 5 * time.Minute
)
