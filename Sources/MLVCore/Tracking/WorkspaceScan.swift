import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The content of a tracked path as it is in the work tree.
struct ScannedContent {
  let kind: TrackedKind
  let id: ObjectID
  let size: Int
  let count: Int
  /// For a directory, its manifest.
  let manifest: DirectoryManifest?

  /// A single file's content.
  init(file: IngestedFile) {
    self.init(kind: TrackedKind(file.layout), id: file.id, size: file.size, count: file.chunkCount, manifest: nil)
  }

  init(kind: TrackedKind, id: ObjectID, size: Int, count: Int, manifest: DirectoryManifest?) {
    self.kind = kind
    self.id = id
    self.size = size
    self.count = count
    self.manifest = manifest
  }
}

/// A regular file found under a directory being scanned.
struct FoundFile: Sendable {
  /// Path relative to the scanned directory.
  let relative: String
  let status: stat
}

extension Repository {
  /// Lists the regular files under `dir` (absolute), recursively, on all cores. Symbolic links
  /// and special files are reported in `skipped`; pointer files inside make it an error (nested
  /// tracking), and so does a name that is not UTF-8 (it could not be stored faithfully).
  /// With `skippingPointers`, pointer files are left out instead (a model directory may hold a
  /// run's tracked outputs: the data is stored, its pointer is not part of the model).
  func listFiles(under dir: String, displayPath: String, skippingPointers: Bool = false) throws -> (files: [FoundFile], skipped: [String]) {
    var top = DirectoryListing()
    top.skipPointers = skippingPointers
    try top.read(dir, relative: "", displayPath: displayPath)
    let subtrees = try FileIngest.parallelMap(top.subdirectories) { relative in
      var listing = DirectoryListing()
      listing.skipPointers = skippingPointers
      try listing.walk(dir, relative: relative, displayPath: displayPath)
      return listing
    }
    var files = top.files
    var skipped = top.skipped
    for s in subtrees {
      files += s.files
      skipped += s.skipped
    }
    return (files, skipped)
  }

  /// Whether `store` holds everything a cached file needs: its object and, for a chunked file,
  /// every chunk (a crash can leave a chunk missing or a stub; then `add` must read the file
  /// again to restore it). About one `stat` per MiB.
  static func holds(_ store: LocalStore, _ id: ObjectID, _ layout: FileLayout) -> Bool {
    guard store.contains(id) else { return false }
    guard layout == .chunked else { return true }
    guard let manifest = try? FileManifest.decode(store.read(id), id: id) else { return false }
    return manifest.chunks.allSatisfy { store.contains($0.id) }
  }

  /// Reads a file's content id — from the stat cache when its status is unchanged, else by
  /// hashing it (and storing it when `store` is given). Records the result in the cache.
  func scanFile(_ path: String, status st: stat, cache: inout StatCache, store: LocalStore?) throws -> IngestedFile {
    if let hit = cache.lookup(path, st), store.map({ Self.holds($0, hit.id, hit.kind.fileLayout) }) ?? true {
      return IngestedFile(id: hit.id, layout: hit.kind.fileLayout, size: Int(hit.size), chunkCount: Int(hit.count))
    }
    let result = try FileIngest.ingest(path: absolute(path), store: store)
    if let after = fileStatus(absolute(path)), StatEntry(after, kind: .blob, count: 0, id: result.id).matches(st) {
      cache.record(path, StatEntry(st, kind: TrackedKind(result.layout), count: result.chunkCount, id: result.id))
    }
    return result
  }

  /// Reads a directory's content: every file through the cache or hashed on all cores, then its
  /// manifest (written to `store` when given). `listing` spares a second walk when the caller made one.
  /// `root` is the directory's absolute path when it is not `path` in the work tree.
  func scanDirectory(
    _ path: String, cache: inout StatCache, store: LocalStore?, warn: Bool, listing: (files: [FoundFile], skipped: [String])? = nil,
    root: String? = nil
  ) throws -> ScannedContent {
    let root = root ?? absolute(path)
    let (files, skipped) = try listing ?? listFiles(under: root, displayPath: path)
    if warn {
      for s in skipped.prefix(5) { writeDiagnostic("warning: skipping '\(path)/\(s)': not a regular file") }
      if skipped.count > 5 { writeDiagnostic("warning: skipping \(skipped.count - 5) more special files") }
    }
    var entries: [DirectoryEntry?] = Array(repeating: nil, count: files.count)
    var misses: [Int] = []
    for (i, f) in files.enumerated() {
      let key = path + "/" + f.relative
      if let hit = cache.lookup(key, f.status), store.map({ Self.holds($0, hit.id, hit.kind.fileLayout) }) ?? true {
        entries[i] = DirectoryEntry(
          path: f.relative, id: hit.id, type: hit.kind.fileLayout, size: Int(hit.size), executable: hit.executable)
      } else {
        misses.append(i)
      }
    }
    let ingested = try FileIngest.parallelMap(misses) { i in
      try FileIngest.ingest(path: root + "/" + files[i].relative, store: store, knownSize: Int(files[i].status.st_size))
    }
    for (k, i) in misses.enumerated() {
      let f = files[i]
      let r = ingested[k]
      let executable = f.status.st_mode & 0o111 != 0
      entries[i] = DirectoryEntry(path: f.relative, id: r.id, type: r.layout, size: r.size, executable: executable)
      cache.record(
        path + "/" + f.relative, StatEntry(f.status, kind: TrackedKind(r.layout), count: r.chunkCount, id: r.id))
    }
    let manifest = try DirectoryManifest(entries: entries.map { $0! })
    let bytes = manifest.encoded()
    let id = SHA256.hash(bytes)
    if let store { try bytes.withUnsafeBytes { _ = try store.write($0, id: id, role: .metadata) } }
    cache.record(path, StatEntry(directory: id, files: files.count))
    return ScannedContent(kind: .directory, id: id, size: manifest.size, count: files.count, manifest: manifest)
  }

  /// Whether the listed `files` of the tracked directory `path` are exactly what the cache last
  /// saw of it as `id`: same files, same status. No reads.
  func cacheVouches(for files: [FoundFile], of path: String, as id: ObjectID, cache: StatCache) -> Bool {
    guard let record = cache.directoryRecord(path), record.id == id, files.count == Int(record.count) else { return false }
    let halves = [0..<files.count / 2, files.count / 2..<files.count]
    let results =
      (try? FileIngest.parallelMap(halves) { range in
        range.allSatisfy { cache.lookup(path + "/" + files[$0].relative, files[$0].status) != nil }
      }) ?? [false]
    return results.allSatisfy { $0 }
  }

  /// The workspace content of `path` (nil when absent), without writing to the store.
  func currentContent(_ path: String, cache: inout StatCache) throws -> ScannedContent? {
    guard let st = fileStatus(absolute(path)) else { return nil }
    switch st.st_mode & S_IFMT {
    case S_IFDIR: return try scanDirectory(path, cache: &cache, store: nil, warn: false)
    case S_IFREG:
      return ScannedContent(file: try scanFile(path, status: st, cache: &cache, store: nil))
    default:
      throw CoreError.cannotTrack(path, reason: "not a regular file or directory")
    }
  }
}

/// The files found under one directory of a tracked tree.
struct DirectoryListing: Sendable {
  var files: [FoundFile] = []
  var skipped: [String] = []
  var subdirectories: [String] = []
  var skipPointers = false

  /// Reads one directory (`root/relative`): files with their status (by `fstatat` on the open
  /// directory, so no path is resolved twice), subdirectories to visit, special files skipped.
  mutating func read(_ root: String, relative: String, displayPath: String) throws {
    let path = relative.isEmpty ? root : root + "/" + relative
    guard let dir = opendir(path) else { throw systemError(errno, path: path, operation: "read directory") }
    defer { closedir(dir) }
    let fd = dirfd(dir)
    while let entry = readdir(dir) {
      let name: String? = withUnsafePointer(to: &entry.pointee.d_name) { p in
        p.withMemoryRebound(to: CChar.self, capacity: 256) { String(validatingCString: $0) }
      }
      guard let name else {
        throw CoreError.cannotTrack(displayPath, reason: "a file name in '\(relative.isEmpty ? "." : relative)' is not valid UTF-8")
      }
      if name == "." || name == ".." { continue }
      let rel = relative.isEmpty ? name : relative + "/" + name
      var type = entry.pointee.d_type
      var st = stat()
      if type == UInt8(DT_REG) || type == UInt8(DT_UNKNOWN) {
        guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
        switch st.st_mode & S_IFMT {
        case S_IFREG: type = UInt8(DT_REG)
        case S_IFDIR: type = UInt8(DT_DIR)
        default: type = UInt8(DT_UNKNOWN)
        }
      }
      if type == UInt8(DT_DIR) {
        if name == ".git" || name == ".mlv" { throw CoreError.cannotTrack(displayPath, reason: "it contains '\(rel)'") }
        subdirectories.append(rel)
      } else if type == UInt8(DT_REG) {
        if name.hasSuffix(Pointer.suffix) {
          if skipPointers { continue }
          throw CoreError.cannotTrack(displayPath, reason: "it contains the mlv pointer '\(rel)'")
        }
        files.append(FoundFile(relative: rel, status: st))
      } else {
        skipped.append(rel)
      }
    }
  }

  /// Reads `root/relative` and everything below it.
  mutating func walk(_ root: String, relative: String, displayPath: String) throws {
    var pending = [relative]
    while let next = pending.popLast() {
      let before = subdirectories.count
      try read(root, relative: next, displayPath: displayPath)
      pending += subdirectories[before...]
      subdirectories.removeSubrange(before...)
    }
  }
}
