import Foundation
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How to start and drive a model's workers.
public struct WorkerConfiguration: Sendable {
  /// The Python interpreter, resolved to a path.
  public var python: String
  /// The worker shim (`templates/serve/mlv_worker.py`, written out by the caller).
  public var script: String
  /// The materialised model directory.
  public var directory: String
  public var spec: ModelSpec
  public var workers = 2
  /// A worker call takes queued requests up to this many rows (a larger request goes alone).
  public var maxBatchRows = 64
  /// How long a free worker waits for more rows before it runs a partial batch (0: never).
  public var maxWaitNanoseconds: UInt64 = 0
  /// A request that has not been answered after this long fails with a timeout; a worker
  /// busy for this long is killed and replaced.
  public var timeoutNanoseconds: UInt64 = 30_000_000_000
  /// The workers' environment variables.
  public var environment: [String: String]

  public init(python: String, script: String, directory: String, spec: ModelSpec, environment: [String: String]) {
    self.python = python
    self.script = script
    self.directory = directory
    self.spec = spec
    self.environment = environment
  }
}

/// One output of a prediction, as the worker described it (for the Open Inference Protocol).
public struct OutputDescriptor: Sendable, Equatable {
  public var name: String
  public var datatype: String
  public var shape: [Int]
  /// For a dict result: one descriptor per key.
  public var fields: [OutputDescriptor]
}

/// A request's predictions: their JSON text as the worker wrote it, and its description.
public struct PredictionReply: Sendable {
  public let json: [UInt8]
  public let output: OutputDescriptor
}

/// Why a prediction failed.
public enum PredictionFailure: Error, Sendable, Equatable {
  /// The model's code raised (HTTP 500).
  case modelError(String)
  /// The worker died or misbehaved while it held the request (503).
  case workerCrashed(String)
  /// No answer within the timeout (504).
  case timedOut
  /// The server is stopping (503).
  case shuttingDown
}

/// What the pool reports for metrics.
public struct WorkerPoolEvents: Sendable {
  public var batch: @Sendable (_ rows: Int, _ requests: Int) -> Void = { _, _ in }
  public var restart: @Sendable (_ reason: String) -> Void = { _ in }
  public init() {}
}

/// Python worker processes running a model's entry point, fed by one queue: requests that
/// arrive while the workers are busy are coalesced into one call (dynamic batching) and the
/// replies split back. A worker that dies or hangs is replaced; the requests it held fail
/// fast with `workerCrashed` or `timedOut`, never hang. See docs/worker-protocol.md.
public final class WorkerPool: @unchecked Sendable {
  private struct Job {
    let batch: InputBatch
    let layout: [String]
    let enqueued: UInt64
    let continuation: CheckedContinuation<PredictionReply, any Error>
  }

  private final class Slot: @unchecked Sendable {
    var pid: pid_t = 0
    var input: Int32 = -1
    var output: Int32 = -1
    var busySince: UInt64 = 0
    var killedForTimeout = false
  }

  public let configuration: WorkerConfiguration
  private let events: WorkerPoolEvents
  private var mutex = pthread_mutex_t()
  private var condition = pthread_cond_t()
  private var queue: [Job] = []
  private var slots: [Slot] = []
  private var stopping = false
  private var threads: [Thread] = []
  private var finished = 0
  private var nextID = 0
  /// Python's version, from the first worker's ready message.
  public private(set) var pythonVersion = ""
  public private(set) var restarts = 0

  public init(_ configuration: WorkerConfiguration, events: WorkerPoolEvents = WorkerPoolEvents()) {
    self.configuration = configuration
    self.events = events
    pthread_mutex_init(&mutex, nil)
    var attributes = pthread_condattr_t()
    pthread_condattr_init(&attributes)
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
    pthread_cond_init(&condition, &attributes)
    pthread_condattr_destroy(&attributes)
  }

  deinit {
    pthread_cond_destroy(&condition)
    pthread_mutex_destroy(&mutex)
  }

  private func locked<T>(_ body: () throws -> T) rethrows -> T {
    pthread_mutex_lock(&mutex)
    defer { pthread_mutex_unlock(&mutex) }
    return try body()
  }

  /// Starts every worker and waits for each to import the model; throws the first failure.
  public func start() throws {
    signal(SIGPIPE, SIG_IGN)
    slots = (0..<max(1, configuration.workers)).map { _ in Slot() }
    for slot in slots { try spawn(slot) }
    for (i, slot) in slots.enumerated() {
      let thread = Thread { [self] in serve(slot) }
      thread.name = "mlv-worker-\(i)"
      threads.append(thread)
      thread.start()
    }
    let watchdog = Thread { [self] in watch() }
    watchdog.name = "mlv-watchdog"
    watchdog.start()
  }

  /// The process ids of the workers now running (for health reports and tests).
  public var workerPIDs: [Int32] { locked { slots.map(\.pid).filter { $0 > 0 } } }

  /// Requests waiting for a worker.
  public var queued: Int { locked { queue.count } }

  /// Runs one request's rows through a worker (batched with others of the same layout).
  public func predict(_ batch: InputBatch) async throws -> PredictionReply {
    try await withCheckedThrowingContinuation { continuation in
      let refused: Bool = locked {
        if stopping { return true }
        queue.append(Job(batch: batch, layout: batch.layout, enqueued: monotonicNow(), continuation: continuation))
        pthread_cond_broadcast(&condition)
        return false
      }
      if refused { continuation.resume(throwing: PredictionFailure.shuttingDown) }
    }
  }

  /// Stops taking requests, answers those already queued, then ends the workers (closing
  /// their input; killing one that does not exit within 5 s).
  public func drain() {
    locked {
      stopping = true
      pthread_cond_broadcast(&condition)
    }
    while locked({ finished < slots.count }) { usleep(5_000) }
    for slot in slots where slot.pid > 0 { stop(slot, grace: 5_000_000_000) }
  }

  // MARK: worker threads

  private func serve(_ slot: Slot) {
    while true {
      pthread_mutex_lock(&mutex)
      while queue.isEmpty && !stopping { pthread_cond_wait(&condition, &mutex) }
      if queue.isEmpty && stopping {
        finished += 1
        pthread_mutex_unlock(&mutex)
        return
      }
      // Wait briefly for more rows if asked to (never past the oldest request's wait).
      if configuration.maxWaitNanoseconds > 0 {
        let deadline = queue[0].enqueued + configuration.maxWaitNanoseconds
        while !stopping, !queue.isEmpty, queuedRows() < configuration.maxBatchRows, monotonicNow() < deadline {
          var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
          pthread_cond_timedwait(&condition, &mutex, &ts)
        }
        if queue.isEmpty {
          pthread_mutex_unlock(&mutex)
          continue
        }
      }
      let jobs = takeBatch()
      slot.busySince = monotonicNow()
      slot.killedForTimeout = false
      pthread_mutex_unlock(&mutex)

      run(jobs, on: slot)

      locked { slot.busySince = 0 }
    }
  }

  private func queuedRows() -> Int { queue.reduce(0) { $0 + $1.batch.rows } }

  /// The first queued request and those after it with the same layout, up to the row limit.
  private func takeBatch() -> [Job] {
    var taken = [queue[0]]
    var rows = queue[0].batch.rows
    var rest: [Job] = []
    for job in queue.dropFirst() {
      if job.layout == taken[0].layout && rows + job.batch.rows <= configuration.maxBatchRows {
        taken.append(job)
        rows += job.batch.rows
      } else {
        rest.append(job)
      }
    }
    queue = rest
    return taken
  }

  private func run(_ jobs: [Job], on slot: Slot) {
    let rows = jobs.reduce(0) { $0 + $1.batch.rows }
    events.batch(rows, jobs.count)
    if slot.pid == 0 || !isAlive(slot) {
      // Died while idle (or never came back): replace it before handing it work.
      if slot.pid != 0 { reap(slot, reason: "the worker exited while idle") }
      // Not busy while it starts: the watchdog must not take a slow import for a hang.
      locked { slot.busySince = 0 }
      defer { locked { slot.busySince = monotonicNow() } }
      do { try spawn(slot) } catch {
        for job in jobs { job.continuation.resume(throwing: PredictionFailure.workerCrashed("\(error)")) }
        usleep(200_000)
        return
      }
    }
    let id = locked { () -> Int in
      nextID += 1
      return nextID
    }
    let frame = encodeFrame(jobs, id: id, rows: rows)
    do {
      try writeAll(slot.input, frame)
      let (header, payload) = try readFrame(slot.output, deadline: nil)
      let reply: JSON
      do { reply = try JSON.parse(header) } catch { throw WorkerIOError("the worker sent a malformed reply") }
      if case .string(let message)? = reply["error"] {
        for job in jobs { job.continuation.resume(throwing: PredictionFailure.modelError(message)) }
        return
      }
      guard let outputs = reply["outputs"]?.array, outputs.count == jobs.count else {
        throw WorkerIOError("the worker's reply does not match the request")
      }
      var at = 0
      var parts: [[UInt8]] = []
      for _ in jobs {
        guard at + 4 <= payload.count else { throw WorkerIOError("the worker's reply is truncated") }
        let n = readUInt32(payload, at: at)
        at += 4
        guard at + n <= payload.count else { throw WorkerIOError("the worker's reply is truncated") }
        parts.append(Array(payload[at..<at + n]))
        at += n
      }
      for (k, job) in jobs.enumerated() {
        job.continuation.resume(returning: PredictionReply(json: parts[k], output: Self.descriptor(outputs[k])))
      }
    } catch {
      let timedOut = locked { slot.killedForTimeout }
      let reason = timedOut ? "the worker took longer than the timeout" : "the worker died while predicting (\(error))"
      for job in jobs {
        job.continuation.resume(throwing: timedOut ? PredictionFailure.timedOut : PredictionFailure.workerCrashed(reason))
      }
      reap(slot, reason: reason)
      locked { slot.busySince = 0 }
      do { try spawn(slot) } catch { writeDiagnostic("warning: cannot restart a worker: \(error)") }
    }
  }

  private static func descriptor(_ json: JSON) -> OutputDescriptor {
    OutputDescriptor(
      name: json["name"]?.string ?? "predictions", datatype: json["datatype"]?.string ?? "BYTES",
      shape: (json["shape"]?.array ?? []).compactMap { if case .integer(let n) = $0 { return Int(n) } else { return nil } },
      fields: (json["fields"]?.array ?? []).map(descriptor))
  }

  /// The predict frame: a JSON header, then the binary columns (docs/worker-protocol.md).
  private func encodeFrame(_ jobs: [Job], id: Int, rows: Int) -> [UInt8] {
    var header: [UInt8] = []
    header.reserveCapacity(256)
    header.append(contentsOf: "{\"id\":\(id),\"rows\":\(rows),\"splits\":[".utf8)
    for (k, job) in jobs.enumerated() {
      if k > 0 { header.append(UInt8(ascii: ",")) }
      header.append(contentsOf: String(job.batch.rows).utf8)
    }
    header.append(contentsOf: "],\"columns\":[".utf8)
    var payload: [UInt8] = []
    let first = jobs[0].batch
    for (c, column) in first.columns.enumerated() {
      if c > 0 { header.append(UInt8(ascii: ",")) }
      header.append(contentsOf: "{\"name\":".utf8)
      CanonicalJSON.writeString(column.name, to: &header)
      header.append(contentsOf: ",\"type\":\"\(column.data.wireType)\"".utf8)
      switch column.data {
      case .float:
        for job in jobs {
          guard case .float(let v) = job.batch.columns[c].data else { continue }
          v.withUnsafeBytes { payload.append(contentsOf: $0) }
        }
      case .integer:
        for job in jobs {
          guard case .integer(let v) = job.batch.columns[c].data else { continue }
          v.withUnsafeBytes { payload.append(contentsOf: $0) }
        }
      case .boolean:
        for job in jobs {
          guard case .boolean(let v) = job.batch.columns[c].data else { continue }
          payload.append(contentsOf: v.map { $0 ? 1 : 0 })
        }
      case .text:
        header.append(contentsOf: ",\"values\":[".utf8)
        var firstValue = true
        for job in jobs {
          guard case .text(let v) = job.batch.columns[c].data else { continue }
          for s in v {
            if !firstValue { header.append(UInt8(ascii: ",")) }
            firstValue = false
            if let s { CanonicalJSON.writeString(s, to: &header) } else { header.append(contentsOf: "null".utf8) }
          }
        }
        header.append(UInt8(ascii: "]"))
      }
      header.append(UInt8(ascii: "}"))
    }
    header.append(contentsOf: "]}".utf8)
    var frame: [UInt8] = []
    frame.reserveCapacity(8 + header.count + payload.count)
    appendUInt32(&frame, UInt32(4 + header.count + payload.count))
    appendUInt32(&frame, UInt32(header.count))
    frame.append(contentsOf: header)
    frame.append(contentsOf: payload)
    return frame
  }

  // MARK: processes

  private func spawn(_ slot: Slot) throws {
    var toChild: [Int32] = [0, 0]
    var fromChild: [Int32] = [0, 0]
    guard makePipe(&toChild) == 0 else { throw ModelError.workerFailed("cannot create a pipe: \(errnoDescription(errno))") }
    guard makePipe(&fromChild) == 0 else {
      close(toChild[0])
      close(toChild[1])
      throw ModelError.workerFailed("cannot create a pipe: \(errnoDescription(errno))")
    }
    let c = configuration
    let arguments = [c.python, "-u", c.script, c.directory, c.spec.module, c.spec.function, c.spec.inputFormat.rawValue]
    let pid: pid_t
    do {
      pid = try ChildProcess.spawn(
        arguments, environment: c.environment, directory: c.directory, stdinFD: toChild[0], stdoutFD: fromChild[1], discardStderr: false)
    } catch {
      for fd in toChild + fromChild { close(fd) }
      throw ModelError.workerFailed("\(error)")
    }
    close(toChild[0])
    close(fromChild[1])
    locked { slot.pid = pid }
    slot.input = toChild[1]
    slot.output = fromChild[0]
    do {
      let (header, _) = try readFrame(slot.output, deadline: monotonicNow() + 120_000_000_000)
      guard let ready = try? JSON.parse(header) else { throw WorkerIOError("its first message is not JSON") }
      guard ready["ready"] == .bool(true) else {
        throw ModelError.workerFailed(ready["error"]?.string ?? "it did not become ready")
      }
      if pythonVersion.isEmpty { pythonVersion = ready["python"]?.string ?? "" }
    } catch let error as ModelError {
      reap(slot, reason: nil)
      throw error
    } catch {
      let status = reap(slot, reason: nil)
      throw ModelError.workerFailed("the worker \(status) before it was ready (\(error))")
    }
  }

  private func isAlive(_ slot: Slot) -> Bool {
    var status: Int32 = 0
    return waitpid(slot.pid, &status, WNOHANG) == 0
  }

  /// Kills (if needed) and waits for a worker; returns how it ended, for messages.
  @discardableResult
  private func reap(_ slot: Slot, reason: String?) -> String {
    if slot.input >= 0 { close(slot.input) }
    if slot.output >= 0 { close(slot.output) }
    slot.input = -1
    slot.output = -1
    // Cleared before the wait, so the watchdog never signals a pid that was reaped (and reused).
    let pid = locked { () -> pid_t in
      defer { slot.pid = 0 }
      return slot.pid
    }
    guard pid > 0 else { return "exited" }
    kill(pid, SIGKILL)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    if let reason {
      locked { restarts += 1 }
      events.restart(reason)
      writeDiagnostic("warning: replacing a worker: \(reason)")
    }
    if status & 0x7f == 0 { return "exited with status \((status >> 8) & 0xff)" }
    return "was killed by signal \(status & 0x7f)"
  }

  private func stop(_ slot: Slot, grace: UInt64) {
    close(slot.input)
    slot.input = -1
    let deadline = monotonicNow() + grace
    var status: Int32 = 0
    while waitpid(slot.pid, &status, WNOHANG) == 0 {
      if monotonicNow() > deadline {
        kill(slot.pid, SIGKILL)
        waitpid(slot.pid, &status, 0)
        break
      }
      usleep(10_000)
    }
    close(slot.output)
    slot.output = -1
    slot.pid = 0
  }

  // MARK: the watchdog

  /// Kills workers busy past the timeout and fails requests queued past it.
  private func watch() {
    while true {
      usleep(20_000)
      let now = monotonicNow()
      let timeout = configuration.timeoutNanoseconds
      // A request may be queued (or a call begun) after `now` was read: never subtract past 0.
      func late(_ since: UInt64) -> Bool { now > since && now - since > timeout }
      var expired: [Job] = []
      let done: Bool = locked {
        for slot in slots where slot.busySince > 0 && late(slot.busySince) && !slot.killedForTimeout && slot.pid > 0 {
          slot.killedForTimeout = true
          kill(slot.pid, SIGKILL)
        }
        if queue.contains(where: { late($0.enqueued) }) {
          expired = queue.filter { late($0.enqueued) }
          queue.removeAll { late($0.enqueued) }
        }
        return stopping && finished == slots.count
      }
      for job in expired { job.continuation.resume(throwing: PredictionFailure.timedOut) }
      if done { return }
    }
  }
}

struct WorkerIOError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// A pipe whose ends close on exec, made atomically (`pipe2`, looked up at run time: Swift's
/// Glibc module hides it behind `_GNU_SOURCE`), so a worker started on another thread at the
/// same moment cannot inherit it and keep it open after this worker dies.
private func makePipe(_ fds: inout [Int32]) -> Int32 {
  guard let pipe2 = pipe2Function else { return -1 }
  return fds.withUnsafeMutableBufferPointer { pipe2($0.baseAddress, O_CLOEXEC) }
}

private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
private let pipe2Function: Pipe2? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2").map { unsafeBitCast($0, to: Pipe2.self) }

/// The little-endian `UInt32` at `at` (frame and part lengths).
private func readUInt32(_ bytes: [UInt8], at: Int) -> Int {
  Int(UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
}

private func appendUInt32(_ out: inout [UInt8], _ v: UInt32) {
  out.append(UInt8(v & 0xff))
  out.append(UInt8(v >> 8 & 0xff))
  out.append(UInt8(v >> 16 & 0xff))
  out.append(UInt8(v >> 24))
}

private func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
  try bytes.withUnsafeBytes { raw in
    var at = 0
    while at < raw.count {
      let n = write(fd, raw.baseAddress! + at, raw.count - at)
      if n < 0 {
        if errno == EINTR { continue }
        throw WorkerIOError("cannot write to the worker: \(errnoDescription(errno))")
      }
      at += n
    }
  }
}

/// Reads exactly `count` bytes; with a deadline, gives up when it passes.
private func readExactly(_ fd: Int32, _ count: Int, deadline: UInt64?) throws -> [UInt8] {
  var out = [UInt8](repeating: 0, count: count)
  var at = 0
  try out.withUnsafeMutableBytes { raw in
    while at < count {
      if let deadline {
        let now = monotonicNow()
        guard now < deadline else { throw WorkerIOError("no answer in time") }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&p, 1, Int32(min(1000, (deadline - now) / 1_000_000 + 1)))
        if ready == 0 { continue }
      }
      let n = read(fd, raw.baseAddress! + at, count - at)
      if n < 0 {
        if errno == EINTR { continue }
        throw WorkerIOError("cannot read from the worker: \(errnoDescription(errno))")
      }
      if n == 0 { throw WorkerIOError("the worker closed its output") }
      at += n
    }
  }
  return out
}

/// A frame: its JSON header and its payload.
private func readFrame(_ fd: Int32, deadline: UInt64?) throws -> (header: [UInt8], payload: [UInt8]) {
  let prefix = try readExactly(fd, 4, deadline: deadline)
  let length = readUInt32(prefix, at: 0)
  guard length >= 4, length <= 1 << 30 else { throw WorkerIOError("the worker sent a frame of \(length) bytes") }
  let body = try readExactly(fd, length, deadline: deadline)
  let h = readUInt32(body, at: 0)
  guard h <= length - 4 else { throw WorkerIOError("the worker sent a malformed frame") }
  return (Array(body[4..<4 + h]), Array(body[(4 + h)...]))
}
