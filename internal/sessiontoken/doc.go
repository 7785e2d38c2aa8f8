// Package sessiontoken makes and checks X-Berth-Token: the HS256 JWT a
// webserver sends beside the signature of a web session's GraphQL request,
// under the session keypair's secret, with the claims access_key, role,
// iat and exp (15 minutes). It is the one owner of that format: the
// webserver makes tokens with Make, the manager checks them with Check.
//
// It never logs a token or a secret.
package sessiontoken
