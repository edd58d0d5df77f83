package app

import "time"

// KioskPersona is a demo account a kiosk visitor may try without its password.
type KioskPersona struct {
	Username string `json:"username"`
	Name     string `json:"name"`
	// Summary says in one line what the persona may do, from its roles.
	Summary string `json:"summary"`
}

// KioskState is what a kiosk's consoles show: when it resets, and who to try it as.
type KioskState struct {
	NextResetAt time.Time      `json:"nextResetAt"`
	LastResetAt time.Time      `json:"lastResetAt"`
	ResetEvery  string         `json:"resetEvery"`
	ResetIdle   string         `json:"resetIdle"`
	Personas    []KioskPersona `json:"personas"`
}

// KioskTask is one guided task and whether this visitor (since the last reset) did it.
type KioskTask struct {
	ID   string `json:"id"`
	Done bool   `json:"done"`
}
