package stack

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A part that crashes at once is restarted with a doubling back-off, each
// exit reported as it happens, and Stop ends it even while it waits.
func TestCrashLoopBacksOff(t *testing.T) {
	dir := t.TempDir()
	// Exits a moment after it starts, as a service with a bad config does.
	script := "#!/bin/sh\necho starting\nsleep 0.1\nexit 3\n"
	if err := os.WriteFile(filepath.Join(dir, "crasher"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	log := &lockedLog{}
	s := &Stack{binDir: dir, log: log}
	if err := s.start("crasher", "127.0.0.1:1", nil, nil); err != nil {
		t.Fatal(err)
	}
	p := s.procs[0]
	p.mu.Lock()
	p.keepUp = true // as waitReady does once the part answered
	p.mu.Unlock()

	exited := regexp.MustCompile(`(?m)^dev: crasher exited: exit status 3; restarting it in (\S+)$`)
	deadline := time.Now().Add(20 * time.Second)
	var delays []string
	for time.Now().Before(deadline) {
		delays = nil
		for _, m := range exited.FindAllStringSubmatch(log.String(), -1) {
			delays = append(delays, m[1])
		}
		if len(delays) >= 4 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	want := []string{"250ms", "500ms", "1s", "2s"}
	if len(delays) < len(want) || strings.Join(delays[:4], " ") != strings.Join(want, " ") {
		t.Fatalf("restart delays %v, want %v first\n%s", delays, want, log.String())
	}
	if n := strings.Count(log.String(), "crasher    | starting"); n < 4 {
		t.Errorf("started %d times, want at least 4 (its output is in the log)\n%s", n, log.String())
	}

	// Stop during the back-off returns at once, and nothing is started
	// after it.
	start := time.Now()
	s.stopProc(p)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stopping a crash-looping part took %v", d)
	}
	after := log.String()
	time.Sleep(2500 * time.Millisecond)
	if log.String() != after {
		t.Errorf("the part ran on after Stop:\n%s", strings.TrimPrefix(log.String(), after))
	}
}

// A part that exits before it was ever ready is not restarted: Start fails
// and says so.
func TestExitBeforeReady(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken"), []byte("#!/bin/sh\nexit 2\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	log := &lockedLog{}
	s := &Stack{binDir: dir, log: log}
	if err := s.start("broken", "127.0.0.1:1", nil, nil); err != nil {
		t.Fatal(err)
	}
	err := waitReady(t.Context(), s.procs[0])
	if err == nil || !strings.Contains(err.Error(), "broken exited before it was ready") {
		t.Errorf("waitReady: %v, want that broken exited", err)
	}
	s.stopProc(s.procs[0])
	if strings.Contains(log.String(), "restarting") {
		t.Errorf("a part that never was ready was restarted:\n%s", log.String())
	}
}

// Parts run in their own process group: Ctrl-C in the terminal sends
// SIGINT to the stack's group only, and the stack then stops the parts in
// order, instead of every part exiting at once and being restarted.
func TestPartsOwnProcessGroup(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sleeper"), []byte("#!/bin/sh\nexec sleep 30\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s := &Stack{binDir: dir, log: &lockedLog{}}
	if err := s.start("sleeper", "127.0.0.1:1", nil, nil); err != nil {
		t.Fatal(err)
	}
	p := s.procs[0]
	defer s.stopProc(p)
	pgid, err := syscall.Getpgid(p.cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if pgid == syscall.Getpgrp() {
		t.Errorf("the part is in the stack's process group %d", pgid)
	}
}
