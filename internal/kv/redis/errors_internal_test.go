package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/berth-platform/berth"
)

func TestWrap(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"EOF", io.EOF, true},
		{"UnexpectedEOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"DialRefused", dial, true},
		{"Reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{"ClosedConn", net.ErrClosed, true},
		{"DeadlineExceeded", context.DeadlineExceeded, true},
		{"PoolTimeout", goredis.ErrPoolTimeout, true},
		{"Loading", errors.New("LOADING Redis is loading the dataset in memory"), true},
		{"ReadOnly", errors.New("READONLY You can't write against a read only replica."), true},
		{"Canceled", context.Canceled, false},
		{"CommandError", errors.New("ERR value is not an integer or out of range"), false},
		{"ClientClosed", goredis.ErrClosed, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := wrap("get", tc.err)
			if got := errors.Is(err, berth.ErrUnavailable); got != tc.want {
				t.Errorf("errors.Is(wrap(%v), berth.ErrUnavailable) = %v, want %v", tc.err, got, tc.want)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("wrap(%v) lost the cause: %v", tc.err, err)
			}
		})
	}
}
