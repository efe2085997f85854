import MLVGit
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How one rebuilt output compares with what its run recorded.
public struct OutputComparison: Sendable {
  public enum Verdict: String, Sendable { case identical, differs, missing }
  public let path: String
  public let verdict: Verdict
  public let recorded: RecordedFile
  /// The rebuilt content's size (nil when missing).
  public let size: Int?
  /// Where it first differs: a line of a text file, or files of a directory.
  public let detail: String?
}

/// One stage of a rebuild.
public struct StageRebuild: Sendable {
  public let stage: String
  public let record: ObjectID
  /// Inputs at the revision that differ from what the run read (it ran on a modified work tree).
  public var inputMismatches: [String] = []
  public var outputs: [OutputComparison] = []
  /// Metrics whose rebuilt value differs from the recorded one (`file: key recorded X, rebuilt Y`).
  public var metricDifferences: [String] = []
  /// Why the stage could not be rebuilt (its command failed, or an earlier stage did).
  public var failure: String?
}

/// What `mlv repro --rev` found.
public struct RebuildReport: Sendable {
  public let revision: String
  public let commit: String
  public var stages: [StageRebuild] = []
  /// How this machine differs from the recorded environments.
  public var environmentChanges: [EnvironmentChange] = []
  /// The scratch workspace, when kept.
  public var scratch: String?

  /// Whether every output of every stage came out bit-for-bit identical.
  public var identical: Bool {
    stages.allSatisfy { $0.failure == nil && $0.metricDifferences.isEmpty && $0.outputs.allSatisfy { $0.verdict == .identical } }
  }

  /// Whether a stage's command failed (or could not start).
  public var failed: Bool {
    stages.contains { $0.failure != nil }
  }
}

extension Repository {
  /// Rebuilds the recorded stages of `revision` (all, or `names`) in a scratch workspace made
  /// from that commit's tree (Git files through libgit2, tracked data from the store), with the
  /// recorded commands, seeds and pinned variables, and compares every output with its record.
  /// The user's work tree, index and HEAD are never touched.
  public func rebuild(at revision: String, stages names: [String], keep: Bool) throws -> RebuildReport {
    guard case .commit(let commit, _) = try side(revision) else { throw GitError.unknownRevision(revision) }
    let lock = try lockFile(on: .commit(commit, label: revision))
    guard !lock.stages.isEmpty else { throw RunError.noRecordedRun("'\(revision)'") }
    for name in names where lock.stages[name] == nil { throw RunError.unknownStage(name, known: lock.stages.keys.sorted()) }
    var records: [String: (id: ObjectID, record: RunRecord)] = [:]
    for (name, locked) in lock.stages { records[name] = (locked.record, try RunRecord.decode(store.read(locked.record))) }
    var graph = StageFile()
    for (name, r) in records {
      var s = StageDefinition(name: name, command: r.record.command, seed: r.record.seed)
      s.deps = r.record.deps.map(\.path)
      s.outs = r.record.outs.map(\.path)
      graph.stages[name] = s
    }
    let wanted = Set(names.isEmpty ? Array(lock.stages.keys) : names)
    let order = try self.order(graph).filter { wanted.contains($0) }

    // A kept workspace is named so that gc never takes it for the leftover of a killed rebuild.
    let scratchPath = mlvDirectory + "/tmp/" + scratchDirectoryName(keep ? "rebuild-kept" : "rebuild")
    var report = RebuildReport(revision: revision, commit: commit.hex)
    defer {
      if !keep { try? removeTree(scratchPath) }
    }
    let scratch = try materialize(commit, at: scratchPath)
    if keep { report.scratch = scratchPath }

    var failedEarlier: String?
    for name in order {
      let (id, record) = records[name]!
      var result = StageRebuild(stage: name, record: id)
      if let failedEarlier {
        result.failure = "not run: stage '\(failedEarlier)' failed"
        report.stages.append(result)
        continue
      }
      var cache = scratch.loadStatCache()
      for dep in record.deps {
        let now = try scratch.currentContent(dep.path, cache: &cache)
        if now == nil {
          result.inputMismatches.append("'\(dep.path)' is not in \(revision) (neither git nor mlv tracks it there)")
        } else if now?.id != dep.id {
          result.inputMismatches.append("'\(dep.path)' at \(revision) is not what the run read (it ran on a modified work tree)")
        }
      }
      // Outputs and metrics files go first, so a command that no longer writes one is caught.
      for path in record.outs.map(\.path) + record.metrics.keys where isSafeRelativePath(path) && !scratch.crossesSymbolicLink(path) {
        try? removeTree(scratch.absolute(path))
      }
      var variables = processEnvironment().merging(record.environment) { _, recorded in recorded }
      // Git commands in the stage must not find the user's repository above the scratch directory.
      variables["GIT_CEILING_DIRECTORIES"] = parentDirectory(scratchPath)
      writeDiagnostic("rebuilding stage '\(name)' (seed \(record.seed)): \(record.command.display)")
      let exit: ChildExit
      do {
        exit = try ChildProcess.run(
          record.command.arguments, environment: variables, directory: scratch.absolute(record.wdir), outputToStderr: true)
      } catch let error as RunError {
        exit = .exited(127)
        result.failure = error.message
      }
      if result.failure == nil, exit != .exited(0) {
        switch exit {
        case .exited(let code): result.failure = "its command exited with status \(code)"
        case .signalled(let sig): result.failure = "its command was killed by signal \(sig)"
        }
      }
      for out in record.outs {
        result.outputs.append(try compare(out, in: scratch, cache: &cache))
      }
      if result.failure == nil {
        for (file, recorded) in record.metrics.sorted(by: { $0.key < $1.key }) {
          guard let bytes = try scratch.readIfPresent(scratch.absolute(file)) else {
            result.metricDifferences.append("\(file): the command did not write it")
            continue
          }
          let rebuilt: [String: Double]
          do { rebuilt = try StructuredFile.metrics(bytes, name: file) } catch let error as RunError {
            result.metricDifferences.append("\(file): \(error.message)")
            continue
          }
          for key in Set(recorded.keys).union(rebuilt.keys).sorted() where recorded[key] != rebuilt[key] {
            let show = { (d: Double?) in d.flatMap { CanonicalJSON.numberText($0) } ?? "-" }
            result.metricDifferences.append("\(file): \(key) recorded \(show(recorded[key])), rebuilt \(show(rebuilt[key]))")
          }
        }
      }
      scratch.saveStatCache(cache)
      if result.failure != nil { failedEarlier = name }
      report.stages.append(result)
    }
    let here = EnvironmentLock.capture(environment: processEnvironment(), cachePath: probeCachePath)
    var seen = Set<ObjectID>()
    var changes: [EnvironmentChange] = []
    for name in order where seen.insert(records[name]!.record.env).inserted {
      if let recorded = try? EnvironmentLock.decode(store.read(records[name]!.record.env)) {
        for c in recorded.changes(to: here) where !changes.contains(c) { changes.append(c) }
      } else {
        changes.append(EnvironmentChange(key: "(environment lock)", old: "\(records[name]!.record.env) (not in the store)", new: nil))
      }
    }
    report.environmentChanges = changes
    return report
  }

  /// Whether a directory above `path` (from the root) is a symbolic link: then deleting or
  /// writing `path` could reach outside the tree.
  func crossesSymbolicLink(_ path: String) -> Bool {
    var parent = parentDirectory(path)
    while !parent.isEmpty {
      if let st = fileStatus(absolute(parent)), st.st_mode & S_IFMT == S_IFLNK { return true }
      parent = parentDirectory(parent)
    }
    return false
  }

  /// Whether a path from a commit's tree may be written into a work tree: relative, without
  /// `..`, and never into `.git` or `.mlv` (in any letter case: some file systems fold it).
  static func isSafeTreePath(_ path: String) -> Bool {
    isSafeRelativePath(path) && !path.split(separator: "/").contains { [".git", ".mlv"].contains($0.lowercased()) }
  }

  /// Writes the tree of `commit` into `path` and checks out its tracked data from the store.
  func materialize(_ commit: GitObjectID, at path: String) throws -> Repository {
    let scratch = try Repository(scratchRoot: path, sharing: self)
    for entry in try git.allFiles(at: commit) {
      guard Self.isSafeTreePath(entry.path), !scratch.crossesSymbolicLink(entry.path) else { continue }
      let target = path + "/" + entry.path
      try makeDirectories(parentDirectory(target))
      let bytes = try git.blob(entry.blob)
      if entry.kind == .symlink {
        symlink(String(decoding: bytes, as: UTF8.self), target)
      } else {
        try writeFileAtomically(target, bytes, durable: false, mode: entry.kind == .executable ? 0o755 : 0o644)
      }
    }
    _ = try scratch.checkout([], revision: nil, force: true, cwd: path)
    return scratch
  }

  /// Compares a rebuilt output with its record; for text, finds the first line that differs.
  private func compare(_ recorded: RecordedFile, in scratch: Repository, cache: inout StatCache) throws -> OutputComparison {
    guard let now = try scratch.currentContent(recorded.path, cache: &cache) else {
      return OutputComparison(path: recorded.path, verdict: .missing, recorded: recorded, size: nil, detail: "the command did not write it")
    }
    if now.id == recorded.id {
      return OutputComparison(path: recorded.path, verdict: .identical, recorded: recorded, size: now.size, detail: nil)
    }
    var detail: String?
    if recorded.kind == .directory, let manifest = now.manifest,
      let old = try? DirectoryManifest.decode(store.read(recorded.id), id: recorded.id)
    {
      let before = old.entriesByPath
      let after = manifest.entriesByPath
      let changed = Set(before.keys).union(after.keys).filter { before[$0]?.id != after[$0]?.id }.map(\.value).sorted()
      var text = "\(changed.count) file\(changed.count == 1 ? "" : "s") differ: " + changed.prefix(5).joined(separator: ", ")
      if let first = changed.first, let e = before[BytewisePath(first)], after[BytewisePath(first)] != nil,
        let line = firstDifferingLine(recordedID: e.id, layout: e.type, size: e.size, file: scratch.absolute(recorded.path + "/" + first))
      {
        text += "; \(first): \(line)"
      }
      detail = text
    } else if recorded.kind != .directory {
      detail = firstDifferingLine(
        recordedID: recorded.id, layout: recorded.kind.fileLayout, size: recorded.size, file: scratch.absolute(recorded.path))
    }
    return OutputComparison(path: recorded.path, verdict: .differs, recorded: recorded, size: now.size, detail: detail)
  }

  /// `line 12: recorded "…", rebuilt "…"` for text files up to 64 MiB; nil for binary or larger files.
  func firstDifferingLine(recordedID: ObjectID, layout: FileLayout, size: Int, file: String) -> String? {
    let limit = 64 << 20
    guard size <= limit, let st = fileStatus(file), Int(st.st_size) <= limit,
      let new = try? FileHandle(path: file, flags: O_RDONLY).readAll(),
      let old = try? readStoredFile(recordedID, layout: layout)
    else { return nil }
    if old.prefix(8192).contains(0) || new.prefix(8192).contains(0) { return nil }
    let a = old.split(separator: 10, omittingEmptySubsequences: false)
    let b = new.split(separator: 10, omittingEmptySubsequences: false)
    func shown(_ line: ArraySlice<UInt8>?) -> String {
      guard let line else { return "(end of file)" }
      let text = printable(String(decoding: line.prefix(120), as: UTF8.self))
      return "\"" + text + (line.count > 120 ? "…" : "") + "\""
    }
    for i in 0..<max(a.count, b.count) where i >= a.count || i >= b.count || a[i] != b[i] {
      return "line \(i + 1): recorded \(shown(i < a.count ? a[i] : nil)), rebuilt \(shown(i < b.count ? b[i] : nil))"
    }
    return nil
  }
}
