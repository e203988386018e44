import Foundation
import Prometheus

/// The service's Prometheus metrics, kept in a registry of its own (one per server, so that
/// servers in one process, as in the tests, do not share counts) and rendered by the library in
/// the text exposition format for `GET /metrics`.
final class ServerMetrics: Sendable {
    /// How a request ended, the `outcome` label of `reloc_requests_total`.
    enum Outcome: String, CaseIterable, Sendable {
        case localized, fallback
        case badRequest = "bad_request", unauthorized, notFound = "not_found", tooLarge = "too_large"
        case busy, timeout, error, ok
    }

    let registry = PrometheusCollectorRegistry()
    private let requests: [Outcome: Counter]
    private let latency: ValueHistogram
    private let queueDepth: Gauge
    private let inFlight: Gauge

    init() {
        var requests: [Outcome: Counter] = [:]
        let descriptor = MetricNameDescriptor(namespace: "reloc", metricName: "requests", unitName: "total",
                                              helpText: "HTTP requests by how they ended")
        for outcome in Outcome.allCases {
            requests[outcome] = registry.makeCounter(descriptor: descriptor, labels: [("outcome", outcome.rawValue)])
        }
        self.requests = requests
        latency = registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(namespace: "reloc", metricName: "localize_duration", unitName: "seconds",
                                             helpText: "Time of POST /v1/localize from its arrival to its answer"),
            buckets: [0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1, 1.5, 2, 3, 5, 10, 30])
        queueDepth = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "reloc", metricName: "queue_depth",
                                                                         helpText: "Localization requests waiting for a worker"))
        inFlight = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "reloc", metricName: "requests_in_flight",
                                                                       helpText: "Localization requests being computed"))
    }

    func count(_ outcome: Outcome) { requests[outcome]?.increment() }

    func observeLocalize(seconds: Double) { latency.record(seconds) }

    /// The text exposition, with the queue's gauges read now.
    func render(queue: WorkQueue) -> [UInt8] {
        queueDepth.set(Double(queue.depth))
        inFlight.set(Double(queue.inFlight))
        return registry.emitToBuffer()
    }
}
