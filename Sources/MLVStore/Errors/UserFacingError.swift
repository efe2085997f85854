/// The exit codes mlv documents in `docs/exit-codes.md`.
///
/// Chosen once, here, so that every layer speaks the same numbers and `main` only maps.
public enum ExitStatus: Int32, Sendable {
  /// The command did what was asked.
  case success = 0
  /// The command ran and found problems (for example `fsck` found damage).
  case problemsFound = 1
  /// The command line itself is wrong.
  case usage = 2
  /// Data broke its contract (reserved for contract checks).
  case contractViolation = 3
  /// Not inside a Git work tree, or mlv is not initialised there.
  case notARepository = 4
  /// A path, revision, pointer or other input is invalid.
  case invalidInput = 5
  /// An object the command needs is missing from the store or corrupt.
  case storeIntegrity = 6
  /// The command refused to overwrite data that exists nowhere else.
  case wouldOverwrite = 7
  /// The operating system refused a read or write (disk full, read-only, permissions).
  case ioFailure = 8
  /// A stage's command failed (or did not produce what it declared); nothing was recorded.
  case commandFailed = 9
  /// `drift --fail-on-drift` found the data drifted.
  case driftDetected = 10
  /// A remote could not be reached, or refused a request (credentials, a missing bucket).
  case remoteFailure = 11
  /// A bug in mlv.
  case internalError = 70
}

/// An error the user can act on: it carries the one-line message, an optional hint and an exit code.
public protocol UserFacingError: Error, CustomStringConvertible {
  /// The message after `error: `, lower-case, subject quoted.
  var message: String { get }
  /// A suggestion printed after `hint: `, when one helps.
  var hint: String? { get }
  /// The documented exit code.
  var exitStatus: ExitStatus { get }
}

extension UserFacingError {
  public var hint: String? { nil }
  public var description: String { message }
}
