package app

import "time"

// Tx is one storage transaction. Everything read and written through a Tx commits together
// or not at all, so a change, its audit record and its indexes never part.
type Tx interface {
	User(id string) (*User, error)
	UserByUsername(username string) (*User, error)
	UserByLocalID(orgID, localID string) (*User, error)
	// PutUser inserts or replaces a user, bumps its Version and keeps the unique indexes
	// (username case-insensitively, local ID within the primary organisation) in step; a clash
	// is an EINVALID error naming the field.
	PutUser(u *User) error
	DeleteUser(id string) error
	// SetLastLogin records a sign-in without bumping the user's version: it is not an edit,
	// so it must not make an open edit page stale.
	SetLastLogin(userID string, at time.Time) error
	// ForEachUser calls fn for every user until fn returns an error.
	ForEachUser(fn func(u *User) error) error
	// ForEachUserPrepared is ForEachUser with prep run on each user first, possibly on
	// another goroutine and out of order (start-up spreads it over every core); fn gets each
	// user in order with what prep returned for it. prep must not touch shared state.
	ForEachUserPrepared(prep func(u *User) any, fn func(u *User, prepared any) error) error
	CountUsers() (int, error)

	PasswordHash(userID string) (string, error)
	SetPasswordHash(userID, hash string) error

	Unit(id string) (*Unit, error)
	Units() ([]Unit, error)
	PutUnit(u *Unit) error
	DeleteUnit(id string) error

	Role(id string) (*Role, error)
	Roles() ([]Role, error)
	PutRole(r *Role) error
	DeleteRole(id string) error

	RefItems(kind RefKind) ([]RefItem, error)
	PutRefItem(kind RefKind, item RefItem) error
	DeleteRefItem(kind RefKind, id string) error

	AddAudit(rec *AuditRecord) error

	// Session takes the session id as given to the browser; the store keeps only its hash.
	Session(id string) (*Session, error)
	PutSession(id string, s *Session) error
	DeleteSession(id string) error
	// DeleteUserSessions ends every session of a user and returns how many there were.
	DeleteUserSessions(userID string) (int, error)

	Meta(key string) ([]byte, error)
	SetMeta(key string, value []byte) error

	MailTx     // mail.go: the local mail store and emailed tokens
	ImportTx   // imports.go: CSV imports, their rows and results
	APITokenTx // apitokens.go: API tokens for scripts
}

// AuditFilter selects audit records, newest first.
type AuditFilter struct {
	TargetID string
	ActorID  string
	Source   Source // "" for any
	Action   string // "" for any
	Since    time.Time
	Until    time.Time // records after it are skipped (zero: no end)
	Limit    int
	Cursor   string
}

// Store is Userdesk's storage. View and Update run fn in a read-only or read-write
// transaction; Update retries fn a bounded number of times on a write conflict.
type Store interface {
	View(fn func(tx Tx) error) error
	Update(fn func(tx Tx) error) error
	Audit(f AuditFilter) (items []AuditRecord, next string, err error)
	// Space reports the disk under the store; CheckSpace refuses (ESTORAGE) work that will
	// write about need bytes when the disk would then fall below the store's reserve.
	Space() Space
	CheckSpace(need uint64, what string) error
	Close() error
}

// Space is what the store knows of the disk under its data directory.
type Space struct {
	Free    uint64 `json:"freeBytes"`
	Reserve uint64 `json:"reserveBytes"`
	// Known is false where the free space cannot be read.
	Known bool `json:"known"`
	// ReadOnly is set when the store was opened read-only (it started on a full disk).
	ReadOnly bool `json:"readOnly"`
	// Full is set while changes are refused: read-only, or free space below the reserve.
	Full bool `json:"full"`
}
