// Package mail is Userdesk's outgoing mail: every message lands in the local mail store (the
// recipient's mailbox and the outbox, in Badger through app.Tx) and, when an SMTP relay is
// configured, is also handed to it after the transaction that wrote it has committed. Relay
// failures are logged and never block or undo anything.
package mail

import (
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"userdesk/app"
)

// DefaultFrom is the sender address of every message unless Options.From says otherwise.
const DefaultFrom = "no-reply@userdesk.local"

// Options configure a Sender.
type Options struct {
	// BaseURL is the console's own origin (e.g. http://127.0.0.1:8470); links in mail start with it.
	BaseURL string
	// SMTP is an optional relay, smtp://[user:password@]host:port; empty keeps mail local.
	SMTP string
	// From is the sender address; empty means DefaultFrom.
	From   string
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now in UTC.
	Now func() time.Time
}

// Sender composes Userdesk's mail into the local mail store and relays it.
type Sender struct {
	store   app.Store
	baseURL string
	from    string
	relay   *relay
	log     *slog.Logger
	now     func() time.Time

	nudge     chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// New returns a Sender writing to st; an unusable SMTP setting is an error.
func New(st app.Store, o Options) (*Sender, error) {
	s := &Sender{store: st, baseURL: strings.TrimRight(o.BaseURL, "/"), from: o.From, log: o.Logger, now: o.Now}
	if s.from == "" {
		s.from = DefaultFrom
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = func() time.Time { return time.Now().UTC() }
	}
	if strings.TrimSpace(o.SMTP) != "" {
		r, err := parseRelay(o.SMTP)
		if err != nil {
			return nil, err
		}
		s.relay = r
		s.nudge, s.stop, s.done = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
		go s.relayLoop(s.now())
	}
	return s, nil
}

// BaseURL is the origin links in mail start with.
func (s *Sender) BaseURL() string { return s.baseURL }

// RelayAddr is the SMTP relay's host:port, or "" when mail stays local.
func (s *Sender) RelayAddr() string {
	if s.relay == nil {
		return ""
	}
	return s.relay.addr
}

func recipient(u *app.User) string {
	if u.Email != "" {
		return u.Email
	}
	return u.Username
}

func greeting(u *app.User) string {
	name := strings.TrimSpace(u.DisplayName)
	if name == "" {
		name = strings.TrimSpace(u.FirstName)
	}
	if name == "" {
		return "Hello,"
	}
	return "Hello " + name + ","
}

// link builds an absolute console link; the token goes into the path, escaped.
func (s *Sender) link(path, token string) string {
	return s.baseURL + path + url.PathEscape(token)
}

// expiry says when a link stops working, in words and in UTC.
func expiry(now, expires time.Time) string {
	h := int(expires.Sub(now).Round(time.Hour).Hours())
	return fmt.Sprintf("%d hours (%s)", h, expires.UTC().Format("2 January 2006 at 15:04 UTC"))
}

func htmlPage(paragraphs ...string) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">`)
	for _, p := range paragraphs {
		b.WriteString("<p>" + p + "</p>")
	}
	b.WriteString("</body></html>")
	return b.String()
}

func anchor(href, label string) string {
	return `<a href="` + html.EscapeString(href) + `">` + html.EscapeString(label) + `</a>`
}

// Activation writes the activation mail for u, whose link carries token, in tx.
func (s *Sender) Activation(tx app.Tx, u *app.User, token string, expires time.Time) (*app.Message, error) {
	now := s.now()
	link := s.link("/activate/", token)
	m := &app.Message{
		ID: app.NewID(), To: recipient(u), ToUserID: u.ID, SentAt: now,
		Subject: "Activate your " + app.ProductName + " account",
		Text: fmt.Sprintf("%s\n\nAn account has been set up for you in %s with the username %s.\n\n"+
			"To activate it, open this link and choose a password:\n%s\n\n"+
			"The link works once and expires in %s. If you did not expect this email, you can ignore it.\n",
			greeting(u), app.ProductName, u.Username, link, expiry(now, expires)),
		HTML: htmlPage(html.EscapeString(greeting(u)),
			fmt.Sprintf("An account has been set up for you in %s with the username <b>%s</b>.",
				app.ProductName, html.EscapeString(u.Username)),
			"To activate it, open this link and choose a password: "+anchor(link, "Activate your account"),
			"The link works once and expires in "+html.EscapeString(expiry(now, expires))+
				". If you did not expect this email, you can ignore it."),
	}
	return m, tx.PutMessage(m)
}

// Reset writes the password-reset mail for u, whose link carries token, in tx.
func (s *Sender) Reset(tx app.Tx, u *app.User, token string, expires time.Time) (*app.Message, error) {
	now := s.now()
	link := s.link("/reset-password/", token)
	m := &app.Message{
		ID: app.NewID(), To: recipient(u), ToUserID: u.ID, SentAt: now,
		Subject: "Reset your " + app.ProductName + " password",
		Text: fmt.Sprintf("%s\n\nSomeone asked to reset the password of the %s account %s.\n\n"+
			"To choose a new password, open this link:\n%s\n\n"+
			"The link works once and expires in %s. If it wasn't you, ignore this email: your password stays as it is.\n",
			greeting(u), app.ProductName, u.Username, link, expiry(now, expires)),
		HTML: htmlPage(html.EscapeString(greeting(u)),
			fmt.Sprintf("Someone asked to reset the password of the %s account <b>%s</b>.",
				app.ProductName, html.EscapeString(u.Username)),
			"To choose a new password, open this link: "+anchor(link, "Reset your password"),
			"The link works once and expires in "+html.EscapeString(expiry(now, expires))+
				". If it wasn't you, ignore this email: your password stays as it is."),
	}
	return m, tx.PutMessage(m)
}

// Notice writes a security notice about u's account to the address to (u's own mailbox: the
// notice of an email change goes to the old address), in tx. Each paragraph is plain text.
func (s *Sender) Notice(tx app.Tx, u *app.User, to, subject string, paragraphs []string) (*app.Message, error) {
	if to == "" {
		to = recipient(u)
	}
	text := greeting(u) + "\n\n" + strings.Join(paragraphs, "\n\n") + "\n"
	esc := make([]string, 0, len(paragraphs)+1)
	esc = append(esc, html.EscapeString(greeting(u)))
	for _, p := range paragraphs {
		esc = append(esc, html.EscapeString(p))
	}
	m := &app.Message{ID: app.NewID(), To: to, ToUserID: u.ID, SentAt: s.now(), Subject: subject, Text: text, HTML: htmlPage(esc...)}
	return m, tx.PutMessage(m)
}

// ImportResults writes the results mail of an import, with the results CSV attached, in tx. The
// subject names the file and what happened, so the mail can be told apart in an inbox.
func (s *Sender) ImportResults(tx app.Tx, to *app.User, im *app.Import, csv []byte) (*app.Message, error) {
	if to == nil {
		return nil, errors.New("import results mail: no recipient")
	}
	link := s.baseURL + "/imports/" + url.PathEscape(im.ID)
	file := im.FileName
	if file == "" {
		file = "import " + im.ID
	}
	name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)) + "-results.csv"
	counts := resultCounts(im.Results)
	m := &app.Message{
		ID: app.NewID(), To: recipient(to), ToUserID: to.ID, SentAt: s.now(),
		Subject: fmt.Sprintf("%s: %s", file, counts),
		Text: fmt.Sprintf("%s\n\nYour import of %s has finished: %s. The results are attached (%s): each uploaded row "+
			"with its Result and message.\n\nYou can also open the import in %s:\n%s\n",
			greeting(to), file, counts, name, app.ProductName, link),
		HTML: htmlPage(html.EscapeString(greeting(to)),
			fmt.Sprintf("Your import of <b>%s</b> has finished: %s. The results are attached (%s): each uploaded row with its Result and message.",
				html.EscapeString(file), html.EscapeString(counts), html.EscapeString(name)),
			"You can also open the import in "+app.ProductName+": "+anchor(link, "Open the import")),
		Attachments: []app.Attachment{{Name: name, ContentType: "text/csv; charset=utf-8", Data: csv}},
	}
	return m, tx.PutMessage(m)
}

// Send stores a message in its own transaction and relays it.
func (s *Sender) Send(m *app.Message) error {
	if m.ID == "" {
		m.ID = app.NewID()
	}
	if m.SentAt.IsZero() {
		m.SentAt = s.now()
	}
	if err := s.store.Update(func(tx app.Tx) error { return tx.PutMessage(m) }); err != nil {
		return err
	}
	s.Relay()
	return nil
}

// resultCounts says what an import did, for people: "98 updated, 3 created, 2 errors".
func resultCounts(t app.ImportTotals) string {
	var parts []string
	for _, c := range []struct {
		n           int
		one, others string
	}{{t.Update, "updated", "updated"}, {t.Create, "created", "created"}, {t.Unchanged, "unchanged", "unchanged"}, {t.Error, "error", "errors"}} {
		if c.n == 0 {
			continue
		}
		word := c.others
		if c.n == 1 {
			word = c.one
		}
		parts = append(parts, fmt.Sprintf("%d %s", c.n, word))
	}
	if len(parts) == 0 {
		return "no rows"
	}
	return strings.Join(parts, ", ")
}

// SendImportResults delivers an import's results mail to its uploader, with the CSV attached.
func (s *Sender) SendImportResults(to *app.User, im *app.Import, csv []byte) error {
	err := s.store.Update(func(tx app.Tx) error {
		_, err := s.ImportResults(tx, to, im, csv)
		return err
	})
	if err != nil {
		return err
	}
	s.Relay()
	return nil
}

// Relay tells the relay that new messages were committed; without a relay it does nothing.
// Messages reach the relay from the outbox, after their transaction committed, so mail written
// by a transaction that failed is never sent.
func (s *Sender) Relay() {
	if s.relay == nil {
		return
	}
	select {
	case s.nudge <- struct{}{}:
	default:
	}
}

// Relay pacing: the outbox is polled at least this often, and messages this much older than
// the newest one relayed are looked at again (a transaction may commit a while after it stamped
// its message).
const (
	relayPoll  = 2 * time.Second
	relayGrace = 2 * time.Minute
)

// relayLoop hands every message that reaches the outbox after start-up to the relay.
func (s *Sender) relayLoop(since time.Time) {
	defer close(s.done)
	sent := map[string]time.Time{}
	t := time.NewTicker(relayPoll)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		case <-s.nudge:
		}
		for _, m := range s.pending(since, sent) {
			if err := s.relay.send(s.from, m); err != nil {
				s.log.Warn("mail relay failed; the message stays in the local mail store",
					"relay", s.relay.addr, "to", m.To, "subject", m.Subject, "err", err)
			}
			sent[m.ID] = m.SentAt
			if m.SentAt.After(since) {
				since = m.SentAt
			}
		}
		for id, at := range sent {
			if since.Sub(at) > 2*relayGrace {
				delete(sent, id)
			}
		}
	}
}

// pending returns outbox messages newer than since (less the grace) not yet relayed, oldest first.
func (s *Sender) pending(since time.Time, sent map[string]time.Time) []*app.Message {
	var out []*app.Message
	err := s.store.View(func(tx app.Tx) error {
		for limit := 100; ; limit *= 4 {
			list, err := tx.Messages("", limit)
			if err != nil {
				return err
			}
			out = out[:0]
			reachedOld := len(list) < limit
			for _, sum := range list {
				if sum.SentAt.Before(since.Add(-relayGrace)) {
					reachedOld = true
					break
				}
				if _, done := sent[sum.ID]; done {
					continue
				}
				m, err := tx.Message(sum.ID)
				if err != nil {
					return err
				}
				out = append(out, m)
			}
			if reachedOld {
				return nil
			}
		}
	})
	if err != nil {
		s.log.Warn("mail relay: reading the outbox failed", "err", err)
		return nil
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Close stops the relay, letting a delivery in progress finish (for a bounded time).
func (s *Sender) Close() {
	if s.relay == nil {
		return
	}
	s.closeOnce.Do(func() { close(s.stop) })
	select {
	case <-s.done:
	case <-time.After(dialTimeout + sendTimeout):
		s.log.Warn("mail relay still busy at shutdown; giving up on it")
	}
}

// BaseURL is the origin links in mail use for a server listening on addr (host:port): a
// server bound to every interface is linked through localhost.
func BaseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
