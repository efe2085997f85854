import Foundation
import MLVData
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The served requests of one model as JSON Lines under `.mlv/logs/predictions/NAME/`: one
/// line per request with its inputs (column → values), predictions, model version and latency
/// (docs/format.md). Lines are buffered and written by a background thread every 100 ms, whole;
/// `predictions.jsonl` is renamed aside when it passes `maxBytes` and the oldest rotated files
/// beyond `keep` are removed.
public final class PredictionLog: @unchecked Sendable {
  public let directory: String
  public let maxBytes: Int
  public let keep: Int
  private var mutex = pthread_mutex_t()
  private var buffer: [UInt8] = []
  private var spare: [UInt8] = []
  /// Held while writing to the file (the flusher thread, or `close`).
  private var writer = pthread_mutex_t()
  private var closed = false
  private var fd: Int32 = -1
  private var size = 0

  public static let currentName = "predictions.jsonl"

  /// Opens (creating) the log directory of `model` in the repository's `.mlv`.
  public init(directory: String, maxBytes: Int = 64 << 20, keep: Int = 20) throws {
    self.directory = directory
    self.maxBytes = maxBytes
    self.keep = keep
    pthread_mutex_init(&mutex, nil)
    pthread_mutex_init(&writer, nil)
    try makeDirectories(directory)
    try openCurrent()
    let thread = Thread { [weak self] in
      while let log = self, !log.isClosed {
        usleep(100_000)
        log.flush()
      }
    }
    thread.name = "mlv-prediction-log"
    thread.start()
  }

  deinit {
    pthread_mutex_destroy(&mutex)
    pthread_mutex_destroy(&writer)
  }

  private var isClosed: Bool {
    pthread_mutex_lock(&mutex)
    defer { pthread_mutex_unlock(&mutex) }
    return closed
  }

  private func openCurrent() throws {
    let path = directory + "/" + Self.currentName
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw systemError(errno, path: path, operation: "open") }
    var st = stat()
    fstat(fd, &st)
    size = Int(st.st_size)
  }

  /// Appends one request's line.
  public func append(
    model: String, version: Int, request: String, latencyMs: Double, batch: InputBatch, predictions: [UInt8]
  ) {
    var line: [UInt8] = []
    line.reserveCapacity(128 + predictions.count + batch.rows * batch.columns.count * 8)
    line.append(contentsOf: "{\"ts\":\"".utf8)
    line.append(contentsOf: Timestamp.now().text.utf8)
    line.append(contentsOf: "\",\"model\":".utf8)
    CanonicalJSON.writeString(model, to: &line)
    line.append(contentsOf: ",\"version\":\(version),\"request\":".utf8)
    CanonicalJSON.writeString(request, to: &line)
    line.append(contentsOf: ",\"latency_ms\":\(jsonNumber((latencyMs * 1000).rounded() / 1000)),\"rows\":\(batch.rows),\"inputs\":{".utf8)
    for (c, column) in batch.columns.enumerated() {
      if c > 0 { line.append(UInt8(ascii: ",")) }
      CanonicalJSON.writeString(column.name, to: &line)
      line.append(contentsOf: ":[".utf8)
      for i in 0..<batch.rows {
        if i > 0 { line.append(UInt8(ascii: ",")) }
        column.data.json(i).write(to: &line)
      }
      line.append(UInt8(ascii: "]"))
    }
    line.append(contentsOf: "},\"predictions\":".utf8)
    line.append(contentsOf: predictions)
    line.append(contentsOf: "}\n".utf8)
    pthread_mutex_lock(&mutex)
    buffer.append(contentsOf: line)
    pthread_mutex_unlock(&mutex)
  }

  /// Writes what is buffered (whole lines), rotating first when the file is full. The buffer
  /// is swapped out under the lock and written outside it, so request threads never wait for
  /// the disk; one writer at a time.
  public func flush() {
    pthread_mutex_lock(&writer)
    defer { pthread_mutex_unlock(&writer) }
    pthread_mutex_lock(&mutex)
    swap(&buffer, &spare)
    pthread_mutex_unlock(&mutex)
    guard !spare.isEmpty, fd >= 0 else {
      spare.removeAll(keepingCapacity: true)
      return
    }
    if size > 0 && size + spare.count > maxBytes { rotate() }
    let written = spare.withUnsafeBytes { raw -> Int in
      var at = 0
      while at < raw.count {
        let n = write(fd, raw.baseAddress! + at, raw.count - at)
        if n < 0 {
          if errno == EINTR { continue }
          writeDiagnostic("warning: cannot write the prediction log: \(errnoDescription(errno))")
          return at
        }
        at += n
      }
      return at
    }
    size += written
    spare.removeAll(keepingCapacity: true)
  }

  private func rotate() {
    Glibc.close(fd)
    let stamp = Timestamp.now().text.filter { $0 != ":" && $0 != "-" && $0 != "." }
    let rotated = directory + "/predictions-\(stamp).jsonl"
    rename(directory + "/" + Self.currentName, rotated)
    let old = Self.files(in: directory).filter { $0 != rotated && !$0.hasSuffix("/" + Self.currentName) }
    if old.count > keep - 1 { for path in old.prefix(old.count - (keep - 1)) { unlink(path) } }
    do { try openCurrent() } catch { writeDiagnostic("warning: cannot reopen the prediction log: \(error)") }
  }

  /// Flushes and stops the background writer.
  public func close() {
    flush()
    pthread_mutex_lock(&writer)
    pthread_mutex_lock(&mutex)
    closed = true
    if fd >= 0 { Glibc.close(fd) }
    fd = -1
    pthread_mutex_unlock(&mutex)
    pthread_mutex_unlock(&writer)
  }

  /// The log files of a directory, oldest first (rotated ones by name, then the current one).
  public static func files(in directory: String) -> [String] {
    let rotated = listDirectory(directory).map(\.name).filter { $0.hasPrefix("predictions-") && $0.hasSuffix(".jsonl") }.sorted()
    var out = rotated.map { directory + "/" + $0 }
    if fileStatus(directory + "/" + currentName) != nil { out.append(directory + "/" + currentName) }
    return out
  }

  /// The logged rows as a JSON Lines table, streamed: one line per row with the input
  /// columns and, when a request's predictions are one value per row, a `prediction` column.
  public static func rows(of files: [String]) -> () throws -> any ByteSource {
    {
      var remaining = files[...]
      var source: FileByteSource?
      var pending: [UInt8] = []
      var chunk = [UInt8](repeating: 0, count: 1 << 20)
      return PiecesByteSource {
        while true {
          if source == nil {
            guard let next = remaining.popFirst() else {
              if pending.isEmpty { return nil }
              defer { pending.removeAll() }
              return try flatten(pending)
            }
            source = try FileByteSource(path: next)
          }
          let n = try chunk.withUnsafeMutableBytes { try source!.read(into: $0) }
          if n == 0 {
            source = nil
            if !pending.isEmpty {
              defer { pending.removeAll() }
              return try flatten(pending)
            }
            continue
          }
          pending.append(contentsOf: chunk[0..<n])
          guard let lastNewline = pending.lastIndex(of: 0x0A) else { continue }
          let whole = Array(pending[...lastNewline])
          pending.removeSubrange(...lastNewline)
          return try flatten(whole)
        }
      }
    }
  }

  /// Log lines → one JSON Lines row per served row. A malformed line (a torn write) is skipped.
  static func flatten(_ lines: [UInt8]) throws -> [UInt8] {
    var out: [UInt8] = []
    for line in lines.split(separator: 0x0A) where !line.isEmpty {
      guard let entry = try? JSON.parse(Array(line)), case .object(let inputs)? = entry["inputs"],
        case .integer(let rows64)? = entry["rows"], rows64 >= 0, rows64 < 1 << 31
      else { continue }
      let rows = Int(rows64)
      let predictions = entry["predictions"]?.array
      for r in 0..<rows {
        var pairs: [(String, JSON)] = []
        for (name, values) in inputs {
          pairs.append((name, values.array.flatMap { r < $0.count ? $0[r] : nil } ?? .null))
        }
        if let predictions, predictions.count == rows {
          switch predictions[r] {
          case .array, .object: break
          default: pairs.append(("prediction", predictions[r]))
          }
        }
        JSON.object(pairs).write(to: &out)
        out.append(0x0A)
      }
    }
    return out
  }
}
