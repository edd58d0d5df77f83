package store

import (
	"errors"
	"sort"

	"userdesk/app"
)

// APIToken returns an API token's record.
func (t *Tx) APIToken(id string) (*app.APIToken, error) {
	var tok app.APIToken
	if id == "" {
		return nil, app.Errorf(app.ENOTFOUND, "Token not found.")
	}
	if err := t.getJSON(apiTokenKey(id), &tok); err != nil {
		return nil, notFound("Token", err)
	}
	return &tok, nil
}

// APITokenBySecret finds the token whose secret is secret.
func (t *Tx) APITokenBySecret(secret string) (*app.APIToken, error) {
	if secret == "" {
		return nil, app.Errorf(app.ENOTFOUND, "Token not found.")
	}
	id, err := t.getRaw(apiSecretKey(apiTokenSecretHash(secret)))
	if err != nil {
		return nil, notFound("Token", err)
	}
	return t.APIToken(string(id))
}

// PutAPIToken stores a token with its indexes; secret is given at creation only and is kept
// as its hash.
func (t *Tx) PutAPIToken(tok *app.APIToken, secret string) error {
	if tok.ID == "" || tok.UserID == "" {
		return errors.New("put API token: empty id or user")
	}
	if secret != "" {
		tok.SecretHash = apiTokenSecretHash(secret)
		if err := t.txn.Set(apiSecretKey(tok.SecretHash), []byte(tok.ID)); err != nil {
			return err
		}
	}
	if tok.SecretHash == "" {
		return errors.New("put API token: no secret")
	}
	if err := t.putJSON(apiTokenKey(tok.ID), tok); err != nil {
		return err
	}
	return t.txn.Set(userAPITokenKey(tok.UserID, tok.ID), nil)
}

// DeleteAPIToken revokes a token: its record and indexes go; a missing one is no error.
func (t *Tx) DeleteAPIToken(id string) error {
	tok, err := t.APIToken(id)
	if app.ErrorCodeOf(err) == app.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	for _, k := range [][]byte{apiSecretKey(tok.SecretHash), userAPITokenKey(tok.UserID, id), apiTokenKey(id)} {
		if err := t.txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// UserAPITokens lists a user's tokens, oldest first.
func (t *Tx) UserAPITokens(userID string) ([]app.APIToken, error) {
	prefix := userAPITokenPrefix(userID)
	var ids []string
	if err := t.scanKeys(prefix, func(k []byte) error { ids = append(ids, string(k[len(prefix):])); return nil }); err != nil {
		return nil, err
	}
	out := make([]app.APIToken, 0, len(ids))
	for _, id := range ids {
		tok, err := t.APIToken(id)
		if app.ErrorCodeOf(err) == app.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *tok)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// deleteUserAPITokens revokes every token of a user (the user is being deleted).
func (t *Tx) deleteUserAPITokens(userID string) error {
	toks, err := t.UserAPITokens(userID)
	if err != nil {
		return err
	}
	for _, tok := range toks {
		if err := t.DeleteAPIToken(tok.ID); err != nil {
			return err
		}
	}
	return nil
}
