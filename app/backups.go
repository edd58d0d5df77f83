package app

import "time"

// BackupFile is a backup kept in the data directory's backups folder.
type BackupFile struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"` // "manual" (Back up now, the API) or "scheduled" (--backup-every)
	Size      int64     `json:"size"`
	CreatedAt time.Time `json:"createdAt"`
	Users     int64     `json:"users,omitempty"`
}

// BackupSchedule is how often backups are taken on their own, and how many are kept.
type BackupSchedule struct {
	Every time.Duration `json:"-"`
	Keep  int           `json:"keep"`
	// EveryText is Every for people and scripts ("24h0m0s"); empty when there is no schedule.
	EveryText string `json:"every,omitempty"`
}
