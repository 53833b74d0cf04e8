package types

import (
	"errors"
	"fmt"
)

// Error is a failure a transaction or query reports to its sender: a stable
// numeric code (the ABCI result code) in a codespace, and a message a person
// can act on.
type Error struct {
	Codespace string
	Code      uint32
	Msg       string
	base      *Error
}

func (e *Error) Error() string { return e.Msg }

// Is makes errors.Is match an error wrapped with Wrapf against its registered
// sentinel.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	if e == t {
		return true
	}
	return e.base != nil && e.base == t
}

// Wrapf returns the same code with a more specific message.
func (e *Error) Wrapf(format string, args ...any) *Error {
	base := e
	if e.base != nil {
		base = e.base
	}
	return &Error{Codespace: e.Codespace, Code: e.Code, Msg: e.Msg + ": " + fmt.Sprintf(format, args...), base: base}
}

var registered = map[string]map[uint32]*Error{}

// Register declares a sentinel error. Codes are unique per codespace; code 0
// is success and 1 is reserved for internal errors.
func Register(codespace string, code uint32, msg string) *Error {
	if code <= 1 {
		panic("types: error codes 0 and 1 are reserved")
	}
	m := registered[codespace]
	if m == nil {
		m = map[uint32]*Error{}
		registered[codespace] = m
	}
	if _, dup := m[code]; dup {
		panic(fmt.Sprintf("types: error code %d registered twice in %q", code, codespace))
	}
	e := &Error{Codespace: codespace, Code: code, Msg: msg}
	m[code] = e
	return e
}

// ABCIInfo returns the codespace, code and log of any error: registered
// errors keep their code, anything else is an internal error (code 1).
func ABCIInfo(err error) (codespace string, code uint32, log string) {
	if err == nil {
		return "", 0, ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Codespace, e.Code, err.Error()
	}
	return "pastel", 1, "internal error: " + err.Error()
}

// The codes of the transaction pipeline (codespace "pastel").
var (
	ErrTxDecode          = Register("pastel", 2, "tx decode: malformed transaction")
	ErrTxTooLarge        = Register("pastel", 3, "tx too large")
	ErrBadSignature      = Register("pastel", 4, "signature verification failed")
	ErrWrongNonce        = Register("pastel", 5, "wrong nonce")
	ErrInsufficientFunds = Register("pastel", 6, "insufficient funds")
	ErrInsufficientFee   = Register("pastel", 7, "fee below minimum")
	ErrUnknownMsg        = Register("pastel", 8, "unknown message type")
	ErrInvalidAmount     = Register("pastel", 9, "invalid amount")
	ErrInvalidAddress    = Register("pastel", 10, "invalid address")
	ErrTxTimeout         = Register("pastel", 11, "tx timed out")
	ErrInvalidRequest    = Register("pastel", 12, "invalid request")
	ErrUnauthorized      = Register("pastel", 13, "unauthorized")
	ErrNotFound          = Register("pastel", 14, "not found")
	ErrTooManyMsgs       = Register("pastel", 15, "too many messages")
	ErrOverflow          = Register("pastel", 16, "arithmetic overflow")
	ErrMempoolFull       = Register("pastel", 17, "mempool is full for this account")
)
