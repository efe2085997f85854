import MLVStore

/// A configured remote: where it is and how to reach it. Never holds credentials.
public struct RemoteSpec: Sendable, Equatable {
  /// Where a remote's store lives.
  public enum Location: Sendable, Equatable {
    /// A directory (a local disk or a shared mount), absolute.
    case directory(String)
    /// A bucket of an S3-compatible service and a key prefix inside it ("" or ending in "/").
    case s3(bucket: String, prefix: String)
  }

  /// The remote's name in the config.
  public let name: String
  /// The URL as the user gave it.
  public let url: String
  /// Where it is (a relative directory resolved against the repository root).
  public let location: Location
  /// The S3 endpoint (`http[s]://host[:port]`); nil means AWS for the region.
  public let endpoint: String?
  /// The S3 region; nil means the environment's or the profile's, else us-east-1.
  public let region: String?
  /// Whether to address the bucket in the path (`endpoint/bucket/key`) rather than the host name.
  public let pathStyle: Bool?
  /// The AWS profile to read credentials from.
  public let profile: String?

  /// A remote from its config values; `root` resolves a relative directory.
  public init(
    name: String, url: String, endpoint: String? = nil, region: String? = nil, pathStyle: Bool? = nil, profile: String? = nil,
    root: String
  ) throws {
    self.name = name
    self.url = url
    self.location = try Self.parse(url, root: root)
    if case .directory = location, endpoint != nil || region != nil || pathStyle != nil || profile != nil {
      throw RemoteError.badOption("--endpoint, --region, --path-style and --profile apply to s3:// remotes only")
    }
    if let endpoint { try Self.checkEndpoint(endpoint) }
    if let region, region.isEmpty || !region.utf8.allSatisfy({ isAlnum($0) || $0 == UInt8(ascii: "-") }) {
      throw RemoteError.badOption("invalid region '\(printable(region))'")
    }
    self.endpoint = endpoint.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    self.region = region
    self.pathStyle = pathStyle
    self.profile = profile
  }

  /// Checks a remote name: it becomes a config section and a cache directory.
  public static func checkName(_ name: String) throws {
    let bytes = Array(name.utf8)
    guard let first = bytes.first, isAlnum(first), bytes.count <= 64,
      bytes.allSatisfy({ isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") })
    else { throw RemoteError.badName(name) }
  }

  /// Parses a remote URL: `/path`, a relative path, `file:///path`, or `s3://bucket[/prefix]`.
  public static func parse(_ url: String, root: String) throws -> Location {
    if url.isEmpty { throw RemoteError.notARemoteURL(url, reason: "it is empty") }
    if let scheme = url.firstRange(of: "://").map({ String(url[..<$0.lowerBound]) }) {
      let rest = String(url[url.index(url.startIndex, offsetBy: scheme.count + 3)...])
      switch scheme.lowercased() {
      case "file":
        guard rest.hasPrefix("/") else {
          throw RemoteError.notARemoteURL(url, reason: "a file URL needs an absolute path (file:///PATH)")
        }
        guard let decoded = percentDecoded(rest) else { throw RemoteError.notARemoteURL(url, reason: "bad percent-encoding") }
        return .directory(normalized(decoded))
      case "s3":
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let bucket = String(rest[..<slash])
        try checkBucket(bucket, url: url)
        var prefix = slash < rest.endIndex ? String(rest[rest.index(after: slash)...]) : ""
        while prefix.hasPrefix("/") { prefix.removeFirst() }
        while prefix.hasSuffix("//") { prefix.removeLast() }
        if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
        if prefix.split(separator: "/", omittingEmptySubsequences: false).dropLast().contains(where: {
          $0.isEmpty || $0 == "." || $0 == ".."
        }) {
          throw RemoteError.notARemoteURL(url, reason: "the key prefix has an empty, '.' or '..' segment")
        }
        return .s3(bucket: bucket, prefix: prefix)
      default:
        throw RemoteError.notARemoteURL(url, reason: "mlv does not know the scheme '\(printable(scheme))'")
      }
    }
    if url.contains(":") && !url.hasPrefix("/") && !url.hasPrefix(".") {
      // `host:path` (scp-like) or `s3:bucket`: almost surely not a directory meant here.
      throw RemoteError.notARemoteURL(url, reason: "it looks like HOST:PATH, which mlv cannot reach")
    }
    return .directory(normalized(url.hasPrefix("/") ? url : root + "/" + url))
  }

  static func checkBucket(_ bucket: String, url: String) throws {
    let b = Array(bucket.utf8)
    let ok =
      (3...63).contains(b.count) && isAlnum(b[0]) && isAlnum(b[b.count - 1])
      && b.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E }
    guard ok else {
      throw RemoteError.notARemoteURL(
        url, reason: "'\(printable(bucket))' is not a bucket name (3 to 63 lower-case letters, digits, '.' and '-')")
    }
  }

  static func checkEndpoint(_ endpoint: String) throws {
    let lower = endpoint.lowercased()
    guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
      throw RemoteError.badOption("invalid endpoint '\(printable(endpoint))': it must start with http:// or https://")
    }
    let hostPart = endpoint.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first ?? ""
    let afterHost = endpoint.drop(while: { $0 != "/" }).dropFirst(2).drop(while: { $0 != "/" })
    guard !hostPart.isEmpty, afterHost.isEmpty || afterHost == "/", !hostPart.contains(where: { "?#@ \\".contains($0) }) else {
      throw RemoteError.badOption("invalid endpoint '\(printable(endpoint))': give only http[s]://HOST[:PORT]")
    }
  }

  /// A short description for listings and messages.
  public var summary: String {
    var parts = [url]
    if let endpoint { parts.append("endpoint \(endpoint)") }
    if let region { parts.append("region \(region)") }
    if pathStyle == true { parts.append("path-style") }
    if let profile { parts.append("profile \(profile)") }
    return parts.joined(separator: ", ")
  }
}

func isAlnum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }

/// `path` without `.` segments, doubled slashes or a trailing slash (`..` is kept: it may cross a symlink).
func normalized(_ path: String) -> String {
  let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
  return "/" + parts.joined(separator: "/")
}

func percentDecoded(_ text: String) -> String? {
  var out: [UInt8] = []
  var bytes = Array(text.utf8)[...]
  while let c = bytes.popFirst() {
    if c == UInt8(ascii: "%") {
      guard bytes.count >= 2, let hi = hexValue(bytes[bytes.startIndex]), let lo = hexValue(bytes[bytes.startIndex + 1]) else {
        return nil
      }
      out.append(hi << 4 | lo)
      bytes = bytes.dropFirst(2)
    } else {
      out.append(c)
    }
  }
  return String(validating: out, as: UTF8.self)
}

func hexValue(_ c: UInt8) -> UInt8? {
  switch c {
  case 0x30...0x39: return c - 0x30
  case 0x61...0x66: return c - 0x61 + 10
  case 0x41...0x46: return c - 0x41 + 10
  default: return nil
  }
}
