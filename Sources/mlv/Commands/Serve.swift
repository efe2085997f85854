import ArgumentParser
import Foundation
import MLVCore
import MLVServer
import MLVStore

struct Serve: RepositoryCommand {
  static let configuration = CommandConfiguration(
    abstract: "Serve a model version over HTTP: /predict, MLflow's /invocations, the Open Inference Protocol (/v2), health and metrics.",
    discussion: "Stops on SIGTERM or SIGINT after answering the requests in flight. See docs/serving.md.")

  @Argument(help: "NAME, NAME@VERSION or NAME@ALIAS (default: the latest version).") var model: String
  @Option(help: "Read the registry (and the model) at this revision.") var rev: String?
  @Option(help: "The address to listen on.") var host = "127.0.0.1"
  @Option(help: "The port (0: any free port; the one chosen is printed).") var port = 8080
  // One core is left to HTTP and batching: on 2 cores, 1 worker served a small model 1.6x
  // faster than 2 (9,900 vs 6,000 requests/s), its batches being larger.
  @Option(help: "Worker processes (default: the number of cores less one, at least 1).")
  var workers = min(64, max(1, ProcessInfo.processInfo.activeProcessorCount - 1))
  @Option(help: "Rows per worker call at most: concurrent requests are coalesced up to this.") var maxBatch = 64
  @Option(help: "How long a free worker waits for more rows before a partial batch, in ms (0: it never waits).") var maxWaitMs = 0
  @Option(help: "Seconds before an unanswered request gets 504 and a busy worker is replaced.") var timeout = 30.0
  @Option(help: "Requests must carry 'Authorization: Bearer TOKEN' (default: $MLV_SERVE_TOKEN; none: open).") var token: String?
  @Option(help: "Largest request body in MiB (larger: 413).") var maxBodyMb = 8.0
  @Option(
    help: "Where the workers' Python comes from: local (MLV_PYTHON or python3) or venv (built from the model's requirements, cached).")
  var envManager = "local"
  @Flag(help: "Do not append served requests to the prediction log.") var noLog = false

  func validate() throws {
    guard EnvironmentManager(rawValue: envManager) != nil else { throw ValidationError("--env-manager must be local or venv") }
    guard workers >= 1, workers <= 64 else { throw ValidationError("--workers must be between 1 and 64") }
    guard maxBatch >= 1 else { throw ValidationError("--max-batch must be 1 or more") }
    guard maxWaitMs >= 0, maxWaitMs <= 10_000 else { throw ValidationError("--max-wait-ms must be between 0 and 10000") }
    guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
    guard port >= 0, port <= 65535 else { throw ValidationError("--port must be between 0 and 65535") }
    guard maxBodyMb > 0, maxBodyMb <= 1024 else { throw ValidationError("--max-body-mb must be above 0 and at most 1024") }
  }

  func run() throws {
    let repository = try openRepository()
    let resolved = try repository.resolveModel(model, revision: rev)
    let (directory, python, contract) = try working {
      let directory = try repository.materializeModel(resolved)
      let python = try repository.python(
        for: resolved, directory: directory, manager: EnvironmentManager(rawValue: envManager)!)
      return (directory, python, try repository.inputContract(of: resolved.manifest))
    }
    let script = try repository.workerScript(WorkerShim.source)
    var configuration = WorkerConfiguration(
      python: python, script: script, directory: directory, spec: resolved.manifest.spec, environment: workerEnvironment())
    configuration.workers = workers
    configuration.maxBatchRows = maxBatch
    configuration.maxWaitNanoseconds = UInt64(maxWaitMs) * 1_000_000
    configuration.timeoutNanoseconds = UInt64(timeout * 1e9)
    let pool = WorkerPool(configuration, events: ModelServer.poolEvents)
    try pool.start()
    var options = ServeOptions()
    options.host = host
    options.port = port
    options.token = token ?? ProcessInfo.processInfo.environment["MLV_SERVE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    options.maxBodyBytes = Int(maxBodyMb * 1024 * 1024)
    let log = noLog ? nil : try PredictionLog(directory: repository.predictionLogDirectory(resolved.name))
    let served = ServedModel(
      name: resolved.name, version: resolved.version.number, aliases: resolved.aliases, manifestID: resolved.version.id,
      contract: contract, spec: resolved.manifest.spec, revision: resolved.side)
    let server = ModelServer(model: served, pool: pool, options: options, log: log)
    let label =
      "\(resolved.name)@\(resolved.version.number)\(resolved.aliases.isEmpty ? "" : " (\(resolved.aliases.joined(separator: ", ")))")"
    let host = self.host
    let workers = self.workers
    let done = DispatchSemaphore(value: 0)
    let failure = ErrorBox()
    Task {
      do {
        try await server.run { port in
          writeDiagnostic("serving \(label) with \(workers) worker\(workers == 1 ? "" : "s") on http://\(host):\(port)")
        }
      } catch { failure.error = error }
      done.signal()
    }
    done.wait()
    if let error = failure.error { throw ServeError.cannotListen(host: host, port: port, reason: "\(error)") }
    writeDiagnostic("stopped: answered the requests in flight, workers ended")
  }

  /// The workers see mlv's environment, with Python's output unbuffered and its threads pinned
  /// to one per worker (the workers already use the cores).
  func workerEnvironment() -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    for key in ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"] where env[key] == nil { env[key] = "1" }
    env["PYTHONUNBUFFERED"] = "1"
    return env
  }
}

final class ErrorBox: @unchecked Sendable { var error: (any Error)? }

enum ServeError: UserFacingError {
  case cannotListen(host: String, port: Int, reason: String)
  var message: String {
    switch self {
    case .cannotListen(let host, let port, let reason): return "cannot serve on \(host):\(port): \(reason)"
    }
  }
  var hint: String? { "choose another --port (0 picks a free one)" }
  var exitStatus: ExitStatus { .ioFailure }
}
