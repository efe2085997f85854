import Dispatch
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One stored file of a remote: its key (relative to the remote's root) and size.
public struct RemoteEntry: Sendable, Equatable {
  public let key: String
  public let size: Int
}

/// The few operations a remote's storage needs. Keys are relative to the remote's root
/// (`objects/ab/cd…`, `packs/….pack`, `mlv-remote.json`) and use `/`.
///
/// Contracts (both backends pass `Tests/MLVRemoteTests`):
/// - `put` is atomic: a reader sees the whole new content under `key` or nothing.
/// - `get` returns nil for an absent key, never partial content.
/// - all methods are safe to call concurrently.
public protocol RemoteBackend: Sendable {
  /// The remote's name, for messages.
  var name: String { get }
  /// Where it is (`s3://bucket/prefix`, or a directory), for messages.
  var location: String { get }
  /// How many transfers to keep in flight by default.
  var defaultConcurrency: Int { get }
  /// Checks that the remote exists and accepts these credentials; with `create`, a directory
  /// remote that does not exist yet is created.
  func checkAccess(create: Bool) async throws
  /// Entries whose key starts with `prefix` (which ends in `/`). With `limit`, at most about
  /// that many, and `complete` says whether that was all.
  func list(prefix: String, limit: Int?) async throws -> (entries: [RemoteEntry], complete: Bool)
  /// The content of `key` (or of `range` of it); nil when there is no such key.
  func get(_ key: String, range: Range<Int>?) async throws -> [UInt8]?
  /// Stores `bytes` under `key`, replacing what was there; visible only once complete.
  func put(_ key: String, _ bytes: [UInt8]) async throws
  /// Deletes keys; absent keys are not an error.
  func delete(_ keys: [String]) async throws
  /// Releases connections.
  func close() async
}

extension RemoteBackend {
  /// Every entry under `prefix`.
  public func list(prefix: String) async throws -> [RemoteEntry] { try await list(prefix: prefix, limit: nil).entries }
}

/// Runs blocking file-system work off the cooperative thread pool.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
  }
}

/// A remote in a directory: a local disk or a shared mount.
public struct DirectoryBackend: RemoteBackend {
  public let name: String
  public let root: String
  public var location: String { root }
  public var defaultConcurrency: Int { 4 }

  public init(name: String, root: String) {
    self.name = name
    self.root = root
  }

  public func checkAccess(create: Bool) async throws {
    let root = self.root
    let name = self.name
    try await blocking {
      if let st = statFollowing(root) {
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw RemoteError.notADirectory(remote: name, path: root) }
        guard access(root, create ? (R_OK | W_OK | X_OK) : (R_OK | X_OK)) == 0 else {
          throw StoreError.permissionDenied(path: root, operation: create ? "write to" : "read")
        }
        return
      }
      guard create else { throw RemoteError.notADirectory(remote: name, path: root) }
      try makeDirectories(root)
    }
  }

  public func list(prefix: String, limit: Int?) async throws -> (entries: [RemoteEntry], complete: Bool) {
    let base = root + "/" + prefix
    let entries = try await blocking { () -> [RemoteEntry] in
      var out: [RemoteEntry] = []
      func walk(_ dir: String, _ keyPrefix: String) throws {
        guard let handle = opendir(dir) else {
          if errno == ENOENT || errno == ENOTDIR { return }
          throw systemError(errno, path: dir, operation: "list")
        }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
          let name = directoryEntryName(entry)
          // Dot files are temporary files of writes in progress (see `put`).
          if name.hasPrefix(".") { continue }
          let path = dir + "/" + name
          guard let st = fileStatus(path) else { continue }
          switch st.st_mode & S_IFMT {
          case S_IFDIR: try walk(path, keyPrefix + name + "/")
          case S_IFREG: out.append(RemoteEntry(key: keyPrefix + name, size: Int(st.st_size)))
          default: break
          }
        }
      }
      try walk(String(base.dropLast()), prefix)
      return out
    }
    return (entries, true)
  }

  public func get(_ key: String, range: Range<Int>?) async throws -> [UInt8]? {
    let path = root + "/" + key
    return try await blocking { () -> [UInt8]? in
      let file: FileHandle
      do { file = try FileHandle(path: path, flags: O_RDONLY) } catch StoreError.io(_, _, ENOENT) { return nil }
      guard let range else { return try file.readAll() }
      var buffer = [UInt8](repeating: 0, count: range.count)
      var done = 0
      while done < range.count {
        let n = try buffer.withUnsafeMutableBytes {
          try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[done...]), at: range.lowerBound + done)
        }
        if n == 0 { break }
        done += n
      }
      return Array(buffer[..<done])
    }
  }

  public func put(_ key: String, _ bytes: [UInt8]) async throws {
    let path = root + "/" + key
    try await blocking {
      do {
        try writeFileAtomically(path, bytes, durable: true, mode: 0o444)
      } catch StoreError.io(_, _, ENOENT) {
        try makeDirectories(parentDirectory(path))
        try writeFileAtomically(path, bytes, durable: true, mode: 0o444)
      }
    }
  }

  public func delete(_ keys: [String]) async throws {
    let root = self.root
    try await blocking {
      for key in keys {
        let path = root + "/" + key
        if unlink(path) != 0 && errno != ENOENT { throw systemError(errno, path: path, operation: "remove") }
      }
    }
  }

  public func close() async {}
}

func statFollowing(_ path: String) -> stat? {
  var st = stat()
  return stat(path, &st) == 0 ? st : nil
}
