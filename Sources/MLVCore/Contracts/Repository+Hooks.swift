import MLVData
import MLVGit
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The Git hooks mlv installs: one-line shims that call `mlv hook NAME` (the same text as
/// `templates/hooks/`), and the chaining variants used when a hook was already there.
public enum HookScripts {
  /// The hooks mlv provides.
  public static let names = ["pre-commit", "pre-push"]
  static let marker = "# Installed by 'mlv hooks install'"

  /// The shim for `name`.
  public static func shim(_ name: String) -> String {
    "#!/bin/sh\n\(marker): \(purpose(name))\nexec mlv hook \(name) \"$@\"\n"
  }

  /// The script that runs the previous hook (kept as `NAME.pre-mlv`) and then mlv's.
  static func chain(_ name: String) -> String {
    let previous = "\"$(dirname \"$0\")/\(name).pre-mlv\""
    var out = "#!/bin/sh\n\(marker): \(purpose(name))\n# It first runs the hook that was here before, kept as \(name).pre-mlv.\n"
    if name == "pre-push" {
      // Both hooks read the refs being pushed from stdin: keep it (trailing newlines too).
      out += "input=$(cat; echo x)\ninput=${input%x}\n"
      out += "if [ -x \(previous) ]; then printf '%s' \"$input\" | \(previous) \"$@\" || exit $?; fi\n"
      out += "printf '%s' \"$input\" | mlv hook \(name) \"$@\"\n"
    } else {
      out += "if [ -x \(previous) ]; then \(previous) \"$@\" || exit $?; fi\n"
      out += "exec mlv hook \(name) \"$@\"\n"
    }
    return out
  }

  static func purpose(_ name: String) -> String {
    name == "pre-push" ? "refuses to push commits whose data is not stored." : "checks staged data against its contract."
  }
}

/// What `hooks install` or `uninstall` did to one hook.
public struct HookAction: Sendable {
  /// The hook's path.
  public let path: String
  /// What happened, in words.
  public let action: String
}

/// A staged or pushed dataset that fails a hook.
public struct HookFinding: Sendable {
  /// The data's path (with the commit for pre-push).
  public let data: String
  /// The contract report, when the data breaks its contract.
  public let report: CheckReport?
  /// Another problem: missing objects, an unstaged contract, unreadable data.
  public let problem: String?
  /// The exit code this finding calls for.
  public let status: ExitStatus
  /// The command that fixes it, if one does.
  public var fix: String? = nil
}

extension Repository {
  /// Installs mlv's hooks where Git runs them, chaining any hook already there.
  public func installHooks() throws -> [HookAction] {
    let dir = git.hooksDirectory()
    try makeDirectories(dir)
    var actions: [HookAction] = []
    for name in HookScripts.names {
      let path = dir + "/" + name
      let kept = path + ".pre-mlv"
      let current = try? FileHandle(path: path, flags: O_RDONLY).readAll()
      let text: String
      switch current.map({ String(decoding: $0, as: UTF8.self) }) {
      case nil:
        text = HookScripts.shim(name)
      case HookScripts.shim(name), HookScripts.chain(name):
        actions.append(HookAction(path: path, action: "already installed"))
        continue
      case let existing?:
        if existing.contains(HookScripts.marker) { throw ContractError.editedHook(path) }
        guard fileStatus(kept) == nil, fileStatus(path).map({ $0.st_mode & S_IFMT == S_IFREG }) == true else {
          throw ContractError.foreignHook(path)
        }
        guard rename(path, kept) == 0 else { throw systemError(errno, path: path, operation: "rename") }
        text = HookScripts.chain(name)
      }
      try writeFileAtomically(path, Array(text.utf8), durable: config.fsync, mode: 0o755)
      actions.append(HookAction(path: path, action: current == nil ? "installed" : "installed, running the previous hook first"))
    }
    return actions
  }

  /// Removes mlv's hooks, putting back any hook they chained.
  public func uninstallHooks() throws -> [HookAction] {
    let dir = git.hooksDirectory()
    var actions: [HookAction] = []
    for name in HookScripts.names {
      let path = dir + "/" + name
      guard let bytes = try? FileHandle(path: path, flags: O_RDONLY).readAll() else { continue }
      let text = String(decoding: bytes, as: UTF8.self)
      if text == HookScripts.shim(name) {
        guard unlink(path) == 0 else { throw systemError(errno, path: path, operation: "remove") }
        actions.append(HookAction(path: path, action: "removed"))
      } else if text == HookScripts.chain(name) {
        let kept = path + ".pre-mlv"
        if fileStatus(kept) != nil {
          guard rename(kept, path) == 0 else { throw systemError(errno, path: kept, operation: "rename") }
          actions.append(HookAction(path: path, action: "removed; the previous hook is back"))
        } else {
          guard unlink(path) == 0 else { throw systemError(errno, path: path, operation: "remove") }
          actions.append(HookAction(path: path, action: "removed"))
        }
      } else if text.contains(HookScripts.marker) {
        throw ContractError.editedHook(path)
      }
    }
    return actions
  }

  /// The objects an artifact needs that the store lacks (a manifest that cannot be read
  /// counts as missing, since what it lists is unknown), and every object it reaches.
  func missingObjects(_ artifact: TrackedArtifact, source: String) -> (missing: [ObjectID], all: [ObjectID]) {
    var roots = Roots()
    roots.artifacts = [(artifact, source)]
    guard let walk = try? walkObjects(roots, ensure: { _, _ in }) else { return ([artifact.pointer.id], []) }
    let missing = walk.objects.filter { !store.contains($0) }
    return (missing.isEmpty ? walk.unreadable.map(\.id) : missing, walk.objects)
  }

  /// `pre-commit`: every pointer staged in the index that changed since HEAD (or whose staged
  /// contract changed) must have all its objects in the store, and its staged data must meet
  /// its staged contract.
  public func preCommitFindings(maxErrors: Int) throws -> [HookFinding] {
    let head = git.headCommit()
    var findings: [HookFinding] = []
    for staged in try git.stagedFiles(withSuffix: Pointer.suffix) {
      let pointer: Pointer
      do { pointer = try Pointer.parse(git.blob(staged.blob), name: staged.path) } catch let error as UserFacingError {
        findings.append(HookFinding(data: staged.path, report: nil, problem: error.message, status: .invalidInput))
        continue
      }
      let artifact = TrackedArtifact(pointerPath: staged.path, pointer: pointer)
      let before = try head.flatMap { try git.file(at: $0, path: staged.path) }
      var changed = before != staged.blob
      var contract: (String, [UInt8])?
      if let c = pointer.contract {
        guard let blob = try git.stagedBlob(c) else {
          findings.append(
            HookFinding(
              data: artifact.dataPath, report: nil,
              problem: "its contract '\(c)' is not staged: 'git add \(c)' so every clone has it", status: .invalidInput))
          continue
        }
        if try head.flatMap({ try git.file(at: $0, path: c) }) != blob { changed = true }
        contract = (c, try git.blob(blob))
      }
      guard changed else { continue }
      let missing = missingObjects(artifact, source: "index").missing
      if !missing.isEmpty {
        findings.append(
          HookFinding(
            data: artifact.dataPath, report: nil,
            problem:
              "\(missing.count) of its objects \(missing.count == 1 ? "is" : "are") not in the store (every clone would lack the data)",
            status: .storeIntegrity))
        continue
      }
      guard contract != nil, pointer.kind != .directory else { continue }
      do {
        let input = try storedInput(pointer, name: artifact.dataPath, path: artifact.dataPath, format: nil, contract: contract)
        if let report = try checkCached(input, maxErrors: maxErrors), !report.valid {
          findings.append(HookFinding(data: artifact.dataPath, report: report, problem: nil, status: .contractViolation))
        }
      } catch let error as UserFacingError {
        findings.append(HookFinding(data: artifact.dataPath, report: nil, problem: error.message, status: error.exitStatus))
      }
    }
    return findings
  }

  /// `pre-push`: every pointer in the commits being pushed must have all its objects in the
  /// store and, when a default remote is set, on that remote. `updates` are Git's stdin lines
  /// (`<local ref> <local sha> <remote ref> <remote sha>`).
  public func prePushFindings(remote: String, updates: [(localSHA: String, remoteSHA: String)]) throws -> [HookFinding] {
    var starts: [GitObjectID] = []
    var hiding: [GitObjectID] = []
    for update in updates {
      guard let local = GitObjectID(hex: update.localSHA), !local.isZero else { continue }
      starts.append(local)
      if let remoteID = GitObjectID(hex: update.remoteSHA), !remoteID.isZero { hiding.append(remoteID) }
    }
    hiding += try git.references(withPrefix: "refs/remotes/\(remote)/").map(\.commit)
    // Pointers the remote already has (in the trees of its tips) were pushed before: their
    // objects are the remote's business, and a fresh clone must be able to push without them.
    var visited = Set<GitObjectID>()
    var seenBlobs = Set<GitObjectID>()
    for tip in hiding where (try? git.commitInfo(tip)) != nil {
      for file in try git.files(at: tip, withSuffix: Pointer.suffix, skippingTrees: &visited) { seenBlobs.insert(file.blob) }
    }
    visited = []
    var findings: [HookFinding] = []
    // Pointers whose objects are all here: they must also be on the default remote, if one is set.
    var stored: [(artifact: TrackedArtifact, commit: GitObjectID, objects: [ObjectID])] = []
    for commit in try git.commits(from: starts, hiding: hiding) {
      for file in try git.files(at: commit, withSuffix: Pointer.suffix, skippingTrees: &visited) where seenBlobs.insert(file.blob).inserted
      {
        guard let pointer = try? Pointer.parse(git.blob(file.blob), name: file.path) else { continue }
        let artifact = TrackedArtifact(pointerPath: file.path, pointer: pointer)
        let (missing, objects) = missingObjects(artifact, source: commit.short)
        if !missing.isEmpty {
          let count = missing.count
          findings.append(
            HookFinding(
              data: "\(artifact.dataPath) (commit \(commit.short))", report: nil,
              problem: "\(count) object\(count == 1 ? "" : "s") not in the store", status: .storeIntegrity))
        } else {
          stored.append((artifact, commit, objects))
        }
      }
    }
    if let (remote, missing) = try missingFromDefaultRemote(Array(Set(stored.flatMap(\.objects)))), !missing.isEmpty {
      let commits = Set(stored.filter { $0.objects.contains(where: missing.contains) }.map(\.commit))
      let fix =
        commits.count == 1
        ? "run 'mlv push --rev \(commits.first!.short)', then push again"
        : "run 'mlv push --all-commits' (or 'mlv push --rev COMMIT' for each commit listed), then push again"
      for entry in stored {
        let count = entry.objects.filter(missing.contains).count
        guard count > 0 else { continue }
        findings.append(
          HookFinding(
            data: "\(entry.artifact.dataPath) (commit \(entry.commit.short))", report: nil,
            problem: "\(count) object\(count == 1 ? " is" : "s are") not on remote '\(remote)'", status: .storeIntegrity, fix: fix))
      }
    }
    return findings
  }
}
