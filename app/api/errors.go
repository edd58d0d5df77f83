package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"userdesk/app"
)

// statusOf maps each application error code to its HTTP status: the one table of the API.
var statusOf = map[app.ErrorCode]int{
	app.EBADREQUEST:   http.StatusBadRequest,
	app.EUNAUTHORIZED: http.StatusUnauthorized,
	app.EFORBIDDEN:    http.StatusForbidden,
	app.ENOTFOUND:     http.StatusNotFound,
	app.ECONFLICT:     http.StatusConflict,
	app.ESTALE:        http.StatusPreconditionFailed,
	app.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	app.EINVALID:      http.StatusUnprocessableEntity,
	app.EPRECONDITION: http.StatusPreconditionRequired,
	app.ETOOMANY:      http.StatusTooManyRequests,
	app.EINTERNAL:     http.StatusInternalServerError,
	app.ESTORAGE:      http.StatusInsufficientStorage,
}

// Problem is an RFC 9457 problem document with Userdesk's "errors" extension.
type Problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail,omitempty"`
	Errors map[string]string `json:"errors,omitempty"`
}

// errorHandler turns every error a handler returns into problem JSON.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	status := http.StatusInternalServerError
	detail := "Something went wrong on the server. Try again; if it keeps happening, see the server log."
	var fields map[string]string
	var extra map[string]any
	var ae *app.Error
	var fe *fiber.Error
	switch {
	case errors.As(err, &ae):
		if st, ok := statusOf[ae.Code]; ok {
			status = st
		}
		if status != http.StatusInternalServerError {
			detail = ae.Message
		}
		fields, extra = ae.Fields, ae.Extra
	case errors.As(err, &fe) && fe.Code == http.StatusRequestEntityTooLarge:
		// Only fasthttp's body limit gives this error, before any handler ran: the body was not
		// read, and the client may still be sending it.
		lingerOnClose(c)
		if refusal := s.refusedBeforeBody(c); refusal != nil {
			return s.errorHandler(c, refusal)
		}
		status, detail = fe.Code, fiberDetail(fe)
	case errors.As(err, &fe):
		status = fe.Code
		detail = fiberDetail(fe)
	}
	if status >= 500 {
		s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
	}
	body := map[string]any{
		"type":   "about:blank",
		"title":  http.StatusText(status),
		"status": status,
		"detail": detail,
	}
	if len(fields) > 0 {
		body["errors"] = fields
	}
	for k, v := range extra {
		body[k] = v
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	c.Response().Header.SetCanonical(headerCacheControl, noStore)
	return c.JSON(body, "application/problem+json")
}

func fiberDetail(fe *fiber.Error) string {
	switch fe.Code {
	case http.StatusNotFound:
		return "There is nothing at this address."
	case http.StatusMethodNotAllowed:
		return "This address does not accept that method."
	case http.StatusRequestEntityTooLarge:
		return "The request body is too large."
	case http.StatusRequestHeaderFieldsTooLarge:
		return "The request headers are too large."
	}
	if fe.Message != "" && fe.Message != http.StatusText(fe.Code) {
		return fe.Message
	}
	return http.StatusText(fe.Code)
}

// logger returns l or the default logger.
func logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}
