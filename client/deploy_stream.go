package client

import (
	"context"
	"io"
)

// DeployReader uploads an artefact of size bytes read from body, whose
// SHA-256 (hex) the caller computed beforehand, so that the body is
// streamed rather than held in memory; wrap body to watch the upload's
// progress. contentType is application/wasm, application/gzip or
// application/zip.
func (c *Client) DeployReader(ctx context.Context, id, contentType string, body io.Reader, size int64, sha256Hex string) (*DeployResult, error) {
	return c.deploy(ctx, id, contentType, body, size, sha256Hex)
}
