package core

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"userdesk/app"
	"userdesk/app/csvio"
)

// What one row of an import does: the account it names, the same field rules and rights
// checks as the edit page, and the changes it would make (validation and apply share them).

// rowScratch is a validation worker's room for the account a row is about, before and after
// the row: nothing of a checked row points into it, so each row reuses it (two allocations of
// the size of a user a row fewer, about a third of what a validation allocates).
type rowScratch struct{ before, after app.User }

// checkRow decides what one row would do. The accounts it reads and builds are in scratch
// (when not nil) and are dead once it returns.
func (s *Service) checkRow(tx app.Tx, ic *importCtx, j rowJob, scratch *rowScratch) *app.ImportRow {
	var before, after *app.User
	if scratch != nil {
		before, after = &scratch.before, &scratch.after
	}
	row := &app.ImportRow{Index: j.index, Line: j.rec.Line, Cells: j.rec.Cells}
	cells := j.rec.Cells
	row.LocalID, _ = ic.cell(cells, csvio.KeyLocalID)
	row.LocalID = strings.TrimSpace(row.LocalID)
	if j.rec.Problem != "" {
		row.Errors = append(row.Errors, app.ImportProblem{Reason: j.rec.Problem})
	}
	if ic.password >= 0 {
		row.Errors = append(row.Errors, app.ImportProblem{Column: ic.header[ic.password], Reason: csvio.PasswordReason})
	}
	before, problem := s.findTarget(tx, ic, cells, before)
	if problem != nil {
		row.Errors = append(row.Errors, *problem)
	}
	if before != nil {
		row.UserID, row.Version, row.Name = before.ID, before.Version, before.Username
	}
	if problem == nil {
		after, changes, problems, warning := s.finishRow(tx, ic, before, s.ruleRow(ic, before, cells, after))
		row.Errors = append(row.Errors, problems...)
		row.Changes, row.Warning = changes, warning
		if after != nil {
			row.Name = after.Username
		}
		if len(changes) > 0 {
			if stale := s.staleRow(ic, before, cells); stale != "" {
				if ic.overwrite {
					row.Warning = stale + " Your values overwrite those changes (Overwrite newer changes is on)."
				} else {
					row.Errors = append(row.Errors, app.ImportProblem{Column: ic.staleColumn(), Reason: stale +
						" Export again and redo this row, or upload the file with \"Overwrite newer changes\" to apply it anyway."})
				}
			}
		}
	}
	switch {
	case len(row.Errors) > 0:
		row.Action, row.Warning = app.ActionError, ""
	case before == nil:
		row.Action = app.ActionCreate
		row.Warning = createWarning
	case len(row.Changes) == 0:
		row.Action = app.ActionUnchanged
	default:
		row.Action = app.ActionUpdate
	}
	return row
}

// staleRow says how a row's account changed after the file was exported ("" when it did not,
// or the file cannot say): re-saving an old export must not silently undo newer changes. It is
// asked only of rows that would change the account, that is whose cells differ from the
// account's current values. A Version cell decides alone; without one, the account is newer
// than the file when it changed after the row's Exported At time or, in a file with neither
// column, after the file of this name was last imported (ic.lastImport).
func (s *Service) staleRow(ic *importCtx, before *app.User, cells []string) string {
	if before == nil {
		return ""
	}
	by := before.UpdatedBy
	if by == "" {
		by = "someone"
	}
	when := before.UpdatedAt.UTC().Format("2 Jan 2006 at 15:04 UTC")
	if v, ok := ic.cell(cells, csvio.KeyVersion); ok && strings.TrimSpace(v) != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil || n == before.Version {
			return ""
		}
		return fmt.Sprintf("This account was changed after your export, by %s on %s (its version is now %d; the file has %d).",
			by, when, before.Version, n)
	}
	if v, ok := ic.cell(cells, csvio.KeyExportedAt); ok && strings.TrimSpace(v) != "" {
		at, ok := csvio.ParseExportTime(v)
		if !ok || !before.UpdatedAt.After(at) {
			return ""
		}
		return fmt.Sprintf("This account was changed after your export, by %s on %s (the file was exported on %s), "+
			"and its current values differ from the file's.", by, when, at.Format("2 Jan 2006 at 15:04 UTC"))
	}
	if ic.lastImport.IsZero() || !before.UpdatedAt.After(ic.lastImport) {
		return ""
	}
	return fmt.Sprintf("This account was changed after a file of this name was last imported (%s), by %s on %s, "+
		"and its current values differ from the file's.", ic.lastImport.UTC().Format("2 Jan 2006 at 15:04 UTC"), by, when)
}

// lastImportOf returns when a file named name (case aside) was last imported: when its apply
// started, for the newest import of that name that was applied or is applying (zero: never).
func (s *Service) lastImportOf(name string) time.Time {
	var last time.Time
	_ = s.store.View(func(tx app.Tx) error {
		ims, err := tx.Imports(0)
		if err != nil {
			return err
		}
		for _, im := range ims {
			if im.Status == app.ImportApplied && im.FinishedAt != nil && im.FinishedAt.After(last) && strings.EqualFold(im.FileName, name) {
				last = *im.FinishedAt
			}
		}
		return nil
	})
	return last
}

const createWarning = "No account has this Local ID — this will create a new account; check the Local ID if you meant an update."

// findTarget finds the account a row is about: by User ID when the row has one, else by Local
// ID. (nil, nil) means no account has the Local ID: the row creates one. The account may be
// read into into (nil: a new copy).
func (s *Service) findTarget(tx app.Tx, ic *importCtx, cells []string, into *app.User) (*app.User, *app.ImportProblem) {
	idCol, lidCol := s.columnName(ic, csvio.KeyID), s.columnName(ic, csvio.KeyLocalID)
	outside := func(col string) *app.ImportProblem {
		return &app.ImportProblem{Column: col, Reason: "This account is outside the units you may import into: you need the " +
			"Import users permission over its OU. Ask an administrator of that OU, or remove the row."}
	}
	if id, ok := ic.cell(cells, csvio.KeyID); ok && strings.TrimSpace(id) != "" {
		u, err := ic.user(tx, strings.TrimSpace(id), into)
		if err != nil || !s.canView(ic.actor, u) {
			return nil, &app.ImportProblem{Column: idCol, Reason: "No account you can see has this User ID. Leave User ID empty to find the account by its Local ID."}
		}
		if !s.authz.Can(ic.actor, app.PermUsersImport, u.UnitID) {
			return nil, outside(idCol)
		}
		return u, nil
	}
	lid, _ := ic.cell(cells, csvio.KeyLocalID)
	lid = strings.TrimSpace(lid)
	if lid == "" {
		return nil, &app.ImportProblem{Column: lidCol, Reason: "Local ID is empty: Userdesk finds each account by its Local ID (or User ID)."}
	}
	key := strings.ToLower(lid)
	localIDs, err := ic.localIDTable()
	if err != nil {
		return nil, &app.ImportProblem{Column: lidCol, Reason: "The Local IDs could not be read; try again."}
	}
	var pick localIDEntry
	n := 0
	localIDs.each(key, func(e *localIDEntry) bool { pick, n = *e, n+1; return n < 2 })
	if n == 0 {
		return nil, nil
	}
	if n > 1 { // several organisations use this Local ID
		org, _ := ic.cell(cells, "primaryOrgId")
		org = strings.TrimSpace(org)
		found := false
		localIDs.each(key, func(e *localIDEntry) bool {
			if localIDs.text(e.org) == org {
				pick, found = *e, true
			}
			return !found
		})
		if !found {
			return nil, &app.ImportProblem{Column: lidCol, Reason: "Several organisations have an account with this Local ID: add the Primary Organisation ID column (or User ID) to say which."}
		}
	}
	u, err := ic.user(tx, localIDs.text(pick.user), into)
	if err != nil {
		return nil, &app.ImportProblem{Column: lidCol, Reason: "The account with this Local ID could not be read; try again."}
	}
	if !s.canView(ic.actor, u) || !s.authz.Can(ic.actor, app.PermUsersImport, u.UnitID) {
		return u, outside(lidCol)
	}
	return u, nil
}

// ruledRow is a row after the rules that read nothing from the store: final when done (the row
// has problems, or changes nothing), else waiting for finishRow's clash checks.
type ruledRow struct {
	after    *app.User
	changes  []app.ImportChange
	problems []app.ImportProblem
	warning  string
	done     bool
}

// ruleRow applies a row's cells to a copy of before (or to a new account when before is nil)
// under the edit page's rules that need no store reads, so the import job runs it for a
// batch's rows on every core; finishRow does the rest. The copy is made in into, unless that
// is nil.
func (s *Service) ruleRow(ic *importCtx, before *app.User, cells []string, into *app.User) ruledRow {
	var problems []app.ImportProblem
	var warning string
	bad := func(key, reason string) {
		problems = append(problems, app.ImportProblem{Column: s.columnName(ic, key), Reason: reason})
	}
	after := into
	if after == nil {
		after = new(app.User)
	}
	if before != nil {
		*after = *before
	} else {
		now := s.now()
		*after = app.User{AccountType: app.Internal, Status: app.StatusCreated, Enabled: true, AllowLogin: true,
			EmailSameAsUsername: true, Language: "en", MailboxSizeMB: 1024, CreatedAt: now, UpdatedAt: now}
	}
	base := *after
	set := func(col, key, v string) {
		switch key {
		case csvio.KeyUnit:
			if before != nil && strings.TrimSpace(v) != before.UnitID {
				bad(col, "The import doesn't move accounts between OUs: select the users on the Users page and use "+
					"Move (bulk transfer), or put the current OU back in this cell.")
				return
			}
		case "status":
			if before == nil && strings.TrimSpace(v) != "" && !strings.EqualFold(strings.TrimSpace(v), string(app.StatusCreated)) {
				bad(col, "A new account starts as Created; send the activation email once it exists.")
				return
			}
		}
		if err := csvio.SetCell(after, key, v); err != nil {
			bad(col, upperFirst(err.Error())+".")
		}
	}
	for i, key := range ic.keys {
		if i >= len(cells) || key == csvio.KeyIgnored || key == csvio.KeyPassword || csvio.ReadOnly(key) ||
			key == "email" || ic.named[key] || csvio.IsNames(key) {
			continue // email after the username, below; names columns and their ids columns next
		}
		set(key, key, cells[i])
	}
	// Names columns, the primary organisation's first (an OU's path is looked for in it). When
	// the ids column is there too, the cell that differs from the account is the one edited.
	for _, nc := range ic.names {
		if nc.at >= len(cells) {
			continue
		}
		ids, reasons := ic.refs.namesOf().ids(nc.field, cells[nc.at], after.PrimaryOrgID)
		if len(reasons) > 0 {
			// The cell as this actor's export writes it (EXTERNAL for what it may not see)
			// says "as it is": the ids column, if any, decides.
			if cells[nc.at] == csvio.CellNamed(&base, nc.key, ic.namer()) {
				if nc.idAt >= 0 && nc.idAt < len(cells) {
					set(nc.key, nc.field, cells[nc.idAt])
				}
				continue
			}
			bad(nc.key, strings.Join(reasons, " "))
			continue
		}
		v := ids
		if nc.idAt >= 0 && nc.idAt < len(cells) {
			idCell, cur := cells[nc.idAt], csvio.Cell(&base, nc.field)
			switch {
			case csvio.SameIDs(nc.field, idCell, ids), csvio.SameIDs(nc.field, idCell, cur):
			case csvio.SameIDs(nc.field, ids, cur):
				v = idCell
			default:
				bad(nc.key, fmt.Sprintf("%s and %s say different things: change one of them, or clear the other.",
					ic.header[nc.at], ic.header[nc.idAt]))
				continue
			}
		}
		set(nc.key, nc.field, v)
	}
	// The users report leaves out the authentication URL of a user whose primary organisation
	// the actor has no access to (seed 004): its empty cell, sent back, means "as it is".
	if before != nil && after.AuthURL == "" && before.AuthURL != "" && !s.authz.SeesPrimary(ic.actor, before) {
		after.AuthURL = before.AuthURL
	}
	// Email: with "same as username" the cell may still hold the old address (it followed the
	// username); anything else is a contradiction worth asking about.
	if v, ok := ic.cell(cells, "email"); ok {
		v = strings.TrimSpace(v)
		switch {
		case !after.EmailSameAsUsername:
			after.Email = v
		case v != "" && !strings.EqualFold(v, after.Username) && !strings.EqualFold(v, base.Email):
			bad("email", "Email differs from Username while Email Same As Username is yes: set that column to no, or make them equal.")
		}
	}
	if after.EmailSameAsUsername {
		after.Email = after.Username
	}
	if before != nil && before.AccountType == app.OneTime && after.AccountType != app.OneTime {
		bad("accountType", "A 1-time completion account's type change asks whether to send the activation email: "+
			"change it on the user's page.")
	}
	if before != nil && after.AccountType != app.ConfigAdmin && !ic.hasRoles {
		after.RoleIDs = nil // roles belong to Config admin accounts only
	}
	if after.PrimaryOrgID == "" && before == nil {
		after.PrimaryOrgID = ic.refs.orgOf(after.UnitID)
	}
	after.OrgIDs = app.PrimaryFirst(after.OrgIDs, after.PrimaryOrgID)
	after.DeriveDisplayName()
	if before != nil && after.IsExternal && after.PrimaryOrgID != before.PrimaryOrgID {
		if o := ic.refs.units[after.PrimaryOrgID]; o != nil && (o.Settings == nil || !o.Settings.SSOEnabled) {
			after.IsExternal, after.AuthURL, after.IdentityProvider = false, "", ""
			warning = "The new primary organisation has no single sign-on: this account stops being an external (SSO) user."
		}
	}
	if before == nil {
		_, byID := ic.col[csvio.KeyUnit]
		if _, byPath := ic.col[csvio.KeyUnitPath]; !byID && !byPath {
			bad(csvio.KeyLocalID, "No account has this Local ID, and a new account needs an OU (or OU ID) column to say where it lives. "+
				"Check the Local ID if you meant an update.")
		}
	}
	if len(problems) > 0 {
		return ruledRow{problems: problems, done: true}
	}
	var changes []app.ImportChange
	if before != nil {
		if changes = columnChanges(before, after, ic.namer()); len(changes) == 0 {
			// Nothing changes: the row is fine even if the account breaks a rule made after it
			// was created (the bootstrap Super admin has no OU, for one).
			return ruledRow{after: after, done: true}
		}
	}
	trimmed := [...]string{after.Username, after.FirstName, after.LastName, after.Email, after.LocalID}
	if err := validateUserFrom(after, before, ic.refs); err != nil {
		problems = append(problems, s.fieldProblems(ic, err)...)
	}
	if trimmed != [...]string{after.Username, after.FirstName, after.LastName, after.Email, after.LocalID} {
		changes = nil // validateUser trimmed a value: the changes are counted again below
	}
	if err := s.authz.CheckChange(ic.actor, before, after); err != nil {
		problems = append(problems, s.fieldProblems(ic, err)...)
	}
	if before == nil && !s.authz.Can(ic.actor, app.PermUsersImport, after.UnitID) && after.UnitID != "" {
		bad(csvio.KeyUnit, "You need the Import users permission over this OU to create accounts in it.")
	}
	if len(problems) > 0 {
		return ruledRow{problems: problems, done: true}
	}
	return ruledRow{after: after, changes: changes, warning: warning}
}

// finishRow is the second part of checking a row, after ruleRow: the clashes the store would refuse (another account's
// username or Local ID), read through tx, which sees what earlier rows of the batch wrote.
func (s *Service) finishRow(tx app.Tx, ic *importCtx, before *app.User, rr ruledRow) (*app.User, []app.ImportChange, []app.ImportProblem, string) {
	if rr.done {
		return rr.after, rr.changes, rr.problems, rr.warning
	}
	after, changes, warning := rr.after, rr.changes, rr.warning
	var problems []app.ImportProblem
	bad := func(key, reason string) {
		problems = append(problems, app.ImportProblem{Column: s.columnName(ic, key), Reason: reason})
	}

	// Clashes the store would refuse.
	if before == nil || !strings.EqualFold(before.Username, after.Username) {
		if other, err := tx.UserByUsername(after.Username); err == nil && (before == nil || other.ID != before.ID) {
			bad("username", "Another account already uses this username.")
		} else if other := s.lookAlikeOf(tx, after, ic.claimed); other != nil {
			bad("username", s.lookAlikeReason(ic.actor, other))
		}
	}
	if after.LocalID != "" && (before == nil || before.PrimaryOrgID != after.PrimaryOrgID || !strings.EqualFold(before.LocalID, after.LocalID)) {
		if other, err := tx.UserByLocalID(after.PrimaryOrgID, after.LocalID); err == nil && (before == nil || other.ID != before.ID) {
			bad(csvio.KeyLocalID, "Another account in this organisation already has this Local ID.")
		}
	}
	if len(problems) > 0 {
		return nil, nil, problems, ""
	}
	switch {
	case before == nil:
		changes = columnChanges(&app.User{}, after, ic.namer())
	case changes == nil:
		changes = columnChanges(before, after, ic.namer())
	}
	return after, changes, nil, warning
}

// columnChanges lists the columns whose text differs between two versions of an account; a
// field with a names column is one change, in names (n may be nil: ids).
func columnChanges(before, after *app.User, n csvio.Namer) []app.ImportChange {
	var out []app.ImportChange
	for _, c := range csvio.Columns {
		if csvio.ReadOnly(c.Key) || csvio.IsNames(c.Key) {
			continue
		}
		o, nw := csvio.Cell(before, c.Key), csvio.Cell(after, c.Key)
		if o == nw {
			continue
		}
		ch := app.ImportChange{Column: c.Header, Field: c.Key, Old: o, New: nw}
		if nk := csvio.NamesKey(c.Key); nk != "" && n != nil {
			ch.Column, ch.Old, ch.New = csvio.Header(nk), csvio.CellNamed(before, nk, n), csvio.CellNamed(after, nk, n)
		}
		out = append(out, ch)
	}
	return out
}

// columnName names a field's column as the file spells it (the export's header when the file
// has no such column, e.g. a derived field).
func (s *Service) columnName(ic *importCtx, key string) string {
	if i, ok := ic.col[key]; ok {
		return ic.header[i]
	}
	if i, ok := ic.col[csvio.NamesKey(key)]; ok {
		return ic.header[i]
	}
	return csvio.Header(key)
}

// fieldProblems turns a field error of validateUser or CheckChange into row problems.
func (s *Service) fieldProblems(ic *importCtx, err error) []app.ImportProblem {
	var ae *app.Error
	if !errors.As(err, &ae) {
		return []app.ImportProblem{{Reason: "This row could not be checked."}}
	}
	if len(ae.Fields) == 0 {
		return []app.ImportProblem{{Reason: ae.Message}}
	}
	fields := make([]string, 0, len(ae.Fields))
	for f := range ae.Fields {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	out := make([]app.ImportProblem, 0, len(fields))
	for _, f := range fields {
		out = append(out, app.ImportProblem{Column: s.columnName(ic, f), Reason: ae.Fields[f]})
	}
	return out
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
