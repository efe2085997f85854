import MLVGit
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What `fsck` found.
public struct FsckReport: Sendable {
  /// Objects read and verified.
  public var objectsChecked = 0
  /// Bytes of stored objects read.
  public var bytesChecked = 0
  /// Objects whose bytes do not match their name, with the reason.
  public var corrupt: [(id: ObjectID, reason: String)] = []
  /// Objects referenced but absent, with who references them.
  public var missing: [(id: ObjectID, referencedBy: String)] = []
  /// Pointers that cannot be read, with the reason.
  public var badPointers: [(path: String, reason: String)] = []
  /// Whether the store is sound.
  public var isClean: Bool { corrupt.isEmpty && missing.isEmpty && badPointers.isEmpty }
}

/// What `gc` removed (or would remove).
public struct GCReport: Sendable {
  /// Objects kept because something references them.
  public var kept = 0
  /// Objects removed.
  public var removed: [ObjectID] = []
  /// Bytes freed.
  public var bytesFreed = 0
  /// Leftover temporary files removed.
  public var temporaryFilesRemoved = 0
  /// Parked copies of replaced files removed (see `checkout`).
  public var parkedFilesRemoved = 0
  /// Unreferenced objects kept because the default remote lacks them (without `--force`).
  public var keptNotOnRemote = 0
  /// The default remote that was consulted.
  public var remote: String?
}

/// Where a set of root pointers came from.
struct Roots {
  var artifacts: [(artifact: TrackedArtifact, source: String)] = []
  var badPointers: [(path: String, reason: String)] = []
  /// Run records and environment locks that a `mlv.lock` names.
  var records: [(id: ObjectID, referencedBy: String)] = []
}

/// Which pointers count as roots.
enum RootScope {
  /// The work tree, the index and HEAD.
  case workspace
  /// The work tree, the index and every commit reachable from any ref or reflog entry.
  case allCommits
  /// These commits only.
  case commits([GitObjectID])
}

extension Repository {
  /// Pointers of the work tree, the index and (when `allCommits`) every commit reachable from any ref or reflog entry.
  func roots(allCommits: Bool) throws -> Roots { try roots(allCommits ? .allCommits : .workspace) }

  /// The pointers, run records and model versions of `scope`.
  func roots(_ scope: RootScope) throws -> Roots {
    var roots = Roots()
    func parse(_ bytes: [UInt8], path: String, source: String) {
      do {
        roots.artifacts.append((TrackedArtifact(pointerPath: path, pointer: try Pointer.parse(bytes, name: path)), source))
      } catch let error as UserFacingError {
        roots.badPointers.append(("\(source):\(path)", error.message))
      } catch {
        roots.badPointers.append(("\(source):\(path)", "\(error)"))
      }
    }
    var includeWorkspace = true
    if case .commits = scope { includeWorkspace = false }
    for pointerPath in try includeWorkspace ? workTreePointerPaths() : [] {
      parse((try? FileHandle(path: absolute(pointerPath), flags: O_RDONLY).readAll()) ?? [], path: pointerPath, source: "work tree")
    }
    var seenBlobs = Set<GitObjectID>()
    for file in try includeWorkspace ? git.stagedFiles(withSuffix: Pointer.suffix) : []
    where seenBlobs.insert(file.blob).inserted {
      parse(try git.blob(file.blob), path: file.path, source: "index")
    }
    func parseLock(_ bytes: [UInt8], source: String) {
      do {
        for (name, stage) in try LockFile.parse(bytes, name: "\(source):\(LockFile.name)").stages {
          roots.records.append((stage.record, "run record of '\(name)' (\(source))"))
          roots.records.append((stage.env, "environment lock of '\(name)' (\(source))"))
        }
      } catch let error as UserFacingError {
        roots.badPointers.append(("\(source):\(LockFile.name)", error.message))
      } catch {
        roots.badPointers.append(("\(source):\(LockFile.name)", "\(error)"))
      }
    }
    // Model versions keep their manifest, files, contracts, environment lock and run record.
    func parseRegistry(_ bytes: [UInt8], source: String) {
      do {
        let registry = try ModelRegistry.parse(bytes, name: "\(source):\(ModelRegistry.name)")
        for (name, model) in registry.models {
          for version in model.versions {
            let label = "model '\(name)' version \(version.number) (\(source))"
            roots.records.append((version.id, label))
            let manifest: ModelManifest
            do { manifest = try ModelManifest.decode(store.read(version.id), id: version.id) } catch {
              // Its files are unknown: gc must not run as if nothing referenced them.
              roots.badPointers.append(
                ("\(source):\(ModelRegistry.name)", "\(label): \((error as? UserFacingError)?.message ?? "\(error)")"))
              continue
            }
            for id in [manifest.inputs, manifest.outputs, manifest.env, manifest.run?.record].compactMap({ $0 }) {
              roots.records.append((id, label))
            }
            let pointer = Pointer(
              path: "\(name)@\(version.number)", kind: .directory, id: manifest.files, size: manifest.size, count: manifest.fileCount)
            roots.artifacts.append((TrackedArtifact(pointerPath: "\(name)@\(version.number)" + Pointer.suffix, pointer: pointer), source))
          }
        }
      } catch let error as UserFacingError {
        roots.badPointers.append(("\(source):\(ModelRegistry.name)", error.message))
      } catch {
        roots.badPointers.append(("\(source):\(ModelRegistry.name)", "\(error)"))
      }
    }
    if includeWorkspace {
      if let bytes = try readIfPresent(absolute(ModelRegistry.name)) { parseRegistry(bytes, source: "work tree") }
      for file in try git.stagedFiles(withSuffix: ModelRegistry.name)
      where file.path == ModelRegistry.name && seenBlobs.insert(file.blob).inserted {
        parseRegistry(try git.blob(file.blob), source: "index")
      }
      if let bytes = try readIfPresent(lockFilePath) { parseLock(bytes, source: "work tree") }
      for file in try git.stagedFiles(withSuffix: LockFile.name)
      where file.path == LockFile.name && seenBlobs.insert(file.blob).inserted {
        parseLock(try git.blob(file.blob), source: "index")
      }
    }
    let commits: [GitObjectID]
    switch scope {
    case .workspace: commits = git.headCommit().map { [$0] } ?? []
    case .allCommits: commits = try git.reachableCommits()
    case .commits(let chosen): commits = chosen
    }
    var visitedTrees = Set<GitObjectID>()
    for commit in commits {
      if let lock = try git.file(at: commit, path: LockFile.name), seenBlobs.insert(lock).inserted {
        parseLock(try git.blob(lock), source: commit.short)
      }
      if let registry = try git.file(at: commit, path: ModelRegistry.name), seenBlobs.insert(registry).inserted {
        parseRegistry(try git.blob(registry), source: commit.short)
      }
      for file in try git.files(at: commit, withSuffix: Pointer.suffix, skippingTrees: &visitedTrees)
      where seenBlobs.insert(file.blob).inserted {
        parse(try git.blob(file.blob), path: file.path, source: commit.short)
      }
    }
    return roots
  }

  /// Every object the roots reach, following manifests. Problems are reported, not thrown:
  /// `unreadable` lists manifests that are missing or damaged, whose children are therefore unknown.
  func reachableObjects(
    _ roots: Roots, missing: inout [(id: ObjectID, referencedBy: String)], unreadable: inout [(id: ObjectID, reason: String)]
  ) -> Set<ObjectID> {
    var reached = Set<ObjectID>()
    for (id, label) in roots.records where reached.insert(id).inserted {
      if !store.contains(id) { missing.append((id, label)) }
    }
    for (artifact, source) in roots.artifacts {
      let label = "\(artifact.pointerPath) (\(source))"
      let id = artifact.pointer.id
      guard reached.insert(id).inserted else { continue }
      guard store.contains(id) else {
        missing.append((id, label))
        if artifact.pointer.kind != .blob { unreadable.append((id, "manifest of '\(artifact.pointerPath)' is missing")) }
        continue
      }
      do {
        switch artifact.pointer.kind {
        case .blob: break
        case .chunked:
          for c in try readFileManifest(id).chunks where reached.insert(c.id).inserted {
            if !store.contains(c.id) { missing.append((c.id, label)) }
          }
        case .directory:
          for e in try readDirectoryManifest(id).entries where reached.insert(e.id).inserted {
            guard store.contains(e.id) else {
              missing.append((e.id, "\(artifact.dataPath)/\(e.path) (\(source))"))
              if e.type == .chunked { unreadable.append((e.id, "manifest of '\(artifact.dataPath)/\(e.path)' is missing")) }
              continue
            }
            if e.type == .chunked {
              for c in try readFileManifest(e.id).chunks where reached.insert(c.id).inserted {
                if !store.contains(c.id) { missing.append((c.id, "\(artifact.dataPath)/\(e.path) (\(source))")) }
              }
            }
          }
        }
      } catch let error as UserFacingError {
        unreadable.append((id, error.message))
      } catch {
        unreadable.append((id, "\(error)"))
      }
    }
    return reached
  }

  /// Verifies every object in the store (on all cores) and that every pointer of the work tree,
  /// the index and every commit reachable from a ref or reflog entry has all its objects.
  public func fsck() throws -> FsckReport {
    var report = FsckReport()
    let ids = try store.allObjects()
    let store = self.store
    let results = try FileIngest.parallelMap(ids) { id -> (Int, String?) in
      let size = store.storedSize(id) ?? 0
      do {
        _ = try store.read(id)
        return (size, nil)
      } catch let error as StoreError {
        if case .corrupt(_, let reason) = error { return (size, reason) }
        return (size, error.message)
      }
    }
    for (id, (size, problem)) in zip(ids, results) {
      report.objectsChecked += 1
      report.bytesChecked += size
      if let problem { report.corrupt.append((id, problem)) }
    }
    let roots = try self.roots(allCommits: true)
    report.badPointers = roots.badPointers
    var unreadable: [(id: ObjectID, reason: String)] = []
    _ = reachableObjects(roots, missing: &report.missing, unreadable: &unreadable)
    let knownIDs = Set(report.corrupt.map(\.id) + report.missing.map(\.id))
    for u in unreadable where !knownIDs.contains(u.id) { report.corrupt.append(u) }
    report.corrupt.sort { $0.id < $1.id }
    return report
  }

  /// Removes objects that no pointer in the work tree, the index or any commit reachable from
  /// any ref or reflog entry references (what `git gc` keeps), and the parked checkout files. Refuses when it cannot see everything that might reference an object
  /// (a malformed pointer, a missing or damaged manifest) unless `force`.
  public func gc(dryRun: Bool, force: Bool) throws -> GCReport {
    // Runs hold `.mlv/cache/activity` shared while they write objects no commit names yet.
    let (activity, _) = try activityLockFile()
    guard flock(activity.fd, LOCK_EX | LOCK_NB) == 0 else { throw CoreError.runInProgress }
    defer { flock(activity.fd, LOCK_UN) }
    return try withWriteLock {
      let roots = try self.roots(allCommits: true)
      var missing: [(id: ObjectID, referencedBy: String)] = []
      var unreadable: [(id: ObjectID, reason: String)] = []
      let reached = reachableObjects(roots, missing: &missing, unreadable: &unreadable)
      if !force {
        if let bad = roots.badPointers.first { throw CoreError.incompleteReachability("pointer \(bad.path): \(bad.reason)") }
        if let u = unreadable.first {
          throw CoreError.incompleteReachability("object \(u.id): \(u.reason)")
        }
      }
      var report = GCReport()
      var unreferenced: [ObjectID] = []
      for id in try store.allObjects() {
        if reached.contains(id) { report.kept += 1 } else { unreferenced.append(id) }
      }
      // Never delete the only copy: with a default remote, an object goes only once the remote has it.
      if !force, let (remote, missing) = try missingFromDefaultRemote(unreferenced) {
        report.remote = remote
        report.keptNotOnRemote = missing.count
        report.kept += missing.count
        unreferenced.removeAll { missing.contains($0) }
      }
      for id in unreferenced {
        report.bytesFreed += store.storedSize(id) ?? 0
        report.removed.append(id)
        if !dryRun { try store.remove(id) }
      }
      // Temporary files are written under the write lock or the activity lock, both held here:
      // any left are from a killed process.
      for e in listDirectory(store.temporaryPath) where e.isRegular {
        report.temporaryFilesRemoved += 1
        if !dryRun { unlink(store.temporaryPath + "/" + e.name) }
      }
      // Scratch trees of rebuilds and experiments whose mlv was killed (a live one keeps its own).
      // Stashed outputs (`run-*`) are left for the next run to put back.
      for e in listDirectory(store.temporaryPath)
      where e.isDirectory && (e.name.hasPrefix("rebuild-") || e.name.hasPrefix("exp-")) && scratchOwnerIsGone(e.name) {
        report.temporaryFilesRemoved += 1
        if !dryRun { try? removeTree(store.temporaryPath + "/" + e.name) }
      }
      report.parkedFilesRemoved = removeParkedFiles(dryRun: dryRun)
      report.removed.sort()
      return report
    }
  }
}
