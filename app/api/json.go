package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"userdesk/app"
)

func strconvItoa(n int) string { return strconv.Itoa(n) }

// decodeJSON reads a JSON body strictly: one object, known fields, right types.
func decodeJSON(c *fiber.Ctx, v any) error {
	ct := c.Get(fiber.HeaderContentType)
	if !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return app.Errorf(app.EBADREQUEST, "Send the request body as JSON (Content-Type: application/json).")
	}
	// encoding/json would turn invalid bytes into U+FFFD: twelve of any invalid bytes would be
	// one password, and a name could hide bytes no one sees.
	if !utf8.Valid(c.Body()) {
		return app.Errorf(app.EBADREQUEST, "The request body is not valid UTF-8 text.")
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return app.Errorf(app.EBADREQUEST, "The request body must hold a single JSON value.")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return app.Errorf(app.EBADREQUEST, "The request body is empty; send a JSON object.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return app.Errorf(app.EBADREQUEST, "The request body is not valid JSON: it ends too early.")
	case errors.As(err, &syn):
		return app.Errorf(app.EBADREQUEST, "The request body is not valid JSON (at byte %d).", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return app.Errorf(app.EBADREQUEST, "The request body must be a JSON object.")
		}
		return &app.Error{Code: app.EINVALID, Message: "Some values have the wrong type.",
			Fields: map[string]string{field: fmt.Sprintf("Expected %s.", describeType(typ.Type.String()))}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &app.Error{Code: app.EINVALID, Message: "The request has a field Userdesk does not know.",
			Fields: map[string]string{name: "Unknown field."}}
	}
	return app.Errorf(app.EBADREQUEST, "The request body could not be read as JSON.")
}

func describeType(t string) string {
	switch {
	case t == "string", strings.HasSuffix(t, "Type"), strings.HasSuffix(t, "Status"), strings.HasSuffix(t, "Kind"):
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"), strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	}
	return "an object"
}
