package api

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strconv"
	"strings"
	"userdesk/app/core"

	"github.com/gofiber/fiber/v2"

	"userdesk/app"
	"userdesk/app/csvio"
)

// Handlers of the CSV import and export (SPEC §5): bind, call the directory service, answer.

// Report pages.
const (
	defaultReportRows = 100
	maxReportRows     = 1000
)

func (s *Server) exportUsers(c *fiber.Ctx) error     { return s.exportUsersAs(c, false) }
func (s *Server) exportUsersXLSX(c *fiber.Ctx) error { return s.exportUsersAs(c, true) }

// exportUsersAs answers the users report as CSV (in the delimiter asked for) or as an Excel
// workbook.
func (s *Server) exportUsersAs(c *fiber.Ctx, xlsx bool) error {
	q, fields := userQuery(c)
	format := csvio.Format{XLSX: xlsx}
	if !xlsx {
		comma, ok := csvio.ParseDelimiter(c.Query("delimiter"))
		if !ok {
			if fields == nil {
				fields = map[string]string{}
			}
			fields["delimiter"] = "Use comma, semicolon or tab."
		}
		format.Comma = comma
	}
	if len(fields) > 0 {
		return app.FieldErrors("Some query parameters are not valid.", fields)
	}
	var buf bytes.Buffer
	if _, err := s.dir.ExportUsersAs(actorOf(c), q, c.Query("unit"), format, &buf); err != nil {
		return err
	}
	sendFile(c, "users", xlsx)
	return c.Send(buf.Bytes())
}

// sendFile sets the headers of a users file download: name.csv or name.xlsx.
func sendFile(c *fiber.Ctx, name string, xlsx bool) {
	if xlsx {
		c.Set(fiber.HeaderContentType, csvio.XLSXContentType)
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.xlsx"`)
	} else {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
}

// uploadImport validates an uploaded CSV. The multipart body is read in place, the file part
// streamed to validation: fasthttp's own parsing (off, see DisablePreParseMultipartForm) would
// copy it first, and write a file over 16 MB to a temporary file on disk (50-90 ms of a
// 100,000-row upload).
func tooLarge(message string) error {
	return &app.Error{Code: app.ETOOLARGE, Message: message, Fields: map[string]string{"file": "At most 35 MB and 150,000 rows per file."}}
}

func (s *Server) uploadImport(c *fiber.Ctx) error {
	mediaType, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mediaType != fiber.MIMEMultipartForm || params["boundary"] == "" {
		return app.Errorf(app.EBADREQUEST, "Upload the CSV file as multipart/form-data in a field named \"file\".")
	}
	if len(c.Body()) > csvio.MaxBytes {
		// Perhaps too large: the parsed form says how large the file is before a row is read.
		if fh, err := c.FormFile("file"); err == nil && fh.Size > csvio.MaxBytes {
			return tooLarge("The file is larger than 35 MB; split it into smaller files.")
		}
	}
	mr := multipart.NewReader(bytes.NewReader(c.Body()), params["boundary"])
	var f *multipart.Part
	opts := core.ValidateOptions{Held: int64(len(c.Body()))}
	for {
		p, err := mr.NextPart()
		if err != nil {
			return &app.Error{Code: app.EBADREQUEST, Message: "Upload the CSV file in a field named \"file\".",
				Fields: map[string]string{"file": "Choose a CSV file."}}
		}
		if p.FormName() == "file" && p.FileName() != "" {
			f = p
			break
		}
		if p.FormName() == "overwrite" { // a field before the file: "Overwrite newer changes"
			v, _ := io.ReadAll(io.LimitReader(p, 16))
			opts.OverwriteNewer = string(v) == "1" || string(v) == "true"
		}
	}
	im, err := s.dir.ValidateUploadWith(actorOf(c), f.FileName(), f, sourceOf(c), opts)
	if ae := (*app.Error)(nil); errors.As(err, &ae) && ae.Code == app.ETOOLARGE && len(ae.Fields) == 0 {
		return tooLarge(ae.Message)
	}
	if err != nil {
		return err
	}
	rep, err := s.dir.ImportReport(actorOf(c), im.ID, "", 0, defaultReportRows)
	if err != nil {
		return err
	}
	c.Location("/api/v1/imports/" + im.ID)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(rep)
}

func (s *Server) listImports(c *fiber.Ctx) error {
	items, err := s.dir.Imports(actorOf(c), 200)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items, "running": s.dir.RunningImport()})
}

func (s *Server) getImport(c *fiber.Ctx) error {
	offset, limit := 0, defaultReportRows
	fields := map[string]string{}
	if v := c.Query("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > csvio.MaxRows {
			fields["offset"] = "Offset must be a row number from 0."
		}
		offset = n
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxReportRows {
			fields["limit"] = fmt.Sprintf("Limit must be a number from 1 to %d.", maxReportRows)
		}
		limit = n
	}
	if len(fields) > 0 {
		return app.FieldErrors("Some query parameters are not valid.", fields)
	}
	rep, err := s.dir.ImportReport(actorOf(c), c.Params("id"), c.Query("action"), offset, limit)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(rep)
}

func (s *Server) applyImport(c *fiber.Ctx) error {
	im, err := s.dir.ApplyImport(actorOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	c.Location("/api/v1/imports/" + im.ID)
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"id": im.ID, "status": im.Status, "fileName": im.FileName,
		"total": im.Rows, "applied": im.Applied})
}

func (s *Server) importResults(c *fiber.Ctx) error {
	im, err := s.dir.Import(actorOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if err := s.dir.WriteImportResults(actorOf(c), im.ID, w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	name := strings.TrimSuffix(im.FileName, ".csv") + "-results.csv"
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, contentDisposition(name))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// contentDisposition names a download safely: an ASCII fallback and the UTF-8 name (RFC 6266).
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name))
}

// discardImport removes an import's file, rows and results (its changes stay in the audit log).
func (s *Server) discardImport(c *fiber.Ctx) error {
	if err := s.dir.DiscardImport(actorOf(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// undoImport starts rolling an applied import back; GET /imports/{id} shows how it went.
func (s *Server) undoImport(c *fiber.Ctx) error {
	im, err := s.dir.UndoImport(actorOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	c.Location("/api/v1/imports/" + im.ID)
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"id": im.ID, "fileName": im.FileName, "undo": im.Undo})
}

// importTemplate answers a header-only CSV, or workbook, with the columns the actor may set.
func (s *Server) importTemplate(c *fiber.Ctx) error     { return s.importTemplateAs(c, false) }
func (s *Server) importTemplateXLSX(c *fiber.Ctx) error { return s.importTemplateAs(c, true) }

func (s *Server) importTemplateAs(c *fiber.Ctx, xlsx bool) error {
	var buf bytes.Buffer
	if err := s.dir.ImportTemplate(actorOf(c), csvio.Format{XLSX: xlsx}, &buf); err != nil {
		return err
	}
	sendFile(c, "users-template", xlsx)
	return c.Send(buf.Bytes())
}
