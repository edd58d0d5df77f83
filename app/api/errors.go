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

// problemBase is where every problem type of Userdesk lives; openapi.json lists them all
// (components.schemas.Problem) and a test holds the two together.
const problemBase = "/problems/"

// problemTypeOf names each application error code's problem type: a stable URI per kind of
// error, so that scripts tell a stale save from a forbidden field without matching English.
var problemTypeOf = map[app.ErrorCode]string{
	app.EBADREQUEST:   problemBase + "bad-request",
	app.EUNAUTHORIZED: problemBase + "unauthorized",
	app.EFORBIDDEN:    problemBase + "forbidden",
	app.ENOTFOUND:     problemBase + "not-found",
	app.ECONFLICT:     problemBase + "conflict",
	app.ESTALE:        problemBase + "stale",
	app.ETOOLARGE:     problemBase + "too-large",
	app.EINVALID:      problemBase + "validation",
	app.EPRECONDITION: problemBase + "precondition-required",
	app.ETOOMANY:      problemBase + "too-many-requests",
	app.EINTERNAL:     problemBase + "internal",
	app.ESTORAGE:      problemBase + "insufficient-storage",
}

// problemForbiddenField is a 403 that names the fields the actor may not change (errors).
const problemForbiddenField = problemBase + "forbidden-field"

// problemCSRF is a 403 for a missing or wrong X-CSRF-Token on a cookie session's request.
const problemCSRF = problemBase + "csrf"

// problemTypeByStatus names the problem types of answers Fiber or fasthttp give before any
// handler runs (unknown paths, methods, oversized requests).
var problemTypeByStatus = map[int]string{
	http.StatusBadRequest:                  problemBase + "bad-request",
	http.StatusUnauthorized:                problemBase + "unauthorized",
	http.StatusForbidden:                   problemBase + "forbidden",
	http.StatusNotFound:                    problemBase + "not-found",
	http.StatusMethodNotAllowed:            problemBase + "method-not-allowed",
	http.StatusRequestTimeout:              problemBase + "timeout",
	http.StatusRequestEntityTooLarge:       problemBase + "too-large",
	http.StatusUnsupportedMediaType:        problemBase + "unsupported-media-type",
	http.StatusTooManyRequests:             problemBase + "too-many-requests",
	http.StatusRequestHeaderFieldsTooLarge: problemBase + "headers-too-large",
	http.StatusInternalServerError:         problemBase + "internal",
	http.StatusServiceUnavailable:          problemBase + "unavailable",
	http.StatusInsufficientStorage:         problemBase + "insufficient-storage",
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
	typ := ""
	var ae *app.Error
	var fe *fiber.Error
	switch {
	case errors.As(err, &ae):
		if st, ok := statusOf[ae.Code]; ok {
			status = st
			typ = problemTypeOf[ae.Code]
		}
		switch {
		case ae == errCSRF:
			typ = problemCSRF
		case ae.Code == app.EFORBIDDEN && len(ae.Fields) > 0:
			typ = problemForbiddenField
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
	if typ == "" {
		typ = problemTypeByStatus[status]
	}
	if typ == "" {
		typ = "about:blank" // a status with no meaning beyond its code (RFC 9457 §4.2.1)
	}
	// Refusals made before the SCIM endpoint's own error handling (Host, other sites, bodies too
	// large to read) still answer a SCIM client in SCIM's form.
	if hasSegmentPrefix(c.Path(), scimPrefix) {
		c.Response().Header.SetCanonical(headerCacheControl, noStore)
		return s.writeSCIMError(c, &scimError{Status: status, Detail: detail})
	}
	body := map[string]any{
		"type":   typ,
		"title":  http.StatusText(status),
		"status": status,
		"detail": detail,
	}
	if rc := app.CodeOf(detail); rc != nil {
		body["detailCode"], body["detailParams"] = rc.Code, rc.Params
	}
	if len(fields) > 0 {
		body["errors"] = fields
		codes := map[string]*app.ReasonCode{}
		for f, msg := range fields {
			if rc := app.CodeOf(msg); rc != nil {
				codes[f] = rc
			}
		}
		if len(codes) > 0 {
			body["errorCodes"] = codes
		}
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
