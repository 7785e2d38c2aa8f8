package sqlstore

// SetDeepOffset lowers the offset from which a page of accounts is read
// from the nearer end, so that a test reaches it with a few accounts; the
// returned function puts it back.
func SetDeepOffset(n int) (restore func()) {
	old := deepOffset
	deepOffset = n
	return func() { deepOffset = old }
}
