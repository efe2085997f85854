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
  /// Files put back from `.mlv/cache/parked` (a switch back to a version just replaced).
  public var filesRestored = 0
}

#if os(Linux)
  /// glibc's `copy_file_range`, looked up at run time: Swift's Glibc module hides it behind `_GNU_SOURCE`.
  typealias CopyFileRange = @convention(c) (Int32, UnsafeMutablePointer<loff_t>?, Int32, UnsafeMutablePointer<loff_t>?, Int, UInt32) -> Int
  let copyFileRangeFunction: CopyFileRange? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "copy_file_range") else { return nil }
    return unsafeBitCast(symbol, to: CopyFileRange.self)
  }()
#endif

/// The file a checkout replaces, and where each of its chunks sits in it.
struct ReusableChunks: @unchecked Sendable {
  let file: FileHandle
  let offsets: [ObjectID: Int]
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
      // Plan first: nothing is written until every path is known to be safe. A directory's
      // manifest is read (and verified) once, here, and serves every later step.
      let targets = try artifacts.map { a in a.pointer.kind == .directory ? try readDirectoryManifest(a.pointer.id) : nil }
      var plans: [(artifact: TrackedArtifact, current: ScannedContent?, target: DirectoryManifest?)] = []
      var refused: [String] = []
      // Never write through a symbolic link: it could lead anywhere, outside the repository too.
      var links: [String] = []
      for (artifact, target) in zip(artifacts, targets) { links += symbolicLinksInTheWay(of: artifact, target: target) }
      if let first = links.first {
        guard force else { throw CoreError.symbolicLinkInTheWay(first) }
        for link in links { unlink(absolute(link)) }
      }
      for (artifact, target) in zip(artifacts, targets) {
        let current = try currentContent(artifact.dataPath, cache: &cache)
        if let current, current.id == artifact.pointer.id, current.kind == artifact.pointer.kind,
          current.kind == .directory || isExecutable(artifact.dataPath) == artifact.pointer.executable
        {
          result.upToDate.append(artifact.dataPath)
          continue
        }
        if let current, !force { refused += unsafeToReplace(artifact, current: current, target: target) }
        plans.append((artifact, current, target))
      }
      if !refused.isEmpty { throw CoreError.wouldOverwrite(refused) }
      var written: [(path: String, kind: TrackedKind, count: Int, id: ObjectID)] = []
      var parkedNow = Set<String>()
      for (artifact, current, target) in plans {
        try place(
          artifact, current: current, target: target, cache: &cache, result: &result, written: &written, parkedNow: &parkedNow)
        result.updated.append(artifact.dataPath)
      }
      pruneParked(keeping: parkedNow, cache: &cache)
      // Files just written are "racy" for the stat cache; wait out the window once, then record them.
      if !written.isEmpty { usleep(UInt32(StatCache.racyWindow / 1000) + 1000) }
      for w in written { cache.record(w.path, cacheEntry(w.path, kind: w.kind, count: w.count, id: w.id)) }
      return result
    }
  }

  /// The paths under `artifact` whose current content the checkout would destroy and the store lacks.
  ///
  /// "In the store" means complete: a chunked file's manifest and every chunk (an interrupted
  /// `gc` may have left a manifest without all its chunks).
  private func unsafeToReplace(_ artifact: TrackedArtifact, current: ScannedContent, target: DirectoryManifest?) -> [String] {
    let path = artifact.dataPath
    guard current.kind == .directory, let manifest = current.manifest else {
      return Self.holds(store, current.id, current.kind.fileLayout) ? [] : [path]
    }
    let wanted = target?.entriesByPath ?? [:]
    return manifest.entries.filter { wanted[BytewisePath($0.path)]?.id != $0.id && !Self.holds(store, $0.id, $0.type) }
      .map { path + "/" + $0.path }
  }

  /// Symbolic links where checking out `artifact` would write: in a directory above the data,
  /// at the data path, or inside a tracked directory (a link where a file or directory goes).
  private func symbolicLinksInTheWay(of artifact: TrackedArtifact, target: DirectoryManifest?) -> [String] {
    var paths = Set<BytewisePath>()
    var parent = parentDirectory(artifact.dataPath)
    while !parent.isEmpty {
      paths.insert(BytewisePath(parent))
      parent = parentDirectory(parent)
    }
    paths.insert(BytewisePath(artifact.dataPath))
    if let target {
      for e in target.entries {
        var p = artifact.dataPath + "/" + e.path
        while p.utf8.count > artifact.dataPath.utf8.count, paths.insert(BytewisePath(p)).inserted { p = parentDirectory(p) }
      }
    }
    return paths.map(\.value).filter { fileStatus(absolute($0)).map { $0.st_mode & S_IFMT == S_IFLNK } ?? false }.sorted()
  }

  func isExecutable(_ path: String) -> Bool {
    fileStatus(absolute(path)).map { $0.st_mode & 0o111 != 0 } ?? false
  }

  func readDirectoryManifest(_ id: ObjectID) throws -> DirectoryManifest {
    try DirectoryManifest.decode(store.read(id), id: id)
  }

  func readFileManifest(_ id: ObjectID) throws -> FileManifest {
    try FileManifest.decode(store.read(id), id: id)
  }

  /// A stored file's whole content, every object verified (for small files: contracts,
  /// examples, text to compare).
  func readStoredFile(_ id: ObjectID, layout: FileLayout) throws -> [UInt8] {
    switch layout {
    case .blob: return try store.read(id)
    case .chunked: return try readFileManifest(id).chunks.flatMap { try store.read($0.id) }
    }
  }

  private func place(
    _ artifact: TrackedArtifact, current: ScannedContent?, target: DirectoryManifest?, cache: inout StatCache,
    result: inout CheckoutResult,
    written: inout [(path: String, kind: TrackedKind, count: Int, id: ObjectID)], parkedNow: inout Set<String>
  ) throws {
    let pointer = artifact.pointer
    let path = artifact.dataPath
    let destination = absolute(path)
    try makeDirectories(parentDirectory(destination))
    if pointer.kind != .directory {
      let staged: String
      if let parked = parkedCopy(of: pointer.id, size: pointer.size, cache: &cache) {
        chmod(parked, pointer.executable ? 0o755 : 0o644)
        staged = parked
        result.filesRestored += 1
      } else {
        staged = try Self.stage(
          store: store, durable: config.fsync, layout: pointer.kind.fileLayout, id: pointer.id, size: pointer.size,
          executable: pointer.executable,
          destination: destination, staging: stagingDirectory(for: destination), reuse: reusableChunks(destination, current: current))
        result.bytesWritten += pointer.size
      }
      if current?.kind == .directory { try removeTree(destination) }
      let replaced = current.flatMap { $0.kind == .directory ? nil : $0 }
      try commit(
        [StagedFile(destination: destination, relativeForCache: path, temporary: staged)], cache: &cache, parking: replaced,
        parkedNow: &parkedNow)
      written.append((path, pointer.kind, pointer.count, pointer.id))
      result.filesWritten += 1
      return
    }
    guard let manifest = target else { preconditionFailure("checkout plans read every directory's manifest") }
    let have = current?.manifest?.entriesByPath ?? [:]
    let needed = manifest.entries.filter { e in have[BytewisePath(e.path)].map { $0.id != e.id || $0.executable != e.executable } ?? true }
    // Stage every changed file (verified) before renaming any, so a bad object changes nothing.
    let (store, durable, staging) = (self.store, config.fsync, stagingDirectory(for: destination))
    let outcomes = FileIngest.parallelResults(needed) { e in
      try Self.stage(
        store: store, durable: durable, layout: e.type, id: e.id, size: e.size, executable: e.executable,
        destination: destination + "/" + e.path, staging: staging)
    }
    if let failure = outcomes.first(where: { if case .failure = $0 { true } else { false } }) {
      for case .success(let temp) in outcomes { unlink(temp) }
      _ = try failure.get()
    }
    let temporaries = outcomes.map { try! $0.get() }
    if current != nil && current?.kind != .directory { unlink(destination) }
    let wanted = Set(manifest.entries.map { BytewisePath($0.path) })
    var staged: [StagedFile] = []
    for (e, temp) in zip(needed, temporaries) {
      staged.append(StagedFile(destination: destination + "/" + e.path, relativeForCache: path + "/" + e.path, temporary: temp))
    }
    // Old files go first (they are in the store: checked above), so a file can become a
    // directory of the same name and back.
    for old in have.keys where !wanted.contains(old) {
      unlink(destination + "/" + old.value)
      cache.forget(path + "/" + old.value)
      result.filesRemoved += 1
    }
    removeEmptyDirectories(destination, keepRoot: true)
    for file in staged {
      do { try makeDirectories(parentDirectory(file.destination)) } catch {
        for f in staged { unlink(f.temporary) }
        throw error
      }
    }
    try commit(staged, cache: &cache, parkedNow: &parkedNow)
    for e in needed {
      written.append((path + "/" + e.path, TrackedKind(e.type), 0, e.id))
    }
    cache.record(path, StatEntry(directory: pointer.id, files: manifest.entries.count))
    result.filesWritten += needed.count
    result.bytesWritten += needed.reduce(0) { $0 + $1.size }
  }

  private func cacheEntry(_ path: String, kind: TrackedKind, count: Int, id: ObjectID) -> StatEntry {
    guard let st = fileStatus(absolute(path)) else { return StatEntry(directory: id, files: 0) }
    return StatEntry(st, kind: kind, count: count, id: id)
  }

  /// Renames staged files into place.
  ///
  /// An existing file is first moved aside (into `.mlv/tmp`) and deleted afterwards,
  /// rather than renamed over: ext4 flushes a file replaced by rename to disk at once, which
  /// makes switching versions of a large file wait for the disk. The path is briefly absent
  /// (as in `git checkout`), never half-written, and a crash leaves the old file in `.mlv/tmp`.
  ///
  /// With `parking`, the single file being replaced — whose content the stat cache vouches for —
  /// is kept in `.mlv/cache/parked` instead of deleted, so switching back is a rename. Only the
  /// versions replaced by the latest checkout are kept (one per file), and `gc` removes them.
  private func commit(_ staged: [StagedFile], cache: inout StatCache, parking: ScannedContent? = nil, parkedNow: inout Set<String>) throws {
    for (n, file) in staged.enumerated() {
      let aside = store.temporaryPath + "/" + uniqueTemporaryName(".replaced")
      let before = fileStatus(file.destination)
      let movedAside =
        before.map { $0.st_mode & S_IFMT == S_IFREG } == true
        && (rename(file.destination, aside) == 0 || rename(file.destination, file.temporary + ".old") == 0)
      let asidePath = fileStatus(aside) != nil ? aside : file.temporary + ".old"
      if rename(file.temporary, file.destination) != 0 {
        let code = errno
        if movedAside { rename(asidePath, file.destination) }
        for f in staged[n...] { unlink(f.temporary) }
        throw systemError(code, path: file.destination, operation: "replace")
      }
      guard movedAside else { continue }
      if let parking, let before, let vouched = cache.lookup(file.relativeForCache, before), vouched.id == parking.id {
        park(asidePath, as: vouched, before: before, cache: &cache, parkedNow: &parkedNow)
      } else {
        unlink(asidePath)
      }
    }
  }

  var parkedDirectory: String { mlvDirectory + "/cache/parked" }

  private func parkedKey(_ id: ObjectID) -> String { "/parked/" + id.hex }

  /// Keeps a replaced file, known to hold `entry.id`, for a later switch back.
  private func park(_ file: String, as entry: StatEntry, before: stat, cache: inout StatCache, parkedNow: inout Set<String>) {
    let target = parkedDirectory + "/" + entry.id.hex
    guard (try? makeDirectories(parkedDirectory)) != nil, rename(file, target) == 0, let after = fileStatus(target),
      after.st_ino == before.st_ino, after.st_size == before.st_size, after.st_mtim.tv_sec == before.st_mtim.tv_sec,
      after.st_mtim.tv_nsec == before.st_mtim.tv_nsec
    else {
      unlink(file)
      unlink(target)
      return
    }
    chmod(target, 0o444)
    var parked = StatEntry(fileStatus(target)!, kind: entry.kind, count: Int(entry.count), id: entry.id)
    parked.executable = entry.executable
    cache.recordTrusted(parkedKey(entry.id), parked)
    parkedNow.insert(entry.id.hex)
  }

  /// Keeps only the files parked by this command: the versions it just replaced.
  private func pruneParked(keeping kept: Set<String>, cache: inout StatCache) {
    guard !kept.isEmpty else { return }
    for e in listDirectory(parkedDirectory) where !kept.contains(e.name) {
      unlink(parkedDirectory + "/" + e.name)
      cache.forget("/parked/" + e.name)
    }
  }

  /// The parked copy of content `id`, if one is there exactly as it was parked.
  private func parkedCopy(of id: ObjectID, size: Int, cache: inout StatCache) -> String? {
    let path = parkedDirectory + "/" + id.hex
    guard let st = fileStatus(path), let entry = cache.entries[BytewisePath(parkedKey(id))], entry.id == id,
      entry.size == UInt64(size), entry.matchesIgnoringMode(st)
    else { return nil }
    cache.forget(parkedKey(id))
    return path
  }

  /// Removes every parked file (for `gc`); returns how many.
  func removeParkedFiles(dryRun: Bool) -> Int {
    let names = listDirectory(parkedDirectory).filter(\.isRegular).map(\.name)
    if !dryRun { for name in names { unlink(parkedDirectory + "/" + name) } }
    return names.count
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

  /// The chunks of the chunked file now at `destination`, when its content is known (from the
  /// stat cache or just hashed) and its manifest is stored.
  func reusableChunks(_ destination: String, current: ScannedContent?) -> ReusableChunks? {
    guard let current, current.kind == .chunked, let manifest = try? readFileManifest(current.id),
      let file = try? FileHandle(path: destination, flags: O_RDONLY)
    else { return nil }
    var offsets: [ObjectID: Int] = [:]
    var offset = 0
    for c in manifest.chunks {
      if offsets[c.id] == nil { offsets[c.id] = offset }
      offset += c.size
    }
    return ReusableChunks(file: file, offsets: offsets)
  }

  /// Writes an object's content to a temporary file in `staging` (or beside `destination`),
  /// verifying every byte read from the store. Chunks the current file already holds (`reuse`)
  /// are copied from it inside the kernel: a version switch then reads from the store only the
  /// chunks that changed, trusting the current file exactly as far as `status` does.
  static func stage(
    store: LocalStore, durable: Bool, layout: FileLayout, id: ObjectID, size: Int, executable: Bool, destination: String,
    staging: String?, reuse: ReusableChunks? = nil
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
        // Writers to one file serialise on its inode lock, so this thread does all the writing:
        // first the chunks the current file already holds (in-kernel copies, neighbours merged),
        // then the rest, read and verified on all cores a batch at a time.
        var pending: [Int] = []
        var runs: [(source: Int, target: Int, count: Int, chunks: [Int])] = []
        for (i, chunk) in manifest.chunks.enumerated() {
          guard let reuse, let from = reuse.offsets[chunk.id] else {
            pending.append(i)
            continue
          }
          if let last = runs.last, last.source + last.count == from, last.target + last.count == starts[i] {
            runs[runs.count - 1].count += chunk.size
            runs[runs.count - 1].chunks.append(i)
          } else {
            runs.append((from, starts[i], chunk.size, [i]))
          }
        }
        for run in runs where !copyRange(from: reuse!.file.fd, at: run.source, to: file.fd, at: run.target, count: run.count) {
          pending += run.chunks
        }
        pending.sort()
        // Batches of about 64 MiB bound the memory held by verified chunks awaiting their write.
        var next = 0
        while next < pending.count {
          var end = next
          var bytes = 0
          while end < pending.count && (end == next || bytes + manifest.chunks[pending[end]].size <= 64 << 20) {
            bytes += manifest.chunks[pending[end]].size
            end += 1
          }
          let batch = Array(pending[next..<end])
          next = end
          let contents = try FileIngest.parallelMap(batch) { i in
            let chunk = manifest.chunks[i]
            let bytes = try store.read(chunk.id)
            guard bytes.count == chunk.size else {
              throw StoreError.corrupt(chunk.id, reason: "size \(bytes.count), manifest says \(chunk.size)")
            }
            return bytes
          }
          for (i, bytes) in zip(batch, contents) { try bytes.withUnsafeBytes { try file.writeAll($0, at: starts[i]) } }
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

  /// `copy_file_range` of a whole range; false when it cannot (then the caller reads the store).
  static func copyRange(from source: Int32, at sourceOffset: Int, to target: Int32, at targetOffset: Int, count: Int) -> Bool {
    #if os(Linux)
      var input = loff_t(sourceOffset)
      var output = loff_t(targetOffset)
      var left = count
      while left > 0 {
        guard let copyFileRange = copyFileRangeFunction else { return false }
        let n = copyFileRange(source, &input, target, &output, left, 0)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return false }
        left -= n
        Progress.advance(n)
      }
      return true
    #else
      return false
    #endif
  }

  private func removeEmptyDirectories(_ path: String, keepRoot: Bool) {
    for e in listDirectory(path) where e.isDirectory { removeEmptyDirectories(path + "/" + e.name, keepRoot: false) }
    if !keepRoot { rmdir(path) }
  }
}
