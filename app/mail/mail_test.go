package mail_test

import (
	"bufio"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"net"
	"strings"
	"testing"
	"time"

	"userdesk/app"
	"userdesk/app/mail"
	"userdesk/app/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// smtpSink is a minimal SMTP server on loopback that hands each message's DATA to a channel.
func smtpSink(t *testing.T) (addr string, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan string, 10)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSMTP(conn, ch)
		}
	}()
	return ln.Addr().String(), ch
}

func serveSMTP(conn net.Conn, ch chan<- string) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(s string) { _, _ = io.WriteString(conn, s+"\r\n") }
	say("220 sink ready")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 sink")
		case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"):
			say("250 OK")
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			ch <- b.String()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("500 what")
		}
	}
}

func TestMailStoreAndRelay(t *testing.T) {
	st := openStore(t)
	addr, got := smtpSink(t)
	s, err := mail.New(st, mail.Options{BaseURL: "http://127.0.0.1:8470", SMTP: "smtp://" + addr, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u := &app.User{ID: "u1", Username: "ann@example.org", Email: "ann@example.org", DisplayName: "Ann <b>Lee</b>"}
	csv := []byte("id,Result\r\n1,updated\r\n")
	im := &app.Import{ID: "imp7", FileName: "staff list.csv", Results: app.ImportTotals{Update: 98, Create: 1, Error: 2}}
	if err := s.SendImportResults(u, im, csv); err != nil {
		t.Fatal(err)
	}
	var data string
	select {
	case data = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the relay got nothing")
	}
	for _, want := range []string{"To: ann@example.org", "multipart/mixed", `staff list-results.csv`, base64.StdEncoding.EncodeToString(csv)} {
		if !strings.Contains(data, want) {
			t.Errorf("relayed message lacks %q:\n%s", want, data)
		}
	}
	var subject string
	for _, line := range strings.Split(data, "\r\n") {
		if v, ok := strings.CutPrefix(line, "Subject: "); ok {
			subject, _ = new(mime.WordDecoder).DecodeHeader(v)
		}
	}
	if subject != "staff list.csv: 98 updated, 1 created, 2 errors" {
		t.Errorf("subject %q", subject)
	}

	// The local store holds it too, in the mailbox and the outbox; the HTML escapes names.
	err = st.View(func(tx app.Tx) error {
		box, err := tx.Messages("u1", 0)
		if err != nil || len(box) != 1 {
			t.Fatalf("mailbox: %v %v", box, err)
		}
		all, _ := tx.Messages("", 0)
		if len(all) != 1 || all[0].ID != box[0].ID || box[0].Size <= int64(len(csv)) {
			t.Fatalf("outbox: %v", all)
		}
		m, err := tx.Message(box[0].ID)
		if err != nil {
			return err
		}
		if strings.Contains(m.HTML, "<b>Lee") || !strings.Contains(m.HTML, "&lt;b&gt;Lee") {
			t.Errorf("HTML does not escape the name: %s", m.HTML)
		}
		if !strings.Contains(m.Text, "http://127.0.0.1:8470/imports/imp7") {
			t.Errorf("text lacks the console link: %s", m.Text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Messages committed later are relayed once each, newest too.
	for _, subj := range []string{"second", "third"} {
		if err := s.Send(&app.Message{To: "bob@example.org", Subject: subj, Text: "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	deadline := time.After(10 * time.Second)
	for len(seen) < 2 {
		select {
		case d := <-got:
			for _, subj := range []string{"second", "third"} {
				if strings.Contains(d, "Subject: "+subj) {
					seen[subj]++
				}
			}
		case <-deadline:
			t.Fatalf("relayed %v", seen)
		}
	}
	select {
	case d := <-got:
		t.Fatalf("a message was relayed twice: %s", d[:min(200, len(d))])
	case <-time.After(2500 * time.Millisecond):
	}
}

func TestRelayFailureDoesNotBlock(t *testing.T) {
	st := openStore(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens: every relay attempt fails
	s, err := mail.New(st, mail.Options{SMTP: "smtp://" + dead, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.Send(&app.Message{To: "x@example.org", Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > time.Second {
		t.Fatal("Send waited for the relay")
	}
	s.Close()
}

func TestOptions(t *testing.T) {
	st := openStore(t)
	for _, bad := range []string{"http://mail.example", "smtp://", "smtp://host:25/path", "::"} {
		if _, err := mail.New(st, mail.Options{SMTP: bad}); err == nil {
			t.Errorf("SMTP %q accepted", bad)
		}
	}
	s, err := mail.New(st, mail.Options{SMTP: "smtp://user:pw@localhost"})
	if err != nil || s.RelayAddr() != "localhost:25" {
		t.Fatalf("relay %q %v", s.RelayAddr(), err)
	}
	s.Close()
	for addr, want := range map[string]string{
		"127.0.0.1:8470": "http://127.0.0.1:8470", "0.0.0.0:9000": "http://localhost:9000",
		":8470": "http://localhost:8470", "[::1]:80": "http://[::1]:80",
	} {
		if got := mail.BaseURL(addr); got != want {
			t.Errorf("BaseURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

// TestNoticeRelayed: a security notice written in a change's transaction reaches the relay
// once the transaction has committed, at the address it names (an email change's old one).
func TestNoticeRelayed(t *testing.T) {
	st := openStore(t)
	addr, got := smtpSink(t)
	s, err := mail.New(st, mail.Options{BaseURL: "http://127.0.0.1:8470", SMTP: "smtp://" + addr, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u := &app.User{ID: "u1", Username: "ann@example.org", Email: "ann.new@example.org", DisplayName: "Ann Lee"}
	err = st.Update(func(tx app.Tx) error {
		_, err := s.Notice(tx, u, "ann@example.org", "The email address of your Userdesk account was changed",
			[]string{"Changed from ann@example.org to ann.new@example.org by admin@userdesk.local."})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Relay()
	select {
	case data := <-got:
		for _, want := range []string{"To: ann@example.org", "Subject: The email address of your Userdesk account was changed"} {
			if !strings.Contains(data, want) {
				t.Errorf("relayed notice lacks %q:\n%s", want, data)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the relay got nothing")
	}
}
