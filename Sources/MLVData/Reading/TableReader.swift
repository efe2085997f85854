import Dispatch
import MLVStore
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Work done on each batch on a worker thread, producing a partial result that the reading
/// thread merges in file order.
public protocol BatchConsumer: Sendable {
  /// What one batch yields.
  associatedtype Partial: Sendable
  /// Processes one batch (called concurrently from several threads).
  func process(_ batch: RecordBatch) -> Partial
}

/// Where a batch sits in the file, for turning its row and line offsets into numbers users see.
public struct BatchPosition: Sendable {
  /// Data rows before the batch (the header is no data row).
  public let rowsBefore: Int
  /// Lines before the batch's first line (so its first line is `linesBefore + 1`).
  public let linesBefore: Int
}

/// Streams a table through a consumer: one thread reads and cuts the bytes into batches of
/// whole records, worker threads (one per core) check, tokenize and process them, and results
/// are merged in file order. Memory stays at a few batches whatever the file's size.
public struct TableReader: Sendable {
  /// The format.
  public var format: TableFormat
  /// The file's name, for messages.
  public var name: String
  /// Bytes per batch.
  public var batchBytes = 4 << 20
  /// The longest record accepted (a longer one is almost always an unbalanced quote).
  public var maxRecordBytes = 64 << 20
  /// Worker threads.
  public var threads = max(1, min(8, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))

  /// A reader of `format` for the file called `name`.
  public init(format: TableFormat, name: String) {
    self.format = format
    self.name = name
  }

  /// Reads `source` to the end. `consumer` gets the header's column names (empty for JSON
  /// Lines, whose columns appear in each batch's `names`) and returns what processes batches;
  /// `merge` gets each batch's result in order and returns false to stop early.
  public func read<C: BatchConsumer>(
    _ source: any ByteSource, consumer makeConsumer: ([String]) throws -> C, merge: (C.Partial, BatchPosition) throws -> Bool
  ) throws {
    var input = source
    // Enough for gzip's magic and a byte-order mark, whatever the batch size.
    let first = max(batchBytes, 4)
    var buffer = try readUpTo(first, from: input, into: [])
    if buffer.count >= 2 && buffer[0] == 0x1F && buffer[1] == 0x8B {
      input = GzipByteSource(PrefixedSource(prefix: buffer, then: input), name: name)
      buffer = try readUpTo(first, from: input, into: [])
    }
    var atEnd = buffer.count < first
    if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { buffer.removeFirst(3) }
    var lines = 0
    var names: [String] = []
    if format != .jsonl {
      // The header: the first record after any blank lines.
      let blank = buffer.prefix { $0 == 0x0A || $0 == 0x0D }
      lines = blank.count { $0 == 0x0A }
      buffer.removeFirst(blank.count)
      var end = buffer.withUnsafeBufferPointer { CSVTokenizer.firstRecordEnd($0.baseAddress!, count: $0.count) }
      while end == nil && !atEnd {
        guard buffer.count < maxRecordBytes else {
          throw DataError.recordTooLong(file: name, line: lines + 1, limit: maxRecordBytes, inQuotes: true)
        }
        let target = max(buffer.count * 2, 64)
        buffer = try readUpTo(target, from: input, into: buffer)
        atEnd = buffer.count < target
        end = buffer.withUnsafeBufferPointer { CSVTokenizer.firstRecordEnd($0.baseAddress!, count: $0.count) }
      }
      let headerEnd = end ?? buffer.count
      let headerBytes = Array(buffer[..<headerEnd])
      guard headerBytes.contains(where: { $0 != 0x0A && $0 != 0x0D && $0 != 0x20 }) else { throw DataError.empty(file: name) }
      let batch = RecordBatch(bytes: headerBytes, names: [], fixedColumns: true)
      do {
        try check(batch)
        do {
          try CSVTokenizer.tokenize(
            batch, delimiter: format.delimiter, columns: 0, stops: CSVTokenizer.stopTable(delimiter: format.delimiter))
        } catch {
          throw located(error, in: batch)
        }
      } catch let failure as BatchFailure {
        throw failure.error(file: name, linesBefore: lines)
      }
      names = (0..<batch.view().rowStart(1)).map { batch.text($0) }
      var firstPosition: [String: Int] = [:]
      for (k, column) in names.enumerated() {
        if column.isEmpty {
          throw DataError.malformed(file: name, line: lines + 1, column: nil, reason: "column \(k + 1) of the header has no name")
        }
        if let first = firstPosition[column] {
          throw DataError.malformed(
            file: name, line: lines + 1, column: nil, reason: "columns \(first + 1) and \(k + 1) of the header are both named '\(column)'")
        }
        firstPosition[column] = k
      }
      lines += batch.lineCount
      buffer.removeFirst(headerEnd)
    }
    let consumer = try makeConsumer(names)
    try pipeline(input: input, buffer: buffer, atEnd: atEnd, lines: lines, names: names, consumer: consumer, merge: merge)
  }

  private func pipeline<C: BatchConsumer>(
    input: any ByteSource, buffer initial: [UInt8], atEnd initialEnd: Bool, lines initialLines: Int, names: [String], consumer: C,
    merge: (C.Partial, BatchPosition) throws -> Bool
  ) throws {
    typealias Outcome = Result<(partial: C.Partial, rows: Int, lines: Int), any Error>
    let done = Mutex<[Int: Outcome]>([:])
    let completed = DispatchSemaphore(value: 0)
    let group = DispatchGroup()
    // Batches read but not merged yet: one per worker and one being read, so memory stays
    // at a few batches whatever the core count.
    let maxInFlight = threads + 1
    var submitted = 0
    var merged = 0
    var rows = 0
    var lines = initialLines
    var stop = false
    defer { group.wait() }

    /// Merges the results that are ready, in order; with `wait`, blocks until at least one is.
    func mergeReady(wait: Bool) throws {
      var mergedAny = false
      while merged < submitted && !stop {
        guard let outcome = done.withLock({ $0.removeValue(forKey: merged) }) else {
          if !wait || mergedAny { return }
          completed.wait()
          continue
        }
        let (partial, count, lineCount): (C.Partial, Int, Int)
        do { (partial, count, lineCount) = try outcome.get() } catch let failure as BatchFailure {
          throw failure.error(file: name, linesBefore: lines)
        }
        let position = BatchPosition(rowsBefore: rows, linesBefore: lines)
        rows += count
        lines += lineCount
        merged += 1
        mergedAny = true
        if try !merge(partial, position) { stop = true }
      }
    }

    let stops = CSVTokenizer.stopTable(delimiter: format.delimiter)
    var buffer = initial
    var atEnd = initialEnd
    var target = batchBytes
    while !stop {
      if !atEnd && buffer.count < target {
        let before = buffer.count
        buffer = try readUpTo(target, from: input, into: buffer)
        atEnd = buffer.count == before || buffer.count < target
      }
      if buffer.isEmpty { break }
      var cut = buffer.withUnsafeBufferPointer { b -> Int? in
        guard let p = b.baseAddress else { return nil }
        if format == .jsonl {
          return lastNewline(p, before: b.count).map { $0 + 1 }
        }
        return CSVTokenizer.lastRecordEnd(p, count: b.count)
      }
      if atEnd { cut = buffer.count }
      guard let cut else {
        guard buffer.count < maxRecordBytes else {
          // Every earlier batch merged tells the line where this record starts.
          while merged < submitted && !stop { try mergeReady(wait: true) }
          let quotes = buffer.reduce(0) { $0 &+ ($1 == CSVTokenizer.quote ? 1 : 0) }
          throw DataError.recordTooLong(file: name, line: lines + 1, limit: maxRecordBytes, inQuotes: format != .jsonl && quotes & 1 == 1)
        }
        target = min(maxRecordBytes, buffer.count * 2)
        continue
      }
      target = batchBytes
      var bytes = buffer
      buffer = Array(bytes[cut...])
      bytes.removeSubrange(cut...)
      let index = submitted
      submitted += 1
      let job = Job(bytes: bytes, names: names)
      group.enter()
      DispatchQueue.global().async { [self] in
        let outcome: Outcome
        do {
          let batch = try job.tokenize(with: self, stops: stops)
          outcome = .success((consumer.process(batch), batch.rowCount, batch.lineCount))
        } catch {
          outcome = .failure(error)
        }
        done.withLock { $0[index] = outcome }
        completed.signal()
        group.leave()
      }
      try mergeReady(wait: false)
      while submitted - merged >= maxInFlight && !stop { try mergeReady(wait: true) }
      if atEnd && buffer.isEmpty { break }
    }
    while merged < submitted && !stop { try mergeReady(wait: true) }
  }

  /// A batch's bytes on their way to a worker.
  private struct Job: @unchecked Sendable {
    let bytes: [UInt8]
    let names: [String]

    func tokenize(with reader: TableReader, stops: [Bool]) throws -> RecordBatch {
      let batch = RecordBatch(bytes: bytes, names: names, fixedColumns: reader.format != .jsonl)
      try reader.check(batch)
      do {
        if reader.format == .jsonl {
          try JSONLTokenizer.tokenize(batch)
        } else {
          try CSVTokenizer.tokenize(batch, delimiter: reader.format.delimiter, columns: names.count, stops: stops)
        }
      } catch {
        throw reader.located(error, in: batch)
      }
      return batch
    }
  }

  /// Rejects bytes that are not text: NUL bytes and invalid UTF-8.
  func check(_ batch: RecordBatch) throws(BatchFailure) {
    let b = batch.bytes
    let problem: (offset: Int, reason: String)? = {
      guard let p = b.baseAddress, !b.isEmpty else { return nil }
      var any: UInt8 = 0
      var low: UInt8 = 0xFF
      for k in 0..<b.count {
        any |= p[k]
        low = min(low, p[k])
      }
      if low == 0, let nul = memchr(p, 0, b.count) {
        return (UnsafePointer<UInt8>(nul.assumingMemoryBound(to: UInt8.self)) - p, "a NUL byte: this looks like binary data, not text")
      }
      if any & 0x80 != 0, let bad = firstInvalidUTF8(p, count: b.count) { return (bad, "invalid UTF-8") }
      return nil
    }()
    guard let problem else { return }
    let line = CSVTokenizer.countNewlines(b.baseAddress!, problem.offset)
    throw located(TokenizeFailure(offset: problem.offset, line: line, reason: problem.reason), in: batch)
  }

  /// A tokenizer failure with its column in the line (the line is placed in the file at merge).
  func located(_ failure: TokenizeFailure, in batch: RecordBatch) -> BatchFailure {
    let b = batch.bytes
    var start = failure.offset
    while start > 0 && b[start - 1] != 0x0A { start -= 1 }
    let column = failure.offset - start + 1
    return BatchFailure(line: failure.line, column: column, reason: failure.reason)
  }

  /// Appends to `buffer` from `source` until it holds `target` bytes or the source ends.
  private func readUpTo(_ target: Int, from source: any ByteSource, into buffer: [UInt8]) throws -> [UInt8] {
    guard target > buffer.count else { return buffer }
    return try [UInt8](unsafeUninitializedCapacity: target) { out, filled in
      filled = buffer.count
      if filled > 0 { _ = UnsafeMutableBufferPointer(rebasing: out[0..<filled]).initialize(from: buffer) }
      while filled < target {
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(out)[filled..<target]))
        if n == 0 { break }
        filled += n
      }
    }
  }
}

/// A problem in a batch: its line counts from the batch's first line.
struct BatchFailure: Error {
  let line: Int
  let column: Int
  let reason: String

  func error(file: String, linesBefore: Int) -> DataError {
    .malformed(file: file, line: linesBefore + line + 1, column: column, reason: reason)
  }
}

/// Bytes already read, then the rest of a source.
final class PrefixedSource: ByteSource {
  private var prefix: [UInt8]
  private var position = 0
  private let rest: any ByteSource

  init(prefix: [UInt8], then rest: any ByteSource) {
    self.prefix = prefix
    self.rest = rest
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    if position < prefix.count {
      let n = min(buffer.count, prefix.count - position)
      prefix.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: n) }
      position += n
      if position == prefix.count { prefix = [] }
      return n
    }
    return try rest.read(into: buffer)
  }
}

/// The offset of the first byte that is not part of well-formed UTF-8, or nil.
func firstInvalidUTF8(_ p: UnsafePointer<UInt8>, count n: Int) -> Int? {
  var i = 0
  while i < n {
    // Eight ASCII bytes at a time.
    while i + 8 <= n, UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
    guard i < n else { break }
    let c = p[i]
    if c < 0x80 {
      i += 1
      continue
    }
    let need: Int
    var low: UInt8 = 0x80
    var high: UInt8 = 0xBF
    switch c {
    case 0xC2...0xDF: need = 1
    case 0xE0:
      need = 2
      low = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: need = 2
    case 0xED:
      need = 2
      high = 0x9F
    case 0xF0:
      need = 3
      low = 0x90
    case 0xF1...0xF3: need = 3
    case 0xF4:
      need = 3
      high = 0x8F
    default: return i
    }
    guard i + need < n else { return i }
    guard p[i + 1] >= low && p[i + 1] <= high else { return i }
    for k in 2..<(need + 1) where p[i + k] & 0xC0 != 0x80 { return i }
    i += need + 1
  }
  return nil
}

/// The offset of the last LF in `p[0..<end]`, or nil.
func lastNewline(_ p: UnsafePointer<UInt8>, before end: Int) -> Int? {
  var k = end - 1
  while k >= 0 && p[k] != 0x0A { k -= 1 }
  return k >= 0 ? k : nil
}
