package mail

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/multipart"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"userdesk/app"
)

// Relay time limits: a dead relay must not hold goroutines for long.
const (
	dialTimeout = 10 * time.Second
	sendTimeout = 30 * time.Second
)

// relay is an SMTP server mail is also sent to.
type relay struct {
	addr string
	host string
	auth smtp.Auth
}

// parseRelay reads smtp://[user:password@]host:port (port 25 when missing).
func parseRelay(raw string) (*relay, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" || u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("SMTP relay %q: use smtp://host:port", raw)
	}
	port := u.Port()
	if port == "" {
		port = "25"
	}
	r := &relay{addr: net.JoinHostPort(u.Hostname(), port), host: u.Hostname()}
	if u.User != nil {
		pw, _ := u.User.Password()
		// net/smtp refuses PLAIN auth without TLS except to localhost, which is what we want.
		r.auth = smtp.PlainAuth("", u.User.Username(), pw, u.Hostname())
	}
	return r, nil
}

// send delivers one message, using STARTTLS when the relay offers it.
func (r *relay) send(from string, m *app.Message) error {
	body, err := render(from, m)
	if err != nil {
		return err
	}
	conn, err := net.DialTimeout("tcp", r.addr, dialTimeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(sendTimeout))
	c, err := smtp.NewClient(conn, r.host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("userdesk.local"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: r.host, MinVersion: tls.VersionTLS12}); err != nil {
			return err
		}
	}
	if r.auth != nil {
		if err := c.Auth(r.auth); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(m.To); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// render writes m as a MIME message: text and HTML alternatives, then attachments.
func render(from string, m *app.Message) ([]byte, error) {
	for _, v := range []string{from, m.To} {
		if strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("mail header holds a line break")
		}
	}
	var b bytes.Buffer
	mixed := multipart.NewWriter(&b)
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", from)
	hdr("To", m.To)
	hdr("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	hdr("Date", m.SentAt.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+m.ID+"@userdesk.local>")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", `multipart/mixed; boundary="`+mixed.Boundary()+`"`)
	b.WriteString("\r\n")

	var altBody bytes.Buffer
	alt := multipart.NewWriter(&altBody)
	for _, part := range []struct{ ct, body string }{{"text/plain; charset=utf-8", m.Text}, {"text/html; charset=utf-8", m.HTML}} {
		if part.body == "" {
			continue
		}
		w, err := alt.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ct}, "Content-Transfer-Encoding": {"base64"}})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(wrap64([]byte(part.body))); err != nil {
			return nil, err
		}
	}
	if err := alt.Close(); err != nil {
		return nil, err
	}
	w, err := mixed.CreatePart(textproto.MIMEHeader{"Content-Type": {`multipart/alternative; boundary="` + alt.Boundary() + `"`}})
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(altBody.Bytes()); err != nil {
		return nil, err
	}
	for _, a := range m.Attachments {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		w, err := mixed.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {ct},
			"Content-Transfer-Encoding": {"base64"},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": a.Name})},
		})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(wrap64(a.Data)); err != nil {
			return nil, err
		}
	}
	if err := mixed.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// wrap64 base64-encodes data in 76-character lines (RFC 2045).
func wrap64(data []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(data)
	var b bytes.Buffer
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}
