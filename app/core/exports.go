package core

import (
	"io"
	"time"

	"userdesk/app"
	"userdesk/app/csvio"
)

// exportChunk users are read per transaction while exporting.
const exportChunk = 1000

// ExportUsers writes the users report: every user the actor may view and export (reports.export
// over their OU) among those q and unitFilter select, in the import's columns. It returns how
// many users it wrote.
func (s *Service) ExportUsers(actor *app.User, q Query, unitFilter string, w io.Writer) (int, error) {
	return s.ExportUsersAs(actor, q, unitFilter, csvio.Format{}, w)
}

// ExportUsersAs is ExportUsers in another format: CSV with another delimiter
// (csvio.ParseDelimiter), or an Excel workbook.
func (s *Service) ExportUsersAs(actor *app.User, q Query, unitFilter string, format csvio.Format, w io.Writer) (int, error) {
	if actor == nil || !contains(s.authz.Permissions(actor), app.PermReportsExport) {
		return 0, app.Errorf(app.EFORBIDDEN, "You need the Export reports permission to download the users report.")
	}
	if unitFilter != "" {
		units, err := s.Units(actor)
		if err != nil {
			return 0, err
		}
		q.InUnits = subtree(units, unitFilter)
		if len(q.InUnits) == 0 {
			return 0, app.FieldErrors("Unknown unit.", map[string]string{"unit": "No unit you can see has this id."})
		}
	}
	view, export := s.authz.UnitsWith(actor, app.PermUsersView), s.authz.UnitsWith(actor, app.PermReportsExport)
	if view != nil || export != nil {
		q.Visible = func(unitID string) bool { return (view == nil || view[unitID]) && (export == nil || export[unitID]) }
	}
	q.Offset, q.Limit = 0, 1<<31-1
	ids, newest := s.index.SearchIDsNewest(q)
	cw, err := csvio.NewRowWriter(w, format)
	if err != nil {
		return 0, err
	}
	if err := cw.Write(csvio.HeaderRecord()); err != nil {
		return 0, err
	}
	n := 0
	exportedAt := exportTime(newest, s.now()).Format(csvio.ExportTimeFormat)
	var r *refs
	if err := s.store.View(func(tx app.Tx) (err error) { r, err = s.currentRefs(tx); return }); err != nil {
		return 0, err
	}
	names := maskedNames{r.namesOf(), s.visibleUnits(actor)}
	for start := 0; start < len(ids); start += exportChunk {
		part := ids[start:min(start+exportChunk, len(ids))]
		err := s.store.View(func(tx app.Tx) error {
			for _, id := range part {
				u, err := tx.User(id)
				if app.ErrorCodeOf(err) == app.ENOTFOUND {
					continue // deleted since the search
				}
				if err != nil {
					return err
				}
				if u.AuthURL != "" && !s.authz.SeesPrimary(actor, u) {
					c := *u
					c.AuthURL = "" // not shown without access to the primary organisation (seed 004)
					u = &c
				}
				if err := cw.Write(csvio.ExportRecord(u, exportedAt, names)); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, cw.Flush()
}

// exportTime is the time an export's Exported At column gives: the newest change among the
// accounts it holds, rounded up to the column's millisecond, so that an account changed after
// the export is newer than the file (the import's stale-row check) while two exports of an
// unchanged directory are identical to the byte (a demo kiosk's reset compares them). With no
// account it is now.
func exportTime(newest, now time.Time) time.Time {
	if newest.IsZero() {
		return now.UTC()
	}
	t := newest.UTC().Truncate(time.Millisecond)
	if t.Before(newest) {
		t = t.Add(time.Millisecond)
	}
	return t
}
