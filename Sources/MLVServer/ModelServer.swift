import Foundation
import Hummingbird
import Logging
import MLVCore
import MLVData
import MLVStore
import NIOCore

/// What `mlv serve` was asked for, apart from the model and its workers.
public struct ServeOptions: Sendable {
  public var host = "127.0.0.1"
  public var port = 8080
  /// Requests must carry `Authorization: Bearer <token>` (health probes excepted).
  public var token: String?
  /// Larger bodies get 413.
  public var maxBodyBytes = 8 << 20
  public init() {}
}

/// The model a server answers for.
public struct ServedModel: Sendable {
  public var name: String
  public var version: Int
  public var aliases: [String]
  public var manifestID: ObjectID
  public var contract: Contract?
  public var spec: ModelSpec
  public var revision: String

  public init(
    name: String, version: Int, aliases: [String], manifestID: ObjectID, contract: Contract?, spec: ModelSpec, revision: String
  ) {
    self.name = name
    self.version = version
    self.aliases = aliases
    self.manifestID = manifestID
    self.contract = contract
    self.spec = spec
    self.revision = revision
  }
}

/// The HTTP front of a model: mlv's `/predict`, MLflow's `/invocations`, the Open Inference
/// Protocol under `/v2`, health, Prometheus metrics and an OpenAPI document. Every request is
/// checked (size, content type, JSON, contract) before it reaches a worker (docs/serving.md).
public final class ModelServer: Sendable {
  public let model: ServedModel
  public let options: ServeOptions
  let pool: WorkerPool
  let log: PredictionLog?
  let metrics: ServerMetrics
  private let requestCounter = RequestCounter()
  /// The model never changes while it is served.
  private let openAPI: [UInt8]

  public init(model: ServedModel, pool: WorkerPool, options: ServeOptions, log: PredictionLog?) {
    self.model = model
    self.pool = pool
    self.options = options
    self.log = log
    self.metrics = ServerMetrics.shared
    self.openAPI = OpenAPIDocument.make(for: model).bytes
  }

  /// The events a pool reports to the server's metrics (one set per process, as swift-metrics has).
  public static var poolEvents: WorkerPoolEvents {
    var events = WorkerPoolEvents()
    events.batch = { rows, requests in ServerMetrics.shared.batch(rows: rows, requests: requests) }
    events.restart = { _ in ServerMetrics.shared.restart() }
    return events
  }

  /// The router, apart from the socket (tests can drive it directly).
  public func router() -> Router<BasicRequestContext> {
    let router = Router()
    router.get("/ping") { _, _ in self.plain(200, "") }
    router.get("/health") { _, _ in self.health() }
    router.get("/ready") { _, _ in self.ready() ? self.plain(200, "ready\n") : self.plain(503, "not ready\n") }
    router.get("/metrics") { request, _ in
      try self.guarded(request, route: "metrics") {
        Response(
          status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
          body: .init(byteBuffer: ByteBuffer(bytes: self.metrics.render())))
      }
    }
    router.get("/openapi.json") { request, _ in
      try self.guarded(request, route: "openapi") { self.rawJSON(200, self.openAPI) }
    }
    router.post("/predict") { request, _ in await self.score(request, route: "predict") }
    router.post("/invocations") { request, _ in await self.score(request, route: "invocations") }
    router.get("/v2") { request, _ in
      try self.guarded(request, route: "v2") {
        self.json(200, .object([("name", .string("mlv")), ("version", .string(mlvVersion)), ("extensions", .array([]))]))
      }
    }
    router.get("/v2/health/live") { _, _ in self.plain(200, "") }
    router.get("/v2/health/ready") { _, _ in self.ready() ? self.plain(200, "") : self.plain(503, "") }
    router.get("/v2/models/:name") { request, context in try self.oipMetadata(request, context) }
    router.get("/v2/models/:name/versions/:version") { request, context in try self.oipMetadata(request, context) }
    router.get("/v2/models/:name/ready") { request, context in try self.oipReady(request, context) }
    router.get("/v2/models/:name/versions/:version/ready") { request, context in try self.oipReady(request, context) }
    router.post("/v2/models/:name/infer") { request, context in await self.infer(request, context) }
    router.post("/v2/models/:name/versions/:version/infer") { request, context in await self.infer(request, context) }
    return router
  }

  /// Serves until SIGTERM or SIGINT, then stops accepting, finishes the requests in flight,
  /// and ends the workers. `onListening` gets the bound port.
  public func run(onListening: @escaping @Sendable (Int) -> Void) async throws {
    var logger = Logger(label: "mlv-serve")
    logger.logLevel = .error
    let app = Application(
      router: router(),
      server: .http1(configuration: .init(idleTimeout: .seconds(60))),
      configuration: .init(address: .hostname(options.host, port: options.port), serverName: "mlv"),
      onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
      logger: logger)
    defer {
      pool.drain()
      log?.close()
    }
    try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
  }

  // MARK: helpers

  func ready() -> Bool { !pool.workerPIDs.isEmpty }

  func plain(_ status: Int, _ text: String) -> Response {
    Response(
      status: .init(code: status), headers: [.contentType: "text/plain; charset=utf-8"],
      body: .init(byteBuffer: ByteBuffer(string: text)))
  }

  func json(_ status: Int, _ value: JSON) -> Response { rawJSON(status, value.bytes) }

  func rawJSON(_ status: Int, _ bytes: [UInt8]) -> Response {
    Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
  }

  func health() -> Response {
    json(
      200,
      .object([
        ("status", .string(ready() ? "ok" : "starting")), ("model", .string(model.name)), ("version", .integer(Int64(model.version))),
        ("aliases", .array(model.aliases.map { .string($0) })), ("revision", .string(model.revision)),
        ("manifest", .string(model.manifestID.description)),
        ("workers", .array(pool.workerPIDs.map { .integer(Int64($0)) })), ("restarts", .integer(Int64(pool.restarts))),
        ("queued", .integer(Int64(pool.queued))), ("python", .string(pool.pythonVersion)),
      ]))
  }

  /// Whether the request carries the token (always true without one).
  func authorized(_ request: Request) -> Bool {
    guard let token = options.token else { return true }
    guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
    let given = Array(header.utf8.dropFirst(7))
    let wanted = Array(token.utf8)
    var diff = UInt8(given.count == wanted.count ? 0 : 1)
    for i in 0..<min(given.count, wanted.count) { diff |= given[i] ^ wanted[i] }
    return diff == 0
  }

  func unauthorized() -> Response {
    var r = json(401, .object([("error_code", .string("UNAUTHENTICATED")), ("message", .string("a bearer token is required"))]))
    r.headers[.wwwAuthenticate] = "Bearer"
    return r
  }

  func guarded(_ request: Request, route: String, _ body: () throws -> Response) rethrows -> Response {
    let start = monotonicNow()
    let response = authorized(request) ? try body() : unauthorized()
    metrics.request(route: route, status: Int(response.status.code), nanoseconds: monotonicNow() - start)
    return response
  }

  /// The body, or a response saying why not (413).
  func body(_ request: Request) async -> Result<ByteBuffer, ScoringError> {
    if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > options.maxBodyBytes {
      return .failure(ScoringError(status: 413, message: "the body is \(length) bytes; the limit is \(options.maxBodyBytes)"))
    }
    do {
      return .success(try await request.body.collect(upTo: options.maxBodyBytes))
    } catch let error as HTTPResponseError where error.status == .contentTooLarge {
      return .failure(ScoringError(status: 413, message: "the body is larger than the limit of \(options.maxBodyBytes) bytes"))
    } catch {
      return .failure(ScoringError(status: 400, message: "cannot read the body: \(error)"))
    }
  }

  enum BodyKind { case json, csv }

  func contentKind(_ request: Request, csv allowed: Bool) -> Result<BodyKind, ScoringError> {
    let type = (request.headers[.contentType] ?? "application/json").lowercased()
    let media = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
    if media == "application/json" || media.hasSuffix("+json") { return .success(.json) }
    if allowed && media == "text/csv" { return .success(.csv) }
    return .failure(
      ScoringError(
        status: 415,
        message: "unsupported content type '\(media)': send application/json\(allowed ? " or text/csv" : "")"))
  }

  // MARK: scoring

  /// `/predict` and `/invocations`.
  func score(_ request: Request, route: String) async -> Response {
    let start = monotonicNow()
    let response = await scoreResponse(request, route: route, start: start)
    metrics.request(route: route, status: Int(response.status.code), nanoseconds: monotonicNow() - start)
    return response
  }

  private func scoreResponse(_ request: Request, route: String, start: UInt64) async -> Response {
    guard authorized(request) else { return unauthorized() }
    let table: RawTable
    switch contentKind(request, csv: route == "invocations") {
    case .failure(let e): return mlflowError(e)
    case .success(let kind):
      switch await body(request) {
      case .failure(let e): return mlflowError(e)
      case .success(let buffer):
        do {
          table = try buffer.withUnsafeReadableBytes { raw throws(ScoringError) in
            kind == .csv ? try ScoringRequest.decodeCSV(raw) : try ScoringRequest.decodeJSON(raw, contract: model.contract)
          }
        } catch { return mlflowError(error) }
      }
    }
    let (batch, violations) = table.typed(contract: model.contract)
    guard let batch else {
      return mlflowError(ScoringError(status: 422, message: violationSummary(violations), violations: violations))
    }
    do {
      let reply = try await pool.predict(batch)
      record(request, batch: batch, reply: reply, start: start)
      var out: [UInt8] = []
      out.reserveCapacity(reply.json.count + 64)
      out.append(contentsOf: "{\"predictions\":".utf8)
      out.append(contentsOf: reply.json)
      if route == "predict" {
        out.append(contentsOf: ",\"model\":".utf8)
        CanonicalJSON.writeString(model.name, to: &out)
        out.append(contentsOf: ",\"version\":\(model.version)".utf8)
      }
      out.append(UInt8(ascii: "}"))
      return rawJSON(200, out)
    } catch {
      return mlflowError(failure(error))
    }
  }

  func record(_ request: Request, batch: InputBatch, reply: PredictionReply, start: UInt64) {
    guard let log else { return }
    let id = request.headers[.init("X-Request-ID")!] ?? requestCounter.next()
    log.append(
      model: model.name, version: model.version, request: id, latencyMs: Double(monotonicNow() - start) / 1e6, batch: batch,
      predictions: reply.json)
  }

  func violationSummary(_ violations: [InputViolation]) -> String {
    let first = violations.first.map(\.description) ?? "the input breaks the model's contract"
    return violations.count > 1 ? "\(first) (and \(violations.count - 1) more)" : first
  }

  /// A prediction failure as a status and message.
  func failure(_ error: any Error) -> ScoringError {
    switch error as? PredictionFailure {
    case .modelError(let message)?: return ScoringError(status: 500, message: "the model raised an error: \(message)")
    case .workerCrashed(let reason)?: return ScoringError(status: 503, message: "\(reason); it is being replaced, retry the request")
    case .timedOut?: return ScoringError(status: 504, message: "the model did not answer in time")
    case .shuttingDown?: return ScoringError(status: 503, message: "the server is shutting down")
    case nil: return ScoringError(status: 500, message: "\(error)")
    }
  }

  /// MLflow's error shape: `{"error_code": …, "message": …}` (plus mlv's per-field `errors`).
  func mlflowError(_ e: ScoringError) -> Response {
    let code: String
    switch e.status {
    case 400: code = "BAD_REQUEST"
    case 401: code = "UNAUTHENTICATED"
    case 404: code = "RESOURCE_DOES_NOT_EXIST"
    case 413: code = "REQUEST_LIMIT_EXCEEDED"
    case 415: code = "UNSUPPORTED_MEDIA_TYPE"
    case 422: code = "INVALID_PARAMETER_VALUE"
    case 503: code = "TEMPORARILY_UNAVAILABLE"
    case 504: code = "DEADLINE_EXCEEDED"
    default: code = "INTERNAL_ERROR"
    }
    var pairs: [(String, JSON)] = [("error_code", .string(code)), ("message", .string(e.message))]
    if !e.violations.isEmpty { pairs.append(("errors", .array(e.violations.map(\.json)))) }
    return json(e.status, .object(pairs))
  }

  // MARK: Open Inference Protocol

  func oipError(_ status: Int, _ message: String) -> Response { json(status, .object([("error", .string(message))])) }

  /// Checks `{name}` and `{version}`: nil when they name this model.
  func oipMismatch(_ context: BasicRequestContext) -> Response? {
    let name = context.parameters.get("name") ?? ""
    guard name == model.name else { return oipError(404, "unknown model '\(name)'; this server serves '\(model.name)'") }
    if let version = context.parameters.get("version"), version != String(model.version), !model.aliases.contains(version) {
      return oipError(404, "model '\(name)' version '\(version)' is not served here (serving version \(model.version))")
    }
    return nil
  }

  func oipMetadata(_ request: Request, _ context: BasicRequestContext) throws -> Response {
    try guarded(request, route: "v2_metadata") {
      if let mismatch = oipMismatch(context) { return mismatch }
      let inputs: [JSON] = (model.contract?.columns ?? []).map { rule in
        .object([
          ("name", .string(rule.name)), ("datatype", .string(Self.oipType(rule.type))), ("shape", .array([.integer(-1)])),
        ])
      }
      return json(
        200,
        .object([
          ("name", .string(model.name)), ("versions", .array([.string(String(model.version))])),
          ("platform", .string("mlv_python")), ("inputs", .array(inputs)),
          (
            "outputs",
            .array([.object([("name", .string("predictions")), ("datatype", .string("BYTES")), ("shape", .array([.integer(-1)]))])])
          ),
        ]))
    }
  }

  static func oipType(_ type: ColumnType?) -> String {
    switch type {
    case .integer?: return "INT64"
    case .float?: return "FP64"
    case .boolean?: return "BOOL"
    default: return "BYTES"
    }
  }

  func oipReady(_ request: Request, _ context: BasicRequestContext) throws -> Response {
    try guarded(request, route: "v2_ready") {
      if let mismatch = oipMismatch(context) { return mismatch }
      return ready() ? plain(200, "") : plain(503, "")
    }
  }

  func infer(_ request: Request, _ context: BasicRequestContext) async -> Response {
    let start = monotonicNow()
    let response = await inferResponse(request, context, start: start)
    metrics.request(route: "v2_infer", status: Int(response.status.code), nanoseconds: monotonicNow() - start)
    return response
  }

  private func inferResponse(_ request: Request, _ context: BasicRequestContext, start: UInt64) async -> Response {
    guard authorized(request) else { return unauthorized() }
    if let mismatch = oipMismatch(context) { return mismatch }
    if case .failure(let e) = contentKind(request, csv: false) { return oipError(e.status, e.message) }
    let parsed: OIPRequest
    switch await body(request) {
    case .failure(let e): return oipError(e.status, e.message)
    case .success(let buffer):
      do {
        parsed = try buffer.withUnsafeReadableBytes { raw throws(ScoringError) in try OIPRequest.decode(raw, contract: model.contract) }
      } catch { return oipError(error.status, error.message) }
    }
    let (batch, violations) = parsed.table.typed(contract: model.contract)
    guard let batch else {
      return json(
        422, .object([("error", .string(violationSummary(violations))), ("errors", .array(violations.map(\.json)))]))
    }
    do {
      let reply = try await pool.predict(batch)
      record(request, batch: batch, reply: reply, start: start)
      var outputs: [JSON] = []
      let value = (try? JSON.parse(reply.json)) ?? .null
      if reply.output.fields.isEmpty {
        outputs.append(Self.tensor(name: reply.output.name, reply.output, value))
      } else {
        for field in reply.output.fields { outputs.append(Self.tensor(name: field.name, field, value[field.name] ?? .null)) }
      }
      if !parsed.outputs.isEmpty {
        outputs = outputs.filter { o in parsed.outputs.contains { $0 == (o["name"]?.string ?? "") } }
      }
      var pairs: [(String, JSON)] = [("model_name", .string(model.name)), ("model_version", .string(String(model.version)))]
      if let id = parsed.id { pairs.append(("id", .string(id))) }
      pairs.append(("outputs", .array(outputs)))
      return json(200, .object(pairs))
    } catch {
      let e = failure(error)
      return oipError(e.status, e.message)
    }
  }

  static func tensor(name: String, _ d: OutputDescriptor, _ value: JSON) -> JSON {
    var flat: [JSON] = []
    func flatten(_ v: JSON) {
      if case .array(let items) = v { items.forEach(flatten) } else { flat.append(v) }
    }
    flatten(value)
    let shape = d.shape.isEmpty ? [flat.count] : d.shape
    return .object([
      ("name", .string(name)), ("datatype", .string(d.datatype)), ("shape", .array(shape.map { .integer(Int64($0)) })),
      ("data", .array(flat)),
    ])
  }
}

/// Request ids for the log when the client sends none.
final class RequestCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var n = 0
  func next() -> String {
    lock.lock()
    defer { lock.unlock() }
    n += 1
    return String(n)
  }
}

/// mlv's version (`mlv --version` and the OIP server metadata).
public let mlvVersion = "0.1.0"
