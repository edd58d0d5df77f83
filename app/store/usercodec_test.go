package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"userdesk/app"
)

// fillEvery sets every field of v (a struct) to a non-zero value derived from seed.
func fillEvery(t *testing.T, v reflect.Value, seed int) {
	t.Helper()
	for i := 0; i < v.NumField(); i++ {
		f, name := v.Field(i), v.Type().Field(i).Name
		if v.Type().Field(i).Tag.Get("json") == "-" {
			continue // runtime only (User.Token): never stored
		}
		n := seed*100 + i + 1
		switch f.Kind() {
		case reflect.String:
			f.SetString(fmt.Sprintf("%s-%d-é\x00\"", name, n))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(n) * 1_000_003)
		case reflect.Uint64:
			f.SetUint(uint64(n) << 40)
		case reflect.Slice:
			s := reflect.MakeSlice(f.Type(), 2, 2)
			for j := 0; j < 2; j++ {
				if s.Index(j).Kind() == reflect.String {
					s.Index(j).SetString(fmt.Sprintf("%s[%d]-%d", name, j, n))
				} else {
					fillEvery(t, s.Index(j), n+j)
				}
			}
			f.Set(s)
		case reflect.Struct: // time.Time
			f.Set(reflect.ValueOf(time.Unix(int64(n)*7919, int64(n)).UTC()))
		case reflect.Pointer: // *time.Time
			tm := time.Unix(int64(n)*104729, int64(n)*3).UTC()
			f.Set(reflect.ValueOf(&tm))
		default:
			t.Fatalf("field %s has kind %s: teach fillEvery and the user codec about it", name, f.Kind())
		}
	}
}

// TestUserCodecCoversEveryField fills every field of app.User and checks that the binary form
// gives it back: a field added to app.User but not to the codec fails here.
func TestUserCodecCoversEveryField(t *testing.T) {
	for seed := 0; seed < 3; seed++ {
		var u app.User
		fillEvery(t, reflect.ValueOf(&u).Elem(), seed)
		var got app.User
		if err := decodeUser(encodeUser(&u), &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, u) {
			t.Fatalf("round trip differs:\n got %+v\nwant %+v", got, u)
		}
		// Decoded with its strings sharing the record's memory (the users' snapshot of an
		// import), it is the same user, and stays so as long as the record is not written.
		rec := encodeUser(&u)
		var aliased app.User
		if err := decodeUserFrom(rec, &aliased, true); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(aliased, u) {
			t.Fatalf("aliased decode differs:\n got %+v\nwant %+v", aliased, u)
		}
		if u.Username != "" && unsafe.StringData(aliased.Username) == unsafe.StringData(got.Username) {
			t.Fatal("the copying decode shares memory")
		}
		if i := bytes.Index(rec, []byte(u.Username)); u.Username != "" && unsafe.StringData(aliased.Username) != &rec[i] {
			t.Fatal("the aliased decode copied the username")
		}
	}
}

// TestUserCodecAgreesWithJSON checks that a user comes back from the binary form exactly as it
// comes back from JSON (the form of the API, and of the store before the binary one): nil and
// empty lists, zero and nil times.
func TestUserCodecAgreesWithJSON(t *testing.T) {
	now := time.Now().UTC()
	var zero time.Time
	for _, u := range []app.User{
		{},
		{ID: "a", OrgIDs: []string{}, AdminRoles: []app.Grant{}, RoleIDs: nil, LastLoginAt: &zero, CreatedAt: now, MailboxSizeMB: -1},
		{ID: "b", Username: "x@y.org", AdminRoles: []app.Grant{{RoleID: "r", UnitID: "u"}}, ActivatedAt: &now, UpdatedAt: now},
	} {
		j, _ := json.Marshal(&u)
		var fromJSON, fromBinary app.User
		if err := json.Unmarshal(j, &fromJSON); err != nil {
			t.Fatal(err)
		}
		if err := decodeUser(encodeUser(&u), &fromBinary); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fromJSON, fromBinary) {
			t.Fatalf("JSON and binary differ:\n%+v\n%+v", fromJSON, fromBinary)
		}
	}
}

// TestUserCodecDamagedRecords: a record that ends at a field boundary, goes on after its last
// field, claims a string longer than itself, has an unknown version or is JSON (the form
// before 0.1) is an error; garbled records are errors or decode to something, never a panic.
// codecs_test.go cuts the golden record at every byte.
func TestUserCodecDamagedRecords(t *testing.T) {
	full := encodeUser(&app.User{ID: "id1", Username: "u@x.org", FirstName: "Ann", OrgIDs: []string{"o"}})
	old := encodeUser(&app.User{ID: "id1", Username: "u@x.org"})
	for name, bad := range map[string][]byte{
		"the first three fields": old[:1+1+3+1+1+7], // version, id, version number, username
		"a byte after the last":  append(append([]byte{}, full...), 0),
		"a string past the end":  {userCodecV1, 0xff, 0xff, 0xff},
		"an unknown version":     {0x7f},
		"JSON":                   []byte(`{"id":"a","username":"u@x.org"}`),
		"empty":                  nil,
		"the version byte alone": {userCodecV1},
	} {
		if err := decodeUser(bad, &app.User{}); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	var u app.User
	if err := decodeUser(full, &u); err != nil || u.FirstName != "Ann" {
		t.Fatalf("the whole record: %+v, %v", u, err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		b := append([]byte(nil), full...)
		for range 1 + r.IntN(4) {
			b[1+r.IntN(len(b)-1)] = byte(r.IntN(256))
		}
		_ = decodeUser(b[:1+r.IntN(len(b))], &app.User{})
	}
}
