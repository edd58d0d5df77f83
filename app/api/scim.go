package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"userdesk/app"
)

// The SCIM 2.0 service provider (RFC 7643/7644) at /scim/v2, for identity providers that
// provision accounts (Entra ID, Okta, Keycloak). It is a second face of the same directory: every
// change goes through the core methods the console's API calls, with the same rights, rules and
// audit (source "scim"), and the principal is always an API token (docs/SCIM.md).

// scimPrefix is where the SCIM endpoint lives, outside /api/v1 (SPEC §7).
const scimPrefix = "/scim/v2"

// SCIM schema and message URNs.
const (
	scimUserSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimGroupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	scimEnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	scimListSchema       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimPatchSchema      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimSearchSchema     = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	scimErrorSchema      = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimSPConfigSchema   = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	scimResTypeSchema    = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	scimSchemaSchema     = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// scimContentType is the media type of every SCIM answer (RFC 7644 §3.1).
const scimContentType = "application/scim+json"

// scimMaxResults is the most resources one list answer holds (ServiceProviderConfig
// filter.maxResults); count above it is lowered to it, as RFC 7644 §3.4.2.4 allows.
const scimMaxResults = 200

// scimRoutes is the SCIM endpoint's route table, below /scim/v2, kept apart from the API's
// because its paths, errors and principal differ; openapi.json documents both, and
// TestSCIMRouteTableIsDocumented holds this one to the document. Discovery is public (RFC 7644
// §4 lets it be, and an IdP reads it before it is configured); everything else needs a token.
func (s *Server) scimRoutes() []route {
	return []route{
		{"GET", "/ServiceProviderConfig", "scimGetServiceProviderConfig", public, s.scimServiceProviderConfig},
		{"GET", "/ResourceTypes", "scimListResourceTypes", public, s.scimResourceTypes},
		{"GET", "/ResourceTypes/:id", "scimGetResourceType", public, s.scimResourceType},
		{"GET", "/Schemas", "scimListSchemas", public, s.scimSchemas},
		{"GET", "/Schemas/:id", "scimGetSchema", public, s.scimSchema},

		{"GET", "/Users", "scimListUsers", signedIn, s.scimListUsers},
		{"POST", "/Users", "scimCreateUser", signedIn, s.scimCreateUser},
		{"POST", "/Users/.search", "scimSearchUsers", signedIn, s.scimSearchUsers},
		{"GET", "/Users/:id", "scimGetUser", signedIn, s.scimGetUser},
		{"PUT", "/Users/:id", "scimReplaceUser", signedIn, s.scimReplaceUser},
		{"PATCH", "/Users/:id", "scimPatchUser", signedIn, s.scimPatchUser},
		{"DELETE", "/Users/:id", "scimDeleteUser", signedIn, s.scimDeleteUser},

		// Not implemented, and said so as RFC 7644 asks (§3.11, §3.7): no /Me alias, no bulk.
		{"GET", "/Me", "scimGetMe", public, scimNotImplemented("There is no /Me: an API token is not a user. Read the user with GET /Users/{id}.")},
		{"POST", "/Bulk", "scimBulk", public, scimNotImplemented("Bulk operations are not supported (ServiceProviderConfig bulk.supported is false): send each request on its own.")},

		{"GET", "/Groups", "scimListGroups", signedIn, s.scimListGroups},
		{"POST", "/Groups/.search", "scimSearchGroups", signedIn, s.scimSearchGroups},
		{"GET", "/Groups/:id", "scimGetGroup", signedIn, s.scimGetGroup},
		{"PATCH", "/Groups/:id", "scimPatchGroup", signedIn, s.scimPatchGroup},
	}
}

// mountSCIM registers the SCIM routes. Errors of every kind, from the method table to the
// handlers, leave as SCIM error documents (scimErrors runs first).
func (s *Server) mountSCIM(a *fiber.App) {
	rs := s.scimRoutes()
	g := a.Group(scimPrefix, s.scimErrors, newMethodTable(scimPrefix, rs).check, s.gated, s.afterWrite, s.limitJSONBody, s.scimBearer)
	for _, r := range rs {
		handlers := []fiber.Handler{r.Handler}
		if r.Access == signedIn {
			handlers = []fiber.Handler{s.scimRequireToken, r.Handler}
		}
		if r.Method == fiber.MethodGet {
			g.Add(fiber.MethodHead, r.Path, handlers...)
		}
		g.Add(r.Method, r.Path, handlers...)
	}
	a.All(scimPrefix+"/*", func(c *fiber.Ctx) error { return s.writeSCIMError(c, fiber.ErrNotFound) })
	a.All(scimPrefix, func(c *fiber.Ctx) error { return s.writeSCIMError(c, fiber.ErrNotFound) })
}

// scimBearer authenticates the API token of a SCIM request: the token's principal (its creator
// narrowed to its permissions and unit) is the actor of every SCIM operation. The principal is
// set here and only here; cookies are never looked at, so a browser session cannot be used
// against the SCIM endpoint.
func (s *Server) scimBearer(c *fiber.Ctx) error {
	if _, ok := bearerOf(c); !ok {
		return c.Next()
	}
	return s.loadBearer(c)
}

// scimRequireToken refuses SCIM resource requests without an API token.
func (s *Server) scimRequireToken(c *fiber.Ctx) error {
	if !isBearer(c) || actorOf(c) == nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="userdesk"`)
		return app.Errorf(app.EUNAUTHORIZED, "Send an API token as Authorization: Bearer udt_… (create one in My Account).")
	}
	return c.Next()
}

// scimError is a SCIM error answer (RFC 7644 §3.12).
type scimError struct {
	Status   int
	ScimType string
	Detail   string
}

func (e *scimError) Error() string { return e.Detail }

func scimErr(status int, scimType, format string, args ...any) *scimError {
	return &scimError{Status: status, ScimType: scimType, Detail: sprintf(format, args...)}
}

// scimErrors turns every error of a SCIM request into a SCIM error document.
func (s *Server) scimErrors(c *fiber.Ctx) error {
	err := c.Next()
	if err == nil {
		return nil
	}
	return s.writeSCIMError(c, err)
}

// scimStatusOf maps the application's error codes to SCIM's statuses: SCIM answers a value that
// breaks a rule with 400 invalidValue where the API says 422.
var scimStatusOf = map[app.ErrorCode]int{
	app.EBADREQUEST:   http.StatusBadRequest,
	app.EINVALID:      http.StatusBadRequest,
	app.EUNAUTHORIZED: http.StatusUnauthorized,
	app.EFORBIDDEN:    http.StatusForbidden,
	app.ENOTFOUND:     http.StatusNotFound,
	app.ECONFLICT:     http.StatusConflict,
	app.ESTALE:        http.StatusPreconditionFailed,
	app.EPRECONDITION: http.StatusPreconditionFailed,
	app.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	app.ETOOMANY:      http.StatusTooManyRequests,
	app.EINTERNAL:     http.StatusInternalServerError,
	app.ESTORAGE:      http.StatusInsufficientStorage,
}

func (s *Server) writeSCIMError(c *fiber.Ctx, err error) error {
	e := &scimError{Status: http.StatusInternalServerError, Detail: "Something went wrong on the server. Try again; if it keeps happening, see the server log."}
	var se *scimError
	var ae *app.Error
	var fe *fiber.Error
	switch {
	case errors.As(err, &se):
		e = se
	case errors.As(err, &ae):
		if st, ok := scimStatusOf[ae.Code]; ok {
			e.Status = st
		}
		if e.Status != http.StatusInternalServerError {
			e.Detail = fieldDetail(ae)
		}
		switch {
		case ae.Code == app.EINVALID && clashes(ae):
			e.Status, e.ScimType = http.StatusConflict, "uniqueness"
		case ae.Code == app.EINVALID:
			e.ScimType = "invalidValue"
		case ae.Code == app.EBADREQUEST:
			e.ScimType = "invalidSyntax"
		}
	case errors.As(err, &fe):
		e.Status, e.Detail = fe.Code, fiberDetail(fe)
	}
	if e.Status >= 500 {
		s.log.Error("SCIM request failed", "method", c.Method(), "path", c.Path(), "err", err)
	}
	body := map[string]any{"schemas": []string{scimErrorSchema}, "status": strconv.Itoa(e.Status), "detail": e.Detail}
	if e.ScimType != "" {
		body["scimType"] = e.ScimType
	}
	return scimSend(c, e.Status, body)
}

// fieldDetail is an error's message with each field's reason, named by the API's field name.
func fieldDetail(e *app.Error) string {
	d := e.Message
	for _, f := range sortedKeys(e.Fields) {
		d += " " + f + ": " + e.Fields[f]
	}
	return d
}

// clashes says whether a validation error is about values other accounts already hold
// (username, Local ID): SCIM calls that 409 uniqueness.
func clashes(e *app.Error) bool {
	for _, m := range e.Fields {
		if strings.HasPrefix(m, "Another account") {
			return true
		}
	}
	return false
}

// scimSend answers with a SCIM JSON document.
func scimSend(c *fiber.Ctx, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, scimContentType)
	return c.Send(b)
}

// scimBase is the absolute URL of the SCIM endpoint as this request reached it, for meta.location.
func scimBase(c *fiber.Ctx) string {
	return requestScheme(c) + "://" + requestHost(c) + scimPrefix
}

// scimBody reads a request body as a JSON object.
func scimBody(c *fiber.Ctx) (map[string]any, error) {
	var m map[string]any
	if len(c.Body()) == 0 {
		return nil, scimErr(400, "invalidSyntax", "The request needs a JSON body.")
	}
	if err := json.Unmarshal(c.Body(), &m); err != nil || m == nil {
		return nil, scimErr(400, "invalidSyntax", "The body is not a JSON object.")
	}
	return m, nil
}

// scimListResponse is a ListResponse (RFC 7644 §3.4.2).
func scimListResponse(resources []map[string]any, total, startIndex int) map[string]any {
	if resources == nil {
		resources = []map[string]any{}
	}
	return map[string]any{"schemas": []string{scimListSchema}, "totalResults": total, "startIndex": startIndex,
		"itemsPerPage": len(resources), "Resources": resources}
}

// scimPaging reads startIndex (1-based; below 1 is 1) and count (negative is 0; above the
// maximum is the maximum), RFC 7644 §3.4.2.4.
func scimPaging(startIndex, count string) (start, n int, err error) {
	start, n = 1, scimMaxResults
	if startIndex != "" {
		v, e := strconv.Atoi(startIndex)
		if e != nil {
			return 0, 0, scimErr(400, "invalidValue", "startIndex must be an integer.")
		}
		start = max(v, 1)
	}
	if count != "" {
		v, e := strconv.Atoi(count)
		if e != nil {
			return 0, 0, scimErr(400, "invalidValue", "count must be an integer.")
		}
		n = min(max(v, 0), scimMaxResults)
	}
	return start, n, nil
}

// scimVersion is the ETag and meta.version of a record version: a weak tag of our version
// number, since the representation is not byte-for-byte stable across releases.
func scimVersion(v uint64) string { return `W/"` + strconv.FormatUint(v, 10) + `"` }

// scimIfMatch reads If-Match: ok is false without one (or with "*"), and a tag that is not a
// version of ours can never match.
func scimIfMatch(c *fiber.Ctx) (v uint64, ok bool, err error) {
	h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if h == "" || h == "*" {
		return 0, false, nil
	}
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if n, e := strconv.ParseUint(strings.Trim(tag, `"`), 10, 64); e == nil {
			return n, true, nil
		}
	}
	return 0, false, scimErr(http.StatusPreconditionFailed, "", "If-Match %q is not a version of this resource.", truncate(h, 60))
}

// scimNotImplemented answers 501 with a reason.
func scimNotImplemented(detail string) fiber.Handler {
	return func(*fiber.Ctx) error { return scimErr(http.StatusNotImplemented, "", "%s", detail) }
}
