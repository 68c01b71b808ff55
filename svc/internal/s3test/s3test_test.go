package s3test

import (
	"net/http"
	"testing"
)

func TestStart(t *testing.T) {
	s := Need(t)
	// Unsigned requests are refused: the server answers and checks
	// credentials.
	resp, err := http.Get("http://" + s.Endpoint + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned GET / = %d, want 403", resp.StatusCode)
	}
}
