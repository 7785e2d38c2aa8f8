package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress draws an upload's progress on one terminal line. It is only
// used when standard error is a terminal.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	fd    int
	label string
	total int64
	done  int64
	drawn time.Time
}

// newProgress returns nil when w is not a terminal: no bar then.
func newProgress(w io.Writer, label string, total int64) *progress {
	fd, ok := fdOf(w)
	if !ok {
		return nil
	}
	return &progress{w: w, fd: fd, label: label, total: total}
}

// reader counts what r yields.
func (p *progress) reader(r io.Reader) io.Reader {
	if p == nil {
		return r
	}
	return &progressReader{r: r, p: p}
}

type progressReader struct {
	r io.Reader
	p *progress
}

func (pr *progressReader) Read(b []byte) (int, error) {
	n, err := pr.r.Read(b)
	pr.p.add(int64(n))
	return n, err
}

func (p *progress) add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	complete := p.done >= p.total
	p.done += n
	if complete {
		return // drawn at 100% already
	}
	if now := time.Now(); now.Sub(p.drawn) >= 80*time.Millisecond || p.done >= p.total {
		p.drawn = now
		width := 80
		if w, _, err := term.GetSize(p.fd); err == nil && w > 20 {
			width = w
		}
		line := renderProgress(p.label, p.done, p.total, width)
		if p.done >= p.total {
			line += "  compiling…"
		}
		fmt.Fprintf(p.w, "\r%s\x1b[K", line)
	}
}

// clear removes the bar's line.
func (p *progress) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\x1b[K")
}

// renderProgress draws "label [=====>    ]  52%  1.4 MiB/2.6 MiB" to fit
// width columns.
func renderProgress(label string, done, total int64, width int) string {
	pct := 100
	if total > 0 {
		pct = int(min(done, total) * 100 / total)
	}
	tail := fmt.Sprintf(" %3d%%  %s/%s", pct, size(done), size(total))
	barWidth := min(40, width-len([]rune(label))-len([]rune(tail))-4)
	if barWidth < 5 {
		return label + tail
	}
	filled := barWidth * pct / 100
	bar := strings.Repeat("=", filled)
	if filled < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-filled-1)
	}
	return label + " [" + bar + "]" + tail
}
