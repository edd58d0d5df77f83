package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Key layout. Every key of the database is built (and taken apart) in this file, one prefix per
// key family; the other files use the prefixes only to bound a scan. Variable key parts end
// with a separator ("/" after ids, "\x00" after free text) so that a prefix scan for "abc"
// never matches "abcd".
//
//	meta/<name>                              → raw bytes (schema version, instance id, bootstrap flags)
//	user/<id>                                → app.User (usercodec.go)
//	cred/<id>                                → argon2id PHC string of the user's password
//	ix/username/<lower(username)>\x00        → user id (case-insensitive uniqueness)
//	ix/localid/<orgId>/<lower(localId)>\x00  → user id (unique within an organisation)
//	unit/<id>                                → app.Unit JSON
//	role/<id>                                → app.Role JSON
//	ref/<kind>/<id>                          → app.RefItem JSON
//	sess/<sha256(session id)>                → app.Session JSON
//	ix/usersess/<userId>/<sha256(session id)> → empty (ends every session of a user)
//	audit/<unix nanos, 8 bytes BE><id>       → app.AuditRecord (auditcodec.go; time-ordered)
//	ix/audittarget/<targetId>/<nanos><id>    → empty
//	ix/auditactor/<actorId>/<nanos><id>      → empty
//	mail/<id>                                → app.Message JSON (bodies; attachments inline in older records)
//	mailatt/<id>/<n>                         → attachment n of message id, S2-compressed (mail.go)
//	ix/mailbox/<userId>/<nanos><id>          → app.MessageSummary JSON (a user's mailbox, time-ordered)
//	ix/outbox/<nanos><id>                    → app.MessageSummary JSON (every message, time-ordered)
//	tok/<sha256(token)>                      → app.Token JSON (activation and reset links)
//	ix/usertok/<userId>/<purpose>/<sha256(token)> → empty (revokes a user's older links)
//	imp/<importId>/                          → app.Import JSON (a CSV import: report totals, apply progress)
//	imp/<importId>/row/<index, 4 bytes BE>   → app.ImportRow (imports.go: cells, validation, result)
//	imp/<importId>/act/<action>/<index>      → empty (rows by validated action, for paging a filter)
//	imp/<importId>/acl/                      → empty (the import's rows by action are stored as lists)
//	imp/<importId>/acl/<action>/<chunk, 4 bytes BE> → row indexes, 4 bytes BE each (the same, as
//	                                           lists of actionChunk: PutImportActions in imports.go)
//	imp/<importId>/res/<index, 4 bytes BE>   → an applied row's result and message (imports.go)
//	ix/imptime/<unix nanos, 8 bytes BE><id>  → empty (import history, newest first)
//	ix/impsha/<sha256 hex>/<importId>        → empty (the same file uploaded before)
//	apitok/<tokenId>                         → app.APIToken JSON (a script's API token; its secret only hashed)
//	ix/apitoksecret/<sha256(secret)>         → token id (finds a Bearer token)
//	ix/userapitok/<userId>/<tokenId>         → empty (a user's tokens)
const (
	pMeta          = "meta/"
	pUser          = "user/"
	pCred          = "cred/"
	pIxUsername    = "ix/username/"
	pIxLocalID     = "ix/localid/"
	pUnit          = "unit/"
	pRole          = "role/"
	pRef           = "ref/"
	pSession       = "sess/"
	pIxUserSession = "ix/usersess/"
	pAudit         = "audit/"
	pIxAuditTarget = "ix/audittarget/"
	pIxAuditActor  = "ix/auditactor/"
	pMail          = "mail/"
	pMailAtt       = "mailatt/"
	pIxMailbox     = "ix/mailbox/"
	pIxOutbox      = "ix/outbox/"
	pToken         = "tok/"
	pIxUserToken   = "ix/usertok/"
	pImport        = "imp/"
	pIxImportTime  = "ix/imptime/"
	pIxImportSHA   = "ix/impsha/"
	pAPIToken      = "apitok/"
	pIxAPISecret   = "ix/apitoksecret/"
	pIxUserAPITok  = "ix/userapitok/"
)

// Meta names the store itself keeps; other packages keep theirs through Tx.Meta and SetMeta.
const (
	// instanceKey names the store's instance id: it tells this store from every other,
	// including one restored from its backup (restore gives the copy a new id).
	instanceKey = "instance-id"
	// schemaKeyName names the store's schema version (schema.go), in decimal digits.
	schemaKeyName = "schema-version"
)

func metaKey(name string) []byte   { return []byte(pMeta + name) }
func schemaKey() []byte            { return metaKey(schemaKeyName) }
func userKey(id string) []byte     { return []byte(pUser + id) }
func credKey(id string) []byte     { return []byte(pCred + id) }
func unitKey(id string) []byte     { return []byte(pUnit + id) }
func roleKey(id string) []byte     { return []byte(pRole + id) }
func refPrefix(kind string) []byte { return []byte(pRef + kind + "/") }
func refKey(kind, id string) []byte {
	return []byte(pRef + kind + "/" + id)
}

func usernameKey(username string) []byte {
	return []byte(pIxUsername + strings.ToLower(username) + "\x00")
}

func localIDKey(orgID, localID string) []byte {
	return []byte(pIxLocalID + orgID + "/" + strings.ToLower(localID) + "\x00")
}

// sessionHash is what the store keeps instead of a session id.
func sessionHash(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

func sessionKey(id string) []byte { return []byte(pSession + sessionHash(id)) }
func userSessionPrefix(userID string) []byte {
	return []byte(pIxUserSession + userID + "/")
}
func userSessionKey(userID, id string) []byte {
	return append(userSessionPrefix(userID), sessionHash(id)...)
}

// auditSuffix orders audit records by time, then id.
func auditSuffix(at time.Time, id string) []byte {
	b := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(b, uint64(at.UnixNano()))
	return append(b, id...)
}

func auditKey(at time.Time, id string) []byte {
	return append([]byte(pAudit), auditSuffix(at, id)...)
}
func auditTargetPrefix(targetID string) []byte { return []byte(pIxAuditTarget + targetID + "/") }
func auditActorPrefix(actorID string) []byte   { return []byte(pIxAuditActor + actorID + "/") }

func mailKey(id string) []byte { return []byte(pMail + id) }
func mailAttachmentKey(id string, n int) []byte {
	return strconv.AppendInt([]byte(pMailAtt+id+"/"), int64(n), 10)
}
func mailboxPrefix(userID string) []byte {
	return []byte(pIxMailbox + userID + "/")
}

// tokenHash is what the store keeps instead of an emailed token.
func tokenHash(token string) string { return sessionHash(token) }

func tokenKey(token string) []byte { return []byte(pToken + tokenHash(token)) }

// userTokenPrefix covers every token of a user, or those of one purpose when purpose is set.
func userTokenPrefix(userID, purpose string) []byte {
	if purpose == "" {
		return []byte(pIxUserToken + userID + "/")
	}
	return []byte(pIxUserToken + userID + "/" + purpose + "/")
}
func userTokenKey(userID, purpose, token string) []byte {
	return append(userTokenPrefix(userID, purpose), tokenHash(token)...)
}

// apiTokenSecretHash is what the store keeps instead of an API token's secret.
func apiTokenSecretHash(secret string) string { return sessionHash(secret) }

func apiTokenKey(id string) []byte            { return []byte(pAPIToken + id) }
func apiSecretKey(hash string) []byte         { return []byte(pIxAPISecret + hash) }
func userAPITokenPrefix(userID string) []byte { return []byte(pIxUserAPITok + userID + "/") }
func userAPITokenKey(userID, id string) []byte {
	return append(userAPITokenPrefix(userID), id...)
}

// userIDOfKey is the id a user key ends with.
func userIDOfKey(k []byte) []byte { return k[len(pUser):] }

// parseLocalIDKey splits a Local ID index key into its organisation and (lower-cased) Local ID.
func parseLocalIDKey(k []byte) (orgID, localID string, ok bool) {
	rest := string(k[len(pIxLocalID):])
	orgID, localID, ok = strings.Cut(rest, "/")
	return orgID, strings.TrimSuffix(localID, "\x00"), ok
}

// sessionKeyOfHash is sessionKey for a session known by its hash (the tail of an index key).
func sessionKeyOfHash(hash string) []byte { return []byte(pSession + hash) }

// auditKeyOfSuffix is the key of the audit record an index key ending in suffix names.
func auditKeyOfSuffix(suffix []byte) []byte { return append([]byte(pAudit), suffix...) }
func auditTargetKey(targetID string, at time.Time, id string) []byte {
	return append(auditTargetPrefix(targetID), auditSuffix(at, id)...)
}
func auditActorKey(actorID string, at time.Time, id string) []byte {
	return append(auditActorPrefix(actorID), auditSuffix(at, id)...)
}

func outboxKey(at time.Time, id string) []byte {
	return append([]byte(pIxOutbox), auditSuffix(at, id)...)
}
func mailboxKey(userID string, at time.Time, id string) []byte {
	return append(mailboxPrefix(userID), auditSuffix(at, id)...)
}

// tokenKeyOfHash is tokenKey for a token known by its hash (the tail of an index key).
func tokenKeyOfHash(hash string) []byte { return []byte(pToken + hash) }

func importKey(id string) []byte       { return []byte(pImport + id + "/") }
func importRowPrefix(id string) []byte { return []byte(pImport + id + "/row/") }

// appendIndex appends a row index, or a chunk number, as 4 bytes big-endian: keys then sort in
// file order. Both are bounded by csvio.MaxRows (150,000).
func appendIndex(b []byte, index int) []byte {
	return binary.BigEndian.AppendUint32(b, uint32(index)) // #nosec G115 -- bounded by csvio.MaxRows
}

// importIndexOfKey is the row index a row, result or action key ends with.
func importIndexOfKey(k []byte) int { return int(binary.BigEndian.Uint32(k[len(k)-4:])) }

func importRowKey(id string, index int) []byte { return appendIndex(importRowPrefix(id), index) }
func importActionPrefix(id, action string) []byte {
	return []byte(pImport + id + "/act/" + action + "/")
}
func importActionKey(id, action string, index int) []byte {
	return appendIndex(importActionPrefix(id, action), index)
}
func importActionListPrefix(id string) []byte { return []byte(pImport + id + "/acl/") }
func importActionListKey(id, action string, chunk int) []byte {
	return appendIndex(append(importActionListPrefix(id), action+"/"...), chunk)
}
func importResultPrefix(id string) []byte { return []byte(pImport + id + "/res/") }
func importResultKey(id string, index int) []byte {
	return appendIndex(importResultPrefix(id), index)
}

func importTimeKey(createdAt time.Time, id string) []byte {
	return append([]byte(pIxImportTime), auditSuffix(createdAt, id)...)
}

// importIDOfTimeKey is the import id an import time key ends with.
func importIDOfTimeKey(k []byte) string  { return string(k[len(pIxImportTime)+8:]) }
func importSHAPrefix(sum string) []byte  { return []byte(pIxImportSHA + sum + "/") }
func importSHAKey(sum, id string) []byte { return append(importSHAPrefix(sum), id...) }
