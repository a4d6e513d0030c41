// Package sim is a SENAITE LIMS site as its HTTP APIs show it: the
// senaite.jsonapi routes of senaite.jsonapi 2.6.0 on plone.jsonapi.core 0.7
// (or of a Bika-era 1.x lab), the plone.restapi subset a sync writes users,
// registry and settings with, generated lab data, workflows with their
// guards, and injectable faults.
//
// Everything senaite-sync does is tested against it, so it reproduces the
// real API's shapes and pitfalls rather than what would be convenient:
// router misses and swallowed exceptions answer HTTP 200 with success:false,
// refusals are 401, wrong credentials make a request anonymous (an empty
// lab) instead of failing, ids are assigned by the lab's own ID server,
// partial updates are never rolled back, and catalogs index only what
// senaite.core 2.6 indexes.
//
// Files by responsibility: schema.go (type model), types_*.go and
// catalogs_data.go (the flavours' data), lab.go (objects, ID server),
// query.go (catalog queries), item.go and jsonw.go (serialization with
// SENAITE's null rules), paging.go (plone.batching), server.go (routing),
// routes_read.go, write.go and sample.go (reads and writes), workflow.go,
// users.go, registry.go, plonerest*.go (plone.restapi: site services,
// content GET/PATCH with its AT and DX deserializers and serializer;
// py2fmt.go and pyvalues.go hold Python 2's formats and value semantics),
// setup_schema.go and setup.go (the setup singletons), fault.go (faults
// and admin routes), load.go (requests in flight and per second, thread usage),
// generate.go and gen_setup.go (realistic labs) and persist.go (--data).
//
// Admin routes, at the server's root, apart from the site (never counted
// as the site's requests): GET and PUT /__sim/faults (latency, capacity,
// fault rates, FailNext); GET /__sim/stats (objects per type, faults
// injected, requests served as reads and writes and by_route — per method
// and route, "GET search", "POST update", "GET <uid>" —, and the load: in_flight,
// the site's requests being answered now, peak_in_flight the most at once
// and peak_requests_per_second the most that arrived within one second,
// sliding in 100-ms steps — what a test of a lab's bounds checks; and
// usage: requests served, thread time held, mean and 95th-percentile wait
// for a thread — what a benchmark of adaptive concurrency compares with
// --capacity/--latency); POST /__sim/stats/reset starts the peaks and the
// usage again from now and answers the stats; POST /__sim/save writes the lab to its --data file.
package sim
