import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What `checkout` did.
public struct CheckoutResult: Sendable {
  /// Data paths rewritten to match their pointers.
  public var updated: [String] = []
  /// Data paths that already matched.
  public var upToDate: [String] = []
  /// Files written.
  public var filesWritten = 0
  /// Bytes written.
  public var bytesWritten = 0
  /// Files removed from tracked directories.
  public var filesRemoved = 0
}

/// A file to put in place: its object, and the temporary file it is staged in.
private struct StagedFile {
  let destination: String
  let relativeForCache: String
  let temporary: String
}

extension Repository {
  /// Makes the data of the work tree match the pointers of the work tree, or of `revision`
  /// (read through libgit2: HEAD, the index and the pointer files are left alone).
  ///
  /// Refuses, before writing anything, when a path holds content that is not in the store,
  /// unless `force`. Every object is verified before its bytes reach the work tree, and each
  /// file appears whole (staged, then renamed into place).
  public func checkout(_ paths: [String], revision: String?, force: Bool, cwd: String) throws -> CheckoutResult {
    let artifacts = try select(artifacts(revision: revision), paths: paths, cwd: cwd)
    return try withWriteLock {
      var cache = loadStatCache()
      defer { saveStatCache(cache) }
      var result = CheckoutResult()
      // Plan first: nothing is written until every path is known to be safe.
      var plans: [(TrackedArtifact, ScannedContent?)] = []
      var refused: [String] = []
      for artifact in artifacts {
        let current = try currentContent(artifact.dataPath, cache: &cache)
        if let current, current.id == artifact.pointer.id, current.kind == artifact.pointer.kind {
          result.upToDate.append(artifact.dataPath)
          continue
        }
        if let current, !force { refused += unsafeToReplace(artifact, current: current) }
        plans.append((artifact, current))
      }
      if !refused.isEmpty { throw CoreError.wouldOverwrite(refused) }
      for (artifact, current) in plans {
        try place(artifact, current: current, cache: &cache, result: &result)
        result.updated.append(artifact.dataPath)
      }
      return result
    }
  }

  /// The paths under `artifact` whose current content the checkout would destroy and the store lacks.
  private func unsafeToReplace(_ artifact: TrackedArtifact, current: ScannedContent) -> [String] {
    let path = artifact.dataPath
    guard current.kind == .directory, let manifest = current.manifest else {
      return store.contains(current.id) ? [] : [path]
    }
    if artifact.pointer.kind == .directory, let target = try? readDirectoryManifest(artifact.pointer.id) {
      let wanted = Dictionary(uniqueKeysWithValues: target.entries.map { ($0.path, $0.id) })
      return manifest.entries.filter { wanted[$0.path] != $0.id && !store.contains($0.id) }.map { path + "/" + $0.path }
    }
    return manifest.entries.filter { !store.contains($0.id) }.map { path + "/" + $0.path }
  }

  func readDirectoryManifest(_ id: ObjectID) throws -> DirectoryManifest {
    try DirectoryManifest.decode(store.read(id), id: id)
  }

  func readFileManifest(_ id: ObjectID) throws -> FileManifest {
    try FileManifest.decode(store.read(id), id: id)
  }

  private func place(_ artifact: TrackedArtifact, current: ScannedContent?, cache: inout StatCache, result: inout CheckoutResult) throws {
    let pointer = artifact.pointer
    let path = artifact.dataPath
    let destination = absolute(path)
    try makeDirectories(parentDirectory(destination))
    if pointer.kind != .directory {
      let layout: FileLayout = pointer.kind == .chunked ? .chunked : .blob
      let staged = try Self.stage(
        store: store, durable: config.fsync, layout: layout, id: pointer.id, size: pointer.size, executable: false,
        destination: destination, staging: stagingDirectory(for: destination))
      if current?.kind == .directory { try removeTree(destination) }
      try commit([StagedFile(destination: destination, relativeForCache: path, temporary: staged)], cache: &cache)
      cache.record(path, cacheEntry(path, kind: pointer.kind, count: pointer.count, id: pointer.id))
      result.filesWritten += 1
      result.bytesWritten += pointer.size
      return
    }
    let manifest = try readDirectoryManifest(pointer.id)
    var have: [String: DirectoryEntry] = [:]
    if let old = current?.manifest { have = Dictionary(uniqueKeysWithValues: old.entries.map { ($0.path, $0) }) }
    let needed = manifest.entries.filter { e in have[e.path].map { $0.id != e.id || $0.executable != e.executable } ?? true }
    // Stage every changed file (verified) before renaming any, so a bad object changes nothing.
    let (store, durable, staging) = (self.store, config.fsync, stagingDirectory(for: destination))
    let temporaries = try FileIngest.parallelMap(needed) { e in
      try Self.stage(
        store: store, durable: durable, layout: e.type, id: e.id, size: e.size, executable: e.executable,
        destination: destination + "/" + e.path, staging: staging)
    }
    if current != nil && current?.kind != .directory { unlink(destination) }
    let wanted = Set(manifest.entries.map(\.path))
    var staged: [StagedFile] = []
    for (e, temp) in zip(needed, temporaries) {
      staged.append(StagedFile(destination: destination + "/" + e.path, relativeForCache: path + "/" + e.path, temporary: temp))
    }
    for file in staged { try makeDirectories(parentDirectory(file.destination)) }
    try commit(staged, cache: &cache)
    for old in have.keys where !wanted.contains(old) {
      unlink(destination + "/" + old)
      cache.forget(path + "/" + old)
      result.filesRemoved += 1
    }
    removeEmptyDirectories(destination, keepRoot: true)
    for e in manifest.entries where staged.contains(where: { $0.relativeForCache == path + "/" + e.path }) {
      cache.record(path + "/" + e.path, cacheEntry(path + "/" + e.path, kind: e.type == .chunked ? .chunked : .blob, count: 0, id: e.id))
    }
    cache.record(path, StatEntry(directory: pointer.id, files: manifest.entries.count))
    result.filesWritten += needed.count
    result.bytesWritten += needed.reduce(0) { $0 + $1.size }
  }

  private func cacheEntry(_ path: String, kind: TrackedKind, count: Int, id: ObjectID) -> StatEntry {
    guard let st = fileStatus(absolute(path)) else { return StatEntry(directory: id, files: 0) }
    return StatEntry(st, kind: kind, count: count, id: id)
  }

  /// Renames staged files into place. Waits out the stat cache's racy window first so the
  /// files just written can be recorded (one short sleep per command, not per file).
  private func commit(_ staged: [StagedFile], cache: inout StatCache) throws {
    for file in staged {
      if rename(file.temporary, file.destination) != 0 {
        let code = errno
        for f in staged { unlink(f.temporary) }
        throw systemError(code, path: file.destination, operation: "replace")
      }
    }
    if !staged.isEmpty { usleep(UInt32(StatCache.racyWindow / 1000) + 1000) }
  }

  /// Where files for `destination` are staged: `.mlv/tmp` when it is on the same file system
  /// (so a killed checkout leaves nothing in the work tree and `gc` cleans up), else beside it.
  func stagingDirectory(for destination: String) -> String? {
    var ancestor = destination
    while fileStatus(ancestor) == nil, !ancestor.isEmpty, ancestor != "/" { ancestor = parentDirectory(ancestor) }
    try? makeDirectories(store.temporaryPath)
    guard let here = fileStatus(ancestor), let tmp = fileStatus(store.temporaryPath), here.st_dev == tmp.st_dev else { return nil }
    return store.temporaryPath
  }

  /// Writes an object's content to a temporary file in `staging` (or beside `destination`),
  /// verifying every byte.
  static func stage(
    store: LocalStore, durable: Bool, layout: FileLayout, id: ObjectID, size: Int, executable: Bool, destination: String,
    staging: String?
  ) throws -> String {
    let dir = staging ?? parentDirectory(destination)
    try makeDirectories(dir)
    let temp = dir + "/" + uniqueTemporaryName("." + lastComponent(destination) + ".mlv-tmp")
    do {
      let file = try FileHandle(path: temp, flags: O_WRONLY | O_CREAT | O_EXCL, mode: executable ? 0o755 : 0o644)
      switch layout {
      case .blob:
        let content = try store.read(id)
        guard content.count == size else { throw StoreError.corrupt(id, reason: "size \(content.count), pointer says \(size)") }
        try content.withUnsafeBytes { try file.writeAll($0) }
      case .chunked:
        let manifest = try FileManifest.decode(store.read(id), id: id)
        guard manifest.size == size else { throw StoreError.corrupt(id, reason: "size \(manifest.size), pointer says \(size)") }
        guard ftruncate(file.fd, off_t(size)) == 0 else { throw systemError(errno, path: destination, operation: "write") }
        var starts: [Int] = []
        var offset = 0
        for c in manifest.chunks {
          starts.append(offset)
          offset += c.size
        }
        let offsets = starts
        _ = try FileIngest.parallelMap(Array(manifest.chunks.indices)) { i in
          let chunk = manifest.chunks[i]
          let bytes = try store.read(chunk.id)
          guard bytes.count == chunk.size else { throw StoreError.corrupt(chunk.id, reason: "size \(bytes.count), manifest says \(chunk.size)") }
          try bytes.withUnsafeBytes { try file.writeAll($0, at: offsets[i]) }
        }
      }
      if executable { fchmod(file.fd, 0o755) }
      if durable { try file.sync() }
    } catch {
      unlink(temp)
      throw error
    }
    return temp
  }

  private func removeTree(_ path: String) throws {
    guard let st = fileStatus(path) else { return }
    if st.st_mode & S_IFMT == S_IFDIR {
      for e in listDirectory(path) { try removeTree(path + "/" + e.name) }
      guard rmdir(path) == 0 else { throw systemError(errno, path: path, operation: "remove") }
    } else {
      guard unlink(path) == 0 else { throw systemError(errno, path: path, operation: "remove") }
    }
  }

  private func removeEmptyDirectories(_ path: String, keepRoot: Bool) {
    for e in listDirectory(path) where e.isDirectory { removeEmptyDirectories(path + "/" + e.name, keepRoot: false) }
    if !keepRoot { rmdir(path) }
  }
}
