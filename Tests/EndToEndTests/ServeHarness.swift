import Foundation
import MLVTestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// A running `mlv serve` on an ephemeral port of 127.0.0.1, stopped (SIGTERM, then SIGKILL)
/// when released.
final class ServerProcess: @unchecked Sendable {
  let process = Process()
  let port: Int
  private let errors = Pipe()
  private var stderrText = ""
  private let lock = NSLock()

  /// Starts `mlv serve ARGUMENTS --port 0` in `directory` and waits for its "serving … on" line.
  init(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws {
    process.executableURL = URL(fileURLWithPath: mlvBinaryPath())
    process.arguments = ["serve"] + arguments + ["--port", "0"]
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    var found: Int?
    let deadline = Date().addingTimeInterval(60)
    let handle = errors.fileHandleForReading
    var text = ""
    while found == nil, Date() < deadline {
      let data = handle.availableData
      if data.isEmpty { break }
      text += String(decoding: data, as: UTF8.self)
      if let range = text.range(of: #"on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
        found = Int(text[range].split(separator: ":").last!)
      }
    }
    stderrText = text
    guard let found else {
      process.terminate()
      throw TestFailure("mlv serve did not start: \(text)")
    }
    port = found
    // Keep draining stderr so the server never blocks on a full pipe.
    DispatchQueue.global().async { [self] in
      while true {
        let data = handle.availableData
        if data.isEmpty { return }
        lock.lock()
        stderrText += String(decoding: data, as: UTF8.self)
        lock.unlock()
      }
    }
  }

  var stderr: String {
    lock.lock()
    defer { lock.unlock() }
    return stderrText
  }

  /// Sends SIGTERM and waits for the exit status.
  @discardableResult
  func stop() -> Int32 {
    if process.isRunning { kill(process.processIdentifier, SIGTERM) }
    let deadline = Date().addingTimeInterval(20)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    return process.terminationStatus
  }

  deinit { if process.isRunning { stop() } }

  /// One HTTP/1.1 request over a fresh connection (real sockets, `Connection: close`).
  func request(
    _ method: String, _ path: String, body: [UInt8] = [], contentType: String? = "application/json", headers: [String: String] = [:]
  ) throws -> HTTPReply {
    try httpRequest(port: port, method, path, body: body, contentType: contentType, headers: headers)
  }

  func post(_ path: String, _ json: String, headers: [String: String] = [:]) throws -> HTTPReply {
    try request("POST", path, body: Array(json.utf8), headers: headers)
  }

  func get(_ path: String, headers: [String: String] = [:]) throws -> HTTPReply {
    try request("GET", path, contentType: nil, headers: headers)
  }
}

struct HTTPReply: Sendable {
  let status: Int
  let headers: [String: String]
  let body: String
  var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]) }
  var object: [String: Any] { json as? [String: Any] ?? [:] }
  var predictions: [Double]? { (object["predictions"] as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } }
}

/// A minimal blocking HTTP/1.1 client: enough to test status codes, headers and bodies.
func httpRequest(
  port: Int, _ method: String, _ path: String, body: [UInt8], contentType: String?, headers: [String: String], timeout: Int = 30
) throws -> HTTPReply {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  guard fd >= 0 else { throw TestFailure("socket failed") }
  defer { close(fd) }
  var tv = timeval(tv_sec: timeout, tv_usec: 0)
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
  var addr = sockaddr_in()
  addr.sin_family = sa_family_t(AF_INET)
  addr.sin_port = in_port_t(UInt16(port).bigEndian)
  addr.sin_addr.s_addr = inet_addr("127.0.0.1")
  let connected = withUnsafePointer(to: &addr) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
  }
  guard connected == 0 else { throw TestFailure("cannot connect to 127.0.0.1:\(port)") }
  var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
  if let contentType { head += "Content-Type: \(contentType)\r\n" }
  for (k, v) in headers { head += "\(k): \(v)\r\n" }
  let request = Array((head + "\r\n").utf8) + body
  var at = 0
  while at < request.count {
    let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + at, request.count - at, Int32(MSG_NOSIGNAL)) }
    if n <= 0 { break }  // the server may answer (413) and close before reading everything
    at += n
  }
  var response: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 65536)
  while true {
    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65536, 0) }
    if n <= 0 { break }
    response += buffer[0..<n]
  }
  guard let split = response.indices.first(where: { i in i + 3 < response.count && response[i..<i + 4].elementsEqual([13, 10, 13, 10]) })
  else { throw TestFailure("no HTTP response (got \(response.count) bytes)") }
  let headText = String(decoding: response[..<split], as: UTF8.self)
  let lines = headText.components(separatedBy: "\r\n")
  let status = Int(lines[0].split(separator: " ")[1]) ?? 0
  var fields: [String: String] = [:]
  for line in lines.dropFirst() {
    if let colon = line.firstIndex(of: ":") {
      fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
  }
  var payload = Array(response[(split + 4)...])
  if fields["transfer-encoding"] == "chunked" {
    var out: [UInt8] = []
    var i = 0
    while i < payload.count {
      guard let lineEnd = payload[i...].firstIndex(of: 13) else { break }
      let size = Int(String(decoding: payload[i..<lineEnd], as: UTF8.self), radix: 16) ?? 0
      if size == 0 { break }
      out += payload[(lineEnd + 2)..<min(payload.count, lineEnd + 2 + size)]
      i = lineEnd + 2 + size + 2
    }
    payload = out
  }
  return HTTPReply(status: status, headers: fields, body: String(decoding: payload, as: UTF8.self))
}
