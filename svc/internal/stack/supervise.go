package stack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Restart back-off: a part that exits is started again after minBackoff,
// each quick exit doubling the wait up to maxBackoff, so a part that
// crashes at start does not spin; one that ran for stableAfter starts from
// minBackoff again.
var (
	minBackoff  = 250 * time.Millisecond
	maxBackoff  = 8 * time.Second
	stableAfter = 10 * time.Second
)

// proc is one running part, started again whenever it exits once it was
// ready, until the stack stops.
type proc struct {
	name string
	addr string
	env  []string
	args []string

	// done is closed when the part exits before it was ready, which fails
	// Start.
	done  chan struct{}
	stop  chan struct{} // closed by Stop
	ended chan struct{} // closed when the supervisor returns

	mu  sync.Mutex
	cmd *exec.Cmd // the current process
	// keepUp is set once the part was ready: from then on an exit is
	// logged and the part restarted.
	keepUp   bool
	stopping bool
}

// start starts the part and a goroutine that waits for it and restarts it.
func (s *Stack) start(name, addr string, env, args []string) error {
	p := &proc{name: name, addr: addr, env: env, args: args,
		done: make(chan struct{}), stop: make(chan struct{}), ended: make(chan struct{})}
	cmd, closeLog, err := s.spawn(p)
	if err != nil {
		return err
	}
	s.procs = append(s.procs, p)
	go s.supervise(p, cmd, closeLog)
	return nil
}

// spawn starts the part's program once, unless the stack is stopping.
func (s *Stack) spawn(p *proc) (*exec.Cmd, func() error, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopping {
		return nil, nil, errStopping
	}
	cmd := s.command(p.name, p.env, p.args)
	pw := s.prefix(p.name)
	// Closing the log's pipe after each exit ends its line copier.
	closeLog := func() error {
		if c, ok := pw.(io.Closer); ok {
			return c.Close()
		}
		return nil
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		closeLog()
		return nil, nil, fmt.Errorf("start %s: %w", p.name, err)
	}
	p.cmd = cmd
	return cmd, closeLog, nil
}

var errStopping = fmt.Errorf("the stack is stopping")

// supervise waits for the part's process and, once the part was ready,
// reports each exit at once and starts it again after a back-off, so the
// site never answers 502 for a part that quietly died.
func (s *Stack) supervise(p *proc, cmd *exec.Cmd, closeLog func() error) {
	defer close(p.ended)
	backoff := minBackoff
	for {
		started := time.Now()
		err := cmd.Wait()
		closeLog()
		select {
		case <-p.stop:
			return
		default:
		}
		status := "exit status 0"
		if err != nil {
			status = err.Error()
		}
		p.mu.Lock()
		if !p.keepUp {
			close(p.done)
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		if time.Since(started) >= stableAfter {
			backoff = minBackoff
		}
		s.logf("dev: %s exited: %s; restarting it in %v", p.name, status, backoff)
		for {
			select {
			case <-p.stop:
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, maxBackoff)
			var err error
			cmd, closeLog, err = s.spawn(p)
			if err == errStopping {
				return
			}
			if err == nil {
				break
			}
			s.logf("dev: %v; trying again in %v", err, backoff)
		}
	}
}

// stopProc stops the part gracefully, killing it after 25 s, and ends its
// supervision.
func (s *Stack) stopProc(p *proc) {
	p.mu.Lock()
	p.stopping = true
	cmd := p.cmd
	p.mu.Unlock()
	close(p.stop)
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.ended:
	case <-time.After(25 * time.Second):
		cmd.Process.Kill()
		<-p.ended
	}
}

// logf writes one line of the stack's own to its log.
func (s *Stack) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.log, format+"\n", args...)
}

// waitReady waits until the part answers /readyz, then has it restarted
// whenever it exits.
func waitReady(ctx context.Context, p *proc) error {
	deadline := time.Now().Add(60 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get("http://" + p.addr + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.mu.Lock()
				defer p.mu.Unlock()
				select {
				case <-p.done:
					// It exited just after answering, and was not restarted.
					return fmt.Errorf("%s exited as it became ready (see its log above)", p.name)
				default:
				}
				p.keepUp = true
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready (see its log above)", p.name)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after 60s", p.name)
		}
	}
}
