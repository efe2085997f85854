import MLVStore

/// Failures of model artifacts, the registry and the model runtime that the user can fix.
public enum ModelError: UserFacingError, Equatable {
  /// The model directory has no `mlv-model.yaml`.
  case noManifest(directory: String)
  /// `mlv-model.yaml` (or another model file) breaks a rule of the format.
  case malformedSpec(String, reason: String)
  /// A name that cannot be a model or alias name.
  case badName(String, what: String)
  /// No model of that name in the registry (at that side).
  case unknownModel(String, side: String, known: [String])
  /// The model has no such version or alias.
  case unknownVersion(String, reference: String)
  /// The registry file cannot be parsed.
  case malformedRegistry(String, reason: String)
  /// `model verify` found problems.
  case verificationFailed(String, problems: Int)
  /// The Python interpreter for the workers cannot be found or started.
  case pythonNotFound(String)
  /// A worker failed to start: the import of the entry point raised, or the process died.
  case workerFailed(String)
  /// Building the model's virtual environment failed.
  case environmentFailed(String)
  /// `drift --current-from-log` for a model that has served nothing here.
  case noPredictionLog(String)
  /// The model records no run that read exactly one table.
  case noTrainingRun(String, version: Int)

  public var message: String {
    switch self {
    case .noManifest(let dir): return "'\(printable(dir))' is not a model directory: it has no mlv-model.yaml"
    case .malformedSpec(let name, let reason): return "malformed '\(printable(name))': \(reason)"
    case .badName(let name, let what):
      return "'\(printable(name))' is not a valid \(what) name (letters, digits, '.', '_' and '-', starting with a letter or digit)"
    case .unknownModel(let name, let side, _): return "no model named '\(printable(name))' at \(side)"
    case .unknownVersion(let name, let reference): return "model '\(name)' has no version or alias '\(printable(reference))'"
    case .malformedRegistry(let name, let reason): return "malformed model registry '\(name)': \(reason)"
    case .verificationFailed(let name, let problems):
      return "model '\(name)' failed verification (\(problems) problem\(problems == 1 ? "" : "s"))"
    case .pythonNotFound(let python): return "cannot find the Python interpreter '\(printable(python))'"
    case .workerFailed(let reason): return "the model's worker failed to start: \(reason)"
    case .environmentFailed(let reason): return "cannot build the model's environment: \(reason)"
    case .noPredictionLog(let name): return "model '\(name)' has no prediction log in this repository"
    case .noTrainingRun(let name, let version):
      return "model '\(name)' version \(version) records no training run that read one table"
    }
  }

  public var hint: String? {
    switch self {
    case .noManifest:
      return "write one with at least 'runtime: python' and 'entry_point: predict.py:predict' (see docs/serving.md)"
    case .unknownModel(_, _, let known):
      return known.isEmpty ? "add one with 'mlv model add NAME DIR'" : "known models: \(known.joined(separator: ", "))"
    case .unknownVersion: return "list them with 'mlv model show NAME'"
    case .pythonNotFound: return "install python3, or set MLV_PYTHON to the interpreter to use"
    case .workerFailed: return "the worker's output above says why; try the entry point with the model directory as the current directory"
    case .noPredictionLog: return "serve it with 'mlv serve' (without --no-log) first"
    case .noTrainingRun:
      return "add the model from a run's outputs ('mlv model add NAME DIR --stage S'), or compare with --reference and --current"
    default: return nil
    }
  }

  public var exitStatus: ExitStatus {
    switch self {
    case .verificationFailed: return .problemsFound
    case .workerFailed, .pythonNotFound, .environmentFailed: return .commandFailed
    default: return .invalidInput
    }
  }
}

/// Model and alias names: what a URL path segment and a file name can both hold unquoted.
func isValidModelName(_ name: String) -> Bool {
  guard let first = name.utf8.first, name.utf8.count <= 100 else { return false }
  func ok(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
  return ok(first) && name.utf8.allSatisfy { ok($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
}
