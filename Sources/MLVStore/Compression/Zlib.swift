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
