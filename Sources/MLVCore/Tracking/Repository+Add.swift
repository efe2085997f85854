import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What `add` did for one path.
public struct AddResult: Sendable {
  /// The data's path from the root.
  public let path: String
  /// The pointer written.
  public let pointerPath: String
  /// The new pointer.
  public let pointer: Pointer
  /// Whether the pointer changed (false when the data was already tracked as it is).
  public let changed: Bool
  /// The `.gitignore` that keeps the data out of Git.
  public let gitignorePath: String
}

extension Repository {
  /// Stores files and directories and writes their pointers and `.gitignore` entries.
  ///
  /// Every path is checked before anything is stored, so a bad path fails the whole command early.
  /// With `contract` (a contract file), the paths' pointers name it; without, a contract
  /// attached before stays attached.
  public func add(_ userPaths: [String], cwd: String, contract userContract: String? = nil) throws -> [AddResult] {
    let contract = try userContract.map { try checkedContractPath($0, cwd: cwd) }
    let paths = try userPaths.map { userPath -> String in
      var path = try repositoryPath(userPath, cwd: cwd)
      if path.hasSuffix(Pointer.suffix), fileStatus(absolute(path)).map({ $0.st_mode & S_IFMT == S_IFREG }) == true,
        fileStatus(absolute(String(path.dropLast(Pointer.suffix.count)))) != nil
      {
        path = String(path.dropLast(Pointer.suffix.count))
      }
      try checkTrackable(path, userPath: userPath)
      return path
    }
    // Two paths of one command must not nest: the inner one would end up inside tracked data.
    for outer in paths {
      if let inner = paths.first(where: { $0.utf8.starts(with: (outer + "/").utf8) }) {
        throw CoreError.cannotTrack(inner, reason: "it is inside '\(outer)', which this command also tracks")
      }
    }
    if contract != nil {
      for path in paths {
        let isDirectory = fileStatus(absolute(path)).map { $0.st_mode & S_IFMT == S_IFDIR } ?? false
        try checkAttachable(path, kind: isDirectory ? .directory : .blob)
      }
    }
    return try withWriteLock {
      var cache = loadStatCache()
      defer { saveStatCache(cache) }
      var results: [AddResult] = []
      for path in paths {
        results.append(try addOne(path, cache: &cache, contract: contract))
      }
      return results
    }
  }

  private func checkTrackable(_ path: String, userPath: String) throws {
    guard !path.isEmpty else { throw CoreError.cannotTrack(userPath, reason: "it is the repository root") }
    let components = path.split(separator: "/")
    if components.contains(".git") || components.contains(".mlv") {
      throw CoreError.cannotTrack(path, reason: "it is inside '.git' or '.mlv'")
    }
    guard let st = fileStatus(absolute(path)) else { throw CoreError.pathNotFound(userPath) }
    let type = st.st_mode & S_IFMT
    guard type == S_IFREG || type == S_IFDIR else { throw CoreError.cannotTrack(path, reason: "not a regular file or directory") }
    if path.hasSuffix(Pointer.suffix) { throw CoreError.cannotTrack(path, reason: "it is an mlv pointer file") }
    // Inside a tracked directory? Its parent chain must hold no pointer.
    var parent = parentDirectory(path)
    while !parent.isEmpty {
      if fileStatus(absolute(parent + Pointer.suffix)) != nil {
        throw CoreError.cannotTrack(path, reason: "it is inside the tracked directory '\(parent)'")
      }
      parent = parentDirectory(parent)
    }
    if path.utf8.contains(10) || path.utf8.contains(13) { throw CoreError.cannotTrack(path, reason: "its name contains a line break") }
    // Data Git already tracks would stay in Git despite the .gitignore entry.
    if try git.indexTracks(path) { throw CoreError.trackedByGit(path) }
  }

  private func addOne(_ path: String, cache: inout StatCache, contract: String?) throws -> AddResult {
    guard let st = fileStatus(absolute(path)) else { throw CoreError.pathNotFound(path) }
    let content: ScannedContent
    if st.st_mode & S_IFMT == S_IFDIR {
      content = try scanDirectory(path, cache: &cache, store: store, warn: true)
    } else {
      content = ScannedContent(file: try scanFile(path, status: st, cache: &cache, store: store))
    }
    let executable = content.kind != .directory && st.st_mode & 0o111 != 0
    let pointerPath = path + Pointer.suffix
    let existing = try? FileHandle(path: absolute(pointerPath), flags: O_RDONLY).readAll()
    // A contract attached before stays attached.
    let previous = existing.flatMap { try? Pointer.parse($0, name: pointerPath) }
    let pointer = Pointer(
      path: lastComponent(path), kind: content.kind, id: content.id, size: content.size, count: content.count, executable: executable,
      contract: contract ?? previous?.contract)
    let text = Array(pointer.text().utf8)
    let changed = existing != text
    if changed { try writeFileAtomically(absolute(pointerPath), text, durable: config.fsync) }
    let gitignore = try ignoreInGit(path)
    return AddResult(path: path, pointerPath: pointerPath, pointer: pointer, changed: changed, gitignorePath: gitignore)
  }

  /// Adds `/<name>` to the `.gitignore` beside `path`, once; returns that file's path from the root.
  @discardableResult
  func ignoreInGit(_ path: String) throws -> String {
    let dir = parentDirectory(path)
    let relative = dir.isEmpty ? ".gitignore" : dir + "/.gitignore"
    let file = absolute(relative)
    let line = "/" + lastComponent(path)
    var text = (try? FileHandle(path: file, flags: O_RDONLY).readAll()).map { String(decoding: $0, as: UTF8.self) } ?? ""
    // Lines end at LF (a CR before it is dropped): names may hold other line separators.
    let present = text.utf8.split(separator: 0x0A).contains { raw in
      String(decoding: raw.last == 0x0D ? raw.dropLast() : raw, as: UTF8.self).utf8.elementsEqual(line.utf8)
    }
    if present { return relative }
    if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
    text += line + "\n"
    try writeFileAtomically(file, Array(text.utf8), durable: config.fsync)
    return relative
  }
}
