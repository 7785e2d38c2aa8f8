package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	goredis "github.com/redis/go-redis/v9"

	"github.com/berth-platform/berth"
)

// wrap names the operation in err and marks it with berth.ErrUnavailable
// when it means Redis cannot serve right now. It never adds the key.
func wrap(op string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("kv/redis: %s: %w: %w", op, berth.ErrUnavailable, err)
	}
	return fmt.Errorf("kv/redis: %s: %w", op, err)
}

// unavailable reports whether err means Redis is unreachable, too slow, or
// not serving (loading, failing over, full): a retry later may succeed. A
// cancelled context is the caller's choice and does not count; a deadline
// that passed while waiting for Redis does.
func unavailable(err error) bool {
	switch {
	case errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, goredis.ErrPoolTimeout),
		errors.Is(err, goredis.ErrPoolExhausted):
		return true
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	return goredis.IsLoadingError(err) ||
		goredis.IsReadOnlyError(err) ||
		goredis.IsMasterDownError(err) ||
		goredis.IsClusterDownError(err) ||
		goredis.IsTryAgainError(err) ||
		goredis.IsMaxClientsError(err)
}
