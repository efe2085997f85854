import Foundation
import MLVStore
import MLVTestSupport
import Testing

/// A temporary Git repository with `mlv init` done, and helpers to drive the real binary.
final class Workspace: @unchecked Sendable {
  let repo: TemporaryGitRepository
  var path: String { repo.path }
  var dir: TemporaryDirectory { repo.directory }

  init(initialise: Bool = true) throws {
    repo = try TemporaryGitRepository()
    if initialise { try ok("init") }
  }

  /// Runs mlv with `arguments`.
  @discardableResult
  func run(_ arguments: String..., in sub: String = "", environment: [String: String] = [:]) throws -> ProcessResult {
    try mlv(arguments, in: dir.url(sub), environment: environment)
  }

  /// Runs mlv and expects exit 0 with nothing on stderr but hints and traces.
  @discardableResult
  func ok(_ arguments: String..., in sub: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult {
    let r = try mlv(arguments, in: dir.url(sub))
    #expect(r.status == 0, "mlv \(arguments.joined(separator: " ")) exited \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
    return r
  }

  /// Runs mlv and expects `status`, one `error:` line containing `message`, and nothing else but a hint.
  @discardableResult
  func fails(_ status: MLVStore.ExitStatus, _ message: String, _ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation)
    throws -> ProcessResult
  {
    let r = try mlv(arguments, in: path)
    #expect(
      r.status == status.rawValue, "mlv \(arguments.joined(separator: " ")) exited \(r.status), expected \(status.rawValue): \(r.stderr)",
      sourceLocation: sourceLocation)
    let lines = r.stderr.split(separator: "\n")
    #expect(lines.first?.hasPrefix("error: ") == true, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
    #expect(lines.first?.contains(message) == true, "expected '\(message)' in: \(r.stderr)", sourceLocation: sourceLocation)
    #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("hint: ") }, "extra stderr: \(r.stderr)", sourceLocation: sourceLocation)
    return r
  }

  /// Files written moments ago are too fresh for the stat cache (racy); tests that check the
  /// cache wait this long after writing data.
  func settle() { usleep(60_000) }

  /// The local store, for inspecting and damaging objects.
  var store: LocalStore { LocalStore(objectsPath: dir.url(".mlv/objects"), temporaryPath: dir.url(".mlv/tmp")) }

  /// The pointer at `relative`.
  func pointerID(_ relative: String) throws -> ObjectID {
    let text = try dir.readText(relative)
    let line = text.split(separator: "\n").first { $0.hasPrefix("id: ") }!
    return ObjectID(line.dropFirst(4))!
  }

  /// Damages one byte of an object file in place.
  func corrupt(_ id: ObjectID, at offset: Int? = nil) throws {
    let path = store.path(of: id)
    let relative = String(path.dropFirst(self.path.count + 1))
    var bytes = try dir.read(relative)
    bytes[offset ?? (bytes.count - 1)] ^= 0x01
    try runProcess("/bin/chmod", ["u+w", path], in: "/")
    try dir.write(relative, bytes)
  }

  func sha(_ relative: String) throws -> String { try sha256sum(dir.url(relative)) }

  /// Parses JSON stdout.
  func json(_ r: ProcessResult) throws -> Any { try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) }

  /// How many files hashing touched, from `MLV_TRACE`.
  func hashedFiles(_ r: ProcessResult) -> Int? {
    guard let line = r.stderr.split(separator: "\n").first(where: { $0.hasPrefix("trace: hashed ") }) else { return nil }
    return Int(line.split(separator: " ")[2])
  }
}

/// Whether tests that mount file systems can run (they need root, as CI has).
let canMount: Bool = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount")
