package api

import "net/http"

// route is one operation of /api/v1. The routes are one table, which
// Handler registers and the OpenAPI description is checked against
// (TestOpenAPIDescribesEveryRoute): a route added here and not described
// there fails the test.
type route struct {
	Method, Path string
	Handler      http.HandlerFunc
}

func (s *Server) routes() []route {
	return []route{
		{"GET", "/api/v1/instances", s.listInstances},
		{"POST", "/api/v1/instances", s.createInstance},
		{"GET", "/api/v1/instances/{name}", s.getInstance},
		{"PUT", "/api/v1/instances/{name}", s.updateInstance},
		{"DELETE", "/api/v1/instances/{name}", s.deleteInstance},
		{"POST", "/api/v1/instances/{name}/check", s.checkInstance},
		{"GET", "/api/v1/remotes", s.listRemotes},
		{"POST", "/api/v1/remotes", s.createRemote},
		{"GET", "/api/v1/remotes/{name}", s.getRemote},
		{"PUT", "/api/v1/remotes/{name}", s.updateRemote},
		{"DELETE", "/api/v1/remotes/{name}", s.deleteRemote},
		{"POST", "/api/v1/remotes/{name}/{kind}", s.startRun},
		{"GET", "/api/v1/remotes/{name}/objects", s.listObjects},
		{"GET", "/api/v1/remotes/{name}/conflicts", s.listConflicts},
		{"POST", "/api/v1/remotes/{name}/conflicts/{uid}/resolve", s.resolveConflict},
		{"GET", "/api/v1/runs", s.listRuns},
		{"GET", "/api/v1/runs/{id}", s.getRun},
		{"POST", "/api/v1/runs/{id}/cancel", s.cancelRun},
		{"GET", "/api/v1/runs/{id}/differences", s.listDifferences},
	}
}
