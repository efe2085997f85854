import MLVGit
import MLVStore

/// One version of an artifact in `log`.
public struct LogEntry: Sendable {
  /// The commit that introduced this version.
  public let commit: GitCommitInfo
  /// The pointer at that commit; nil when the commit removed it.
  public let pointer: Pointer?
  /// The size change against the previous version (nil for the first).
  public let sizeChange: Int?
}

/// `show`'s view of one artifact.
public struct ArtifactDetails: Sendable {
  /// The artifact.
  public let artifact: TrackedArtifact
  /// Whether its root object is in the local store.
  public let inStore: Bool
  /// The files of a directory, when its manifest is in the store.
  public let files: [DirectoryEntry]?
  /// The chunks of a chunked file, when its manifest is in the store.
  public let chunks: [ChunkReference]?
}

extension Repository {
  /// The artifacts of the work tree or of `revision`, with whether each root object is stored locally.
  public func list(revision: String?) throws -> [(artifact: TrackedArtifact, inStore: Bool)] {
    try artifacts(revision: revision).map { ($0, store.contains($0.pointer.id)) }
  }

  /// One artifact in detail, at the work tree or at `revision`.
  public func show(_ userPath: String, revision: String?, cwd: String) throws -> ArtifactDetails {
    let all = try artifacts(revision: revision)
    var path = try repositoryPath(userPath, cwd: cwd)
    if path.hasSuffix(Pointer.suffix) { path = String(path.dropLast(Pointer.suffix.count)) }
    guard let artifact = all.first(where: { $0.dataPath == path || $0.pointerPath == path + Pointer.suffix }) else {
      throw CoreError.notTracked(userPath)
    }
    let id = artifact.pointer.id
    var files: [DirectoryEntry]?
    var chunks: [ChunkReference]?
    switch artifact.pointer.kind {
    case .directory: files = try? readDirectoryManifest(id).entries
    case .chunked: chunks = try? readFileManifest(id).chunks
    case .blob: break
    }
    return ArtifactDetails(artifact: artifact, inStore: store.contains(id), files: files, chunks: chunks)
  }

  /// The versions of an artifact across the history of HEAD, newest first.
  public func log(_ userPath: String, cwd: String) throws -> [LogEntry] {
    var path = try repositoryPath(userPath, cwd: cwd)
    if !path.hasSuffix(Pointer.suffix) { path += Pointer.suffix }
    guard let head = git.headCommit() else { return [] }
    var pointers: [GitObjectID: Pointer?] = [:]
    func pointer(at commit: GitObjectID) throws -> Pointer? {
      if let known = pointers[commit] { return known }
      let p = try git.file(at: commit, path: path).map { try Pointer.parse(try git.blob($0), name: path) }
      pointers[commit] = p
      return p
    }
    var entries: [LogEntry] = []
    for commit in try git.history(from: head) {
      let info = try git.commitInfo(commit)
      let here = try pointer(at: commit)
      let before = try info.parents.first.flatMap { try pointer(at: $0) }
      guard here != before else { continue }
      entries.append(LogEntry(commit: info, pointer: here, sizeChange: before.map { (here?.size ?? 0) - $0.size }))
    }
    if entries.isEmpty, try pointer(at: head) == nil, fileStatus(absolute(path)) == nil {
      throw CoreError.notTracked(userPath)
    }
    return entries
  }
}
