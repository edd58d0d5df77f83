package core

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"userdesk/app"
)

// ReferenceLists returns every reference list (clinical specialities, roles, work areas).
func (s *Service) ReferenceLists() (map[app.RefKind][]app.RefItem, error) {
	out := map[app.RefKind][]app.RefItem{}
	err := s.store.View(func(tx app.Tx) error {
		for _, k := range app.RefKinds {
			items, err := tx.RefItems(k)
			if err != nil {
				return err
			}
			if items == nil {
				items = []app.RefItem{}
			}
			out[k] = items
		}
		return nil
	})
	return out, err
}

func refKind(k string) (app.RefKind, error) {
	for _, x := range app.RefKinds {
		if string(x) == k {
			return x, nil
		}
	}
	return "", app.Errorf(app.ENOTFOUND, "There is no reference list called %q.", truncate(k, 40))
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

// AddReferenceItem adds an entry to a reference list.
func (s *Service) AddReferenceItem(actor *app.User, kind, name string, src app.Source) (*app.RefItem, error) {
	if err := s.requireGlobal(actor, app.PermConfigReference, "maintain reference lists"); err != nil {
		return nil, err
	}
	k, err := refKind(kind)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxName || !printable(name) {
		return nil, app.FieldErrors("Name the entry.", map[string]string{"name": fmt.Sprintf("Name is required, at most %d printable characters.", maxName)})
	}
	item := &app.RefItem{Name: name}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer s.dropRefs()
	err = s.store.Update(func(tx app.Tx) error {
		items, err := tx.RefItems(k)
		if err != nil {
			return err
		}
		base := strings.Trim(slugRE.ReplaceAllString(strings.ToLower(name), "-"), "-")
		if base == "" {
			base = "item"
		}
		item.ID = base
		taken := map[string]bool{}
		for _, it := range items {
			if strings.EqualFold(it.Name, name) {
				return app.FieldErrors("That entry exists already.", map[string]string{"name": "The list already has this entry."})
			}
			taken[it.ID] = true
		}
		for i := 2; taken[item.ID]; i++ {
			item.ID = fmt.Sprintf("%s-%d", base, i)
		}
		if err := tx.PutRefItem(k, *item); err != nil {
			return err
		}
		return tx.AddAudit(&app.AuditRecord{At: s.now(), ActorID: actorID(actor), ActorEmail: actorEmail(actor), TokenID: tokenID(actor), Token: tokenName(actor), Source: src,
			Action: "reference.add", TargetType: "reference", TargetID: string(k) + "/" + item.ID, TargetName: name})
	})
	if err != nil {
		return nil, err
	}
	return item, nil
}

// DeleteReferenceItem removes an entry that no account uses.
func (s *Service) DeleteReferenceItem(actor *app.User, kind, id string, src app.Source) error {
	if err := s.requireGlobal(actor, app.PermConfigReference, "maintain reference lists"); err != nil {
		return err
	}
	k, err := refKind(kind)
	if err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer s.dropRefs()
	return s.store.Update(func(tx app.Tx) error {
		items, err := tx.RefItems(k)
		if err != nil {
			return err
		}
		var item *app.RefItem
		for i := range items {
			if items[i].ID == id {
				item = &items[i]
			}
		}
		if item == nil {
			return app.Errorf(app.ENOTFOUND, "The list has no such entry.")
		}
		used := 0
		err = tx.ForEachUser(func(u *app.User) error {
			list := map[app.RefKind][]string{app.RefClinicalSpecialities: u.ClinicalSpecialities,
				app.RefClinicalRoles: u.ClinicalRoles, app.RefWorkAreas: u.WorkAreas}[k]
			if contains(list, id) {
				used++
			}
			return nil
		})
		if err != nil {
			return err
		}
		if used > 0 {
			return app.Errorf(app.ECONFLICT, "%s is used by %s; remove it from them first.", item.Name, plural(used, "account", "accounts"))
		}
		if err := tx.DeleteRefItem(k, id); err != nil {
			return err
		}
		return tx.AddAudit(&app.AuditRecord{At: s.now(), ActorID: actorID(actor), ActorEmail: actorEmail(actor), TokenID: tokenID(actor), Token: tokenName(actor), Source: src,
			Action: "reference.delete", TargetType: "reference", TargetID: string(k) + "/" + id, TargetName: item.Name})
	})
}
