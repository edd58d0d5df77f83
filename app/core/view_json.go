package core

import (
	"encoding/json"
	"errors"
)

// AppendJSON appends the view as encoding/json would write it (the user's fields, then
// capabilities, then warnings), but without encoding/json re-checking the capabilities that
// app.Capabilities writes itself: that check was half the cost of a GET /users/{id} answer.
func (v *UserView) AppendJSON(b []byte) ([]byte, error) {
	user := []byte("{}")
	if v.User != nil {
		var err error
		if user, err = json.Marshal(v.User); err != nil {
			return nil, err
		}
	}
	if len(user) < 2 || user[0] != '{' || user[len(user)-1] != '}' {
		return nil, errors.New("user view: the user does not encode as an object")
	}
	b = append(b, user[:len(user)-1]...)
	if len(user) > 2 {
		b = append(b, ',')
	}
	b = append(b, `"capabilities":`...)
	caps, err := v.Capabilities.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b = append(b, caps...)
	if len(v.Warnings) > 0 {
		w, err := json.Marshal(v.Warnings)
		if err != nil {
			return nil, err
		}
		b = append(append(b, `,"warnings":`...), w...)
	}
	return append(b, '}'), nil
}

// MarshalJSON makes every other encoding of a view (a stale-save answer carries one) the same.
func (v *UserView) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil) }
