// MLVCore: the repository. It ties the Git work tree (MLVGit) to the object store (MLVStore):
// tracking paths with pointer files, status against the stat cache, checkout at any revision,
// history, integrity checks and garbage collection. The CLI and, later, the server are thin
// adapters over this API; nothing here parses arguments or prints.

import MLVGit
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An mlv repository: a Git work tree with an initialised `.mlv` directory.
public final class Repository {
  /// The work tree's root (absolute, symlinks resolved).
  public let root: String
  /// The Git repository.
  public let git: GitRepository
  /// The configuration.
  public let config: Config
  /// The object store.
  public let store: LocalStore
  /// Whether this is a scratch work tree (a rebuild or an experiment), not the user's.
  let isScratch: Bool
  /// The user's `.mlv` (a scratch tree's own `.mlv` holds only its caches): where the
  /// activity lock and run stashes live.
  let sharedMLVDirectory: String

  /// `.mlv` inside the work tree.
  public var mlvDirectory: String { root + "/.mlv" }
  var configPath: String { mlvDirectory + "/config" }
  var statCachePath: String { mlvDirectory + "/cache/stat" }
  var lockPath: String { mlvDirectory + "/lock" }

  /// Opens the repository containing `directory`.
  public init(discoveringFrom directory: String) throws {
    git = try GitRepository(discoveringFrom: directory)
    root = realPath(git.workTree) ?? git.workTree
    let configFile = root + "/.mlv/config"
    guard let handle = try? FileHandle(path: configFile, flags: O_RDONLY) else { throw CoreError.notInitialised(root: root) }
    let text = String(decoding: try handle.readAll(), as: UTF8.self)
    config = try Config.parse(text, path: ".mlv/config")
    guard config.format <= Config.currentFormat else {
      throw CoreError.unsupportedFormat(found: config.format, supported: Config.currentFormat)
    }
    store = LocalStore(
      objectsPath: root + "/.mlv/objects", temporaryPath: root + "/.mlv/tmp", durable: config.fsync,
      compression: config.compression)
    isScratch = false
    sharedMLVDirectory = root + "/.mlv"
  }

  /// A repository whose work tree is `root` (a scratch directory with its own `.mlv/cache` and
  /// `.mlv/tmp`) and whose Git repository, configuration and store are `other`'s: what rebuilds
  /// and experiments run in, so the user's work tree is never touched.
  init(scratchRoot root: String, sharing other: Repository) throws {
    self.root = root
    git = other.git
    config = other.config
    store = other.store
    isScratch = true
    sharedMLVDirectory = other.sharedMLVDirectory
    try makeDirectories(root + "/.mlv/cache")
    try makeDirectories(root + "/.mlv/tmp")
  }

  /// What `initialize` did.
  public struct InitResult: Sendable {
    /// The work tree's root.
    public let root: String
    /// False when `.mlv` was already there (then nothing was changed).
    public let created: Bool
  }

  /// Creates `.mlv` (config, store, `.gitignore`) in the work tree containing `directory`.
  public static func initialize(at directory: String) throws -> InitResult {
    let git = try GitRepository(discoveringFrom: directory)
    let root = realPath(git.workTree) ?? git.workTree
    let dir = root + "/.mlv"
    if fileStatus(dir + "/config") != nil { return InitResult(root: root, created: false) }
    try makeDirectories(dir + "/objects")
    try makeDirectories(dir + "/tmp")
    try makeDirectories(dir + "/cache")
    try writeFileAtomically(
      dir + "/.gitignore", Array("# local state of mlv: never commit it\n/objects/\n/tmp/\n/cache/\n/lock\n/config.local\n".utf8))
    try writeFileAtomically(dir + "/config", Array(Config().text().utf8))
    return InitResult(root: root, created: true)
  }

  /// Writes a changed configuration.
  public func saveConfig(_ config: Config) throws {
    try writeFileAtomically(configPath, Array(config.text().utf8))
  }

  // MARK: Paths

  /// Turns a path given by the user (relative to `cwd`, or absolute) into a path from the root.
  public func repositoryPath(_ userPath: String, cwd: String) throws -> String {
    let absolute = userPath.hasPrefix("/") ? userPath : (realPath(cwd) ?? cwd) + "/" + userPath
    var parts: [Substring] = []
    for part in absolute.split(separator: "/") {
      if part == "." { continue }
      if part == ".." {
        if !parts.isEmpty { parts.removeLast() }
        continue
      }
      parts.append(part)
    }
    var normal = "/" + parts.joined(separator: "/")
    // Resolve symlinks in the directory part so `/tmp/x` and `/private/tmp/x` agree.
    if let resolvedParent = realPath(parentDirectory(normal)) {
      normal = (resolvedParent == "/" ? "" : resolvedParent) + "/" + lastComponent(normal)
    }
    if normal == root { return "" }
    guard normal.hasPrefix(root + "/") else { throw CoreError.outsideRepository(userPath) }
    return String(normal.dropFirst(root.count + 1))
  }

  /// The absolute path of a repository path.
  public func absolute(_ path: String) -> String { path.isEmpty ? root : root + "/" + path }

  // MARK: Locking

  /// Runs `body` holding the repository's write lock, waiting for another mlv process if needed.
  ///
  /// An flock is released by the kernel when its holder dies, so `kill -9` never leaves a stale lock.
  public func withWriteLock<T>(_ body: () throws -> T) throws -> T {
    let handle = try FileHandle(path: lockPath, flags: O_RDWR | O_CREAT, mode: 0o644)
    if flock(handle.fd, LOCK_EX | LOCK_NB) != 0 {
      guard errno == EWOULDBLOCK else { throw systemError(errno, path: lockPath, operation: "lock") }
      writeDiagnostic("warning: waiting for another mlv process to finish (it holds '.mlv/lock')")
      while flock(handle.fd, LOCK_EX) != 0 {
        guard errno == EINTR else { throw systemError(errno, path: lockPath, operation: "lock") }
      }
    }
    defer { flock(handle.fd, LOCK_UN) }
    return try body()
  }

  // MARK: Stat cache

  func loadStatCache() -> StatCache { StatCache.load(statCachePath) }

  func saveStatCache(_ cache: StatCache) {
    guard cache.isDirty else { return }
    // The cache only saves work: failing to write it must not fail the command.
    try? cache.save(statCachePath)
  }

  // MARK: Pointers

  /// Every pointer in the work tree, found by walking it (skipping `.git`, `.mlv` and tracked directories).
  public func workTreeArtifacts() throws -> [TrackedArtifact] {
    try workTreePointerPaths().map { path in
      let bytes = try FileHandle(path: absolute(path), flags: O_RDONLY).readAll()
      return TrackedArtifact(pointerPath: path, pointer: try Pointer.parse(bytes, name: path))
    }.sorted { $0.dataPath < $1.dataPath }
  }

  /// Paths of every pointer file in the work tree (parsed or not), skipping `.git`, `.mlv` and
  /// tracked directories (a directory with a pointer beside it).
  ///
  /// An unreadable directory is an error: `gc` must not mistake pointers it cannot see for none.
  func workTreePointerPaths() throws -> [String] {
    var out: [String] = []
    func walk(_ dir: String) throws {
      guard let entries = listDirectoryOrNil(absolute(dir)) else {
        throw systemError(errno, path: absolute(dir), operation: "read directory")
      }
      let names = Set(entries.map { BytewisePath($0.name) })
      for e in entries {
        let path = dir.isEmpty ? e.name : dir + "/" + e.name
        if e.isDirectory {
          if e.name == ".git" || e.name == ".mlv" || names.contains(BytewisePath(e.name + Pointer.suffix)) { continue }
          try walk(path)
        } else if e.isRegular && e.name.hasSuffix(Pointer.suffix) {
          out.append(path)
        }
      }
    }
    try walk("")
    return out
  }

  /// Every pointer in the tree of `revision`, read through libgit2 (HEAD and the index are untouched).
  public func artifacts(at revision: String) throws -> [TrackedArtifact] {
    let commit = try git.resolveCommit(revision)
    return try artifacts(atCommit: commit)
  }

  func artifacts(atCommit commit: GitObjectID) throws -> [TrackedArtifact] {
    try git.files(at: commit, withSuffix: Pointer.suffix).map { file in
      TrackedArtifact(pointerPath: file.path, pointer: try Pointer.parse(try git.blob(file.blob), name: file.path))
    }.sorted { $0.dataPath < $1.dataPath }
  }

  /// The pointers of the work tree, or of `revision` when given.
  public func artifacts(revision: String?) throws -> [TrackedArtifact] {
    try revision.map { try artifacts(at: $0) } ?? workTreeArtifacts()
  }

  /// Resolves user paths to the artifacts they name: the data path, its pointer, or a directory containing artifacts.
  func select(_ artifacts: [TrackedArtifact], paths: [String], cwd: String) throws -> [TrackedArtifact] {
    guard !paths.isEmpty else { return artifacts }
    var chosen: [TrackedArtifact] = []
    var seen = Set<String>()
    for userPath in paths {
      var path = try repositoryPath(userPath, cwd: cwd)
      if path.hasSuffix(Pointer.suffix), artifacts.contains(where: { $0.pointerPath == path }) {
        path = String(path.dropLast(Pointer.suffix.count))
      }
      let matches = artifacts.filter {
        path.isEmpty || $0.dataPath == path || $0.pointerPath == path || $0.dataPath.hasPrefix(path + "/")
      }
      guard !matches.isEmpty else { throw CoreError.notTracked(userPath) }
      for m in matches where seen.insert(m.pointerPath).inserted { chosen.append(m) }
    }
    return chosen
  }
}

/// A directory entry as `readdir` reports it.
struct ListedEntry {
  let name: String
  let isDirectory: Bool
  let isRegular: Bool
  let isSymlink: Bool
}

/// The entries of a directory (without `.` and `..`), sorted by name; empty when unreadable.
func listDirectory(_ path: String) -> [ListedEntry] { listDirectoryOrNil(path) ?? [] }

/// The entries of a directory, or nil (with `errno` set) when it cannot be read.
func listDirectoryOrNil(_ path: String) -> [ListedEntry]? {
  guard let dir = opendir(path) else { return nil }
  defer { closedir(dir) }
  var out: [ListedEntry] = []
  while let entry = readdir(dir) {
    let name = directoryEntryName(entry)
    if name == "." || name == ".." { continue }
    var type = entry.pointee.d_type
    if type == UInt8(DT_UNKNOWN), let st = fileStatus(path + "/" + name) {
      switch st.st_mode & S_IFMT {
      case S_IFDIR: type = UInt8(DT_DIR)
      case S_IFREG: type = UInt8(DT_REG)
      case S_IFLNK: type = UInt8(DT_LNK)
      default: break
      }
    }
    out.append(
      ListedEntry(name: name, isDirectory: type == UInt8(DT_DIR), isRegular: type == UInt8(DT_REG), isSymlink: type == UInt8(DT_LNK)))
  }
  return out.sorted { $0.name < $1.name }
}

/// Removes a file, or a directory and everything in it (symbolic links themselves, never what
/// they point to); nothing when the path does not exist.
func removeTree(_ path: String) throws {
  guard let st = fileStatus(path) else { return }
  if st.st_mode & S_IFMT == S_IFDIR {
    for e in listDirectory(path) { try removeTree(path + "/" + e.name) }
    guard rmdir(path) == 0 else { throw systemError(errno, path: path, operation: "remove") }
  } else {
    guard unlink(path) == 0 else { throw systemError(errno, path: path, operation: "remove") }
  }
}

/// A name for a scratch directory in `.mlv/tmp` owned by this process: `KIND-<pid>-<random>`.
func scratchDirectoryName(_ kind: String) -> String { "\(kind)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))" }

/// Whether the process that made the scratch directory `name` (`KIND-<pid>-<random>`) is gone,
/// so what it left is abandoned. False for names of another shape (`rebuild-kept-…`).
func scratchOwnerIsGone(_ name: String) -> Bool {
  let parts = name.split(separator: "-")
  guard parts.count == 3, let pid = Int32(parts[1]), pid != getpid() else { return false }
  return kill(pid, 0) != 0 && errno == ESRCH
}

/// `realpath(3)`, or nil when the path does not exist.
func realPath(_ path: String) -> String? {
  guard let resolved = realpath(path, nil) else { return nil }
  defer { free(resolved) }
  return String(cString: resolved)
}

/// Writes one line to stderr (progress and warnings; results go to stdout).
public func writeDiagnostic(_ line: String) {
  var text = line + "\n"
  text.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
}
