package api

import "time"

// SignInEvaluations counts sign-in attempts whose password was checked.
func SignInEvaluations(s *Server) int64 { return s.throttle.evaluated.Load() }

// SetSignInDelays shortens the waits after failed sign-ins (before any request is sent).
func SetSignInDelays(s *Server, base, maxDelay time.Duration) {
	s.throttle.mu.Lock()
	defer s.throttle.mu.Unlock()
	s.throttle.base, s.throttle.maxDelay = base, maxDelay
}

// SetClock replaces the server's clock (sessions' timeouts).
func SetClock(s *Server, now func() time.Time) {
	s.now = now
	s.throttle.mu.Lock()
	s.throttle.now = now
	s.throttle.mu.Unlock()
}

// SetStreamCheck sets how often event streams check their session.
func SetStreamCheck(s *Server, d time.Duration) { s.streamCheck = d }
