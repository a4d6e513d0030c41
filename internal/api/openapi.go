package api

import (
	_ "embed"
	"net/http"
)

// openAPIPath serves the OpenAPI 3.1 description of /api/v1: what a
// script or another team's client is written against. It is checked
// against the routes and against the answers (TestOpenAPIDescribesEveryRoute,
// TestOpenAPIMatchesTheAnswers).
const openAPIPath = "/api/v1/openapi.json"

//go:embed openapi.json
var openAPIDoc []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}
