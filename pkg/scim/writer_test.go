package scim

import "github.com/wbsync/wbsync/pkg/apply"

// *Client is apply's Writer; the check lives in a test so that scim never
// imports apply.
var _ apply.Writer = (*Client)(nil)
