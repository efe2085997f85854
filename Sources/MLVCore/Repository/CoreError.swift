import MLVStore

/// Failures of repository-level commands that the user can fix.
public enum CoreError: UserFacingError, Equatable {
  /// `.mlv` does not exist in the work tree.
  case notInitialised(root: String)
  /// The repository's format is newer than this mlv.
  case unsupportedFormat(found: Int, supported: Int)
  /// A path that resolves outside the work tree.
  case outsideRepository(String)
  /// A path that does not exist.
  case pathNotFound(String)
  /// A path mlv will not track (inside `.git` or `.mlv`, a pointer file, a special file).
  case cannotTrack(String, reason: String)
  /// Checkout would write through a symbolic link.
  case symbolicLinkInTheWay(String)
  /// A path Git already tracks (its content would stay in Git).
  case trackedByGit(String)
  /// A pointer file that cannot be parsed or names an unsafe path.
  case malformedPointer(String, reason: String)
  /// A path that no pointer tracks.
  case notTracked(String)
  /// Checkout would destroy local changes that exist nowhere else.
  case wouldOverwrite([String])
  /// A configuration key or value mlv does not know.
  case badConfig(String)
  /// `gc` cannot see everything that may reference an object.
  case incompleteReachability(String)
  /// The configuration file cannot be parsed.
  case malformedConfig(String, reason: String)
  /// `gc` while a run, rebuild or experiment writes objects no commit names yet.
  case runInProgress

  public var message: String {
    switch self {
    case .notInitialised(let root): return "mlv is not initialised in '\(root)'"
    case .unsupportedFormat(let found, let supported):
      return "repository format \(found) is newer than this mlv supports (\(supported))"
    case .outsideRepository(let path): return "'\(printable(path))' is outside the repository"
    case .pathNotFound(let path): return "'\(printable(path))' does not exist"
    case .cannotTrack(let path, let reason): return "cannot track '\(printable(path))': \(printable(reason))"
    case .malformedPointer(let path, let reason): return "malformed pointer '\(printable(path))': \(printable(reason))"
    case .notTracked(let path): return "'\(printable(path))' is not tracked by mlv"
    case .trackedByGit(let path): return "'\(printable(path))' is already tracked by git"
    case .symbolicLinkInTheWay(let path): return "refusing to check out through the symbolic link '\(printable(path))'"
    case .wouldOverwrite(let paths):
      let shown = paths.prefix(5).map { "'\(printable($0))'" }.joined(separator: ", ")
      return "local changes to \(shown)\(paths.count > 5 ? " and \(paths.count - 5) more" : "") would be overwritten by checkout"
    case .badConfig(let what): return what
    case .malformedConfig(let path, let reason): return "malformed config '\(path)': \(reason)"
    case .incompleteReachability(let what): return "gc cannot tell what is still referenced: \(what)"
    case .runInProgress: return "a run, rebuild or experiment is in progress: gc could collect what it is writing"
    }
  }

  public var hint: String? {
    switch self {
    case .notInitialised: return "run 'mlv init' in the repository first"
    case .unsupportedFormat: return "upgrade mlv"
    case .wouldOverwrite: return "run 'mlv add' to keep them, or 'mlv checkout --force' to discard them"
    case .notTracked: return "run 'mlv ls' to see what is tracked"
    case .symbolicLinkInTheWay: return "remove the link, or run 'mlv checkout --force' to replace the link itself (never what it points to)"
    case .trackedByGit(let path): return "stop tracking it in git first: git rm -r --cached '\(printable(path))' && git commit"
    case .malformedPointer: return "restore it with 'git checkout -- <pointer>' or re-add the data"
    case .incompleteReachability: return "run 'mlv fsck' and repair the damage, or 'mlv gc --force' to collect anyway"
    case .runInProgress: return "run 'mlv gc' again when it has finished"
    default: return nil
    }
  }

  public var exitStatus: ExitStatus {
    switch self {
    case .notInitialised: return .notARepository
    case .unsupportedFormat: return .notARepository
    case .wouldOverwrite, .symbolicLinkInTheWay, .runInProgress: return .wouldOverwrite
    case .incompleteReachability: return .storeIntegrity
    case .badConfig, .malformedConfig: return .invalidInput
    default: return .invalidInput
    }
  }
}
