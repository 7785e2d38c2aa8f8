// Package password hashes, verifies and vets account passwords.
//
// Hashing uses argon2id with the OWASP parameters by default (19 MiB, two
// passes, one lane) and stores the result in the PHC string format,
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>. Stored strings are parsed
// defensively, because they come back from the database: absurd parameters
// and wrong lengths are rejected before any memory is allocated.
//
// A [Hasher] bounds how many hashes run at once, since each one holds its
// whole memory cost; when no slot frees up in time it answers [ErrBusy] and
// the API answers 503 with Retry-After instead of running out of memory.
// [Hasher.VerifyDummy] costs as much as a real verification, so that a login
// for an unknown account takes as long as one for a known account.
//
// [Check] is the policy for new passwords: length, no control characters,
// not the email's local part, not one of the 10 000 most common passwords.
//
// This package must never log a password, put one (or any part of one) in an
// error, or return one; nor may it return or log a stored hash in an error.
// It does not know about accounts, sessions or HTTP: the caller looks up the
// stored hash and maps [ErrBusy] and [berth.ErrInvalid] to responses.
package password
