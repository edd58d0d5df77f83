package api

import (
	"bufio"
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"userdesk/app"
)

// Backups is what the API needs of the store's backups; boot wires the store to it.
type Backups interface {
	// Stream writes a backup of the running store to w.
	Stream(w io.Writer) error
	// Keep writes a backup into the data directory's backups folder.
	Keep(kind string) (app.BackupFile, error)
	List() ([]app.BackupFile, error)
	// Open opens a kept backup by name (a name List returned).
	Open(name string) (*os.File, error)
	Schedule() app.BackupSchedule
}

// controlBearer reports whether the request carries the instance's control token, which the
// command line reads from instance.json in the data directory (only the directory's owner can)
// to ask the running server for a backup.
func (s *Server) controlBearer(c *fiber.Ctx) bool {
	if s.control == "" {
		return false
	}
	got, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.control)) == 1
}

// backupActor is who asks for a backup: the command line, or a signed-in admin who may
// manage organisation settings (a Super admin may).
func (s *Server) backupActor(c *fiber.Ctx) (string, *app.User, error) {
	if s.backups == nil {
		if s.kiosk != nil {
			return "", nil, app.Errorf(app.ENOTFOUND, "A demo kiosk makes no backups: it returns to the pristine demo on its own.")
		}
		return "", nil, app.Errorf(app.ENOTFOUND, "This Userdesk keeps no data directory (it runs in memory), so it has no backups.")
	}
	if s.controlBearer(c) {
		return "command line", nil, nil
	}
	u := actorOf(c)
	if u == nil {
		return "", nil, app.Errorf(app.EUNAUTHORIZED, "Sign in to continue.")
	}
	if !s.authz.CanGlobal(u, app.PermConfigSettings) {
		return "", nil, app.Errorf(app.EFORBIDDEN, "You need the \"Manage organisation settings\" (config.settings) permission to make or download backups.")
	}
	return u.Username, u, nil
}

// createBackup makes a backup while the server runs: kept in the backups folder (201 with its
// description), or with ?download=1 streamed as the answer.
func (s *Server) createBackup(c *fiber.Ctx) error {
	who, u, err := s.backupActor(c)
	if err != nil {
		return err
	}
	if c.Query("download") == "1" {
		s.auditBackup(who, u, "download")
		name := "userdesk-" + time.Now().UTC().Format("20060102T150405Z") + ".udbak"
		c.Set(fiber.HeaderContentType, "application/octet-stream")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
		c.Set(fiber.HeaderCacheControl, "no-store")
		// A failure midway ends the stream before its end marker, which a restore refuses.
		c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
			if err := s.backups.Stream(w); err != nil {
				s.log.Error("streamed backup failed", "err", err)
			}
			_ = w.Flush()
		})
		return nil
	}
	b, err := s.backups.Keep("manual")
	if err != nil {
		return err
	}
	s.auditBackup(who, u, b.Name)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(http.StatusCreated).JSON(b)
}

// auditBackup records who took a backup (a copy of every account leaves the console). It is
// best effort: on a full disk a backup is still worth taking.
func (s *Server) auditBackup(who string, u *app.User, name string) {
	rec := &app.AuditRecord{At: s.now().UTC(), ActorEmail: who, Source: app.SourceConsole, Action: "store.backup",
		TargetType: "store", TargetName: name}
	if u == nil {
		rec.Source = app.SourceCLI
	} else {
		rec.ActorID = u.ID
		if u.Token != nil {
			rec.Source, rec.TokenID, rec.Token = app.SourceAPI, u.Token.ID, u.Token.Name
		}
	}
	if err := s.store.Update(func(tx app.Tx) error { return tx.AddAudit(rec) }); err != nil {
		s.log.Warn("backup not audited", "err", err)
	}
}

type backupList struct {
	Items    []app.BackupFile   `json:"items"`
	Schedule app.BackupSchedule `json:"schedule"`
	Storage  app.Space          `json:"storage"`
}

func (s *Server) listBackups(c *fiber.Ctx) error {
	if _, _, err := s.backupActor(c); err != nil {
		return err
	}
	items, err := s.backups.List()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(backupList{Items: items, Schedule: s.backups.Schedule(), Storage: s.store.Space()})
}

func (s *Server) downloadBackup(c *fiber.Ctx) error {
	who, u, err := s.backupActor(c)
	if err != nil {
		return err
	}
	name := c.Params("name")
	f, err := s.backups.Open(name)
	if err != nil {
		return app.Errorf(app.ENOTFOUND, "There is no backup called %q.", truncate(name, 80))
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return err
	}
	s.auditBackup(who, u, name)
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, name))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendStream(f, int(st.Size()))
}
