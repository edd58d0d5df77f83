package app

import "time"

// ImportStatus is where an import stands.
type ImportStatus string

// Import statuses: validated (the report is ready, nothing written) → applying (the background
// job runs, or will resume at next start) → applied.
const (
	ImportValidated ImportStatus = "validated"
	ImportApplying  ImportStatus = "applying"
	ImportApplied   ImportStatus = "applied"
)

// Import actions: what validation found a row will do, and what applying it did.
const (
	ActionUpdate    = "update"
	ActionUnchanged = "unchanged"
	ActionCreate    = "create"
	ActionError     = "error"
)

// ImportTotals counts rows per action.
type ImportTotals struct {
	Update    int `json:"update"`
	Unchanged int `json:"unchanged"`
	Create    int `json:"create"`
	Error     int `json:"error"`
}

// Add counts one row under action (negative n takes it back).
func (t *ImportTotals) Add(action string, n int) {
	switch action {
	case ActionUpdate:
		t.Update += n
	case ActionUnchanged:
		t.Unchanged += n
	case ActionCreate:
		t.Create += n
	case ActionError:
		t.Error += n
	}
}

// Import is one uploaded CSV file: its validation report and, once applied, its progress and
// results. Its rows are stored apart (ImportRow), a row per key, so a report of 150,000 rows
// pages from the store instead of sitting in memory.
type Import struct {
	ID         string       `json:"id"`
	FileName   string       `json:"fileName"`
	SHA256     string       `json:"sha256"`
	Size       int64        `json:"size"`
	Status     ImportStatus `json:"status"`
	ActorID    string       `json:"actorId"`
	ActorEmail string       `json:"actorEmail"`
	Source     Source       `json:"source"`
	// TokenID is the API token the file was uploaded, then applied, with: the apply acts through
	// the token that started it ("" when started in the console).
	TokenID   string    `json:"tokenId,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	// Header is the header row as uploaded; Keys the column key of each cell ("-" for skipped
	// columns such as Result and Message).
	Header    []string     `json:"header"`
	Keys      []string     `json:"keys"`
	Delimiter string       `json:"delimiter"`
	Rows      int          `json:"rowCount"`
	Totals    ImportTotals `json:"totals"`
	Warnings  []string     `json:"warnings,omitempty"`

	// Apply progress: rows [0, Applied) have their result. Results counts them per outcome.
	Applied    int          `json:"applied"`
	Results    ImportTotals `json:"results"`
	StartedAt  *time.Time   `json:"startedAt,omitempty"`
	FinishedAt *time.Time   `json:"finishedAt,omitempty"`
	// MailedAt is when the results mail went out (nil: not yet, or no mail store).
	MailedAt *time.Time `json:"mailedAt,omitempty"`
	// Undo is the rollback of an applied import, once asked for.
	Undo *ImportUndo `json:"undo,omitempty"`
}

// ImportUndo is the rollback of an applied import: each account the import changed and nobody
// changed since is put back (a created one deleted, or marked leaver once it was used); the
// others are listed and left alone.
type ImportUndo struct {
	StartedAt  time.Time  `json:"startedAt"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	By         string     `json:"by"`
	ByID       string     `json:"byId"`
	// Done counts the rows looked at, from the last row up: an undo stopped by a crash or a
	// shutdown goes on from there at the next start.
	Done     int `json:"done"`
	Reverted int `json:"reverted"`
	Deleted  int `json:"deleted"`
	Leavers  int `json:"leavers"`
	// LeftAlone lists (the first 1,000 of) the rows not put back, and why; Left counts them all.
	LeftAlone []ImportUndoSkip `json:"leftAlone"`
	Left      int              `json:"left"`
}

// ImportUndoSkip is a row an undo left alone.
type ImportUndoSkip struct {
	Row     int    `json:"row"`
	UserID  string `json:"userId,omitempty"`
	Account string `json:"account,omitempty"`
	Reason  string `json:"reason"`
}

// ImportChange is one field a row changes, as CSV text (Old, New) and as typed values for the
// audit log.
type ImportChange struct {
	Column string `json:"column"`
	Field  string `json:"field"`
	Old    string `json:"old"`
	New    string `json:"new"`
}

// ImportProblem is why a row can't be applied: the column at fault ("" for the whole row) and
// the reason in words.
type ImportProblem struct {
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

// MarshalJSON writes the problem with its reason's code and parameters (reasons.go), when the
// reason has them.
func (p ImportProblem) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	if p.Column != "" {
		b = append(b, `"column":`...)
		b = AppendJSONString(b, p.Column)
		b = append(b, ',')
	}
	b = append(b, `"reason":`...)
	b = AppendJSONString(b, p.Reason)
	b = AppendReasonCode(b, "reason", p.Reason)
	return append(b, '}'), nil
}

// ImportRow is one data row of an import: the cells as uploaded, what validation found, and
// after apply what happened.
type ImportRow struct {
	Index   int             `json:"index"`
	Line    int             `json:"row"`
	Cells   []string        `json:"cells"`
	Action  string          `json:"action"`
	UserID  string          `json:"userId,omitempty"`
	LocalID string          `json:"localId,omitempty"`
	Name    string          `json:"username,omitempty"`
	Version uint64          `json:"version,omitempty"`
	Changes []ImportChange  `json:"changes,omitempty"`
	Errors  []ImportProblem `json:"errors,omitempty"`
	Warning string          `json:"warning,omitempty"`

	// Result is set when the row has been applied: updated, created, unchanged or error.
	Result  string `json:"result,omitempty"`
	Message string `json:"message,omitempty"`
}

// ImportTx is the part of a transaction that keeps imports and their rows.
type ImportTx interface {
	PutImport(im *Import) error
	Import(id string) (*Import, error)
	// Imports lists imports newest first; limit ≤ 0 means all.
	Imports(limit int) ([]Import, error)
	// ImportsBySHA256 lists the ids of imports of files with this SHA-256.
	ImportsBySHA256(sum string) ([]string, error)
	// PutImportRow stores a row; oldAction is the action it was stored under before ("" for a
	// new row), so the per-action listing stays in step.
	PutImportRow(importID string, r *ImportRow, oldAction string) error
	ImportRow(importID string, index int) (*ImportRow, error)
	// ForEachImportRow calls fn for rows in file order until fn returns an error (ErrStop ends
	// early without one). With action "" it starts at row index skip; otherwise it lists the
	// rows validated as action, skipping the first skip of them.
	ForEachImportRow(importID, action string, skip int, fn func(r *ImportRow) error) error
	// DeleteImport removes up to max keys of an import (rows first, then the record and its
	// indexes) and reports whether it is gone, so a large import is removed over several
	// transactions.
	DeleteImport(id string, max int) (gone bool, err error)
	// ForEachLocalID calls fn for every (organisation, Local ID) → user id index entry; the
	// Local ID is lower-cased.
	ForEachLocalID(fn func(orgID, localID, userID string) error) error
}

// ErrStop ends a ForEach early without an error.
var ErrStop = &Error{Code: "stop", Message: "stop"}
