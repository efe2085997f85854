import MLVStore

/// Failures of runs, pipelines, rebuilds, diffs and experiments that the user can fix.
public enum RunError: UserFacingError, Equatable {
  /// A params, metrics, stage or lock file that cannot be parsed.
  case malformedFile(String, reason: String)
  /// A metric that is not a finite number.
  case nonNumericMetric(String, file: String, value: String)
  /// A params key the params file lacks.
  case missingParam(String, file: String)
  /// A stage name `mlv.yaml` does not define (or the lock does not record).
  case unknownStage(String, known: [String])
  /// `mlv run` without a command, for a stage that is not defined yet.
  case noCommand(String)
  /// A stage name that cannot be used (empty, or with characters YAML keys and paths dislike).
  case invalidStageName(String)
  /// The command's program was not found on `PATH`.
  case commandNotFound(String)
  /// The command could not be started.
  case cannotStart(String, reason: String)
  /// The command exited with a non-zero status.
  case commandFailed(stage: String, status: Int32)
  /// The command was killed by a signal.
  case commandKilled(stage: String, signal: Int32)
  /// The command succeeded but did not write a declared output.
  case outputNotProduced(stage: String, path: String)
  /// A dependency that does not exist (and no stage produces).
  case missingDependency(String, stage: String)
  /// Stages that depend on each other in a circle.
  case cycle([String])
  /// Two stages that declare the same output, or an output that is also a dependency or a metrics file.
  case conflictingPath(String, reason: String)
  /// A revision whose tree holds no run record (no `mlv.lock`, or not the stage asked for).
  case noRecordedRun(String)
  /// A `-S key=value` that cannot be applied.
  case badOverride(String, reason: String)
  /// No experiment of that name.
  case unknownExperiment(String)
  /// The name is taken (an experiment or a branch).
  case nameTaken(String)
  /// A name Git will not take for a reference (an experiment or a branch).
  case invalidName(String, kind: String)
  /// `exp apply` would overwrite uncommitted changes.
  case applyWouldOverwrite([String])
  /// A revision whose stages ran in several environments, and no stage was chosen.
  case ambiguousEnvironment(String, stages: [String])
  /// A metric no experiment records.
  case unknownMetric(String)

  public var message: String {
    switch self {
    case .malformedFile(let name, let reason): return "malformed '\(printable(name))': \(printable(reason))"
    case .nonNumericMetric(let key, let file, let value):
      return "metric '\(printable(key))' in '\(printable(file))' is not a number: \(printable(String(value.prefix(60))))"
    case .missingParam(let key, let file): return "param '\(printable(key))' is not in '\(printable(file))'"
    case .unknownStage(let name, _): return "no stage named '\(printable(name))'"
    case .noCommand(let name): return "stage '\(printable(name))' is not defined and no command was given"
    case .invalidStageName(let name): return "invalid stage name '\(printable(name))'"
    case .commandNotFound(let name): return "command not found: '\(printable(name))'"
    case .cannotStart(let name, let reason): return "cannot start '\(printable(name))': \(reason)"
    case .commandFailed(let stage, let status): return "stage '\(printable(stage))' failed: its command exited with status \(status)"
    case .commandKilled(let stage, let signal): return "stage '\(printable(stage))' failed: its command was killed by signal \(signal)"
    case .outputNotProduced(let stage, let path):
      return "stage '\(printable(stage))' did not produce its output '\(printable(path))'"
    case .missingDependency(let path, let stage):
      return "dependency '\(printable(path))' of stage '\(printable(stage))' does not exist and no stage produces it"
    case .cycle(let stages):
      return "stages depend on each other in a cycle: \(stages.map { "'\(printable($0))'" }.joined(separator: " -> "))"
    case .conflictingPath(let path, let reason): return "'\(printable(path))' \(reason)"
    case .noRecordedRun(let what): return "\(printable(what)) has no recorded run"
    case .badOverride(let text, let reason): return "cannot apply '\(printable(text))': \(reason)"
    case .unknownExperiment(let name): return "no experiment named '\(printable(name))'"
    case .nameTaken(let name): return "'\(printable(name))' already exists"
    case .invalidName(let name, let kind): return "'\(printable(name))' is not a valid \(kind) name"
    case .applyWouldOverwrite(let paths):
      return "uncommitted changes to \(paths.prefix(5).map { "'\(printable($0))'" }.joined(separator: ", ")) would be overwritten"
    case .ambiguousEnvironment(let rev, let stages):
      return "the stages of '\(printable(rev))' ran in \(stages.count) environments"
    case .unknownMetric(let key): return "no experiment records the metric '\(printable(key))'"
    }
  }

  public var hint: String? {
    switch self {
    case .unknownStage(_, let known):
      return known.isEmpty
        ? "no stages are defined yet: 'mlv run --name STAGE -- COMMAND' defines one" : "stages: \(known.joined(separator: ", "))"
    case .noCommand: return "give the command after '--': mlv run --name STAGE -- COMMAND ARGS..."
    case .commandNotFound: return "check the spelling and PATH; prior outputs and mlv.lock are unchanged"
    case .commandFailed, .commandKilled, .outputNotProduced: return "nothing was recorded; prior outputs and mlv.lock are unchanged"
    case .missingDependency: return "create it, or declare the stage that writes it with -o"
    case .nonNumericMetric: return "metrics files hold numbers only; put other values in params"
    case .noRecordedRun: return "record one with 'mlv run' (or 'mlv repro') and commit mlv.lock"
    case .unknownExperiment: return "run 'mlv exp list' to see the experiments"
    case .invalidStageName: return "use letters, digits, '-', '_' and '.'"
    case .applyWouldOverwrite: return "commit or stash them first, or use 'mlv exp apply --force' to discard them"
    case .ambiguousEnvironment(_, let stages): return "choose one with --stage (\(stages.joined(separator: ", ")))"
    default: return nil
    }
  }

  public var exitStatus: ExitStatus {
    switch self {
    case .commandNotFound, .cannotStart, .commandFailed, .commandKilled, .outputNotProduced: return .commandFailed
    case .applyWouldOverwrite: return .wouldOverwrite
    default: return .invalidInput
    }
  }
}
