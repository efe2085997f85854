/// How an object's bytes are laid out in a store file (see `docs/format.md`, "Object files").
///
/// A 16-byte header — magic `mlvo`, format version, encoding, two zero bytes, the content
/// length as a little-endian UInt64 — then the payload: the content itself, or a zlib stream of it.
/// The object's id is always the SHA-256 of the content, never of the stored bytes.
public enum ObjectEncoding: UInt8, Sendable {
  /// The payload is the content.
  case raw = 0
  /// The payload is a zlib stream that inflates to the content.
  case zlib = 1

  /// Bytes before the payload.
  public static let headerSize = 16
  /// The format version written in byte 4.
  public static let version: UInt8 = 1
  static let magic: [UInt8] = Array("mlvo".utf8)

  /// The header for content of `length` bytes stored with this encoding.
  public func header(contentLength: Int) -> [UInt8] {
    var h = Self.magic + [Self.version, rawValue, 0, 0]
    for k in 0..<8 { h.append(UInt8(truncatingIfNeeded: UInt64(contentLength) >> (UInt64(k) * 8))) }
    return h
  }

  /// Parses a header: the encoding and the content length, or nil when it is not one.
  public static func parseHeader(_ bytes: UnsafeRawBufferPointer) -> (ObjectEncoding, Int)? {
    guard bytes.count >= headerSize, Array(bytes[0..<4]) == magic, bytes[4] == version,
      let encoding = ObjectEncoding(rawValue: bytes[5]), bytes[6] == 0, bytes[7] == 0
    else { return nil }
    var length: UInt64 = 0
    for k in (0..<8).reversed() { length = (length << 8) | UInt64(bytes[8 + k]) }
    guard length <= UInt64(Int.max) else { return nil }
    return (encoding, Int(length))
  }
}

/// When a store compresses what it writes.
public enum CompressionPolicy: String, Sendable, CaseIterable {
  /// Never.
  case none
  /// Metadata (manifests) only: data goes to disk at full speed.
  case auto
  /// Also data, kept compressed only when that saves at least a tenth.
  case zlib
}

/// What an object is, so the store can apply the compression policy.
public enum ObjectRole: Sendable {
  /// User data: a whole small file or a chunk of a large one.
  case data
  /// A manifest or other metadata written by mlv.
  case metadata
}
