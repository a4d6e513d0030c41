// Package apitype holds the request and response bodies of /api/v1 as Go
// types, shared by the coordinator's API (which writes them), the console
// and the CLI (which read them): a field renamed on one side stops the
// other from compiling instead of reading as empty, and the OpenAPI
// description (internal/api/openapi.json) is checked against the answers
// these types make.
package apitype
