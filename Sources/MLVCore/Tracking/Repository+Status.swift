import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How a tracked path in the work tree compares with its pointer.
public enum WorkspaceState: String, Sendable {
  /// The data matches the pointer.
  case unchanged
  /// The data differs from the pointer.
  case modified
  /// The data is not in the work tree.
  case missing
}

/// One line of `status`.
public struct StatusEntry: Sendable {
  /// The tracked artifact.
  public let artifact: TrackedArtifact
  /// How its data compares with the pointer.
  public let state: WorkspaceState
  /// Whether the pointer's object is in the local store.
  public let inStore: Bool
  /// For a modified directory: files added, removed and changed (when the manifest is readable).
  public let changes: DirectoryChanges?
}

/// How a directory's files differ from its manifest.
public struct DirectoryChanges: Sendable, Equatable {
  /// Files in the work tree but not in the manifest.
  public var added: [String] = []
  /// Files in the manifest but not in the work tree.
  public var removed: [String] = []
  /// Files in both with different content or mode.
  public var modified: [String] = []
}

extension Repository {
  /// Compares every tracked path (or those under `paths`) with its pointer. Unchanged files are
  /// recognised from the stat cache without reading them.
  public func status(_ paths: [String] = [], cwd: String) throws -> [StatusEntry] {
    let artifacts = try select(workTreeArtifacts(), paths: paths, cwd: cwd)
    var cache = loadStatCache()
    var entries: [StatusEntry] = []
    for artifact in artifacts {
      let pointer = artifact.pointer
      let inStore = store.contains(pointer.id)
      let path = artifact.dataPath
      guard let st = fileStatus(absolute(path)) else {
        entries.append(StatusEntry(artifact: artifact, state: .missing, inStore: inStore, changes: nil))
        continue
      }
      if pointer.kind.isDirectory {
        guard st.st_mode & S_IFMT == S_IFDIR else {
          entries.append(StatusEntry(artifact: artifact, state: .modified, inStore: inStore, changes: nil))
          continue
        }
        let listing = try listFiles(under: absolute(path), displayPath: path)
        if cacheVouches(for: listing.files, of: path, as: pointer.id, cache: cache) {
          entries.append(StatusEntry(artifact: artifact, state: .unchanged, inStore: inStore, changes: nil))
          continue
        }
        let current = try scanDirectory(path, cache: &cache, store: nil, warn: false, listing: listing)
        if current.id == pointer.id {
          entries.append(StatusEntry(artifact: artifact, state: .unchanged, inStore: inStore, changes: nil))
        } else {
          let old = try? DirectoryManifest.decode(store.read(pointer.id), id: pointer.id)
          let changes = old.map { Self.compare(old: $0, new: current.manifest!) }
          entries.append(StatusEntry(artifact: artifact, state: .modified, inStore: inStore, changes: changes))
        }
      } else {
        guard st.st_mode & S_IFMT == S_IFREG else {
          entries.append(StatusEntry(artifact: artifact, state: .modified, inStore: inStore, changes: nil))
          continue
        }
        let current = try scanFile(path, status: st, cache: &cache, store: nil)
        let same = current.id == pointer.id && (st.st_mode & 0o111 != 0) == pointer.executable
        entries.append(StatusEntry(artifact: artifact, state: same ? .unchanged : .modified, inStore: inStore, changes: nil))
      }
    }
    // Refreshing the cache is a courtesy: skip it when another mlv process holds the lock.
    if cache.isDirty, let lock = try? FileHandle(path: lockPath, flags: O_RDWR | O_CREAT), flock(lock.fd, LOCK_EX | LOCK_NB) == 0 {
      saveStatCache(cache)
      flock(lock.fd, LOCK_UN)
    }
    return entries
  }

  static func compare(old: DirectoryManifest, new: DirectoryManifest) -> DirectoryChanges {
    var changes = DirectoryChanges()
    let before = old.entriesByPath
    let after = new.entriesByPath
    for e in new.entries {
      if let b = before[BytewisePath(e.path)] {
        if b.id != e.id || b.executable != e.executable { changes.modified.append(e.path) }
      } else {
        changes.added.append(e.path)
      }
    }
    for e in old.entries where after[BytewisePath(e.path)] == nil { changes.removed.append(e.path) }
    return changes
  }
}
