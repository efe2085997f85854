// MLVTestSupport: temporary Git repositories, a runner for the built `mlv` binary, and data
// fixtures. Used only by tests.

import Foundation

/// The outcome of running a process.
public struct ProcessResult: Sendable {
  /// Exit status.
  public let status: Int32
  /// Everything written to stdout.
  public let stdout: String
  /// Everything written to stderr.
  public let stderr: String
}

/// Runs `executable` with `arguments` in `directory`, waiting for it to finish.
@discardableResult
public func runProcess(_ executable: String, _ arguments: [String], in directory: String, environment: [String: String] = [:]) throws
  -> ProcessResult
{
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  process.currentDirectoryURL = URL(fileURLWithPath: directory)
  var env = ProcessInfo.processInfo.environment
  for (k, v) in environment { env[k] = v }
  process.environment = env
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  try process.run()
  // Read both pipes concurrently so a chatty process cannot fill one and block.
  nonisolated(unsafe) var errData = Data()
  let group = DispatchGroup()
  group.enter()
  DispatchQueue.global().async {
    errData = err.fileHandleForReading.readDataToEndOfFile()
    group.leave()
  }
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  group.wait()
  process.waitUntilExit()
  return ProcessResult(
    status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// A scratch directory removed when released.
public final class TemporaryDirectory: @unchecked Sendable {
  /// Its absolute path (symlinks resolved).
  public let path: String

  /// Creates a fresh directory under the system temporary directory.
  public init(prefix: String = "mlv-test") {
    let template = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix).XXXXXX")
    var bytes = Array(template.utf8CString)
    let made = bytes.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed")
    let raw = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    path = (try? FileManager.default.destinationOfSymbolicLink(atPath: raw)) ?? URL(fileURLWithPath: raw).resolvingSymlinksInPath().path
  }

  deinit {
    // Objects are written read-only; make everything writable so removal works for non-root users too.
    _ = try? runProcess("/bin/chmod", ["-R", "u+w", path], in: "/")
    try? FileManager.default.removeItem(atPath: path)
  }

  /// `path/relative`.
  public func url(_ relative: String) -> String { relative.isEmpty ? path : path + "/" + relative }

  /// Writes `bytes` at `relative`, creating parent directories.
  public func write(_ relative: String, _ bytes: [UInt8]) throws {
    let full = url(relative)
    try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: full))
  }

  /// Writes `text` at `relative`.
  public func write(_ relative: String, _ text: String) throws { try write(relative, Array(text.utf8)) }

  /// The bytes at `relative`.
  public func read(_ relative: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: url(relative)))) }

  /// The text at `relative`.
  public func readText(_ relative: String) throws -> String { String(decoding: try read(relative), as: UTF8.self) }

  /// Whether `relative` exists.
  public func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: url(relative)) }
}

/// A temporary Git repository with a committer configured.
public final class TemporaryGitRepository: @unchecked Sendable {
  /// The scratch directory holding the work tree.
  public let directory: TemporaryDirectory
  /// The work tree's root.
  public var path: String { directory.path }

  /// `git init` in a fresh directory.
  public init() throws {
    directory = TemporaryDirectory(prefix: "mlv-repo")
    try git("init", "-q", "-b", "main")
    try git("config", "user.name", "Test")
    try git("config", "user.email", "test@example.com")
    try git("config", "commit.gpgsign", "false")
  }

  /// Runs git in the work tree; throws when it fails.
  @discardableResult
  public func git(_ arguments: String...) throws -> String {
    let r = try runProcess("/usr/bin/git", arguments, in: path)
    guard r.status == 0 else { throw TestFailure("git \(arguments.joined(separator: " ")) failed: \(r.stderr)") }
    return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Commits everything.
  public func commitAll(_ message: String) throws {
    try git("add", "-A")
    try git("commit", "-q", "-m", message)
  }
}

/// A failure in test set-up.
public struct TestFailure: Error, CustomStringConvertible {
  /// What went wrong.
  public let description: String
  /// A failure with `description`.
  public init(_ description: String) { self.description = description }
}

/// Deterministic pseudo-random bytes (xorshift), so fixtures are the same on every machine.
public func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
  var state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
  var out = [UInt8](repeating: 0, count: count)
  var i = 0
  while i < count {
    state ^= state << 13
    state ^= state >> 7
    state ^= state << 17
    var v = state
    for _ in 0..<8 where i < count {
      out[i] = UInt8(truncatingIfNeeded: v)
      v >>= 8
      i += 1
    }
  }
  return out
}

/// The built `mlv` binary: `MLV_BINARY` if set, else beside the test bundle in the build folder.
public func mlvBinaryPath() -> String {
  if let explicit = ProcessInfo.processInfo.environment["MLV_BINARY"] { return explicit }
  var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
  for _ in 0..<4 {
    let candidate = dir.appendingPathComponent("mlv").path
    if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    dir = dir.deletingLastPathComponent()
  }
  let bin = try? runProcess("/usr/bin/env", ["swift", "build", "--show-bin-path"], in: FileManager.default.currentDirectoryPath)
  return (bin?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) ?? ".build/debug") + "/mlv"
}

/// Runs the `mlv` binary in `directory`.
@discardableResult
public func mlv(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> ProcessResult {
  try runProcess(mlvBinaryPath(), arguments, in: directory, environment: environment)
}

/// The SHA-256 of a file as `sha256sum` prints it.
public func sha256sum(_ path: String) throws -> String {
  let r = try runProcess("/usr/bin/sha256sum", [path], in: "/")
  guard r.status == 0 else { throw TestFailure("sha256sum failed: \(r.stderr)") }
  return String(r.stdout.prefix(64))
}
