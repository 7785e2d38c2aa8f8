package webserver

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/clientaddr"
	"github.com/berth-platform/berth/internal/headers"
	"github.com/berth-platform/berth/internal/sessiontoken"
	"github.com/berth-platform/berth/internal/signing"
)

// memoryBody is the largest body the proxy hashes in memory; larger ones
// are spooled to a temporary file while hashing, so that a 1 GiB upload
// passes in constant memory.
const memoryBody = 1 << 20

// maxSpooledBody caps what the proxy accepts at all.
const maxSpooledBody = 2 << 30

// maxJSONBody is the manager's cap on every JSON body.
const maxJSONBody = 1 << 20

// bodyLimit is the route's body limit, as the manager applies it: uploads
// take functions.max_artefact_bytes, invocations
// functions.max_invoke_body_bytes, everything else is JSON under 1 MiB. A
// zero setting (a webserver built without one) falls back to the overall
// cap.
func (s *Server) bodyLimit(r *http.Request) int64 {
	p := r.URL.Path
	limit := int64(maxJSONBody)
	switch {
	case r.Method == http.MethodPost && strings.HasPrefix(p, "/api/functions/") && strings.HasSuffix(p, "/deploy"):
		limit = s.o.Functions.MaxArtefactBytes
	case strings.HasPrefix(p, "/fn/"), strings.HasPrefix(p, "/api/functions/") && strings.HasSuffix(p, "/invoke"):
		limit = s.o.Functions.MaxInvokeBodyBytes
	}
	if limit <= 0 || limit > maxSpooledBody {
		return maxSpooledBody
	}
	return limit
}

// proxy forwards /api/ requests. A request that carries its own
// Authorization goes through untouched (beyond hop-by-hop headers); a
// request with a session cookie is signed with the session's keypair; any
// other request goes through anonymously, for the public operations.
func (s *Server) proxy(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		s.passThrough(w, r)
		return
	}
	cur, err := s.current(r)
	if err != nil {
		s.storeDown(w, r, err)
		return
	}
	if cur == nil {
		if !s.allow(w, r, classFor(r), "") {
			return
		}
		out, cleanup, err := s.outgoing(w, r, true, false)
		if err != nil {
			s.badBody(w, r, err)
			return
		}
		defer cleanup()
		s.o.Upstream.Forward(w, out, func(*http.Request) error { return nil })
		return
	}
	if !s.allow(w, r, classFor(r), cur.sess.AccessKey) {
		return
	}
	if isWebSocket(r) {
		s.proxyWebSocket(w, r, cur)
		return
	}
	out, cleanup, err := s.outgoing(w, r, true, true)
	if err != nil {
		s.badBody(w, r, err)
		return
	}
	defer cleanup()
	s.o.Upstream.Forward(w, out, func(out *http.Request) error { return s.sign(out, cur) })
}

// passThrough forwards a request as the client made it: functions' HTTP
// triggers, probes, and API calls with their own credentials.
func (s *Server) passThrough(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, classFor(r), "") {
		return
	}
	if isWebSocket(r) && strings.HasPrefix(r.URL.Path, "/api/") {
		s.passWebSocket(w, r)
		return
	}
	keepBerth := r.Header.Get("Authorization") != "" // the client signed them
	out, cleanup, err := s.outgoing(w, r, !keepBerth, false)
	if err != nil {
		s.badBody(w, r, err)
		return
	}
	defer cleanup()
	s.o.Upstream.Forward(w, out, func(*http.Request) error { return nil })
}

// outgoing prepares the request the manager receives: hop-by-hop headers
// (and those Connection names) removed, the Cookie header dropped, the
// client's identity headers stripped when stripBerth, X-Forwarded-* set.
// With hash, the body is read (spooled past memoryBody) so that its
// SHA-256 can be signed; the hash is left in X-Berth-Content-SHA256.
func (s *Server) outgoing(w http.ResponseWriter, r *http.Request, stripBerth, hash bool) (*http.Request, func(), error) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	h := out.Header
	headers.RemoveHopByHop(h)
	h.Del("Cookie")
	if stripBerth {
		headers.RemoveBerth(h)
		// The API version this webserver speaks; a request the client
		// signed itself is left as signed.
		h.Set(berth.HeaderVersion, berth.APIVersion)
	}
	s.forwardedFor(r, h)
	s.o.Gateway.Assert(out, s.o.Proxies.Addr(r))
	cleanup := func() {}
	if !hash {
		return out, cleanup, nil
	}
	body, size, sum, cleanup, err := s.readBody(w, r)
	if err != nil {
		return nil, cleanup, err
	}
	out.Body, out.ContentLength = body, size
	out.GetBody = nil
	if size == 0 {
		out.Body = http.NoBody
	}
	h.Set(signing.HeaderContentSHA256, sum)
	return out, cleanup, nil
}

// forwardedFor sets X-Forwarded-For/Proto/Host and Forwarded (RFC 7239).
// A client's own values are kept only when it is a configured trusted
// proxy.
func (s *Server) forwardedFor(r *http.Request, h http.Header) {
	trusted := s.o.Proxies.FromTrustedProxy(r)
	peer := clientaddr.Peer(r)
	hop := "for=" + forwardedNode(peer) + ";host=\"" + strings.ReplaceAll(r.Host, "\"", "") + "\";proto=" + s.scheme(r)
	if prior := r.Header.Values("Forwarded"); trusted && len(prior) > 0 {
		h.Set("Forwarded", strings.Join(prior, ", ")+", "+hop)
	} else {
		h.Set("Forwarded", hop)
	}
	if prior := r.Header.Values("X-Forwarded-For"); trusted && len(prior) > 0 {
		h.Set("X-Forwarded-For", strings.Join(prior, ", ")+", "+peer)
	} else {
		h.Set("X-Forwarded-For", peer)
	}
	h.Set("X-Forwarded-Proto", s.scheme(r))
	if !trusted || h.Get("X-Forwarded-Host") == "" {
		h.Set("X-Forwarded-Host", r.Host)
	}
}

// forwardedNode quotes an address for Forwarded: IPv6 in brackets.
func forwardedNode(addr string) string {
	if strings.Contains(addr, ":") {
		return "\"[" + addr + "]\""
	}
	return addr
}

// scheme is https under TLS or when a trusted proxy says so.
func (s *Server) scheme(r *http.Request) string {
	if r.TLS != nil || (s.o.Proxies.FromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")) {
		return "https"
	}
	return "http"
}

// bodyTooLargeError reports a body over its route's limit.
type bodyTooLargeError struct{ limit int64 }

func (e bodyTooLargeError) Error() string {
	return "request body over " + strconv.FormatInt(e.limit, 10) + " bytes"
}

// readBody returns the body ready to forward, its size and hex SHA-256,
// and a cleanup that removes any spool file.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (io.ReadCloser, int64, string, func(), error) {
	none := func() {}
	if r.Body == nil || r.Body == http.NoBody {
		return http.NoBody, 0, signing.EmptyBodyHash, none, nil
	}
	// The route's limit applies before anything reaches the disk: a body
	// over it is refused without spooling a byte past the limit.
	limit := s.bodyLimit(r)
	if r.ContentLength > limit {
		return nil, 0, "", none, bodyTooLargeError{limit}
	}
	limited := http.MaxBytesReader(w, r.Body, limit)
	head := make([]byte, min(memoryBody, limit)+1)
	n, err := io.ReadFull(limited, head)
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		head = head[:n]
		return io.NopCloser(bytes.NewReader(head)), int64(n), signing.BodyHash(head), none, nil
	case errors.As(err, &tooBig):
		return nil, 0, "", none, bodyTooLargeError{limit}
	case err != nil:
		return nil, 0, "", none, err
	}
	f, err := os.CreateTemp("", "berth-spool-*")
	if err != nil {
		return nil, 0, "", none, err
	}
	_ = os.Remove(f.Name()) // unlinked: nothing is left behind, even after a crash
	cleanup := func() { _ = f.Close() }
	sum := sha256.New()
	size, err := io.Copy(io.MultiWriter(f, sum), io.MultiReader(bytes.NewReader(head[:n]), limited))
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		if errors.As(err, &tooBig) {
			err = bodyTooLargeError{limit}
		}
		return nil, 0, "", none, err
	}
	return io.NopCloser(f), size, hex.EncodeToString(sum.Sum(nil)), cleanup, nil
}

func (s *Server) badBody(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig bodyTooLargeError
	if errors.As(err, &tooBig) {
		writeProblem(w, r, http.StatusRequestEntityTooLarge, "body-too-large",
			"the request body is larger than this endpoint's limit of "+strconv.FormatInt(tooBig.limit>>10, 10)+" KiB")
		return
	}
	writeProblem(w, r, http.StatusBadRequest, "validation", "the request body could not be read")
}

// graphqlPath is the one endpoint that also carries a session token.
const graphqlPath = "/api/graphql"

// sign signs out with the session's keypair. GraphQL requests also carry
// X-Berth-Token (internal/sessiontoken), which is signed with the rest.
func (s *Server) sign(out *http.Request, cur *current) error {
	now := s.o.Now()
	if out.URL.Path == graphqlPath {
		tok, err := sessiontoken.Make(cur.sess.AccessKey, cur.sess.Role, cur.secret, now)
		if err != nil {
			return err
		}
		out.Header.Set(sessiontoken.Header, tok)
	}
	return signing.Sign(out, signing.Credentials{KeyID: cur.sess.AccessKey, Secret: cur.secret},
		out.Header.Get(signing.HeaderContentSHA256), now, signing.NewNonce())
}
