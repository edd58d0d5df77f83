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

	api := a.Group("/api/v1", s.gated, s.afterWrite, s.limitJSONBody, s.loadBearer, s.loadSession, s.checkCSRF, s.kioskLimits)
	api.Get("/health", s.health)
	api.Get("/info", s.info)
	api.Get("/openapi.json", s.openAPI)
	api.Post("/session", s.signIn)
	api.Get("/session", s.requireUser, s.whoAmI)
	api.Delete("/session", s.requireUser, s.signOut)
	api.Get("/events", s.requireUser, s.eventStream)

	// Everything below needs a signed-in user.
	auth := s.requireUser
	api.Get("/units", auth, s.listUnits)
	api.Post("/units", auth, s.createUnit)
	api.Patch("/units/:id", auth, s.patchUnit)
	api.Delete("/units/:id", auth, s.deleteUnit)
	api.Get("/roles", auth, s.listRoles)
	api.Post("/roles", auth, s.createRole)
	api.Patch("/roles/:id", auth, s.patchRole)
	api.Delete("/roles/:id", auth, s.deleteRole)
	api.Get("/permissions", auth, s.listPermissions)
	api.Get("/users", auth, s.listUsers)
	api.Post("/users", auth, s.createUser)
	api.Post("/users/transfer", auth, s.transferUsers)
	api.Get("/users/:id", auth, s.getUser)
	api.Get("/users/:id/rights", auth, s.userRights)
	api.Patch("/users/:id", auth, s.patchUser)
	api.Delete("/users/:id", auth, s.deleteUser)
	api.Get("/audit", auth, s.listAudit)
	api.Get("/audit.csv", auth, s.exportAudit)
	api.Get("/reference", auth, s.listReference)
	api.Post("/reference/:kind", auth, s.addReferenceItem)
	api.Delete("/reference/:kind/:id", auth, s.deleteReferenceItem)
	s.accountRoutes(api, auth)           // routes_account.go: lifecycle, My Account, mail
	s.importRoutes(api, auth)            // routes_imports.go: CSV import and export
	api.Post("/backups", s.createBackup) // signed in with config.settings, or the command line
	api.Get("/backups", auth, s.listBackups)
	api.Get("/backups/:name", auth, s.downloadBackup)
	s.kioskRoutes(api, auth) // kiosk.go: only with --kiosk

	// Unknown API paths are a 404 problem, never the console's index.html.
	a.All("/api/*", func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	if cfg.SPA != nil {
		a.Use(spaHandler(cfg.SPA))
	}
	return s
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
