internal import COpenSSL

/// SHA-256 through OpenSSL's EVP interface (which uses the CPU's SHA extensions when present).
public enum SHA256 {
  nonisolated(unsafe) private static let md: OpaquePointer = {
    guard let md = EVP_MD_fetch(nil, "SHA256", nil) else { fatalError("OpenSSL has no SHA256") }
    return md
  }()

  /// The id of `bytes`.
  public static func hash(_ bytes: UnsafeRawBufferPointer) -> ObjectID {
    var digest = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
    return withUnsafeMutableBytes(of: &digest) { out in
      var length: UInt32 = 0
      let ok = EVP_Digest(
        bytes.baseAddress ?? UnsafeRawPointer(out.baseAddress!), bytes.count,
        out.baseAddress!.assumingMemoryBound(to: UInt8.self), &length, md, nil)
      precondition(ok == 1 && length == 32, "EVP_Digest failed")
      return ObjectID(digest: UnsafeRawBufferPointer(out))
    }
  }

  /// The id of `bytes`.
  public static func hash(_ bytes: [UInt8]) -> ObjectID {
    bytes.withUnsafeBytes { hash($0) }
  }

  /// An incremental hasher for content that arrives in pieces.
  public final class Hasher {
    private let context: OpaquePointer

    /// A hasher with nothing fed yet.
    public init() {
      context = EVP_MD_CTX_new()
      precondition(EVP_DigestInit_ex(context, SHA256.md, nil) == 1)
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Feeds the next piece.
    public func update(_ bytes: UnsafeRawBufferPointer) {
      guard let base = bytes.baseAddress, bytes.count > 0 else { return }
      precondition(EVP_DigestUpdate(context, base, bytes.count) == 1)
    }

    /// The id of everything fed.
    public func finish() -> ObjectID {
      var digest = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
      return withUnsafeMutableBytes(of: &digest) { out in
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, out.baseAddress!.assumingMemoryBound(to: UInt8.self), &length) == 1)
        return ObjectID(digest: UnsafeRawBufferPointer(out))
      }
    }
  }
}

/// The other digests remotes need, from OpenSSL (kept here: one module imports each C library).
public enum Digests {
  /// HMAC-SHA256 of `data` under `key` (AWS Signature Version 4).
  public static func hmacSHA256(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 32
    key.withUnsafeBufferPointer { k in
      data.withUnsafeBufferPointer { d in
        _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress, d.count, &out, &length)
      }
    }
    return out
  }

  /// MD5, which S3 reports as the ETag of an uploaded part.
  public static func md5(_ data: UnsafeRawBufferPointer) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 16)
    var length: UInt32 = 16
    _ = EVP_Digest(data.baseAddress, data.count, &out, &length, EVP_md5(), nil)
    return out
  }
}
