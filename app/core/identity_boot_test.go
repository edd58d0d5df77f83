package core_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"userdesk/app/apptest"
	"userdesk/app/boot"
)

// TestFirstAdminEmailFollowsTheIdentityRules: the first Super admin's --admin-email is held to
// the same rules as every other username.
func TestFirstAdminEmailFollowsTheIdentityRules(t *testing.T) {
	_, err := boot.Open(boot.Options{DataDir: t.TempDir(), Addr: "127.0.0.1:8470", AdminPassword: apptest.AdminPassword,
		AdminEmail: "admin@userdesk.local\u200b", ModelConf: apptest.ModelConf(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "invisible character (U+200B)") {
		t.Fatalf("err = %v", err)
	}
}
