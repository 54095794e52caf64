package client

import "strings"

// SetServer points the engine at another server (the sign-in screen's
// server address). It waits for a running pass to finish; the next pass
// notices the change and starts the pull from the beginning.
func (e *Engine) SetServer(baseURL string) {
	baseURL = strings.TrimRight(baseURL, "/")
	e.syncMu.Lock()
	defer e.syncMu.Unlock()
	e.baseURL = baseURL
	e.http.SetBaseURL(baseURL)
}
