package app

import (
	"errors"
	"fmt"
)

// ErrorCode classifies an application error; the API maps each code to one HTTP status.
type ErrorCode string

// Error codes used across Userdesk. The API's status table lives in api/errors.go.
const (
	EINVALID      ErrorCode = "invalid"               // 422: a value breaks a rule
	EBADREQUEST   ErrorCode = "bad_request"           // 400: malformed request
	ENOTFOUND     ErrorCode = "not_found"             // 404
	ECONFLICT     ErrorCode = "conflict"              // 409
	EFORBIDDEN    ErrorCode = "forbidden"             // 403
	EUNAUTHORIZED ErrorCode = "unauthorized"          // 401
	ESTALE        ErrorCode = "stale"                 // 412: If-Match did not match
	EPRECONDITION ErrorCode = "precondition_required" // 428: If-Match missing
	ETOOMANY      ErrorCode = "too_many_requests"     // 429
	ETOOLARGE     ErrorCode = "too_large"             // 413
	EINTERNAL     ErrorCode = "internal"              // 500
	ESTORAGE      ErrorCode = "insufficient_storage"  // 507: the disk is (nearly) full
)

// Error is an error meant for the person at the other end: Message is shown as is and Fields
// names the fields at fault with a message each.
type Error struct {
	Code    ErrorCode
	Message string
	Fields  map[string]string
	// Extra carries additional members for the problem document (e.g. the current version
	// of a record on a stale save).
	Extra map[string]any
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrors returns an EINVALID error naming each field at fault.
func FieldErrors(message string, fields map[string]string) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// ErrorCodeOf returns the code of an *Error in err's chain, or EINTERNAL.
func ErrorCodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}
