import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What `mlv run` was asked to do.
public struct RunRequest: Sendable {
  public var name: String?
  public var seed: Int?
  public var threads: Int?
  public var deps: [String] = []
  public var outs: [String] = []
  public var params: [String] = []
  public var metrics: [String] = []
  public var command: [String] = []
  /// Send the command's standard output to stderr (when stdout carries a JSON report).
  public var commandOutputToStderr = false

  public init() {}
}

/// One stage that ran.
public struct StageRun: Sendable {
  public let stage: String
  public let record: RunRecord
  public let recordID: ObjectID
  /// The lock entry this run replaced (nil for a first run).
  public let previous: LockedStage?
}

/// What `repro` did with one stage.
public enum ReproStep: Sendable {
  case ran(StageRun)
  case upToDate(String)
  /// `--dry-run`: the stage would run, for these reasons.
  case wouldRun(String, reasons: [String])
}

extension Repository {
  var stageFilePath: String { root + "/" + StageFile.name }
  var lockFilePath: String { root + "/" + LockFile.name }
  var probeCachePath: String { sharedMLVDirectory + "/cache/probes" }

  /// The stage definitions of the work tree (none when `mlv.yaml` does not exist).
  public func stageFile() throws -> StageFile {
    guard let bytes = try readIfPresent(stageFilePath) else { return StageFile() }
    return try StageFile.parse(bytes)
  }

  /// The lock file of the work tree (empty when `mlv.lock` does not exist).
  public func lockFile() throws -> LockFile {
    guard let bytes = try readIfPresent(lockFilePath) else { return LockFile() }
    return try LockFile.parse(bytes)
  }

  func readIfPresent(_ path: String) throws -> [UInt8]? {
    guard fileStatus(path) != nil else { return nil }
    return try FileHandle(path: path, flags: O_RDONLY).readAll()
  }

  /// `mlv run`: defines (or updates) a stage from the request, runs it, records it.
  ///
  /// Without a command the named stage runs as `mlv.yaml` defines it.
  public func run(_ request: RunRequest, cwd: String) throws -> StageRun {
    let stages = try stageFile()
    let stage: StageDefinition
    if request.command.isEmpty {
      guard let name = request.name else { throw RunError.noCommand("") }
      guard var defined = stages.stages[name] else {
        if !StageDefinition.isValidName(name) { throw RunError.invalidStageName(name) }
        throw RunError.noCommand(name)
      }
      if let seed = request.seed { defined.seed = seed }
      if let threads = request.threads { defined.threads = threads }
      stage = defined
    } else {
      stage = try define(request, cwd: cwd, existing: stages)
      if let old = stages.stages[stage.name] {
        let dropped =
          old.deps.filter { !stage.deps.contains($0) } + old.outs.filter { !stage.outs.contains($0) }
          + old.params.map(\.file).filter { f in !stage.params.contains { $0.file == f } }
          + old.metrics.filter { !stage.metrics.contains($0) }
        if !dropped.isEmpty {
          writeDiagnostic(
            "warning: stage '\(stage.name)' is redefined without \(dropped.map { "'\($0)'" }.joined(separator: ", ")) (a command replaces the whole definition; 'mlv run --name \(stage.name)' alone reruns it as defined)"
          )
        }
      }
    }
    try validate(StageFile(stages: stages.stages.merging([stage.name: stage]) { _, new in new }), only: [stage.name])
    return try execute(stage, definitionChanged: stages.stages[stage.name] != stage, outputToStderr: request.commandOutputToStderr)
  }

  private func define(_ request: RunRequest, cwd: String, existing: StageFile) throws -> StageDefinition {
    let name = request.name ?? Self.defaultStageName(request.command)
    guard StageDefinition.isValidName(name) else { throw RunError.invalidStageName(name) }
    let seed = request.seed ?? existing.stages[name]?.seed ?? Int(UInt32.random(in: 0...UInt32.max))
    var stage = StageDefinition(name: name, command: .argv(request.command), seed: seed)
    stage.threads = request.threads ?? existing.stages[name]?.threads ?? 1
    let wdir = try repositoryPath(".", cwd: cwd)
    stage.wdir = wdir
    stage.deps = try request.deps.map { try repositoryPath($0, cwd: cwd) }
    stage.outs = try request.outs.map { try repositoryPath($0, cwd: cwd) }
    stage.metrics = try request.metrics.map { try repositoryPath($0, cwd: cwd) }
    stage.params = try request.params.map { text in
      var p = ParamsSelection(parsing: text)
      p.file = try repositoryPath(p.file, cwd: cwd)
      return p
    }
    for path in stage.deps + stage.outs + stage.metrics + stage.params.map(\.file) where path.isEmpty {
      throw RunError.conflictingPath(".", reason: "is the repository root, not a file")
    }
    return stage
  }

  /// `python train.py` → `train`; `./prepare.sh` → `prepare`.
  static func defaultStageName(_ command: [String]) -> String {
    let interpreters: Set<String> = ["python", "python3", "Rscript", "bash", "sh", "node", "julia", "ruby", "perl", "uv", "poetry"]
    var words = command.filter { !$0.hasPrefix("-") }
    if let first = words.first, interpreters.contains(lastComponent(first)) || lastComponent(first).hasPrefix("python") {
      words.removeFirst()
      if words.first == "run" { words.removeFirst() }
    }
    var name = lastComponent(words.first ?? command.first ?? "stage")
    if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = String(name[..<dot]) }
    let cleaned = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
    return StageDefinition.isValidName(cleaned) ? cleaned : "stage"
  }

  /// Checks the pipeline: outputs declared once and not also inputs of their own stage; every
  /// dependency of the `only` stages (all when nil) exists or is produced; no cycles.
  func validate(_ file: StageFile, only: [String]? = nil) throws {
    var producer: [String: String] = [:]
    for (name, stage) in file.stages.sorted(by: { $0.key < $1.key }) {
      for out in stage.outs {
        if let (path, other) = producer.first(where: { overlaps($0.key, out) }) {
          throw RunError.conflictingPath(out, reason: "overlaps '\(path)', an output of '\(other)'")
        }
        producer[out] = name
        if stage.deps.contains(where: { overlaps($0, out) }) {
          throw RunError.conflictingPath(out, reason: "is both a dependency and an output of '\(name)'")
        }
        if stage.metrics.contains(where: { overlaps($0, out) }) {
          throw RunError.conflictingPath(out, reason: "is both an output and a metrics file of '\(name)'")
        }
        if try git.indexTracks(out) { throw CoreError.trackedByGit(out) }
        let parts = out.split(separator: "/")
        if parts.contains(".git") || parts.contains(".mlv") || out.hasSuffix(Pointer.suffix) || out == StageFile.name
          || out == LockFile.name
        {
          throw RunError.conflictingPath(out, reason: "cannot be an output")
        }
      }
    }
    _ = try order(file)
    for name in only ?? Array(file.stages.keys) {
      guard let stage = file.stages[name] else { continue }
      for dep in stage.deps where fileStatus(absolute(dep)) == nil {
        let produced = file.stages.values.contains { s in s.name != name && s.outs.contains { overlaps($0, dep) } }
        if !produced { throw RunError.missingDependency(dep, stage: name) }
      }
    }
  }

  /// Stage names in an order where every stage comes after the stages producing its dependencies.
  func order(_ file: StageFile) throws -> [String] {
    var upstream: [String: [String]] = [:]
    for (name, stage) in file.stages {
      upstream[name] = file.stages.values.filter { other in
        other.name != name && stage.deps.contains { dep in other.outs.contains { overlaps($0, dep) } }
      }.map(\.name).sorted()
    }
    var done = Set<String>()
    var visiting: [String] = []
    var out: [String] = []
    func visit(_ name: String) throws {
      if done.contains(name) { return }
      if let i = visiting.firstIndex(of: name) { throw RunError.cycle(Array(visiting[i...]) + [name]) }
      visiting.append(name)
      for u in upstream[name] ?? [] { try visit(u) }
      visiting.removeLast()
      done.insert(name)
      out.append(name)
    }
    for name in file.stages.keys.sorted() { try visit(name) }
    return out
  }

  /// `mlv repro`: runs the named stages (all when empty) and the stages upstream of them, in
  /// dependency order, skipping those whose command, seed, params, dependencies and outputs are
  /// what `mlv.lock` recorded, unless `force`.
  public func repro(_ names: [String], force: Bool, dryRun: Bool) throws -> [ReproStep] {
    let file = try stageFile()
    for name in names where file.stages[name] == nil {
      throw RunError.unknownStage(name, known: file.stages.keys.sorted())
    }
    let all = try order(file)
    var wanted = Set(names.isEmpty ? all : names)
    // Upstream stages join in, so a changed input is rebuilt before what reads it.
    for name in all.reversed() where wanted.contains(name) {
      for other in file.stages.values where file.stages[name]!.deps.contains(where: { d in other.outs.contains { overlaps($0, d) } }) {
        wanted.insert(other.name)
      }
    }
    try validate(file, only: Array(wanted))
    var steps: [ReproStep] = []
    var wouldRun = Set<String>()
    // Read once: a stage that runs rewrites only its own entry.
    let lock = try lockFile()
    for name in all where wanted.contains(name) {
      let stage = file.stages[name]!
      var reasons = force ? ["forced"] : try staleness(of: stage, lock: lock)
      // In a dry run nothing upstream actually changes: say so instead of calling the stage up to date.
      for other in file.stages.values.sorted(by: { $0.name < $1.name })
      where wouldRun.contains(other.name) && stage.deps.contains(where: { d in other.outs.contains { overlaps($0, d) } }) {
        reasons.append("upstream stage '\(other.name)' would run")
      }
      if reasons.isEmpty {
        steps.append(.upToDate(name))
        continue
      }
      if dryRun {
        steps.append(.wouldRun(name, reasons: reasons))
        wouldRun.insert(name)
        continue
      }
      steps.append(.ran(try execute(stage, definitionChanged: false)))
    }
    return steps
  }

  /// Why `stage` must run again; empty when the lock proves it up to date.
  func staleness(of stage: StageDefinition, lock: LockFile) throws -> [String] {
    guard let locked = lock.stages[stage.name] else { return ["never ran"] }
    var reasons: [String] = []
    if locked.command != stage.command { reasons.append("command changed") }
    if locked.seed != stage.seed { reasons.append("seed changed") }
    if locked.threads != stage.threads { reasons.append("threads changed") }
    if locked.wdir != stage.wdir { reasons.append("working directory changed") }
    // Every declared metrics file has an entry in `metrics`, empty or not.
    if Set(locked.metrics.keys) != Set(stage.metrics) { reasons.append("metrics files changed") }
    var cache = loadStatCache()
    defer { saveStatCache(cache) }
    if Set(locked.deps.keys) != Set(stage.deps) { reasons.append("dependencies changed") }
    for dep in stage.deps {
      let current = try currentContent(dep, cache: &cache)
      if current?.id != locked.deps[dep] { reasons.append("'\(dep)' changed") }
    }
    if try readParams(stage) != locked.params { reasons.append("params changed") }
    if Set(locked.outs.keys) != Set(stage.outs) { reasons.append("outputs changed") }
    for out in stage.outs {
      let current = try currentContent(out, cache: &cache)
      if current == nil {
        reasons.append("'\(out)' is missing")
      } else if current?.id != locked.outs[out] {
        reasons.append("'\(out)' was modified")
      }
    }
    return reasons
  }

  /// The params a stage reads, by file.
  func readParams(_ stage: StageDefinition) throws -> [String: [String: Value]] {
    var out: [String: [String: Value]] = [:]
    for p in stage.params {
      guard let bytes = try readIfPresent(absolute(p.file)) else { throw RunError.missingDependency(p.file, stage: stage.name) }
      out[p.file, default: [:]].merge(try StructuredFile.params(bytes, name: p.file, keys: p.keys)) { a, _ in a }
    }
    return out
  }

  /// The variables mlv pins for a stage's command: the seed under the names common frameworks
  /// read, UTC, the C locale, `SOURCE_DATE_EPOCH` from HEAD, and the thread counts.
  func pinnedVariables(for stage: StageDefinition) -> [String: String] {
    let epoch = git.headCommit().flatMap { try? git.commitInfo($0).time } ?? 0
    var vars = [
      "MLV_SEED": String(stage.seed), "MLV_STAGE": stage.name, "PYTHONHASHSEED": String(stage.seed % 4_294_967_296),
      "PL_GLOBAL_SEED": String(stage.seed), "TF_DETERMINISTIC_OPS": "1", "TF_CUDNN_DETERMINISTIC": "1",
      "CUBLAS_WORKSPACE_CONFIG": ":4096:8", "TZ": "UTC", "LC_ALL": "C", "SOURCE_DATE_EPOCH": String(epoch),
    ]
    for name in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"] {
      vars[name] = String(stage.threads)
    }
    return vars
  }

  /// Runs one stage and records it: dependencies hashed, environment locked, outputs moved
  /// aside, command run with the pinned variables, outputs stored, record written, lock updated.
  /// On any failure the moved-aside outputs, their pointers and `.gitignore`s come back and
  /// nothing is recorded. Everything that can be checked is checked before the command starts.
  func execute(_ stage: StageDefinition, definitionChanged: Bool, variables: [String: String]? = nil, outputToStderr: Bool = false)
    throws -> StageRun
  {
    try withActivity {
      // Fail now, not after an hour of training, when the lock or stage file cannot be rewritten.
      _ = try lockFile()
      _ = try stageFile()
      var cache = loadStatCache()
      var deps: [RecordedFile] = []
      for dep in stage.deps {
        guard let content = try currentContent(dep, cache: &cache) else { throw RunError.missingDependency(dep, stage: stage.name) }
        if let bytes = try readIfPresent(absolute(dep + Pointer.suffix)) {
          let pointer = try Pointer.parse(bytes, name: dep + Pointer.suffix)
          if pointer.id != content.id {
            writeDiagnostic("warning: '\(dep)' differs from its pointer: run 'mlv add \(dep)' so this run can be rebuilt")
          }
        } else if !(try git.indexTracks(dep)) {
          writeDiagnostic("warning: '\(dep)' is tracked by neither git nor mlv: 'mlv repro --rev' cannot rebuild from it")
        }
        deps.append(RecordedFile(path: dep, id: content.id, kind: content.kind, size: content.size))
      }
      saveStatCache(cache)
      let params = try readParams(stage)
      let pinned = variables ?? pinnedVariables(for: stage)
      var environment = processEnvironment().merging(pinned) { _, new in new }
      // In a scratch tree, Git commands of the stage must not find the user's repository above it.
      if isScratch { environment["GIT_CEILING_DIRECTORIES"] = parentDirectory(root) }
      let lock = EnvironmentLock.capture(environment: environment, cachePath: probeCachePath)
      let envID = try store.write(lock.encoded(), role: .metadata)
      let commit = git.headCommit()
      // A scratch tree is a commit's tree plus what mlv wrote: clean by construction.
      let dirty = isScratch ? false : (try? git.isDirty()) ?? true

      writeDiagnostic("running stage '\(stage.name)' (seed \(stage.seed)): \(stage.command.display)")
      // What a failure must put back: the outputs and metrics files (moved aside, so a stale
      // one is never taken for new), and the pointer and .gitignore files `add` rewrites.
      let bookkeeping = stage.outs.flatMap {
        [$0 + Pointer.suffix, parentDirectory($0).isEmpty ? ".gitignore" : parentDirectory($0) + "/.gitignore"]
      }
      let snapshot = FileSnapshot(repository: self, paths: bookkeeping)
      let stash = try OutputStash(repository: self, outputs: stage.outs + stage.metrics)
      let started = Timestamp.now()
      let exit: ChildExit
      do {
        exit = try ChildProcess.run(
          stage.command.arguments, environment: environment, directory: absolute(stage.wdir), outputToStderr: outputToStderr)
      } catch {
        stash.restore()
        throw error
      }
      let ended = Timestamp.now()
      do {
        switch exit {
        case .exited(0): break
        case .exited(let code): throw RunError.commandFailed(stage: stage.name, status: code)
        case .signalled(let sig): throw RunError.commandKilled(stage: stage.name, signal: sig)
        }
        for out in stage.outs + stage.metrics where fileStatus(absolute(out)) == nil {
          throw RunError.outputNotProduced(stage: stage.name, path: out)
        }
        var metrics: [String: [String: Double]] = [:]
        for file in stage.metrics {
          metrics[file] = try StructuredFile.metrics(try readIfPresent(absolute(file)) ?? [], name: file)
        }
        let added = try stage.outs.isEmpty ? [] : add(stage.outs, cwd: root)
        let record = RunRecord(
          stage: stage.name, command: stage.command, wdir: stage.wdir, seed: stage.seed, threads: stage.threads,
          environment: pinned, params: params, deps: deps,
          outs: added.map { RecordedFile(path: $0.path, id: $0.pointer.id, kind: $0.pointer.kind, size: $0.pointer.size) },
          metrics: metrics, env: envID, commit: commit?.hex, dirty: dirty, started: started.text, ended: ended.text,
          durationMs: Int((ended.monotonic - started.monotonic) / 1_000_000), exitCode: 0)
        let recordID = try store.write(record.encoded(), role: .metadata)
        let previous = try withWriteLock { () -> LockedStage? in
          var lock = try lockFile()
          let previous = lock.stages[stage.name]
          lock.stages[stage.name] = LockedStage(record: recordID, of: record)
          if definitionChanged {
            var file = try stageFile()
            file.stages[stage.name] = stage
            try writeFileAtomically(stageFilePath, Array(file.text().utf8), durable: config.fsync)
          }
          try writeFileAtomically(lockFilePath, lock.encoded(), durable: config.fsync)
          return previous
        }
        stash.discard()
        return StageRun(stage: stage.name, record: record, recordID: recordID, previous: previous)
      } catch {
        stash.restore()
        snapshot.restore()
        throw error
      }
    }
  }

  /// Runs `body` while holding a shared lock on `.mlv/cache/activity`: runs, rebuilds and experiments
  /// write objects that no commit names yet, and `gc` (which takes the lock exclusively) must
  /// not collect them meanwhile. Shared, so several runs can go at once.
  func withActivity<T>(_ body: () throws -> T) throws -> T {
    let (handle, path) = try activityLockFile()
    while flock(handle.fd, LOCK_SH) != 0 {
      guard errno == EINTR else { throw systemError(errno, path: path, operation: "lock") }
    }
    defer { flock(handle.fd, LOCK_UN) }
    return try body()
  }

  /// `.mlv/cache/activity`: runs hold it shared while they write objects no commit names yet;
  /// `gc` takes it exclusively.
  func activityLockFile() throws -> (FileHandle, String) {
    let path = sharedMLVDirectory + "/cache/activity"
    try makeDirectories(sharedMLVDirectory + "/cache")
    return (try FileHandle(path: path, flags: O_RDWR | O_CREAT, mode: 0o644), path)
  }
}

/// Small files as they were (or their absence), to put back when a run fails after `add`
/// rewrote them.
struct FileSnapshot {
  let saved: [(path: String, bytes: [UInt8]?)]

  init(repository: Repository, paths: [String]) {
    saved = paths.map { p in (repository.absolute(p), try? FileHandle(path: repository.absolute(p), flags: O_RDONLY).readAll()) }
  }

  func restore() {
    for (path, bytes) in saved {
      if let bytes {
        try? writeFileAtomically(path, bytes, durable: false)
      } else {
        unlink(path)
      }
    }
  }
}

/// A stage's prior outputs, moved aside (a rename) while its command runs, so a failed run
/// leaves them exactly as they were and a successful one never mistakes a stale file for output.
/// The stash lives in `.mlv/tmp/run-<pid>-<n>`, with a `paths` file mapping each slot to its
/// path; one left by a killed mlv is put back by the next run.
struct OutputStash {
  let directory: String
  let moved: [(original: String, stashed: String)]

  init(repository: Repository, outputs: [String]) throws {
    let tmp = repository.sharedMLVDirectory + "/tmp"
    Self.recoverAbandoned(in: tmp, repository: repository)
    directory = tmp + "/" + scratchDirectoryName("run")
    var moved: [(String, String)] = []
    // The first line names the work tree: a scratch tree's stash is never restored into the user's.
    var index: [String] = ["root\t" + repository.root]
    for out in outputs where fileStatus(repository.absolute(out)) != nil {
      if moved.isEmpty { try makeDirectories(directory) }
      let stashed = directory + "/\(moved.count)"
      index.append("\(moved.count)\t\(out)")
      // The map is written before each move, so a kill between the two loses nothing.
      try writeFileAtomically(directory + "/paths", Array((index.joined(separator: "\n") + "\n").utf8), durable: false)
      guard rename(repository.absolute(out), stashed) == 0 else {
        let error = systemError(errno, path: repository.absolute(out), operation: "move aside")
        Self.putBack(moved, directory: directory)
        throw error
      }
      moved.append((repository.absolute(out), stashed))
    }
    self.moved = moved
  }

  /// Puts every moved output back, replacing whatever the failed command left there.
  func restore() { Self.putBack(moved, directory: directory) }

  /// Puts outputs back; the stash is removed only when all of them are back.
  private static func putBack(_ moved: [(original: String, stashed: String)], directory: String) {
    var stuck = false
    for (original, stashed) in moved {
      if fileStatus(original) != nil { try? removeTree(original) }
      if rename(stashed, original) != 0 {
        stuck = true
        writeDiagnostic("warning: cannot put '\(original)' back (\(errnoDescription(errno))); its prior version is kept at '\(stashed)'")
      }
    }
    if !stuck { try? removeTree(directory) }
  }

  /// Drops the prior outputs (they are in the store when they were tracked).
  func discard() { try? removeTree(directory) }

  /// Puts back outputs stashed by an mlv that was killed (its pid is gone), where nothing has replaced them.
  static func recoverAbandoned(in tmp: String, repository: Repository) {
    for e in listDirectory(tmp) where e.isDirectory && e.name.hasPrefix("run-") && scratchOwnerIsGone(e.name) {
      let dir = tmp + "/" + e.name
      var stuck = false
      // No map yet means nothing was moved (the map is written before each move).
      guard let map = readText(dir + "/paths") else {
        try? removeTree(dir)
        continue
      }
      let lines = map.split(separator: "\n")
      guard lines.first == Substring("root\t" + repository.root) else {
        // Another tree's (a killed experiment's scratch tree): its own tree is gone or going.
        if let other = lines.first?.split(separator: "\t").last, fileStatus(String(other)) == nil { try? removeTree(dir) }
        continue
      }
      for line in lines.dropFirst() {
        let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
        guard fields.count == 2, let slot = Int(fields[0]), fileStatus(dir + "/\(slot)") != nil else { continue }
        let path = fields[1]
        guard isSafeRelativePath(path) else { continue }
        if fileStatus(repository.absolute(path)) == nil && rename(dir + "/\(slot)", repository.absolute(path)) == 0 {
          writeDiagnostic("warning: restored '\(path)', left aside by an interrupted run")
        } else {
          stuck = true
          writeDiagnostic("warning: an interrupted run left the prior '\(path)' at '\(dir)/\(slot)'")
        }
      }
      if !stuck { try? removeTree(dir) }
    }
  }
}

/// A wall-clock instant for run records.
struct Timestamp {
  /// For durations: a clock step during a run must not skew them.
  let monotonic: Int64
  let text: String

  static func now() -> Timestamp {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    var t = ts.tv_sec
    var parts = tm()
    gmtime_r(&t, &parts)
    let ms = Int(ts.tv_nsec / 1_000_000)
    func pad(_ n: Int32, _ width: Int = 2) -> String {
      let s = String(n)
      return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    let text =
      "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)).\(pad(Int32(ms), 3))Z"
    return Timestamp(monotonic: Int64(monotonicNow()), text: text)
  }
}

/// Nanoseconds on the monotonic clock: for durations and deadlines, immune to clock steps.
public func monotonicNow() -> UInt64 {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Whether one path is the other or inside it.
func overlaps(_ a: String, _ b: String) -> Bool {
  a == b || a.utf8.starts(with: (b + "/").utf8) || b.utf8.starts(with: (a + "/").utf8)
}

extension StageFile {
  init(stages: [String: StageDefinition]) {
    self.init()
    self.stages = stages
  }
}
