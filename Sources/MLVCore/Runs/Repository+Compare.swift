import MLVGit
import MLVStore

/// One key that differs between two sides of a metrics or params diff (or every key, with `all`).
public struct ValueChange: Sendable, Equatable {
  public let file: String
  public let key: String
  public let old: Value?
  public let new: Value?

  /// `new - old` when both are numbers, rounded to 12 decimals so binary noise
  /// (`0.43289999999999995`) does not show.
  public var delta: Double? {
    guard let a = old?.number, let b = new?.number else { return nil }
    let d = b - a
    let rounded = (d * 1e12).rounded() / 1e12
    return rounded.isFinite ? rounded : d
  }

  /// The change in percent of `old` (nil when `old` is 0 or either side is not a number).
  public var percent: Double? {
    guard let a = old?.number, a != 0, let d = delta else { return nil }
    return d / abs(a) * 100
  }
}

/// One side of a comparison: the work tree, or a commit.
public enum Side: Sendable, Equatable {
  case workspace
  case commit(GitObjectID, label: String)

  public var label: String {
    switch self {
    case .workspace: return "workspace"
    case .commit(_, let label): return label
    }
  }
}

extension Repository {
  /// Resolves a revision, an experiment name, or nil/`workspace` for the work tree.
  public func side(_ revision: String?) throws -> Side {
    guard let revision, revision != "workspace" else { return .workspace }
    if let commit = try? git.resolveCommit(revision) { return .commit(commit, label: revision) }
    if let commit = git.referenceTarget(Self.experimentPrefix + revision) { return .commit(commit, label: revision) }
    throw GitError.unknownRevision(revision)
  }

  /// The bytes of a file on one side (nil when that side has no such file).
  func read(_ path: String, on side: Side) throws -> [UInt8]? {
    switch side {
    case .workspace: return try readIfPresent(absolute(path))
    case .commit(let commit, _): return try git.file(at: commit, path: path).map { try git.blob($0) }
    }
  }

  /// `mlv.lock` on one side (empty when absent).
  public func lockFile(on side: Side) throws -> LockFile {
    guard let bytes = try read(LockFile.name, on: side) else { return LockFile() }
    return try LockFile.parse(bytes, name: side == .workspace ? LockFile.name : "\(LockFile.name) at \(side.label)")
  }

  /// `mlv.yaml` on one side (empty when absent).
  public func stageFile(on side: Side) throws -> StageFile {
    guard let bytes = try read(StageFile.name, on: side) else { return StageFile() }
    return try StageFile.parse(bytes)
  }

  /// The metrics recorded in `mlv.lock` on one side, by file.
  public func metrics(on side: Side) throws -> [String: [String: Value]] { try lockFile(on: side).metrics }

  /// The params the stages of one side read, from the params files on that side (the values
  /// the lock recorded when a file is not there).
  public func params(on side: Side) throws -> [String: [String: Value]] {
    let stages = try stageFile(on: side)
    let lock = try lockFile(on: side)
    var out: [String: [String: Value]] = [:]
    for stage in stages.stages.values {
      for p in stage.params {
        if let bytes = try read(p.file, on: side) {
          out[p.file, default: [:]].merge(try StructuredFile.params(bytes, name: p.file, keys: p.keys)) { a, _ in a }
        } else if let recorded = lock.stages[stage.name]?.params[p.file] {
          out[p.file, default: [:]].merge(recorded) { a, _ in a }
        }
      }
    }
    let undefined = lock.stages.keys.sorted().filter { stages.stages[$0] == nil }.map { lock.stages[$0]!.params }
    return ByFile.merged([out] + undefined)
  }

  /// The keys that differ between two sides (all keys when `all`), sorted by file and key.
  public static func changes(_ a: [String: [String: Value]], _ b: [String: [String: Value]], all: Bool) -> [ValueChange] {
    var out: [ValueChange] = []
    for file in Set(a.keys).union(b.keys).sorted() {
      let old = a[file] ?? [:]
      let new = b[file] ?? [:]
      for key in Set(old.keys).union(new.keys).sorted() where all || old[key] != new[key] {
        out.append(ValueChange(file: file, key: key, old: old[key], new: new[key]))
      }
    }
    return out
  }

  /// Two sides from the diff commands' arguments: none → HEAD vs workspace, one → it vs
  /// workspace, two → the first vs the second.
  public func sides(_ revisions: [String]) throws -> (Side, Side) {
    switch revisions.count {
    case 0: return (try side("HEAD"), .workspace)
    case 1: return (try side(revisions[0]), .workspace)
    default: return (try side(revisions[0]), try side(revisions[1]))
    }
  }

  /// Metrics per commit of HEAD's history (newest first), or just the workspace's.
  public func metricsHistory(allCommits: Bool) throws -> [(side: Side, info: GitCommitInfo?, metrics: [String: [String: Value]])] {
    guard allCommits else { return [(.workspace, nil, try metrics(on: .workspace))] }
    guard let head = git.headCommit() else { return [] }
    var out: [(Side, GitCommitInfo?, [String: [String: Value]])] = []
    var lastBlob: GitObjectID?
    var lastMetrics: [String: [String: Value]] = [:]
    for commit in try git.history(from: head) {
      let info = try git.commitInfo(commit)
      guard let blob = try git.file(at: commit, path: LockFile.name) else { continue }
      // Consecutive commits usually share one lock blob: parse it once.
      if blob != lastBlob {
        lastMetrics = try metrics(on: .commit(commit, label: commit.short))
        lastBlob = blob
      }
      out.append((.commit(commit, label: commit.short), info, lastMetrics))
    }
    return out
  }

  // MARK: Environments

  /// This machine's environment lock, stored.
  public func captureEnvironment() throws -> (id: ObjectID, lock: EnvironmentLock) {
    let lock = EnvironmentLock.capture(environment: processEnvironment(), cachePath: probeCachePath)
    return (try store.write(lock.encoded(), role: .metadata), lock)
  }

  /// An environment lock named by an object id, or the one a side's `mlv.lock` names for
  /// `stage` (its only one when `stage` is nil and all stages share one).
  public func environmentLock(_ reference: String, stage: String?) throws -> (id: ObjectID, lock: EnvironmentLock) {
    if let id = ObjectID(reference) { return (id, try EnvironmentLock.decode(store.read(id))) }
    let side = try side(reference)
    let lock = try lockFile(on: side)
    let id: ObjectID
    if let stage {
      guard let locked = lock.stages[stage] else { throw RunError.unknownStage(stage, known: lock.stages.keys.sorted()) }
      id = locked.env
    } else {
      let ids = Set(lock.stages.values.map(\.env))
      guard let only = ids.first else { throw RunError.noRecordedRun("'\(reference)'") }
      guard ids.count == 1 else { throw RunError.ambiguousEnvironment(reference, stages: lock.stages.keys.sorted()) }
      id = only
    }
    return (id, try EnvironmentLock.decode(store.read(id)))
  }

  /// For each recorded stage (or just `stage`), what differs between its run's environment and this machine.
  public func checkEnvironment(stage: String?, revision: String?) throws -> [(stage: String, changes: [EnvironmentChange])] {
    let lock = try lockFile(on: try side(revision))
    let names = stage.map { [$0] } ?? lock.stages.keys.sorted()
    guard !names.isEmpty else { throw RunError.noRecordedRun(revision.map { "'\($0)'" } ?? "the work tree") }
    let here = try captureEnvironment().lock
    return try names.map { name in
      guard let locked = lock.stages[name] else { throw RunError.unknownStage(name, known: lock.stages.keys.sorted()) }
      return (name, try EnvironmentLock.decode(store.read(locked.env)).changes(to: here))
    }
  }
}
