package password

import "crypto/rand"

// generatedAlphabet has no look-alike characters (no 0/O, 1/l/I).
const generatedAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// Generate returns a random password of 24 characters from an alphabet
// without look-alikes: about 140 bits, and always accepted by Check.
func Generate() string {
	const n = 24
	out := make([]byte, n)
	buf := make([]byte, 1)
	for i := 0; i < n; {
		_, _ = rand.Read(buf)
		// Rejection sampling keeps the distribution uniform.
		if int(buf[0]) >= 256-256%len(generatedAlphabet) {
			continue
		}
		out[i] = generatedAlphabet[int(buf[0])%len(generatedAlphabet)]
		i++
	}
	return string(out)
}
