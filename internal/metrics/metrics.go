// Package metrics holds idpool's Prometheus metrics: one private registry
// with the Go and process collectors, request counters by surface,
// operation and error type, and latency histograms. Handler serves them in
// the Prometheus text format.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the set of idpool's metrics. The zero value is not usable;
// call New.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// New returns Metrics registered on a fresh registry.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idpool_requests_total",
			Help: "API requests by surface, operation and error type (\"\" for success).",
		}, []string{"surface", "operation", "error"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "idpool_request_duration_seconds",
			Help:    "API request latency by surface and operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"surface", "operation"}),
	}
	reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Observe records one request.
func (m *Metrics) Observe(surface, op, errType string, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(surface, op, errType).Inc()
	m.latency.WithLabelValues(surface, op).Observe(d.Seconds())
}

// Registry returns the registry, for packages that add their own metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
