package api

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Discovery (RFC 7644 §4): what this service provider supports, its resource types and the
// schemas of its resources, so that a client can map attributes without reading docs/SCIM.md.

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func (s *Server) scimServiceProviderConfig(c *fiber.Ctx) error {
	base := scimBase(c)
	return scimSend(c, 200, map[string]any{
		"schemas":        []string{scimSPConfigSchema},
		"patch":          map[string]any{"supported": true},
		"bulk":           map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":         map[string]any{"supported": true, "maxResults": scimMaxResults},
		"changePassword": map[string]any{"supported": false},
		"sort":           map[string]any{"supported": false},
		"etag":           map[string]any{"supported": true},
		"authenticationSchemes": []map[string]any{{
			"type": "oauthbearertoken", "name": "API token", "primary": true,
			"description": "An API token created in Userdesk's My Account, sent as Authorization: Bearer udt_…",
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": base + "/ServiceProviderConfig"},
	})
}

func scimResourceTypeDocs(base string) []map[string]any {
	return []map[string]any{
		{
			"schemas": []string{scimResTypeSchema}, "id": "User", "name": "User", "endpoint": "/Users",
			"description": "User Account", "schema": scimUserSchema,
			"schemaExtensions": []map[string]any{{"schema": scimEnterpriseSchema, "required": false}},
			"meta":             map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/User"},
		},
		{
			"schemas": []string{scimResTypeSchema}, "id": "Group", "name": "Group", "endpoint": "/Groups",
			"description": "Organisational unit (a user's home OU)", "schema": scimGroupSchema,
			"schemaExtensions": []map[string]any{},
			"meta":             map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/Group"},
		},
	}
}

func (s *Server) scimResourceTypes(c *fiber.Ctx) error {
	docs := scimResourceTypeDocs(scimBase(c))
	return scimSend(c, 200, scimListResponse(docs, len(docs), 1))
}

func (s *Server) scimResourceType(c *fiber.Ctx) error {
	for _, d := range scimResourceTypeDocs(scimBase(c)) {
		if strings.EqualFold(d["id"].(string), c.Params("id")) {
			return scimSend(c, 200, d)
		}
	}
	return scimErr(404, "", "There is no resource type %q: there are User and Group.", truncate(c.Params("id"), 60))
}

// attr builds one attribute definition (RFC 7643 §7); opts are "multi", "required",
// "caseExact", "readOnly", "writeOnly", "immutable", "server" (uniqueness), "always" (returned),
// "never" (returned).
func attr(name, typ, desc string, opts ...string) map[string]any {
	a := map[string]any{"name": name, "type": typ, "description": desc, "multiValued": false, "required": false,
		"caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}
	for _, o := range opts {
		switch o {
		case "multi":
			a["multiValued"] = true
		case "required":
			a["required"] = true
		case "caseExact":
			a["caseExact"] = true
		case "readOnly", "writeOnly", "immutable":
			a["mutability"] = o
		case "server":
			a["uniqueness"] = "server"
		case "always", "never":
			a["returned"] = o
		}
	}
	return a
}

func complexAttr(name, desc string, subs []map[string]any, opts ...string) map[string]any {
	a := attr(name, "complex", desc, opts...)
	a["subAttributes"] = subs
	return a
}

func multiSubs(valueDesc string, types ...string) []map[string]any {
	t := attr("type", "string", "A label for the value's function.")
	if len(types) > 0 {
		t["canonicalValues"] = types
	}
	return []map[string]any{
		attr("value", "string", valueDesc),
		attr("display", "string", "A human-readable name.", "readOnly"),
		t,
		attr("primary", "boolean", "The primary value."),
	}
}

func scimSchemaDocs(base string) []map[string]any {
	user := map[string]any{
		"schemas": []string{scimSchemaSchema},
		"id":      scimUserSchema, "name": "User", "description": "User Account",
		"attributes": []map[string]any{
			attr("id", "string", "Userdesk's id of the account.", "readOnly", "caseExact", "always", "server"),
			attr("externalId", "string", "The account's Local ID (also employeeNumber).", "caseExact"),
			attr("userName", "string", "The username: an email address, unique case-insensitively.", "required", "server"),
			complexAttr("name", "The components of the user's name.", []map[string]any{
				attr("formatted", "string", "First and last name.", "readOnly"),
				attr("familyName", "string", "Last name (required)."),
				attr("givenName", "string", "First name (required)."),
				attr("honorificPrefix", "string", "Title or prefix."),
			}),
			attr("displayName", "string", "The name shown; derived from the names unless set."),
			attr("title", "string", "Job title."),
			attr("preferredLanguage", "string", "The console's language (one the organisation offers)."),
			attr("active", "boolean", "Account enabled."),
			attr("password", "string", "Not accepted: users set their own password by activation.", "writeOnly", "never"),
			complexAttr("emails", "The email address (one).", multiSubs("The address.", "work", "home", "other"), "multi"),
			complexAttr("phoneNumbers", "Phone (type work) and mobile (type mobile).", multiSubs("The number.", "work", "mobile"), "multi"),
			complexAttr("groups", "The user's home OU.", []map[string]any{
				attr("value", "string", "The unit's id.", "readOnly"),
				attr("$ref", "reference", "The group's URI.", "readOnly"),
				attr("display", "string", "The unit's name.", "readOnly"),
				attr("type", "string", "direct", "readOnly"),
			}, "multi", "readOnly"),
		},
		"meta": map[string]any{"resourceType": "Schema", "location": base + "/Schemas/" + scimUserSchema},
	}
	enterprise := map[string]any{
		"schemas": []string{scimSchemaSchema},
		"id":      scimEnterpriseSchema, "name": "EnterpriseUser", "description": "Enterprise User",
		"attributes": []map[string]any{
			attr("employeeNumber", "string", "The Local ID (the external sync ID), unique within an organisation."),
			attr("organization", "string", "The primary organisation's name; chooses the organisation of a new account."),
			attr("department", "string", "Department."),
		},
		"meta": map[string]any{"resourceType": "Schema", "location": base + "/Schemas/" + scimEnterpriseSchema},
	}
	group := map[string]any{
		"schemas": []string{scimSchemaSchema},
		"id":      scimGroupSchema, "name": "Group", "description": "An organisational unit; its members are the users whose home OU it is.",
		"attributes": []map[string]any{
			attr("id", "string", "The unit's id.", "readOnly", "caseExact", "always", "server"),
			attr("displayName", "string", "The unit's name.", "readOnly", "required"),
			complexAttr("members", "Users whose home OU this is; adding one moves it here.", []map[string]any{
				attr("value", "string", "The user's id.", "immutable"),
				attr("$ref", "reference", "The user's URI.", "immutable"),
				attr("display", "string", "The user's display name.", "readOnly"),
				attr("type", "string", "User", "immutable"),
			}, "multi"),
		},
		"meta": map[string]any{"resourceType": "Schema", "location": base + "/Schemas/" + scimGroupSchema},
	}
	return []map[string]any{user, enterprise, group}
}

func (s *Server) scimSchemas(c *fiber.Ctx) error {
	docs := scimSchemaDocs(scimBase(c))
	return scimSend(c, 200, scimListResponse(docs, len(docs), 1))
}

func (s *Server) scimSchema(c *fiber.Ctx) error {
	for _, d := range scimSchemaDocs(scimBase(c)) {
		if strings.EqualFold(d["id"].(string), c.Params("id")) {
			return scimSend(c, 200, d)
		}
	}
	return scimErr(404, "", "There is no schema %q.", truncate(c.Params("id"), 100))
}
