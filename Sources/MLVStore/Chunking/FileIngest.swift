import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The result of reading one file into the store (or only hashing it).
public struct IngestedFile: Sendable, Equatable {
  /// The file's object: the blob, or the file manifest.
  public let id: ObjectID
  /// How it is stored.
  public let layout: FileLayout
  /// Its length in bytes.
  public let size: Int
  /// How many chunks (1 for a blob).
  public let chunkCount: Int

  /// A result.
  public init(id: ObjectID, layout: FileLayout, size: Int, chunkCount: Int) {
    self.id = id
    self.layout = layout
    self.size = size
    self.chunkCount = chunkCount
  }
}

/// Reads files, cuts them into chunks, hashes them and writes what the store lacks.
///
/// Files up to `Chunker.maximumSize` are one blob. Larger files are read a 64 MiB window at a
/// time (so memory stays bounded); inside a window both halves are chunked and hashed on
/// separate cores and the seam is stitched exactly (see `Chunker`), then the new chunks are
/// written by both cores.
public enum FileIngest {
  /// Bytes processed per window of a large file.
  public static let windowSize = 64 << 20
  /// How many threads to use.
  public static let workerCount = max(1, min(8, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))

  /// Files read and hashed by this process (for `MLV_TRACE`: proves the stat cache spared the rest).
  public static let filesHashed = Atomic<Int>(0)
  /// Bytes read and hashed by this process.
  public static let bytesHashed = Atomic<Int>(0)
  /// Bytes chunked serially while stitching the halves of windows.
  public static let stitchedBytes = Atomic<Int>(0)

  /// Reads `path` and stores its content in `store`; with no store, only computes the id.
  ///
  /// `knownSize` (from a directory listing just made) spares a `fstat`; a file that turns out
  /// to have another size is reported as changed.
  public static func ingest(path: String, store: (any ObjectStore)?, knownSize: Int? = nil) throws -> IngestedFile {
    let file = try FileHandle(path: path, flags: O_RDONLY)
    let size = try knownSize ?? Int(file.status().st_size)
    filesHashed.add(1, ordering: .relaxed)
    bytesHashed.add(size, ordering: .relaxed)
    if size <= Chunker.maximumSize {
      // One byte more than expected tells a file that grew from one that did not.
      var buffer = [UInt8](repeating: 0, count: size + 1)
      let n = try buffer.withUnsafeMutableBytes { (buf) throws -> Int in try file.read(into: buf, at: 0) }
      guard n == size else { throw StoreError.changedWhileReading(path: path) }
      buffer.removeLast()
      Progress.advance(size)
      let id = SHA256.hash(buffer)
      if let store {
        try buffer.withUnsafeBytes { buf in _ = try store.write(buf, id: id, role: .data) }
      }
      return IngestedFile(id: id, layout: .blob, size: size, chunkCount: 1)
    }
    let chunks = try chunkFile(file: file, size: size, store: store)
    let manifest = FileManifest(chunks: chunks)
    let bytes = manifest.encoded()
    let id = SHA256.hash(bytes)
    if let store {
      try bytes.withUnsafeBytes { buf in _ = try store.write(buf, id: id, role: .metadata) }
    }
    return IngestedFile(id: id, layout: .chunked, size: size, chunkCount: chunks.count)
  }

  /// A chunk found by a scan: where it ends and what it hashes to.
  struct Found {
    let end: Int
    let id: ObjectID
  }

  /// Reads a large file a window at a time into one buffer (two threads read the halves), cuts
  /// and hashes each window on both cores, and writes the new chunks on both cores. `pread`
  /// rather than a memory map: a file that shrinks while it is read becomes an error, not a SIGBUS.
  static func chunkFile(file: FileHandle, size: Int, store: (any ObjectStore)?) throws -> [ChunkReference] {
    let capacity = min(size, windowSize)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 4096)
    defer { buffer.deallocate() }
    nonisolated(unsafe) let window = buffer
    let base = UnsafePointer<UInt8>(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
    var result: [ChunkReference] = []
    var position = 0
    while position < size {
      let length = min(capacity, size - position)
      let atEnd = position + length == size
      let halves = [0..<length / 2, length / 2..<length]
      let from = position
      let counts = try parallelMap(halves) { half in
        try file.read(into: UnsafeMutableRawBufferPointer(rebasing: window[half]), at: from + half.lowerBound)
      }
      guard counts.reduce(0, +) == length else { throw StoreError.changedWhileReading(path: file.path) }
      let found = scanWindow(base, start: 0, end: length, atEnd: atEnd)
      var start = 0
      let chunks = found.map { f -> (start: Int, chunk: ChunkReference) in
        defer { start = f.end }
        return (start, ChunkReference(id: f.id, size: f.end - start))
      }
      if let store { try write(chunks, base: base, to: store) }
      result.append(contentsOf: chunks.map(\.chunk))
      Progress.advance(found.last?.end ?? 0)
      guard let last = found.last?.end, last > 0 else { throw StoreError.changedWhileReading(path: file.path) }
      position += last
    }
    if let after = try? file.status(), Int(after.st_size) != size { throw StoreError.changedWhileReading(path: file.path) }
    return result
  }

  /// The complete chunks of `[start, end)`, cut from `start`: the two halves on two cores, then stitched.
  static func scanWindow(_ base: UnsafePointer<UInt8>, start: Int, end: Int, atEnd: Bool) -> [Found] {
    nonisolated(unsafe) let base = base
    @Sendable func scan(from s: Int, stopAfter limit: Int) -> [Found] {
      var out: [Found] = []
      var s = s
      while s < limit, let c = Chunker.cut(base, start: s, end: end, atEnd: atEnd) {
        out.append(Found(end: c, id: SHA256.hash(UnsafeRawBufferPointer(start: base + s, count: c - s))))
        s = c
      }
      return out
    }
    let length = end - start
    guard workerCount > 1, length >= 8 * Chunker.maximumSize else { return scan(from: start, stopAfter: end) }
    let middle = start + length / 2
    nonisolated(unsafe) var halves: [[Found]] = [[], []]
    halves.withUnsafeMutableBufferPointer { out in
      nonisolated(unsafe) let out = out
      DispatchQueue.concurrentPerform(iterations: 2) { i in
        out[i] = i == 0 ? scan(from: start, stopAfter: middle) : scan(from: middle, stopAfter: end)
      }
    }
    var first = halves[0]
    let second = halves[1]
    // The first half is exact. Follow it into the second half until it lands on a cut the second
    // half also found; from there on the two scans agree.
    let secondIndex = Dictionary(uniqueKeysWithValues: second.enumerated().map { ($1.end, $0) })
    var s = first.last?.end ?? start
    while true {
      if s == end { return first }
      if let k = secondIndex[s] { return first + second[(k + 1)...] }
      guard let c = Chunker.cut(base, start: s, end: end, atEnd: atEnd) else { return first }
      stitchedBytes.add(c - s, ordering: .relaxed)
      first.append(Found(end: c, id: SHA256.hash(UnsafeRawBufferPointer(start: base + s, count: c - s))))
      s = c
    }
  }

  /// Writes the chunks the store lacks, on all cores.
  static func write(_ chunks: [(start: Int, chunk: ChunkReference)], base: UnsafePointer<UInt8>, to store: any ObjectStore) throws {
    nonisolated(unsafe) let base = base
    _ = try parallelMap(chunks) { start, chunk in
      try store.write(UnsafeRawBufferPointer(start: base + start, count: chunk.size), id: chunk.id, role: .data)
    }
  }

  /// Runs `body` over `items` on all cores, in order of index, returning the results in order.
  public static func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ body: @Sendable (T) throws -> R) throws -> [R] {
    try parallelResults(items, body).map { try $0.get() }
  }

  /// Runs `body` over `items` on all cores and returns every outcome, failures included (so a
  /// caller can undo the successes when one item fails).
  public static func parallelResults<T: Sendable, R: Sendable>(_ items: [T], _ body: @Sendable (T) throws -> R) -> [Result<R, any Error>] {
    nonisolated(unsafe) var results: [Result<R, any Error>?] = Array(repeating: nil, count: items.count)
    let workers = min(workerCount, max(1, items.count))
    results.withUnsafeMutableBufferPointer { out in
      nonisolated(unsafe) let out = out
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        var i = w
        while i < items.count {
          do { out[i] = .success(try body(items[i])) } catch { out[i] = .failure(error) }
          i += workers
        }
      }
    }
    return results.map { $0! }
  }
}
