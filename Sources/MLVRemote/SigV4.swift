import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// AWS Signature Version 4 for S3, computed with OpenSSL's HMAC-SHA256.
///
/// Every request is signed with its real payload hash (`x-amz-content-sha256`), so the server
/// checks the body it received against the one mlv meant to send.
public struct SigV4: Sendable {
  public let credentials: AWSCredentials
  public let region: String
  public let service: String

  public init(credentials: AWSCredentials, region: String, service: String = "s3") {
    self.credentials = credentials
    self.region = region
    self.service = service
  }

  /// The headers to add to a request: `x-amz-date`, `x-amz-content-sha256`, the session
  /// token if any, and `Authorization`. `path` is the URI path already percent-encoded;
  /// `headers` are the other headers to sign (`host` at least), names lower-case.
  public func sign(
    method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String, date: time_t
  ) -> [(String, String)] {
    let (amzDate, day) = Self.timestamps(date)
    // Names lower-case; values trimmed, inner runs of spaces collapsed to one (as AWS specifies).
    var signed = headers.map {
      ($0.0.lowercased(), $0.1.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ").trimmingCharacters(" \t"))
    }
    signed.append(("x-amz-content-sha256", payloadHash))
    signed.append(("x-amz-date", amzDate))
    if let token = credentials.sessionToken { signed.append(("x-amz-security-token", token)) }
    signed.sort { $0.0 < $1.0 }
    let signedNames = signed.map(\.0).joined(separator: ";")
    let canonical = [
      method,
      path,
      Self.canonicalQuery(query),
      signed.map { "\($0.0):\($0.1)\n" }.joined(),
      signedNames,
      payloadHash,
    ].joined(separator: "\n")
    let scope = "\(day)/\(region)/\(service)/aws4_request"
    let stringToSign = "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(SHA256.hash(Array(canonical.utf8)).hex)"
    var key = Crypto.hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), Array(day.utf8))
    key = Crypto.hmacSHA256(key: key, Array(region.utf8))
    key = Crypto.hmacSHA256(key: key, Array(service.utf8))
    key = Crypto.hmacSHA256(key: key, Array("aws4_request".utf8))
    let signature = Crypto.hex(Crypto.hmacSHA256(key: key, Array(stringToSign.utf8)))
    var out = signed.filter { $0.0.hasPrefix("x-amz-") }
    out.append(
      (
        "authorization",
        "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedNames), Signature=\(signature)"
      ))
    return out
  }

  /// `YYYYMMDDTHHMMSSZ` and `YYYYMMDD` for a time.
  static func timestamps(_ t: time_t) -> (String, String) {
    var time = t
    var parts = tm()
    gmtime_r(&time, &parts)
    func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
    let day = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
    return ("\(day)T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z", day)
  }

  /// The query, each name and value encoded, sorted by name then value.
  public static func canonicalQuery(_ query: [(String, String)]) -> String {
    query.map { (uriEncode($0.0, slash: true), uriEncode($0.1, slash: true)) }
      .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
      .map { "\($0.0)=\($0.1)" }
      .joined(separator: "&")
  }

  /// RFC 3986 percent-encoding of everything but unreserved characters (and `/` unless `slash`).
  public static func uriEncode(_ text: String, slash: Bool) -> String {
    var out = ""
    for c in text.utf8 {
      if isAlnum(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") || c == UInt8(ascii: "~")
        || (!slash && c == UInt8(ascii: "/"))
      {
        out.unicodeScalars.append(Unicode.Scalar(c))
      } else {
        let digits = Array("0123456789ABCDEF".utf8)
        out += "%"
        out.unicodeScalars.append(Unicode.Scalar(digits[Int(c >> 4)]))
        out.unicodeScalars.append(Unicode.Scalar(digits[Int(c & 15)]))
      }
    }
    return out
  }
}

/// The digests S3 needs beyond SHA-256 (computed by MLVStore, which imports OpenSSL).
enum Crypto {
  static func hmacSHA256(key: [UInt8], _ data: [UInt8]) -> [UInt8] { Digests.hmacSHA256(key: key, data) }

  /// MD5, which S3 reports as the ETag of a part: lets a resumed upload skip parts already sent.
  static func md5(_ data: UnsafeRawBufferPointer) -> [UInt8] { Digests.md5(data) }

  static func hex(_ bytes: [UInt8]) -> String { hexString(bytes) }
}
