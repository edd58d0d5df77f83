package core

import (
	"io"
	"sort"

	"userdesk/app"
	"userdesk/app/csvio"
)

// ImportTemplate writes a header-only users CSV with the columns the actor may set: Local ID,
// which finds each account, then every field the actor may edit on an account in the first of
// the units it may import into (an OU column when it may create accounts there); fields of ids by their names columns.
// format chooses CSV or an Excel workbook.
func (s *Service) ImportTemplate(actor *app.User, format csvio.Format, w io.Writer) error {
	if !s.canImport(actor) {
		return app.Errorf(app.EFORBIDDEN, "You need the Import users permission to download the import template.")
	}
	var r *refs
	if err := s.store.View(func(tx app.Tx) (err error) { r, err = s.currentRefs(tx); return }); err != nil {
		return err
	}
	scope := s.authz.UnitsWith(actor, app.PermUsersImport)
	var ids []string
	for id, u := range r.units {
		if u.Kind != app.KindOrganisation && (scope == nil || scope[id]) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	target := &app.User{AccountType: app.Internal, Status: app.StatusCreated, Enabled: true, AllowLogin: true}
	if len(ids) > 0 {
		target.UnitID = ids[0]
		target.PrimaryOrgID = r.org[ids[0]]
		target.OrgIDs = []string{target.PrimaryOrgID}
	}
	caps := s.authz.Capabilities(actor, target)
	header := []string{csvio.Header(csvio.KeyLocalID)}
	for _, c := range csvio.Columns {
		field := csvio.FieldOf(c.Key)
		if csvio.NamesKey(c.Key) != "" {
			continue // the ids column of a field people write by name (OU, Roles, …)
		}
		switch field {
		case csvio.KeyID, csvio.KeyLocalID, csvio.KeyVersion, csvio.KeyExportedAt, "status":
			continue // the id and version come from an export; the status follows activation
		case csvio.KeyUnit:
			if target.UnitID != "" && s.authz.Can(actor, app.PermUsersCreate, target.UnitID) {
				header = append(header, c.Header)
			}
			continue
		}
		if caps.Fields[field].Editable {
			header = append(header, c.Header)
		}
	}
	cw, err := csvio.NewRowWriter(w, format)
	if err != nil {
		return err
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	return cw.Flush()
}
