package boot

import (
	"context"
	"fmt"
	"io"
	"time"

	"userdesk/app"
	"userdesk/app/demo"
)

// scaleChunk is how many generated accounts go into one import (the import takes 150,000).
const scaleChunk = 100_000

// scaleDemo grows the demo directory to about size users through the product's own CSV import
// (--demo-size): the accounts are validated and applied as an uploaded file's would be.
func (a *App) scaleDemo(o Options, size int) error {
	have := a.Dir.Index().Len()
	if size <= have {
		return nil
	}
	var super *app.User
	if err := a.Store.View(func(tx app.Tx) (err error) { super, err = tx.UserByUsername(adminEmail(o)); return }); err != nil {
		return err
	}
	start := time.Now()
	aged := 0
	age := func(u *app.User) {
		if demo.AgeScaled(u, u.CreatedAt) {
			aged++ // one job at a time, each row in turn
		}
	}
	for first := 0; have+first < size; first += scaleChunk {
		n := min(scaleChunk, size-have-first)
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(demo.WriteScaleCSV(pw, size, first, n)) }()
		im, err := a.Dir.ValidateImport(super, fmt.Sprintf("demo-size-%d.csv", first/scaleChunk+1), pr, app.SourceSystem)
		_ = pr.Close()
		if err != nil {
			return fmt.Errorf("demo size: %w", err)
		}
		if im.Totals.Error > 0 {
			rep, _ := a.Dir.ImportReport(super, im.ID, app.ActionError, 0, 1)
			detail := ""
			if rep != nil && len(rep.Rows) > 0 {
				detail = fmt.Sprintf(" (row %d: %v)", rep.Rows[0].Line, rep.Rows[0].Errors)
			}
			return fmt.Errorf("demo size: %d generated rows were refused%s", im.Totals.Error, detail)
		}
		validated := time.Now()
		if _, err := a.Dir.RunImportShaping(context.Background(), super, im.ID, nil, age); err != nil {
			return fmt.Errorf("demo size: %w", err)
		}
		o.Logger.Info("demo size import", "rows", n, "validate", validated.Sub(start).String(), "apply", time.Since(validated).String())
	}
	if a.DemoLoaded != nil {
		a.DemoLoaded.Users = a.Dir.Index().Len()
	}
	o.Logger.Info("demo directory grown through the import", "users", a.Dir.Index().Len(), "activated or pending", aged, "took", time.Since(start).Round(time.Millisecond).String())
	return nil
}
