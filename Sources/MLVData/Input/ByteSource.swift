import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a table's bytes come from: a file, objects in the store, a decompressor. Read once,
/// front to back; the reader never asks for more than it holds in memory.
public protocol ByteSource: AnyObject {
  /// Fills the start of `buffer`; returns how many bytes were written, 0 only at the end.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A file read front to back.
public final class FileByteSource: ByteSource {
  private let file: FileHandle
  private var offset = 0

  /// Opens `path` for reading.
  public init(path: String) throws {
    file = try FileHandle(path: path, flags: O_RDONLY)
    posix_fadvise(file.fd, 0, 0, POSIX_FADV_SEQUENTIAL)
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    let n = try file.read(into: buffer, at: offset)
    offset += n
    return n
  }
}

/// Bytes handed over in pieces by a closure (nil at the end): the chunks of a stored file.
public final class PiecesByteSource: ByteSource {
  private let next: () throws -> [UInt8]?
  private var current: [UInt8] = []
  private var position = 0

  /// A source that calls `next` for each piece.
  public init(_ next: @escaping () throws -> [UInt8]?) { self.next = next }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    while position == current.count {
      guard let piece = try next() else { return 0 }
      current = piece
      position = 0
    }
    let n = min(buffer.count, current.count - position)
    current.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: n) }
    position += n
    return n
  }
}

/// Inflates a gzip stream read from another source.
public final class GzipByteSource: ByteSource {
  private let inner: any ByteSource
  private let inflater = GzipInflater()
  private let name: String
  private var input = [UInt8](repeating: 0, count: 1 << 18)
  private var start = 0
  private var end = 0
  private var innerDone = false

  /// Decompresses `inner`; `name` is the file's name for messages.
  public init(_ inner: any ByteSource, name: String) {
    self.inner = inner
    self.name = name
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    while true {
      if start == end && !innerDone {
        end = try input.withUnsafeMutableBytes { try inner.read(into: $0) }
        start = 0
        if end == 0 { innerDone = true }
      }
      if start == end && innerDone {
        guard inflater.atMemberEnd else {
          throw DataError.malformed(file: name, line: 1, column: nil, reason: "the gzip stream is truncated")
        }
        return 0
      }
      let result = input.withUnsafeBytes { inflater.inflate(UnsafeRawBufferPointer(rebasing: $0[start..<end]), into: buffer) }
      guard let (consumed, produced) = result else {
        throw DataError.malformed(file: name, line: 1, column: nil, reason: "the gzip stream is damaged")
      }
      start += consumed
      if produced > 0 { return produced }
      if consumed == 0 && start < end {
        throw DataError.malformed(file: name, line: 1, column: nil, reason: "the gzip stream is damaged")
      }
    }
  }
}
