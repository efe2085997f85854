import Dispatch
import MLVGit
import MLVRemote
import MLVStore
import Synchronization

/// Which objects a push, fetch or status covers.
public struct RemoteSelection: Sendable {
  /// Pointers of this revision only (else the work tree, the index and HEAD).
  public var revision: String?
  /// Pointers of every commit reachable from a ref or reflog entry (and the workspace).
  public var allCommits: Bool
  /// Only these tracked paths (run records and model versions are then left out).
  public var paths: [String]
  /// The directory user paths are relative to.
  public var cwd: String

  public init(revision: String? = nil, allCommits: Bool = false, paths: [String] = [], cwd: String) {
    self.revision = revision
    self.allCommits = allCommits
    self.paths = paths
    self.cwd = cwd
  }
}

/// What `push` or `fetch` did, and where.
public struct TransferResult: Sendable {
  public let remote: RemoteSpec
  public let report: TransferReport
  /// Objects the selection reaches.
  public let objectsSelected: Int
  /// Wall-clock seconds.
  public let seconds: Double
}

/// Where the objects of one tracked path are.
public struct RemoteStatusEntry: Sendable {
  public let path: String
  /// Objects the path needs (as far as its manifests could be read).
  public let objects: Int
  /// Objects not in the local store, and their bytes as the remote stores them (0 when unknown).
  public let notLocal: Int
  public let bytesToFetch: Int
  /// Objects not on the remote, and their bytes as the local store holds them.
  public let notOnRemote: Int
  public let bytesToPush: Int
  /// Objects on neither side.
  public let lost: Int

  public var inSync: Bool { notLocal == 0 && notOnRemote == 0 }
}

/// The objects some roots reach, following manifests.
struct ObjectWalk {
  /// Every object reached, in the order found.
  var objects: [ObjectID] = []
  /// Who references each object (the first referrer found).
  var referrers: [ObjectID: String] = [:]
  /// Manifests that could not be read, with why: what they list is unknown.
  var unreadable: [(id: ObjectID, reason: String)] = []
}

extension Repository {
  // MARK: Configuration

  /// The configured remotes, sorted by name.
  public func remotes() throws -> [RemoteSpec] { try config.remoteNames.map { try remoteSpec(named: $0) } }

  /// The remote called `name`, or the default one when `name` is nil.
  public func remoteSpec(named name: String?) throws -> RemoteSpec {
    guard let name = name ?? config.defaultRemote else { throw RemoteError.noDefaultRemote }
    guard let url = config.remoteValue(name, "url") else {
      throw RemoteError.unknownRemote(name, known: config.remoteNames)
    }
    var pathStyle: Bool?
    if let text = config.remoteValue(name, "path-style") {
      guard text == "true" || text == "false" else {
        throw CoreError.malformedConfig(configPath, reason: "'remote.\(name).path-style' must be true or false")
      }
      pathStyle = text == "true"
    }
    return try RemoteSpec(
      name: name, url: url, endpoint: config.remoteValue(name, "endpoint"), region: config.remoteValue(name, "region"),
      pathStyle: pathStyle, profile: config.remoteValue(name, "profile"), root: root)
  }

  /// Adds a remote to `.mlv/config` (never credentials); the first one becomes the default.
  @discardableResult
  public func addRemote(
    name: String, url: String, endpoint: String?, region: String?, pathStyle: Bool?, profile: String?, makeDefault: Bool
  ) throws -> (spec: RemoteSpec, isDefault: Bool) {
    try RemoteSpec.checkName(name)
    guard config.remoteValue(name, "url") == nil else { throw RemoteError.remoteExists(name) }
    let spec = try RemoteSpec(
      name: name, url: url, endpoint: endpoint, region: region, pathStyle: pathStyle, profile: profile, root: root)
    var updated = config
    updated.setUnchecked("remote.\(name).url", url)
    updated.setUnchecked("remote.\(name).endpoint", endpoint)
    updated.setUnchecked("remote.\(name).region", region)
    updated.setUnchecked("remote.\(name).path-style", pathStyle.map { $0 ? "true" : "false" })
    updated.setUnchecked("remote.\(name).profile", profile)
    let isDefault = makeDefault || config.defaultRemote == nil
    if isDefault { updated.setUnchecked("core.remote", name) }
    try saveConfig(updated)
    return (spec, isDefault)
  }

  /// Removes a remote from the config (nothing on the remote is touched).
  public func removeRemote(_ name: String) throws {
    guard config.remoteValue(name, "url") != nil else { throw RemoteError.unknownRemote(name, known: config.remoteNames) }
    var updated = config
    updated.removeRemote(name)
    try saveConfig(updated)
    try? removeTree(remoteCachePath(name))
  }

  /// Makes `name` the default remote.
  public func setDefaultRemote(_ name: String) throws {
    guard config.remoteValue(name, "url") != nil else { throw RemoteError.unknownRemote(name, known: config.remoteNames) }
    var updated = config
    updated.setUnchecked("core.remote", name)
    try saveConfig(updated)
  }

  /// Where a remote's pack indexes are cached.
  func remoteCachePath(_ name: String) -> String { sharedMLVDirectory + "/cache/remotes/" + name }

  /// Opens a remote: credentials are resolved now (S3), nothing is sent yet.
  func openRemote(_ spec: RemoteSpec, jobs: Int?) throws -> RemoteStore {
    let environment = processEnvironment()
    let backend: any RemoteBackend
    switch spec.location {
    case .directory(let path): backend = DirectoryBackend(name: spec.name, root: path)
    case .s3:
      let resolved = try AWSCredentials.resolve(for: spec, environment: environment)
      backend = try S3Backend(spec: spec, resolved: resolved, environment: environment, concurrency: jobs ?? 16)
    }
    return RemoteStore(backend: backend, concurrency: jobs, indexCache: remoteCachePath(spec.name), environment: environment)
  }

  /// Runs `body` with the remote open, and closes it after.
  func withRemote<T>(_ name: String?, jobs: Int?, _ body: (RemoteStore, RemoteSpec) throws -> T) throws -> T {
    let spec = try remoteSpec(named: name)
    let remote = try openRemote(spec, jobs: jobs)
    defer { _ = try? runBlocking { await remote.backend.close() } }
    return try body(remote, spec)
  }

  // MARK: Selection

  /// The roots a selection names.
  func roots(for selection: RemoteSelection) throws -> Roots {
    var roots: Roots
    if let revision = selection.revision {
      roots = try self.roots(.commits([git.resolveCommit(revision)]))
    } else {
      roots = try self.roots(selection.allCommits ? .allCommits : .workspace)
    }
    if !selection.paths.isEmpty {
      let chosen = try select(roots.artifacts.map(\.artifact), paths: selection.paths, cwd: selection.cwd)
      let keep = Set(chosen.map(\.pointerPath))
      roots.artifacts = roots.artifacts.filter { keep.contains($0.artifact.pointerPath) }
      roots.records = []
    }
    return roots
  }

  /// The roots of `selection`, with a warning for each pointer that cannot be read. With
  /// `fetch`, the run records and model manifests they name that the store lacks are fetched
  /// first (a model version's files are known only from its manifest) and the roots read again.
  func roots(for selection: RemoteSelection, fetchingRecords fetch: (([ObjectID]) throws -> Void)?) throws -> Roots {
    var roots = try self.roots(for: selection)
    if let fetch {
      let absent = roots.records.map(\.id).filter { !store.contains($0) }
      if !absent.isEmpty {
        try fetch(absent)
        roots = try self.roots(for: selection)
      }
    }
    for bad in roots.badPointers { writeDiagnostic("warning: skipping \(bad.path): \(bad.reason)") }
    return roots
  }

  /// Checks that the remote answers (creating a directory remote with `create`), then lists
  /// what it holds: everything, or at least `wanted`.
  func checkedInventory(_ remote: RemoteStore, wanted: Set<ObjectID>? = nil, create: Bool = false) throws -> RemoteInventory {
    try runBlocking { try await remote.backend.checkAccess(create: create) }
    return try runBlocking { try await remote.inventory(wanted: wanted) }
  }

  /// Downloads (verified) into the store those of some ids that it lacks and the remote has.
  func fetcher(_ remote: RemoteStore, _ inventory: RemoteInventory) -> ([ObjectID]) throws -> Void {
    { [store] ids in
      let wanted = ids.filter { !store.contains($0) && inventory.contains($0) }
      if !wanted.isEmpty { _ = try runBlocking { try await remote.fetch(wanted, into: store, inventory: inventory) } }
    }
  }

  /// Every object `roots` reach. Manifests are read from the local store; before each level
  /// of the walk is read, `ensure(ids, manifests)` may bring the level's objects (or only its
  /// manifests) into the store.
  func walkObjects(_ roots: Roots, ensure: (_ ids: [ObjectID], _ manifests: [ObjectID]) throws -> Void) throws -> ObjectWalk {
    enum Node { case leaf, file, directory }
    var walk = ObjectWalk()
    var level: [(id: ObjectID, node: Node, path: String, source: String)] = []
    func add(_ id: ObjectID, _ node: Node, _ path: String, _ source: String) {
      guard walk.referrers[id] == nil else { return }
      walk.referrers[id] = "\(path) (\(source))"
      walk.objects.append(id)
      level.append((id, node, path, source))
    }
    for (id, label) in roots.records where walk.referrers[id] == nil {
      walk.referrers[id] = label
      walk.objects.append(id)
      level.append((id, .leaf, label, ""))
    }
    for (artifact, source) in roots.artifacts {
      let node: Node
      switch artifact.pointer.kind {
      case .blob: node = .leaf
      case .chunked: node = .file
      case .directory: node = .directory
      }
      add(artifact.pointer.id, node, artifact.dataPath, source)
    }
    while !level.isEmpty {
      let current = level
      level = []
      try ensure(current.map(\.id), current.filter { $0.node != .leaf }.map(\.id))
      for item in current where item.node != .leaf {
        do {
          if item.node == .file {
            for c in try readFileManifest(item.id).chunks { add(c.id, .leaf, item.path, item.source) }
          } else {
            for e in try readDirectoryManifest(item.id).entries {
              add(e.id, e.type == .chunked ? .file : .leaf, item.path + "/" + e.path, item.source)
            }
          }
        } catch let error as UserFacingError {
          walk.unreadable.append((item.id, error.message))
        }
      }
    }
    return walk
  }

  // MARK: Push and fetch

  /// Sends the objects of `selection` that the remote lacks.
  public func push(remote name: String?, selection: RemoteSelection, jobs: Int?) throws -> TransferResult {
    let started = monotonicNow()
    let walk = try walkObjects(roots(for: selection, fetchingRecords: nil)) { _, _ in }
    return try withRemote(name, jobs: jobs) { remote, spec in
      let inventory = try checkedInventory(remote, wanted: Set(walk.objects), create: true)
      var report = try runBlocking { [store] in try await remote.push(walk.objects, from: store, inventory: inventory) }
      let known = Set(report.missing)
      report.missing += walk.unreadable.map(\.id).filter { !known.contains($0) && !store.contains($0) }
      return TransferResult(
        remote: spec, report: report, objectsSelected: walk.objects.count, seconds: secondsSince(started))
    }
  }

  /// Downloads the objects of `selection` that the local store lacks, verifying each.
  public func fetch(remote name: String?, selection: RemoteSelection, jobs: Int?) throws -> TransferResult {
    let started = monotonicNow()
    return try withRemote(name, jobs: jobs) { remote, spec in
      let inventory = try checkedInventory(remote)
      var total = TransferReport()
      let fetchLevel: ([ObjectID]) throws -> Void = { [store] ids in
        total.add(try runBlocking { try await remote.fetch(ids, into: store, inventory: inventory) })
      }
      let roots = try roots(for: selection, fetchingRecords: fetchLevel)
      let walk = try walkObjects(roots) { ids, _ in try fetchLevel(ids) }
      return TransferResult(remote: spec, report: total, objectsSelected: walk.objects.count, seconds: secondsSince(started))
    }
  }

  // MARK: Status, check and collect

  /// For each tracked path of `selection`: what the local store and the remote lack.
  /// Manifests missing locally are fetched (verified) so that directories can be looked into.
  public func remoteStatus(remote name: String?, selection: RemoteSelection) throws -> (RemoteSpec, [RemoteStatusEntry]) {
    try withRemote(name, jobs: nil) { remote, spec in
      let inventory = try checkedInventory(remote)
      let fetch = fetcher(remote, inventory)
      let roots = try roots(for: selection, fetchingRecords: fetch)
      var entries: [RemoteStatusEntry] = []
      var seen = Set<String>()
      for (artifact, source) in roots.artifacts where seen.insert(artifact.dataPath).inserted {
        var single = Roots()
        single.artifacts = [(artifact, source)]
        let walk = try walkObjects(single) { _, manifests in try fetch(manifests) }
        var notLocal = 0
        var notOnRemote = 0
        var lost = 0
        var bytesToFetch = 0
        var bytesToPush = 0
        for id in walk.objects {
          let local = store.contains(id)
          let onRemote = inventory.locations[id]
          if !local, let onRemote {
            notLocal += 1
            bytesToFetch += onRemote.storedSize
          } else if local, onRemote == nil {
            notOnRemote += 1
            bytesToPush += store.storedSize(id) ?? 0
          } else if !local {
            lost += 1
            notLocal += 1
            notOnRemote += 1
          }
        }
        entries.append(
          RemoteStatusEntry(
            path: artifact.dataPath + (artifact.pointer.kind == .directory ? "/" : ""), objects: walk.objects.count,
            notLocal: notLocal, bytesToFetch: bytesToFetch, notOnRemote: notOnRemote, bytesToPush: bytesToPush, lost: lost))
      }
      return (spec, entries.sorted { $0.path < $1.path })
    }
  }

  /// Downloads and verifies every object on the remote.
  public func checkRemote(remote name: String?, jobs: Int?) throws -> (RemoteSpec, RemoteCheckReport, orphanPacks: [String]) {
    try withRemote(name, jobs: jobs) { remote, spec in
      let inventory = try checkedInventory(remote)
      let report = try runBlocking { try await remote.check(inventory: inventory) }
      return (spec, report, inventory.orphanPacks)
    }
  }

  /// Removes from the remote every object that no pointer of the work tree, the index or any
  /// commit reachable from a ref or reflog entry of this repository references. Refuses (unless
  /// `force`) when it cannot see everything that might reference an object.
  public func collectRemote(remote name: String?, dryRun: Bool, force: Bool) throws -> (RemoteSpec, RemoteGCReport) {
    try withRemote(name, jobs: nil) { remote, spec in
      let inventory = try checkedInventory(remote)
      let fetch = fetcher(remote, inventory)
      let roots = try roots(for: RemoteSelection(allCommits: true, cwd: root), fetchingRecords: fetch)
      let walk = try walkObjects(roots) { _, manifests in try fetch(manifests) }
      if !force {
        if let bad = roots.badPointers.first { throw CoreError.incompleteReachability("pointer \(bad.path): \(bad.reason)") }
        if let u = walk.unreadable.first { throw CoreError.incompleteReachability("object \(u.id): \(u.reason)") }
        if let d = inventory.damagedIndexes.first { throw CoreError.incompleteReachability("remote '\(spec.name)': \(d.key): \(d.reason)") }
      }
      let report = try runBlocking { try await remote.collect(keeping: Set(walk.objects), inventory: inventory, dryRun: dryRun) }
      return (spec, report)
    }
  }

  /// Of `ids`, those the default remote lacks; nil when no default remote is set.
  func missingFromDefaultRemote(_ ids: [ObjectID]) throws -> (remote: String, missing: Set<ObjectID>)? {
    guard config.defaultRemote != nil, !ids.isEmpty else { return nil }
    return try withRemote(nil, jobs: nil) { remote, spec in
      // No access check: a remote nothing was pushed to yet (even a directory not yet made) lacks everything.
      let inventory = try runBlocking { try await remote.inventory(wanted: Set(ids)) }
      return (spec.name, Set(ids.filter { !inventory.contains($0) }))
    }
  }
}

func secondsSince(_ start: UInt64) -> Double { Double(monotonicNow() &- start) / 1e9 }

/// Runs async work from synchronous code (the command line's threads are not the cooperative pool's).
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
  let result = Mutex<Result<T, any Error>?>(nil)
  let done = DispatchSemaphore(value: 0)
  Task.detached {
    do {
      let value = try await body()
      result.withLock { $0 = .success(value) }
    } catch {
      result.withLock { $0 = .failure(error) }
    }
    done.signal()
  }
  done.wait()
  return try result.withLock { $0! }.get()
}
