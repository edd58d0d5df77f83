package demo

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"userdesk/app"
)

// A larger directory of the demo's shape (--demo-size N), so evaluators can feel search and
// bulk update at size: wards under every department (a deeper tree), and generated accounts
// that arrive through the product's own CSV import, as real ones would.

// wardsPer is how many wards each department gets for a directory of size users.
func wardsPer(size int) int { return min(max(size/5000, 0), 24) }

// AddWards writes the wards of a directory of size users under every OU of both organisations.
func AddWards(st app.Store, size int) (int, error) {
	n := wardsPer(size)
	if n == 0 {
		return 0, nil
	}
	added := 0
	err := st.Update(func(tx app.Tx) error {
		for _, list := range [][]unitSpec{northgateUnits, riversideUnits} {
			for _, s := range list {
				for w := 1; w <= n; w++ {
					u := &app.Unit{ID: fmt.Sprintf("%s-w%02d", s.id, w), Name: fmt.Sprintf("%s Ward %d", s.name, w), ParentID: s.id, Kind: app.KindOU}
					if err := tx.PutUnit(u); err != nil {
						return err
					}
					added++
				}
			}
		}
		return nil
	})
	return added, err
}

// ScaleHeader is the header of the generated accounts' CSV file.
var ScaleHeader = []string{"Local ID", "Username", "Title", "First Name", "Last Name", "Phone", "Mobile", "Job Title",
	"Department", "Language", "Account Type", "Enabled", "Allow Login", "Is External", "Identity Provider",
	"Authentication URL", "Connector Managed", "OU ID", "Organisation IDs", "Roles", "Mailbox Size MB",
	"Clinical Specialities", "Clinical Roles", "Work Areas"}

// WriteScaleCSV writes accounts first … first+n-1 of a directory of size users as an import
// file: the same organisations, mix of account types, SSO use, reference lists and names as
// the demo, spread over its units and their wards. The same arguments give the same file.
func WriteScaleCSV(w io.Writer, size, first, n int) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ScaleHeader); err != nil {
		return err
	}
	wards := wardsPer(size)
	r := rand.New(rand.NewPCG(Seed, uint64(max(first, 0)))) // #nosec G404 G115 -- the same demo every time, not secret; max(,0)
	pick := func(kind app.RefKind, max int) string {
		names := refLists[kind]
		k := r.IntN(max + 1)
		seen := map[int]bool{}
		var ids []string
		for len(ids) < k {
			i := r.IntN(len(names))
			if !seen[i] {
				seen[i] = true
				ids = append(ids, fmt.Sprintf("%s-%02d", refPrefix(kind), i+1))
			}
		}
		return strings.Join(ids, "|")
	}
	row := make([]string, len(ScaleHeader))
	for i := first; i < first+n; i++ {
		givenName := givenNames[r.IntN(len(givenNames))]
		surname := surnames[r.IntN(len(surnames))]
		org, units, domain, prefix := OrgNorthgate, northgateUnits, "northgate.example", "NG"
		if r.IntN(4) == 0 {
			org, units, domain, prefix = OrgRiverside, riversideUnits, "riverside.example", "RV"
		}
		spec := units[r.IntN(len(units))]
		unit := spec.id
		if wards > 0 && r.IntN(3) > 0 {
			unit = fmt.Sprintf("%s-w%02d", spec.id, r.IntN(wards)+1)
		}
		g := &gen{r: r}
		department, title := g.job(spec.id)
		typ, roles := "internal", ""
		switch x := r.IntN(100); {
		case x < 12:
			typ = "external"
		case x < 20:
			typ = "one_time"
		case x < 21:
			typ, roles = "config_admin", "role-audit-reader"
		}
		external, idp, authURL := "no", "", ""
		if org == OrgNorthgate && typ == "internal" && r.IntN(3) == 0 {
			external, idp, authURL = "yes", "Northgate Entra ID", "https://login.northgate.example/saml"
		}
		orgs := org
		if org == OrgRiverside && r.IntN(6) == 0 {
			orgs = OrgRiverside + "|" + OrgNorthgate
		}
		language := "en"
		if org == OrgNorthgate && r.IntN(10) == 0 {
			language = "cy"
		}
		mobile := ""
		if r.IntN(2) == 0 {
			mobile = fmt.Sprintf("07700 9%05d", r.IntN(100000))
		}
		row = append(row[:0],
			fmt.Sprintf("%s%07d", prefix, 2000000+i),
			fmt.Sprintf("%s.%s.%d@%s", strings.ToLower(givenName), strings.ToLower(surname), i, domain),
			[]string{"", "", "Dr", "Mr", "Ms", "Mrs", "Mx", "Prof"}[r.IntN(8)],
			givenName, surname,
			fmt.Sprintf("0161 496 %04d", r.IntN(10000)), mobile, title, department, language, typ,
			yes(r.IntN(25) != 0), yes(r.IntN(30) != 0), external, idp, authURL, yes(r.IntN(8) == 0),
			unit, orgs, roles, strconv.Itoa([]int{512, 1024, 1024, 2048, 5120}[r.IntN(5)]),
			pick(app.RefClinicalSpecialities, 2), pick(app.RefClinicalRoles, 1), pick(app.RefWorkAreas, 3))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// scaledLocalID matches the Local IDs WriteScaleCSV gives (prefix, then 2000000 + i).
func scaledLocalID(id string) (int, bool) {
	if len(id) != 9 || (id[:2] != "NG" && id[:2] != "RV") || id[2] != '2' {
		return 0, false
	}
	n, err := strconv.Atoi(id[2:])
	return n - 2000000, err == nil
}

// AgeScaled gives a generated account the demo's mix of statuses, as if its owner had been
// sent an activation email and signed in since the import made it: about 10% stay Created, 12%
// are Pending and the rest are Active (1-time completion accounts stay Created, as in the demo).
// The CSV import cannot set a status, so the import calls this on each account it creates, before
// writing it (core.Service.RunImportShaping). Other accounts are left alone; the same account
// gets the same status every time. It reports whether it changed u.
func AgeScaled(u *app.User, now time.Time) bool {
	i, ok := scaledLocalID(u.LocalID)
	if !ok || u.Status != app.StatusCreated || u.AccountType == app.OneTime {
		return false
	}
	g := &gen{r: rand.New(rand.NewPCG(Seed, uint64(max(i, 0)))), now: now} // #nosec G404 G115 -- the same demo every time; max(,0)
	g.lifecycle(u)
	return u.Status != app.StatusCreated
}
