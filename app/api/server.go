// Package api serves Userdesk's JSON API under /api/v1 and the embedded console with Fiber.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"userdesk/app"
	"userdesk/app/core"
)

// Config wires the server to the rest of the application.
type Config struct {
	Store  app.Store
	Authz  app.Authorizer
	Dir    *core.Service
	Events *Broker
	// SPA is the built console (index.html at its root); nil serves the API only.
	SPA fs.FS
	// Addr is the address the server is reached at (host:port), used for the Host allow-list.
	Addr string
	// AllowedHosts adds host names (without port) accepted in the Host header.
	AllowedHosts []string
	Logger       *slog.Logger
	// Now returns the current time; tests may replace it.
	Now func() time.Time
	// Backups makes, lists and serves backups of the running store; nil without a data directory.
	Backups Backups
	// ControlToken lets the command line on this machine ask for a backup (instance.json).
	ControlToken string
	// Kiosk is the demo kiosk (--kiosk); nil otherwise, and then its routes do not exist.
	Kiosk Kiosk
	// InstanceID tells this store from every other one (GET /info), so that a second launch
	// joins only the instance serving its own data directory.
	InstanceID string
	// ServerTiming adds a Server-Timing header to API answers (USERDESK_SERVER_TIMING=1, for
	// scripts/load). It is off by default: exact server times would sharpen timing attacks
	// such as telling known usernames from unknown ones at sign-in.
	ServerTiming bool
}

// Server is the HTTP face of Userdesk.
type Server struct {
	app      *fiber.App
	store    app.Store
	authz    app.Authorizer
	dir      *core.Service
	events   *Broker
	log      *slog.Logger
	hosts    hostPolicy
	now      func() time.Time
	throttle *throttle
	backups  Backups
	control  string
	instance string
	kiosk    Kiosk
	// gate holds API requests off while a kiosk resets the store (Exclusive).
	gate          sync.RWMutex
	visitorLimits windowLimits
	// refused holds, by request header, the refusals screenHeaders made before reading a body.
	refused sync.Map
	// streamCheck is how often an event stream checks its session (besides being woken).
	streamCheck time.Duration
}

// Limits of the HTTP server (SPEC §8): bodies, headers and slow clients are bounded.
const (
	maxBody       = 48 << 20 // the largest CSV upload (35 MB) plus multipart overhead
	maxJSONBody   = 1 << 20
	maxHeaderSize = 16 << 10
)

// New builds the server and its one route table.
func New(cfg Config) *Server {
	s := &Server{
		store:    cfg.Store,
		authz:    cfg.Authz,
		dir:      cfg.Dir,
		events:   cfg.Events,
		log:      logger(cfg.Logger),
		hosts:    newHostPolicy(cfg.Addr, cfg.AllowedHosts),
		now:      cfg.Now,
		backups:  cfg.Backups,
		control:  cfg.ControlToken,
		instance: cfg.InstanceID,
		kiosk:    cfg.Kiosk,
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.throttle = newThrottle(s.now)
	s.streamCheck = 5 * time.Second
	if s.events == nil {
		s.events = NewBroker()
	}
	s.app = fiber.New(fiber.Config{
		AppName:   app.ProductName,
		BodyLimit: maxBody,
		// The one multipart request, the CSV upload, reads its body itself (uploadImport).
		DisablePreParseMultipartForm: true,
		ReadBufferSize:               maxHeaderSize,
		ReadTimeout:                  60 * time.Second,
		IdleTimeout:                  120 * time.Second,
		DisableStartupMessage:        true,
		ErrorHandler:                 s.errorHandler,
		// Event streams stay open, so there is no write timeout; slow readers are bounded by
		// the idle timeout and the size of what we send.
	})
	a := s.app
	a.Use(recover.New())
	// Refusals on the headers alone come before the body is read (screen.go).
	a.Server().HeaderReceived = s.screenHeaders
	a.Use(s.securityHeaders, s.checkRequest)
	if cfg.ServerTiming {
		a.Use("/api/", serverTiming)
	}

	// A path outside the table is a 404 and a method its path does not take a 405 with Allow,
	// before sessions or CSRF are looked at (methods.go).
	api := a.Group("/api/v1", newMethodTable("/api/v1", s.routes()).check, s.gated, s.afterWrite, s.limitJSONBody, s.loadBearer, s.loadSession, s.checkCSRF, s.kioskLimits)
	for _, r := range s.routes() {
		handlers := []fiber.Handler{r.Handler}
		if r.Access == signedIn {
			handlers = []fiber.Handler{s.requireUser, r.Handler}
		}
		if r.Method == fiber.MethodGet {
			api.Add(fiber.MethodHead, r.Path, handlers...)
		}
		api.Add(r.Method, r.Path, handlers...)
	}

	// The SCIM 2.0 endpoint has its own small table and error documents (scim.go).
	s.mountSCIM(a)

	// Unknown API paths are a 404 problem, never the console's index.html.
	a.All("/api/*", func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	if cfg.SPA != nil {
		a.Use(spaHandler(cfg.SPA))
	}
	return s
}

// access says who may call a route before its handler runs.
type access int

const (
	// public routes are reached before any session exists (sign-in, emailed links, health).
	public access = iota
	// signedIn routes need a signed-in user (requireUser runs first).
	signedIn
	// selfChecked routes decide in their handler: POST /backups also takes the command
	// line's control token instead of a session.
	selfChecked
)

// route is one operation of the API: openapi.json documents each under its OperationID, and
// a test holds the two to each other.
type route struct {
	Method string
	// Path is below /api/v1, in Fiber's syntax (":id").
	Path        string
	OperationID string
	Access      access
	Handler     fiber.Handler
}

// routes is the API's one route table (miniflux keeps its REST surface in one list the same
// way). A path that is a prefix of a parameterised one comes first ("/users/transfer" before
// "/users/:id"). Kiosk routes exist only with --kiosk: outside kiosk mode there is no
// password-less path at all.
func (s *Server) routes() []route {
	rs := []route{
		{"GET", "/health", "getHealth", public, s.health},
		{"GET", "/info", "getInfo", public, s.info},
		{"GET", "/openapi.json", "getOpenAPI", public, s.openAPI},

		// Sessions and the event stream of a signed-in console.
		{"POST", "/session", "signIn", public, s.signIn},
		{"GET", "/session", "getSession", signedIn, s.whoAmI},
		{"DELETE", "/session", "signOut", signedIn, s.signOut},
		{"GET", "/events", "streamEvents", signedIn, s.eventStream},

		// Configuration: the unit tree, roles and reference lists.
		{"GET", "/units", "listUnits", signedIn, s.listUnits},
		{"POST", "/units", "createUnit", signedIn, s.createUnit},
		{"PATCH", "/units/:id", "updateUnit", signedIn, s.patchUnit},
		{"DELETE", "/units/:id", "deleteUnit", signedIn, s.deleteUnit},
		{"GET", "/roles", "listRoles", signedIn, s.listRoles},
		{"POST", "/roles", "createRole", signedIn, s.createRole},
		{"PATCH", "/roles/:id", "updateRole", signedIn, s.patchRole},
		{"DELETE", "/roles/:id", "deleteRole", signedIn, s.deleteRole},
		{"GET", "/permissions", "listPermissions", signedIn, s.listPermissions},
		{"GET", "/reference", "listReference", signedIn, s.listReference},
		{"POST", "/reference/:kind", "addReferenceItem", signedIn, s.addReferenceItem},
		{"DELETE", "/reference/:kind/:id", "deleteReferenceItem", signedIn, s.deleteReferenceItem},

		// Users.
		{"GET", "/users", "listUsers", signedIn, s.listUsers},
		{"POST", "/users", "createUser", signedIn, s.createUser},
		{"POST", "/users/transfer", "transferUsers", signedIn, s.transferUsers},
		{"GET", "/users/:id", "getUser", signedIn, s.getUser},
		{"PATCH", "/users/:id", "updateUser", signedIn, s.patchUser},
		{"DELETE", "/users/:id", "deleteUser", signedIn, s.deleteUser},
		{"GET", "/users/:id/rights", "getUserRights", signedIn, s.userRights},
		{"POST", "/users/:id/activation-email", "sendActivationEmail", signedIn, s.sendActivationEmail},
		{"GET", "/users/:id/mailbox-statistics", "getMailboxStatistics", signedIn, s.mailboxStatistics},
		{"POST", "/users/:id/sessions/end", "endUserSessions", signedIn, s.endSessions},
		{"POST", "/users/:id/leaver", "markLeaver", signedIn, s.markLeaver},
		{"POST", "/users/:id/claim", "claimLeaver", signedIn, s.claimLeaver},
		{"GET", "/leavers", "listLeavers", signedIn, s.findLeavers},

		// The audit log.
		{"GET", "/audit", "listAudit", signedIn, s.listAudit},
		{"GET", "/audit.csv", "exportAudit", signedIn, s.exportAudit},

		// Password reset and activation, from the sign-in page and emailed links (csrfExempt in
		// middleware.go lets their POSTs through without a CSRF token).
		{"POST", "/password-reset", "requestPasswordReset", public, s.requestPasswordReset},
		{"GET", "/password-reset/:token", "checkResetLink", public, s.checkResetLink},
		{"POST", "/password-reset/:token", "resetPassword", public, s.resetPassword},
		{"POST", "/password-reset/:token/check", "checkResetPassword", public, s.checkResetPassword},
		{"GET", "/activation/:token", "checkActivationLink", public, s.checkActivationLink},
		{"POST", "/activation/:token", "activateAccount", public, s.activate},
		{"POST", "/activation/:token/check", "checkActivationPassword", public, s.checkActivationPassword},

		// My Account.
		{"GET", "/me", "getMe", signedIn, s.getMe},
		{"PATCH", "/me", "updateMe", signedIn, s.patchMe},
		{"POST", "/me/password", "changeMyPassword", signedIn, s.changePassword},
		{"POST", "/me/password/check", "checkMyPassword", signedIn, s.checkMyPassword},
		{"GET", "/me/tokens", "listMyTokens", signedIn, s.listTokens}, // tokens.go: API tokens for scripts
		{"POST", "/me/tokens", "createMyToken", signedIn, s.createToken},
		{"DELETE", "/me/tokens/:id", "revokeMyToken", signedIn, s.revokeToken},

		// The local mail store.
		{"GET", "/mail", "listMail", signedIn, s.listMail},
		{"GET", "/mail/:id", "getMail", signedIn, s.getMail},
		{"GET", "/mail/:id/attachments/:n", "getMailAttachment", signedIn, s.mailAttachment},

		// Bulk update: export, then validate, apply and report an import.
		{"GET", "/exports/users.csv", "exportUsers", signedIn, s.exportUsers},
		{"GET", "/exports/users.xlsx", "exportUsersXLSX", signedIn, s.exportUsersXLSX},
		{"GET", "/exports/template.csv", "getImportTemplate", signedIn, s.importTemplate},
		{"GET", "/exports/template.xlsx", "getImportTemplateXLSX", signedIn, s.importTemplateXLSX},
		{"GET", "/imports", "listImports", signedIn, s.listImports},
		{"POST", "/imports", "uploadImport", signedIn, s.uploadImport},
		{"GET", "/imports/:id", "getImport", signedIn, s.getImport},
		{"DELETE", "/imports/:id", "discardImport", signedIn, s.discardImport},
		{"POST", "/imports/:id/apply", "applyImport", signedIn, s.applyImport},
		{"POST", "/imports/:id/undo", "undoImport", signedIn, s.undoImport},
		{"GET", "/imports/:id/results.csv", "getImportResults", signedIn, s.importResults},

		// Backups of the running store.
		{"POST", "/backups", "createBackup", selfChecked, s.createBackup},
		{"GET", "/backups", "listBackups", signedIn, s.listBackups},
		{"GET", "/backups/:name", "downloadBackup", signedIn, s.downloadBackup},
	}
	if s.kiosk != nil {
		rs = append(rs, kioskRoutes(s)...)
	}
	return rs
}

// kioskRoutes are the demo kiosk's routes (kiosk.go), listed apart so that the document's
// test sees them while a server without --kiosk never registers them.
func kioskRoutes(s *Server) []route {
	return []route{
		{"GET", "/kiosk", "getKiosk", public, s.kioskState},
		{"POST", "/kiosk/personas/:username/session", "signInAsPersona", public, s.kioskSignIn},
		{"POST", "/kiosk/reset", "resetKiosk", signedIn, s.kioskReset},
		{"GET", "/kiosk/tasks", "listKioskTasks", signedIn, s.kioskTasks},
		{"GET", "/kiosk/sample.csv", "getKioskSample", signedIn, s.kioskSample},
	}
}

// App exposes the Fiber app (tests use App().Test).
func (s *Server) App() *fiber.App { return s.app }

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(lingerListener{ln}) }

// Shutdown stops accepting requests, ends event streams and waits for in-flight requests.
func (s *Server) Shutdown(ctx context.Context) error {
	s.events.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		return s.app.Shutdown()
	}
	return s.app.ShutdownWithTimeout(time.Until(deadline))
}

func (s *Server) health(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *Server) info(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"name": app.ProductName, "version": app.Version, "instanceId": s.instance, "storage": s.store.Space()})
}
