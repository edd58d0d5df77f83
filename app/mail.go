package app

import "time"

// Attachment is a file attached to a message.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Data        []byte `json:"data"`
}

// Message is one mail Userdesk sent: it lands in the local mail store (the recipient's mailbox
// and the outbox) and, when a relay is configured, is also handed to SMTP.
type Message struct {
	ID          string       `json:"id"`
	To          string       `json:"to"`
	ToUserID    string       `json:"toUserId"`
	Subject     string       `json:"subject"`
	Text        string       `json:"text"`
	HTML        string       `json:"html"`
	Attachments []Attachment `json:"attachments"`
	SentAt      time.Time    `json:"sentAt"`
}

// Size is what a message counts against its recipient's mailbox quota.
func (m *Message) Size() int64 {
	n := int64(len(m.To) + len(m.Subject) + len(m.Text) + len(m.HTML))
	for _, a := range m.Attachments {
		n += int64(len(a.Name) + len(a.ContentType) + len(a.Data))
	}
	return n
}

// MessageSummary is a message as mailbox listings show it, without bodies or attachments.
type MessageSummary struct {
	ID       string    `json:"id"`
	To       string    `json:"to"`
	ToUserID string    `json:"toUserId"`
	Subject  string    `json:"subject"`
	SentAt   time.Time `json:"sentAt"`
	Size     int64     `json:"size"`
}

// Summary returns the listing entry of m.
func (m *Message) Summary() MessageSummary {
	return MessageSummary{ID: m.ID, To: m.To, ToUserID: m.ToUserID, Subject: m.Subject, SentAt: m.SentAt, Size: m.Size()}
}

// TokenPurpose says what an emailed token is good for.
type TokenPurpose string

// Token purposes.
const (
	TokenActivation TokenPurpose = "activation"
	TokenReset      TokenPurpose = "reset"
)

// Token is an emailed single-use token. The token itself is never stored: the store keys it by
// its SHA-256, so a copy of the database hands out no working links.
type Token struct {
	UserID    string       `json:"userId"`
	Purpose   TokenPurpose `json:"purpose"`
	CreatedAt time.Time    `json:"createdAt"`
	ExpiresAt time.Time    `json:"expiresAt"`
}

// MailTx is the part of a transaction that keeps the local mail store and emailed tokens.
type MailTx interface {
	// PutMessage stores a message in the outbox and its recipient's mailbox.
	PutMessage(m *Message) error
	Message(id string) (*Message, error)
	// Messages lists summaries newest first: the mailbox of toUserID, or the whole outbox when
	// toUserID is "". limit ≤ 0 means no limit.
	Messages(toUserID string, limit int) ([]MessageSummary, error)

	// PutToken stores t under the hash of token.
	PutToken(token string, t *Token) error
	// Token returns the token's record (ENOTFOUND when unknown or already used).
	Token(token string) (*Token, error)
	DeleteToken(token string) error
	// DeleteUserTokens removes every token of a user for purpose ("" for all purposes) and
	// returns how many there were.
	DeleteUserTokens(userID string, purpose TokenPurpose) (int, error)
}
