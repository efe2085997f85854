import Metrics
import Prometheus

/// The server's metrics through swift-metrics, kept in a Prometheus registry that `/metrics`
/// renders in the text exposition format.
final class ServerMetrics: Sendable {
  /// One per process: swift-metrics has one global factory, bootstrapped here.
  static let shared = ServerMetrics()
  let registry = PrometheusCollectorRegistry()
  private let restarts: Metrics.Counter
  private let batchRows: Recorder
  private let batchRequests: Recorder

  /// Request latency buckets: the interesting range of a fast model is 0.5–50 ms.
  static let latencyBuckets: [Duration] = [0.25, 0.5, 1, 2, 3, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000].map {
    .microseconds(Int64($0 * 1000))
  }

  private init() {
    var factory = PrometheusMetricsFactory(registry: registry)
    factory.durationHistogramBuckets["mlv_request_duration_seconds"] = Self.latencyBuckets
    factory.valueHistogramBuckets["mlv_batch_rows"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
    factory.valueHistogramBuckets["mlv_batch_requests"] = [1, 2, 4, 8, 16, 32, 64]
    MetricsSystem.bootstrap(factory)
    restarts = Metrics.Counter(label: "mlv_worker_restarts_total")
    batchRows = Recorder(label: "mlv_batch_rows", aggregate: true)
    batchRequests = Recorder(label: "mlv_batch_requests", aggregate: true)
  }

  func request(route: String, status: Int, nanoseconds: UInt64) {
    Metrics.Counter(label: "mlv_requests_total", dimensions: [("route", route), ("status", String(status))]).increment()
    if status >= 400 {
      Metrics.Counter(label: "mlv_request_errors_total", dimensions: [("route", route), ("status", String(status))]).increment()
    }
    Metrics.Timer(label: "mlv_request_duration_seconds", dimensions: [("route", route)]).recordNanoseconds(Int64(nanoseconds))
  }

  func batch(rows: Int, requests: Int) {
    batchRows.record(rows)
    batchRequests.record(requests)
  }

  func restart() { restarts.increment() }

  func render() -> [UInt8] { registry.emitToBuffer() }
}
