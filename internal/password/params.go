package password

import "fmt"

// Params are the argon2id cost parameters.
type Params struct {
	Memory      uint32 // KiB
	Time        uint32 // passes over the memory
	Parallelism uint8  // lanes
	SaltLen     uint32 // bytes of random salt
	KeyLen      uint32 // bytes of derived key
}

// DefaultParams returns the OWASP recommendation for argon2id: 19 MiB of
// memory, two passes, one lane, a 16-byte salt and a 32-byte key.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Time: 2, Parallelism: 1, SaltLen: 16, KeyLen: 32}
}

// Limits on the parameters of a hash. A stored hash outside them is rejected
// before anything is allocated, so that a corrupt or hostile row cannot make
// a login allocate gigabytes or spin for minutes.
const (
	maxMemory      = 1 << 20 // KiB: 1 GiB
	maxTime        = 16
	maxParallelism = 16
	minSaltLen     = 8 // the PHC string format's minimum
	maxSaltLen     = 64
	minKeyLen      = 16
	maxKeyLen      = 64
)

// Validate reports whether p lies within the limits every stored hash must
// respect: memory at least 8 KiB per lane and at most 1 GiB, 1 to 16 passes,
// 1 to 16 lanes, a salt of 8 to 64 bytes and a key of 16 to 64 bytes.
func (p Params) Validate() error {
	switch {
	case p.Parallelism < 1 || p.Parallelism > maxParallelism:
		return fmt.Errorf("parallelism %d outside 1..%d", p.Parallelism, maxParallelism)
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemory:
		return fmt.Errorf("memory %d KiB outside %d..%d", p.Memory, 8*uint32(p.Parallelism), maxMemory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d outside 1..%d", p.Time, maxTime)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d outside %d..%d", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d outside %d..%d", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}
