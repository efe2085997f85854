import MLVStore

/// One input or output of a run: a path and the content it had.
public struct RecordedFile: Sendable, Equatable {
  public let path: String
  public let id: ObjectID
  public let kind: TrackedKind
  public let size: Int

  var value: Value {
    .object(["path": .string(path), "id": .string(id.description), "kind": .string(kind.rawValue), "size": .integer(size)])
  }

  init(path: String, id: ObjectID, kind: TrackedKind, size: Int) {
    self.path = path
    self.id = id
    self.kind = kind
    self.size = size
  }

  init(_ value: Value) throws {
    guard let o = value.object, let path = o["path"]?.string, let id = o["id"]?.objectID,
      let kind = o["kind"]?.trackedKind, case .integer(let size)? = o["size"]
    else { throw RunRecord.malformed("a file entry") }
    // A record names paths that a rebuild deletes and rewrites: never one outside the tree.
    guard isSafeRelativePath(path) else { throw RunRecord.malformed("the path '\(path)'") }
    self.init(path: path, id: id, kind: kind, size: size)
  }
}

/// Everything about one successful execution of a stage: what ran, with which seed, params,
/// inputs and environment, what it wrote, what it measured, when and at which commit. Stored as
/// a content-addressed object (canonical JSON); `mlv.lock` names the latest record of each stage.
public struct RunRecord: Sendable, Equatable {
  public static let format = "mlv-run"
  public static let version = 1

  public var stage: String
  public var command: StageCommand
  public var wdir: String
  public var seed: Int
  public var threads: Int
  /// The variables mlv set for the command (seed, time zone, locale, thread counts, …).
  public var environment: [String: String]
  /// Params by file, flattened keys.
  public var params: [String: [String: Value]]
  public var deps: [RecordedFile]
  public var outs: [RecordedFile]
  /// Metrics by file, flattened keys.
  public var metrics: [String: [String: Double]]
  /// The environment lock's object id.
  public var env: ObjectID
  /// HEAD when the run started (nil on an unborn branch), and whether the work tree differed from it.
  public var commit: String?
  public var dirty: Bool
  /// ISO 8601 UTC with milliseconds.
  public var started: String
  public var ended: String
  public var durationMs: Int
  public var exitCode: Int

  static func malformed(_ what: String) -> RunError { .malformedFile("run record", reason: "\(what) is malformed") }

  var value: Value {
    var git: [String: Value] = ["dirty": .bool(dirty)]
    git["commit"] = commit.map { .string($0) } ?? .null
    return .object([
      "format": .string(Self.format), "version": .integer(Self.version), "stage": .string(stage), "cmd": command.value,
      "wdir": .string(wdir), "seed": .integer(seed), "threads": .integer(threads),
      "environment": .object(environment.mapValues { .string($0) }),
      "params": ByFile.value(params), "deps": .array(deps.map(\.value)), "outs": .array(outs.map(\.value)),
      "metrics": ByFile.value(metrics),
      "env": .string(env.description), "git": .object(git),
      "started": .string(started), "ended": .string(ended), "durationMs": .integer(durationMs), "exitCode": .integer(exitCode),
    ])
  }

  /// The record's canonical bytes.
  public func encoded() -> [UInt8] { CanonicalJSON.encode(value) }

  /// Parses a record read from the store.
  public static func decode(_ bytes: [UInt8]) throws -> RunRecord {
    guard let o = (try? CanonicalJSON.decode(bytes))?.object, o["format"]?.string == format else { throw malformed("the record") }
    guard case .integer(let v)? = o["version"], v <= version else {
      throw RunError.malformedFile("run record", reason: "its version is newer than this mlv supports")
    }
    guard let stage = o["stage"]?.string, let command = o["cmd"]?.stageCommand, let wdir = o["wdir"]?.string,
      case .integer(let seed)? = o["seed"], case .integer(let threads)? = o["threads"],
      let environment = o["environment"]?.object, let env = o["env"]?.objectID,
      let git = o["git"]?.object, case .bool(let dirty)? = git["dirty"], let started = o["started"]?.string,
      let ended = o["ended"]?.string, case .integer(let durationMs)? = o["durationMs"], case .integer(let exitCode)? = o["exitCode"],
      wdir.isEmpty || isSafeRelativePath(wdir)
    else { throw malformed("the record") }
    return RunRecord(
      stage: stage, command: command, wdir: wdir, seed: seed, threads: threads,
      environment: environment.compactMapValues(\.string), params: ByFile.params(o["params"]),
      deps: try (o["deps"]?.array ?? []).map(RecordedFile.init), outs: try (o["outs"]?.array ?? []).map(RecordedFile.init),
      metrics: ByFile.metrics(o["metrics"]), env: env, commit: git["commit"]?.string, dirty: dirty, started: started, ended: ended,
      durationMs: durationMs, exitCode: exitCode)
  }
}

/// One stage's entry in `mlv.lock`: its latest record and what a reviewer or `repro` needs
/// without reading the store (command, seed, input and output ids, params, metrics).
public struct LockedStage: Sendable, Equatable {
  public var record: ObjectID
  public var command: StageCommand
  public var seed: Int
  public var threads: Int = 1
  /// The working directory, from the root ("" for the root).
  public var wdir: String = ""
  public var deps: [String: ObjectID]
  public var outs: [String: ObjectID]
  public var params: [String: [String: Value]]
  public var metrics: [String: [String: Double]]
  public var env: ObjectID

  init(record: ObjectID, of run: RunRecord) {
    self.record = record
    command = run.command
    seed = run.seed
    threads = run.threads
    wdir = run.wdir
    deps = Dictionary(run.deps.map { ($0.path, $0.id) }, uniquingKeysWith: { a, _ in a })
    outs = Dictionary(run.outs.map { ($0.path, $0.id) }, uniquingKeysWith: { a, _ in a })
    params = run.params
    metrics = run.metrics
    env = run.env
  }

  init(
    record: ObjectID, command: StageCommand, seed: Int, deps: [String: ObjectID], outs: [String: ObjectID],
    params: [String: [String: Value]], metrics: [String: [String: Double]], env: ObjectID
  ) {
    self.record = record
    self.command = command
    self.seed = seed
    self.deps = deps
    self.outs = outs
    self.params = params
    self.metrics = metrics
    self.env = env
  }

  var value: Value {
    var o: [String: Value] = [
      "record": .string(record.description), "cmd": command.value, "seed": .integer(seed),
      "deps": .object(deps.mapValues { .string($0.description) }), "outs": .object(outs.mapValues { .string($0.description) }),
      "params": ByFile.value(params), "metrics": ByFile.value(metrics), "env": .string(env.description),
    ]
    // Defaults are left out, so a lock stays short and diffs show only what a stage sets.
    if threads != 1 { o["threads"] = .integer(threads) }
    if !wdir.isEmpty { o["wdir"] = .string(wdir) }
    return .object(o)
  }
}

/// `mlv.lock`: the committed map from each stage to its latest run, in pretty canonical JSON
/// (sorted keys, one entry per line) so `git diff` shows exactly what a rerun changed.
public struct LockFile: Sendable, Equatable {
  public static let name = "mlv.lock"
  public static let format = "mlv-lock"
  public static let version = 1
  public var stages: [String: LockedStage] = [:]

  public init() {}

  public func encoded() -> [UInt8] {
    CanonicalJSON.encodePretty(
      .object(["format": .string(Self.format), "version": .integer(Self.version), "stages": .object(stages.mapValues(\.value))]))
  }

  public static func parse(_ bytes: [UInt8], name: String = LockFile.name) throws -> LockFile {
    func bad(_ reason: String) -> RunError { .malformedFile(name, reason: reason) }
    guard let o = (try? CanonicalJSON.decode(bytes))?.object else { throw bad("not valid JSON") }
    guard o["format"]?.string == format else { throw bad("not an mlv lock file") }
    guard case .integer(let v)? = o["version"], v <= version else { throw bad("its version is newer than this mlv supports") }
    var lock = LockFile()
    for (stage, body) in o["stages"]?.object ?? [:] {
      func ids(_ field: String) throws -> [String: ObjectID] {
        try (body.object?[field]?.object ?? [:]).mapValues { v in
          guard let id = v.objectID else { throw bad("stage '\(stage)': '\(field)' holds a bad id") }
          return id
        }
      }
      guard let b = body.object, let record = b["record"]?.objectID,
        let command = b["cmd"]?.stageCommand, case .integer(let seed)? = b["seed"],
        let env = b["env"]?.objectID
      else { throw bad("stage '\(stage)' is incomplete") }
      var locked = LockedStage(
        record: record, command: command, seed: seed, deps: try ids("deps"), outs: try ids("outs"),
        params: ByFile.params(b["params"]), metrics: ByFile.metrics(b["metrics"]), env: env)
      if case .integer(let t)? = b["threads"] { locked.threads = t }
      if let w = b["wdir"]?.string { locked.wdir = w }
      lock.stages[stage] = locked
    }
    return lock
  }
}

extension Value {
  var objectID: ObjectID? { string.flatMap { ObjectID($0) } }
  var trackedKind: TrackedKind? { string.flatMap { TrackedKind(rawValue: $0) } }
  var stageCommand: StageCommand? { StageCommand(self) }
}

/// Params and metrics as records and locks hold them: by file, then by flattened key.
enum ByFile {
  static func value(_ params: [String: [String: Value]]) -> Value { .object(params.mapValues { .object($0) }) }
  static func value(_ metrics: [String: [String: Double]]) -> Value { .object(metrics.mapValues { .object($0.mapValues { .number($0) }) }) }

  static func params(_ value: Value?) -> [String: [String: Value]] { (value?.object ?? [:]).mapValues { $0.object ?? [:] } }
  static func metrics(_ value: Value?) -> [String: [String: Double]] {
    (value?.object ?? [:]).mapValues { ($0.object ?? [:]).compactMapValues(\.number) }
  }

  /// Values of several stages merged into one map by file (the first stage's value wins a clash).
  static func merged(_ maps: [[String: [String: Value]]]) -> [String: [String: Value]] {
    var out: [String: [String: Value]] = [:]
    for map in maps { for (file, values) in map { out[file, default: [:]].merge(values) { a, _ in a } } }
    return out
  }
}

extension LockFile {
  /// The recorded metrics of every stage, by file, as values (for diffs and tables).
  public var metrics: [String: [String: Value]] {
    ByFile.merged(stages.keys.sorted().map { stages[$0]!.metrics.mapValues { $0.mapValues { .number($0) } } })
  }

  /// The recorded params of every stage, by file.
  public var params: [String: [String: Value]] { ByFile.merged(stages.keys.sorted().map { stages[$0]!.params }) }
}
