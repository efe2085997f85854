import AsyncHTTPClient
import MLVStore
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A remote in a bucket of an S3-compatible service, over HTTP(S) with AsyncHTTPClient and
/// requests signed with Signature Version 4.
///
/// Failed requests are retried with exponential backoff and jitter when the failure may pass:
/// connection errors, 5xx, 429, and the `SlowDown`, `RequestTimeout` and `InternalError` codes.
/// Bodies larger than `multipartThreshold` go up in parts; an interrupted multipart upload is
/// found again on the next attempt (ListMultipartUploads) and only the parts S3 lacks (by MD5)
/// are sent again.
public final class S3Backend: RemoteBackend {
  public let name: String
  public let bucket: String
  public let prefix: String
  public var location: String { "s3://\(bucket)/\(prefix)" }
  public var defaultConcurrency: Int { 16 }
  let scheme: String
  let host: String
  let port: Int?
  let pathStyle: Bool
  let signer: SigV4
  let client: HTTPClient
  /// Bodies above this size are uploaded in parts (`MLV_S3_MULTIPART_THRESHOLD` overrides it).
  public let multipartThreshold: Int
  /// The size of each part (`MLV_S3_PART_SIZE`; S3 requires at least 5 MiB but for the last).
  public let partSize: Int
  /// Attempts per request before giving up.
  let attempts: Int
  /// Parts uploaded by this process, for the test hook `MLV_TEST_EXIT_AFTER_PARTS`.
  static let partsUploaded = Atomic<Int>(0)
  let exitAfterParts: Int?
  /// Parts a resumed upload found already on the server (reported by `push`).
  public let resumedParts = Atomic<Int>(0)

  public init(spec: RemoteSpec, resolved: AWSCredentials.Resolved, environment: [String: String], concurrency: Int) throws {
    guard case .s3(let bucket, let prefix) = spec.location else { preconditionFailure("not an s3 remote") }
    name = spec.name
    self.bucket = bucket
    self.prefix = prefix
    let endpoint = spec.endpoint ?? "https://s3.\(resolved.region).amazonaws.com"
    let schemeEnd = endpoint.firstRange(of: "://")!
    scheme = endpoint[..<schemeEnd.lowerBound].lowercased()
    let authority = String(endpoint[schemeEnd.upperBound...])
    if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]"), let p = Int(authority[authority.index(after: colon)...]) {
      host = String(authority[..<colon])
      port = p
    } else {
      host = authority
      port = nil
    }
    pathStyle = spec.pathStyle ?? (spec.endpoint != nil)
    signer = SigV4(credentials: resolved.credentials, region: resolved.region)
    multipartThreshold = environment["MLV_S3_MULTIPART_THRESHOLD"].flatMap { Int($0) } ?? (16 << 20)
    partSize = max(1024, environment["MLV_S3_PART_SIZE"].flatMap { Int($0) } ?? (8 << 20))
    attempts = max(1, environment["MLV_S3_ATTEMPTS"].flatMap { Int($0) } ?? 5)
    exitAfterParts = environment["MLV_TEST_EXIT_AFTER_PARTS"].flatMap { Int($0) }
    var config = HTTPClient.Configuration()
    config.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10), read: .seconds(120))
    config.connectionPool = HTTPClient.Configuration.ConnectionPool(
      idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(2, concurrency))
    config.decompression = .disabled
    config.redirectConfiguration = .disallow
    client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
  }

  public func close() async { try? await client.shutdown() }

  // MARK: Requests

  struct Response {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]
    var text: Substring { Substring(String(decoding: body, as: UTF8.self)) }
  }

  var hostHeader: String {
    let h = pathStyle ? host : "\(bucket).\(host)"
    guard let port else { return h }
    return (scheme == "http" && port == 80) || (scheme == "https" && port == 443) ? h : "\(h):\(port)"
  }

  /// The URI path of `key` (nil for the bucket itself), percent-encoded.
  func path(_ key: String?) -> String {
    let objectPath = key.map { "/" + SigV4.uriEncode(prefix + $0, slash: false) } ?? "/"
    return pathStyle ? "/\(bucket)\(key == nil ? "" : objectPath)" : objectPath
  }

  /// Sends one signed request, retrying what may pass; returns any response with a status
  /// below 500 (except 429) for the caller to interpret.
  func send(
    _ method: HTTPMethod, key: String?, query: [(String, String)] = [], headers extra: [(String, String)] = [],
    body: [UInt8]? = nil, bodyRange: Range<Int>? = nil, limit: Int = 64 << 20, what: String
  ) async throws -> Response {
    let payload = body.map { b in bodyRange.map { Array(b[$0]) } ?? b }
    let payloadHash = SHA256.hash(payload ?? []).hex
    let uriPath = path(key)
    let queryString = SigV4.canonicalQuery(query)
    let url = "\(scheme)://\(hostHeader)\(uriPath)\(queryString.isEmpty ? "" : "?" + queryString)"
    var lastError: RemoteError?
    for attempt in 0..<attempts {
      if attempt > 0 {
        // 200 ms, 400 ms, 800 ms… (at most 5 s), each with up to half again of jitter.
        let base = min(5_000, 200 << (attempt - 1))
        try await Task.sleep(for: .milliseconds(base + Int.random(in: 0...(base / 2))))
      }
      var request = HTTPClientRequest(url: url)
      request.method = method
      var toSign = [("host", hostHeader)]
      for (name, value) in extra { toSign.append((name.lowercased(), value)) }
      for (name, value) in extra { request.headers.add(name: name, value: value) }
      request.headers.replaceOrAdd(name: "Host", value: hostHeader)
      for (name, value) in signer.sign(
        method: method.rawValue, path: uriPath, query: query, headers: toSign, payloadHash: payloadHash, date: time(nil))
      {
        request.headers.add(name: name, value: value)
      }
      if let payload {
        request.body = .bytes(ByteBuffer(bytes: payload))
        request.headers.replaceOrAdd(name: "Content-Length", value: String(payload.count))
      }
      do {
        let response = try await client.execute(request, timeout: .seconds(300))
        let buffer = try await response.body.collect(upTo: limit)
        let result = Response(status: Int(response.status.code), headers: response.headers, body: Array(buffer: buffer))
        let code = result.status >= 400 ? (XML.value("Code", in: result.text) ?? "") : ""
        if result.status >= 500 || result.status == 429 || code == "SlowDown" || code == "RequestTimeout" {
          lastError = .server(
            remote: name, status: result.status, code: code.isEmpty ? reasonPhrase(result.status) : code,
            message: XML.value("Message", in: result.text) ?? "no message", request: what)
          continue
        }
        return result
      } catch let error as CancellationError {
        throw error
      } catch {
        lastError = .unreachable(remote: name, endpoint: "\(scheme)://\(hostHeader)", reason: describe(error))
      }
    }
    throw lastError!
  }

  /// Turns an error response into a `RemoteError`.
  func failure(_ r: Response, what: String) -> RemoteError {
    let code = XML.value("Code", in: r.text) ?? reasonPhrase(r.status)
    let message = XML.value("Message", in: r.text) ?? "no message"
    if code == "NoSuchBucket" || (r.body.isEmpty && r.status == 404) { return .noSuchBucket(remote: name, bucket: bucket) }
    if r.status == 403 || r.status == 401 { return .denied(remote: name, status: r.status, code: code, message: message) }
    return .server(remote: name, status: r.status, code: code, message: message, request: what)
  }

  // MARK: RemoteBackend

  public func checkAccess(create: Bool) async throws {
    let r = try await send(.GET, key: nil, query: [("list-type", "2"), ("max-keys", "1"), ("prefix", prefix)], what: "to list the bucket")
    guard r.status == 200 else { throw failure(r, what: "to list the bucket") }
  }

  public func list(prefix keyPrefix: String, limit: Int?) async throws -> (entries: [RemoteEntry], complete: Bool) {
    var entries: [RemoteEntry] = []
    var token: String?
    repeat {
      var query = [("list-type", "2"), ("prefix", prefix + keyPrefix), ("max-keys", String(min(1000, limit ?? 1000)))]
      if let token { query.append(("continuation-token", token)) }
      let r = try await send(.GET, key: nil, query: query, what: "to list '\(keyPrefix)'")
      guard r.status == 200 else { throw failure(r, what: "to list '\(keyPrefix)'") }
      let text = r.text
      for item in XML.elements("Contents", in: text) {
        guard let key = XML.value("Key", in: item), key.hasPrefix(prefix), let size = XML.value("Size", in: item).flatMap({ Int($0) })
        else { continue }
        entries.append(RemoteEntry(key: String(key.dropFirst(prefix.count)), size: size))
      }
      token = XML.value("IsTruncated", in: text) == "true" ? XML.value("NextContinuationToken", in: text) : nil
      if let limit, entries.count >= limit { return (entries, token == nil) }
    } while token != nil
    return (entries, true)
  }

  public func get(_ key: String, range: Range<Int>?) async throws -> [UInt8]? {
    if range?.isEmpty == true { return [] }
    let headers = range.map { [("Range", "bytes=\($0.lowerBound)-\($0.upperBound - 1)")] } ?? []
    let r = try await send(.GET, key: key, headers: headers, limit: (range?.count ?? (1 << 30)) + 1024, what: "to download '\(key)'")
    switch r.status {
    case 200, 206: return r.body
    case 404 where XML.value("Code", in: r.text) == "NoSuchKey": return nil
    case 416: return nil
    default: throw failure(r, what: "to download '\(key)'")
    }
  }

  public func put(_ key: String, _ bytes: [UInt8]) async throws {
    if bytes.count > multipartThreshold && bytes.count > partSize {
      return try await putInParts(key, bytes)
    }
    let r = try await send(.PUT, key: key, body: bytes, what: "to upload '\(key)'")
    guard r.status == 200 else { throw failure(r, what: "to upload '\(key)'") }
  }

  public func delete(_ keys: [String]) async throws {
    for start in stride(from: 0, to: keys.count, by: 1000) {
      let batch = keys[start..<min(keys.count, start + 1000)]
      var body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete><Quiet>true</Quiet>"
      for key in batch { body += "<Object><Key>\(XML.escape(prefix + key))</Key></Object>" }
      body += "</Delete>"
      let bytes = Array(body.utf8)
      let md5 = bytes.withUnsafeBytes { Crypto.md5($0) }
      let r = try await send(
        .POST, key: nil, query: [("delete", "")], headers: [("Content-MD5", base64(md5)), ("Content-Type", "application/xml")],
        body: bytes, what: "to delete objects")
      guard r.status == 200 else { throw failure(r, what: "to delete objects") }
      if let first = XML.elements("Error", in: r.text).first {
        throw RemoteError.server(
          remote: name, status: 200, code: XML.value("Code", in: first) ?? "Error",
          message: "\(XML.value("Key", in: first) ?? "?"): \(XML.value("Message", in: first) ?? "no message")",
          request: "to delete objects")
      }
    }
  }

  // MARK: Multipart

  /// Uploads `bytes` in parts, resuming an upload of the same key that an earlier run left.
  func putInParts(_ key: String, _ bytes: [UInt8]) async throws {
    let what = "to upload '\(key)' in parts"
    var uploadID: String?
    var done: [Int: (etag: String, size: Int)] = [:]
    // An upload of this key left by an interrupted run: its parts may be reusable.
    let listing = try await send(.GET, key: nil, query: [("uploads", ""), ("prefix", prefix + key)], what: what)
    if listing.status == 200 {
      for upload in XML.elements("Upload", in: listing.text) where XML.value("Key", in: upload) == prefix + key {
        uploadID = XML.value("UploadId", in: upload)
      }
    }
    if let id = uploadID {
      var marker: String?
      repeat {
        var query = [("uploadId", id)]
        if let marker { query.append(("part-number-marker", marker)) }
        let parts = try await send(.GET, key: key, query: query, what: what)
        guard parts.status == 200 else {
          uploadID = nil
          done = [:]
          break
        }
        for part in XML.elements("Part", in: parts.text) {
          if let n = XML.value("PartNumber", in: part).flatMap({ Int($0) }), let etag = XML.value("ETag", in: part),
            let size = XML.value("Size", in: part).flatMap({ Int($0) })
          {
            done[n] = (etag, size)
          }
        }
        marker = XML.value("IsTruncated", in: parts.text) == "true" ? XML.value("NextPartNumberMarker", in: parts.text) : nil
      } while marker != nil
    }
    if uploadID == nil {
      let r = try await send(.POST, key: key, query: [("uploads", "")], what: what)
      guard r.status == 200, let id = XML.value("UploadId", in: r.text) else { throw failure(r, what: what) }
      uploadID = id
    }
    let id = uploadID!
    var etags: [String] = []
    for (index, start) in stride(from: 0, to: bytes.count, by: partSize).enumerated() {
      let number = index + 1
      let range = start..<min(bytes.count, start + partSize)
      let md5 = "\"" + Crypto.hex(bytes.withUnsafeBytes { Crypto.md5(UnsafeRawBufferPointer(rebasing: $0[range])) }) + "\""
      if let existing = done[number], existing.size == range.count, existing.etag == md5 {
        resumedParts.add(1, ordering: .relaxed)
        etags.append(md5)
        continue
      }
      let r = try await send(
        .PUT, key: key, query: [("partNumber", String(number)), ("uploadId", id)], body: bytes, bodyRange: range, what: what)
      guard r.status == 200 else { throw failure(r, what: what) }
      etags.append(r.headers.first(name: "ETag") ?? md5)
      let total = Self.partsUploaded.add(1, ordering: .relaxed).newValue
      if let exitAfterParts, total >= exitAfterParts { _exit(99) }
    }
    var body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUpload>"
    for (i, etag) in etags.enumerated() { body += "<Part><PartNumber>\(i + 1)</PartNumber><ETag>\(XML.escape(etag))</ETag></Part>" }
    body += "</CompleteMultipartUpload>"
    let r = try await send(.POST, key: key, query: [("uploadId", id)], body: Array(body.utf8), what: what)
    // S3 may answer 200 and still report an error in the body.
    guard r.status == 200, XML.elements("Error", in: r.text).isEmpty else { throw failure(r, what: what) }
  }
}

func reasonPhrase(_ status: Int) -> String { HTTPResponseStatus(statusCode: status).reasonPhrase }

/// One line about a transport error.
func describe(_ error: any Error) -> String {
  let text = String(describing: error)
  if text.contains("connectionRefused") || text.contains("Connection refused") || text.contains("ECONNREFUSED") {
    return "connection refused"
  }
  if text.contains("connectTimeout") || text.contains("deadlineExceeded") || text.contains("readTimeout") { return "timed out" }
  if text.contains("remoteConnectionClosed") || text.contains("ECONNRESET") || text.contains("connection reset") {
    return "the connection was closed by the server"
  }
  if let line = text.split(whereSeparator: \.isNewline).first { return String(line.prefix(200)) }
  return "unknown error"
}

func base64(_ bytes: [UInt8]) -> String {
  let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
  var out: [UInt8] = []
  var i = 0
  while i < bytes.count {
    let b0 = Int(bytes[i])
    let b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0
    let b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
    out.append(table[b0 >> 2])
    out.append(table[((b0 & 3) << 4) | (b1 >> 4)])
    out.append(i + 1 < bytes.count ? table[((b1 & 15) << 2) | (b2 >> 6)] : UInt8(ascii: "="))
    out.append(i + 2 < bytes.count ? table[b2 & 63] : UInt8(ascii: "="))
    i += 3
  }
  return String(decoding: out, as: UTF8.self)
}
