import MLVGit
import MLVStore
import Yams

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An experiment as `exp list` shows it.
public struct ExperimentSummary: Sendable {
  public let name: String
  public let commit: GitObjectID
  /// The commit it was run from.
  public let baseline: GitObjectID?
  public let time: Int64
  public let message: String
  public let params: [String: [String: Value]]
  public let metrics: [String: [String: Value]]
}

/// What `exp run` made.
public struct ExperimentRun: Sendable {
  public let name: String
  public let commit: GitObjectID
  public let steps: [ReproStep]
}

extension Repository {
  /// Where experiments live: one reference each, never a branch, so `git log` and the user's
  /// branch are not disturbed, but `git push origin 'refs/mlv/exps/*'` shares them.
  public static let experimentPrefix = "refs/mlv/exps/"

  /// `mlv exp run`: in a scratch tree made from HEAD, applies the `key=value` overrides to the
  /// params files, reproduces the pipeline (only stages whose inputs changed run), and commits
  /// the result under `refs/mlv/exps/NAME`. HEAD, the index and the work tree are not touched.
  public func runExperiment(overrides: [String], stages: [String], name: String?) throws -> ExperimentRun {
    // Until the reference exists, only the scratch tree names the objects the stages write.
    try withActivity { try runExperimentHoldingActivity(overrides: overrides, stages: stages, name: name) }
  }

  private func runExperimentHoldingActivity(overrides: [String], stages: [String], name: String?) throws -> ExperimentRun {
    guard let head = git.headCommit() else { throw RunError.noRecordedRun("HEAD (an unborn branch)") }
    if let name { try checkExperimentName(name) }
    if (try? git.isDirty()) == true {
      writeDiagnostic("warning: uncommitted changes are not part of the experiment: it runs on HEAD (\(head.short))")
    }
    let scratchPath = mlvDirectory + "/tmp/" + scratchDirectoryName("exp")
    defer { try? removeTree(scratchPath) }
    let scratch = try materialize(head, at: scratchPath)
    var touched: Set<String> = []
    for text in overrides { touched.insert(try scratch.applyOverride(text)) }
    let steps = try scratch.repro(stages, force: false, dryRun: false)

    // What goes into the commit: files of HEAD's tree that changed, and the files mlv writes.
    let base = try git.allFiles(at: head)
    var baseBlobs: [String: GitTreeEntry] = [:]
    for e in base { baseBlobs[e.path] = e }
    var candidates = Set(base.map(\.path))
    candidates.formUnion([LockFile.name, StageFile.name])
    candidates.formUnion(touched)
    let stageFile = try scratch.stageFile()
    for s in stageFile.stages.values {
      candidates.formUnion(s.metrics)
      candidates.formUnion(s.params.map { $0.file })
      for out in s.outs {
        candidates.insert(out + Pointer.suffix)
        candidates.insert(parentDirectory(out).isEmpty ? ".gitignore" : parentDirectory(out) + "/.gitignore")
      }
    }
    var files: [GitFileWrite] = []
    for path in candidates.sorted() {
      guard let st = fileStatus(scratch.absolute(path)), st.st_mode & S_IFMT == S_IFREG else { continue }
      let bytes = try FileHandle(path: scratch.absolute(path), flags: O_RDONLY).readAll()
      if let old = baseBlobs[path], old.kind != .symlink, try git.blob(old.blob) == bytes { continue }
      files.append(GitFileWrite(path: path, bytes: bytes, executable: st.st_mode & 0o111 != 0))
    }
    let summary = overrides.isEmpty ? "no overrides" : overrides.joined(separator: " ")
    let commit = try git.commit(parent: head, files: files, message: "mlv exp run: \(summary)\n")
    let finalName = name ?? "exp-" + String(commit.hex.prefix(7))
    if name == nil { try checkExperimentName(finalName) }
    try git.setReference(Self.experimentPrefix + finalName, to: commit, message: "mlv exp run", force: false)
    return ExperimentRun(name: finalName, commit: commit, steps: steps)
  }

  private func checkExperimentName(_ name: String) throws {
    guard !name.isEmpty, !name.contains("/"), git.isValidReferenceName(Self.experimentPrefix + name) else {
      throw RunError.invalidName(name, kind: "experiment")
    }
    if git.referenceTarget(Self.experimentPrefix + name) != nil { throw RunError.nameTaken(name) }
  }

  /// Applies `[FILE:]key=value` to a params file (default `params.yaml`); returns the file.
  func applyOverride(_ text: String) throws -> String {
    guard let eq = text.firstIndex(of: "=") else { throw RunError.badOverride(text, reason: "expected key=value") }
    var key = String(text[..<eq])
    let valueText = String(text[text.index(after: eq)...])
    var file = "params.yaml"
    if let colon = key.lastIndex(of: ":") {
      file = String(key[..<colon])
      key = String(key[key.index(after: colon)...])
    }
    guard !key.isEmpty, isSafeRelativePath(file) else { throw RunError.badOverride(text, reason: "expected [FILE:]key=value") }
    guard let bytes = try readIfPresent(absolute(file)) else {
      throw RunError.badOverride(text, reason: "'\(file)' does not exist at HEAD")
    }
    let path = key.split(separator: ".").map(String.init)
    if (try? StructuredFile.params(bytes, name: file, keys: [key])) == nil {
      writeDiagnostic("warning: '\(key)' is not in '\(file)': adding it")
    }
    let newValue: Node = (try? Yams.compose(yaml: valueText)).flatMap { $0 } ?? Node(valueText)
    let output: [UInt8]
    if file.hasSuffix(".json") {
      var root = try StructuredFile.parse(bytes, name: file)
      let value = try StructuredFile.value(of: newValue, in: file)
      guard Self.set(&root, path, value) else { throw RunError.badOverride(text, reason: "'\(key)' crosses a value that is not an object") }
      output = CanonicalJSON.encodePretty(root, keepFractions: true)
    } else {
      guard var root = try Yams.compose(yaml: String(decoding: bytes, as: UTF8.self)) else {
        throw RunError.badOverride(text, reason: "'\(file)' is empty")
      }
      guard Self.set(&root, path, newValue) else {
        throw RunError.badOverride(text, reason: "'\(key)' crosses a value that is not a mapping")
      }
      output = Array(try Yams.serialize(node: root, sortKeys: false).utf8)
    }
    try writeFileAtomically(absolute(file), output, durable: false)
    return file
  }

  private static func set(_ node: inout Node, _ path: [String], _ value: Node) -> Bool {
    guard let first = path.first else {
      node = value
      return true
    }
    guard case .mapping(var mapping) = node else { return false }
    var child = mapping[Node(first)] ?? Node.mapping(Node.Mapping([]))
    guard set(&child, Array(path.dropFirst()), value) else { return false }
    mapping[Node(first)] = child
    node = .mapping(mapping)
    return true
  }

  private static func set(_ value: inout Value, _ path: [String], _ new: Value) -> Bool {
    guard let first = path.first else {
      value = new
      return true
    }
    guard case .object(var members) = value else { return false }
    var child = members[first] ?? .object([:])
    guard set(&child, Array(path.dropFirst()), new) else { return false }
    members[first] = child
    value = .object(members)
    return true
  }

  /// Every experiment, oldest first.
  public func experiments() throws -> [ExperimentSummary] {
    try git.references(withPrefix: Self.experimentPrefix).map { ref in
      let info = try git.commitInfo(ref.commit)
      let side = Side.commit(ref.commit, label: ref.name)
      let lock = try lockFile(on: side)
      return ExperimentSummary(
        name: String(ref.name.dropFirst(Self.experimentPrefix.count)), commit: ref.commit, baseline: info.parents.first,
        time: info.time, message: info.summary, params: lock.params, metrics: lock.metrics)
    }.sorted { ($0.time, $0.name) < ($1.time, $1.name) }
  }

  /// The commit of an experiment.
  public func experimentCommit(_ name: String) throws -> GitObjectID {
    guard let commit = git.referenceTarget(Self.experimentPrefix + name) else { throw RunError.unknownExperiment(name) }
    return commit
  }

  /// `exp apply`: writes the files the experiment changed (params, lock, pointers, metrics)
  /// into the work tree and checks out its outputs. HEAD does not move: commit to keep it.
  /// Refuses, before writing anything, when one of those files has uncommitted changes, unless `force`.
  public func applyExperiment(_ name: String, force: Bool) throws -> [String] {
    let commit = try experimentCommit(name)
    let info = try git.commitInfo(commit)
    var parentFiles: [String: GitTreeEntry] = [:]
    if let parent = info.parents.first { for e in try git.allFiles(at: parent) { parentFiles[e.path] = e } }
    let changed = try git.allFiles(at: commit).filter { parentFiles[$0.path]?.blob != $0.blob && $0.kind != .symlink }
    // An experiment's tree may come from someone else (refs are shared with git push/fetch):
    // nothing it holds may land in .git or .mlv, or be written through a symbolic link.
    if let bad = changed.first(where: { !Self.isSafeTreePath($0.path) || crossesSymbolicLink($0.path) }) {
      throw CoreError.cannotTrack(bad.path, reason: "experiment '\(name)' would write it outside the work tree's own files")
    }
    var conflicts: [String] = []
    var writes: [(String, [UInt8], Bool)] = []
    var cache = loadStatCache()
    for e in changed {
      let bytes = try git.blob(e.blob)
      let current = try readIfPresent(absolute(e.path))
      if let current, current != bytes, !force {
        let pristine = try parentFiles[e.path].map { try git.blob($0.blob) }
        if current != pristine { conflicts.append(e.path) }
      }
      // Data the new pointer replaces must be safe: what the baseline or the experiment names, or in the store.
      if !force, e.path.hasSuffix(Pointer.suffix) {
        let data = String(e.path.dropLast(Pointer.suffix.count))
        let known = try [bytes, parentFiles[e.path].map { try git.blob($0.blob) }].compactMap { b in
          b.flatMap { try? Pointer.parse($0, name: e.path).id }
        }
        if let now = try currentContent(data, cache: &cache), !known.contains(now.id),
          now.kind == .directory || !Self.holds(store, now.id, now.kind.fileLayout)
        {
          conflicts.append(data)
        }
      }
      writes.append((e.path, bytes, e.kind == .executable))
    }
    saveStatCache(cache)
    if !conflicts.isEmpty { throw RunError.applyWouldOverwrite(conflicts) }
    for (path, bytes, executable) in writes {
      try makeDirectories(parentDirectory(absolute(path)))
      try writeFileAtomically(absolute(path), bytes, durable: config.fsync, mode: executable ? 0o755 : 0o644)
    }
    let dataPaths = writes.map(\.0).filter { $0.hasSuffix(Pointer.suffix) }.map { String($0.dropLast(Pointer.suffix.count)) }
    if !dataPaths.isEmpty { _ = try checkout(dataPaths, revision: nil, force: force, cwd: root) }
    return writes.map(\.0)
  }

  /// `exp branch`: a branch at the experiment's commit.
  public func branchExperiment(_ name: String, branch: String) throws {
    let commit = try experimentCommit(name)
    let ref = "refs/heads/" + branch
    guard git.isValidReferenceName(ref) else { throw RunError.invalidName(branch, kind: "branch") }
    if git.referenceTarget(ref) != nil { throw RunError.nameTaken(branch) }
    try git.setReference(ref, to: commit, message: "branch from mlv experiment \(name)", force: false)
  }

  /// `exp remove`: deletes experiments (their objects go at the next `gc`).
  public func removeExperiments(_ names: [String]) throws {
    for name in names { _ = try experimentCommit(name) }
    for name in names { try git.deleteReference(Self.experimentPrefix + name) }
  }
}
