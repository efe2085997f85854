internal import CZlib

/// zlib (RFC 1950) streams, used where compression pays: manifests and, when asked, data.
public enum Zlib {
  /// Compresses `input` at `level` (1 fastest … 9 smallest).
  public static func compress(_ input: UnsafeRawBufferPointer, level: Int32) -> [UInt8] {
    var stream = z_stream()
    precondition(deflateInit_(&stream, level, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
    defer { deflateEnd(&stream) }
    let bound = Int(deflateBound(&stream, uLong(input.count)))
    var output = [UInt8](repeating: 0, count: bound)
    let produced: Int = output.withUnsafeMutableBytes { out in
      stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
      stream.avail_in = uInt(input.count)
      stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
      stream.avail_out = uInt(bound)
      let status = deflate(&stream, Z_FINISH)
      precondition(status == Z_STREAM_END, "deflate with a full bound must finish")
      return Int(stream.total_out)
    }
    output.removeSubrange(produced...)
    return output
  }

  /// Decompresses a complete stream that must inflate to exactly `expectedCount` bytes; nil when damaged.
  public static func decompress(_ input: UnsafeRawBufferPointer, expectedCount: Int) -> [UInt8]? {
    var stream = z_stream()
    guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
    defer { inflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: expectedCount + 1)
    let ok: Bool = output.withUnsafeMutableBytes { out in
      stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
      stream.avail_in = uInt(input.count)
      stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
      stream.avail_out = uInt(out.count)
      let status = inflate(&stream, Z_FINISH)
      return status == Z_STREAM_END && Int(stream.total_out) == expectedCount && stream.avail_in == 0
    }
    guard ok else { return nil }
    output.removeLast()
    return output
  }
}

/// A streaming inflater for gzip (RFC 1952) data, including files of several concatenated
/// members (what `cat a.gz b.gz` and `pigz` produce), with bounded memory.
public final class GzipInflater {
  private var stream = z_stream()
  private var finishedMember = false
  /// Whether every member seen so far ended properly (false while one is open).
  public private(set) var atMemberEnd = true

  /// An inflater expecting a gzip header.
  public init() {
    // 16 + 15: a gzip wrapper around a 32 KiB window.
    precondition(inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
  }

  deinit { inflateEnd(&stream) }

  /// Inflates from `input` into `output`; returns (input bytes consumed, output bytes produced),
  /// or nil when the data is not valid gzip.
  public func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> (consumed: Int, produced: Int)? {
    var consumed = 0
    if finishedMember {
      guard !input.isEmpty else { return (0, 0) }
      guard inflateReset(&stream) == Z_OK else { return nil }
      finishedMember = false
    }
    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
    stream.avail_in = uInt(input.count)
    stream.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
    stream.avail_out = uInt(output.count)
    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
    consumed = input.count - Int(stream.avail_in)
    let produced = output.count - Int(stream.avail_out)
    switch status {
    case Z_OK, Z_BUF_ERROR:
      atMemberEnd = false
    case Z_STREAM_END:
      finishedMember = true
      atMemberEnd = true
    default:
      return nil
    }
    return (consumed, produced)
  }
}
