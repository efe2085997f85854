// MLVGit: the only module that talks to libgit2. It answers the questions mlv asks of Git —
// where the work tree is, what a revision names, which pointer files a commit or the index
// holds, and the history of a path — without ever moving HEAD or writing the user's index.

internal import CLibGit2
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Failures reading the Git repository.
public enum GitError: UserFacingError, Equatable {
  /// No Git repository contains the path.
  case notARepository(String)
  /// The repository has no work tree.
  case bareRepository(String)
  /// A revision that names no commit.
  case unknownRevision(String)
  /// Any other libgit2 failure, with libgit2's own message.
  case library(operation: String, message: String)

  public var message: String {
    switch self {
    case .notARepository(let path): return "not a git repository (or any parent up to /): '\(path)'"
    case .bareRepository(let path): return "'\(path)' is a bare git repository; mlv needs a work tree"
    case .unknownRevision(let rev): return "unknown revision '\(rev)'"
    case .library(let operation, let message): return "git: cannot \(operation): \(message)"
    }
  }

  public var hint: String? {
    switch self {
    case .notARepository: return "run 'git init' first, or change into a git work tree"
    case .unknownRevision: return "name a commit, branch or tag, e.g. 'HEAD~1' or 'main'"
    default: return nil
    }
  }

  public var exitStatus: ExitStatus {
    switch self {
    case .notARepository, .bareRepository: return .notARepository
    case .unknownRevision: return .invalidInput
    case .library: return .internalError
    }
  }
}

/// A Git object id (SHA-1 hex, as libgit2 1.5 knows them).
public struct GitObjectID: Hashable, Sendable, CustomStringConvertible {
  /// 40 lower-case hex digits.
  public let hex: String
  public var description: String { hex }
  /// The first 10 digits.
  public var short: String { String(hex.prefix(10)) }

  init(_ oid: UnsafePointer<git_oid>) { hex = String(cString: git_oid_tostr_s(oid)) }

  /// An id from 40 hex digits (as Git hands them to hooks), or nil.
  public init?(hex text: String) {
    let lower = text.lowercased()
    guard lower.utf8.count == 40, lower.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
    hex = lower
  }

  /// Whether this is Git's all-zero id (a ref that does not exist on one side of a push).
  public var isZero: Bool { hex.utf8.allSatisfy { $0 == 0x30 } }

  var raw: git_oid {
    var oid = git_oid()
    _ = git_oid_fromstr(&oid, hex)
    return oid
  }
}

/// A file found in a tree or the index: its path from the work-tree root and its blob.
public struct GitFile: Hashable, Sendable {
  /// The path, `/`-separated, relative to the repository root.
  public let path: String
  /// The blob holding its content.
  public let blob: GitObjectID
}

/// What `log` shows of a commit.
public struct GitCommitInfo: Sendable {
  /// The commit.
  public let id: GitObjectID
  /// Seconds since 1970 (the committer time).
  public let time: Int64
  /// The author's name.
  public let author: String
  /// The author's email.
  public let email: String
  /// The first line of the message.
  public let summary: String
  /// The parents, first parent first.
  public let parents: [GitObjectID]
}

/// An open Git repository. Not thread-safe: use one per thread.
public final class GitRepository {
  private let repo: OpaquePointer
  /// The work tree's root, ending without a slash.
  public let workTree: String

  private static let initialised: Bool = { git_libgit2_init() > 0 }()

  /// Finds the repository containing `path` (like `git rev-parse --show-toplevel`).
  public init(discoveringFrom path: String) throws {
    _ = Self.initialised
    var handle: OpaquePointer?
    let code = git_repository_open_ext(&handle, path, 0, nil)
    guard code == 0, let handle else {
      if code == GIT_ENOTFOUND.rawValue { throw GitError.notARepository(path) }
      throw Self.error("open repository at '\(path)'")
    }
    repo = handle
    guard let dir = git_repository_workdir(handle) else {
      git_repository_free(handle)
      throw GitError.bareRepository(path)
    }
    var root = String(cString: dir)
    while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
    workTree = root
  }

  deinit { git_repository_free(repo) }

  /// Reads libgit2's last error now (it is per thread and overwritten by the next call).
  static func error(_ operation: String) -> GitError {
    let message = git_error_last().map { String(cString: $0.pointee.message) } ?? "unknown error"
    return .library(operation: operation, message: message)
  }

  private func check(_ code: Int32, _ operation: @autoclosure () -> String) throws {
    if code < 0 { throw Self.error(operation()) }
  }

  /// The commit a revision names (`HEAD`, `main~2`, a tag, an abbreviated id).
  public func resolveCommit(_ revision: String) throws -> GitObjectID {
    var object: OpaquePointer?
    guard git_revparse_single(&object, repo, revision) == 0, let object else { throw GitError.unknownRevision(revision) }
    defer { git_object_free(object) }
    var commit: OpaquePointer?
    guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0, let commit else { throw GitError.unknownRevision(revision) }
    defer { git_object_free(commit) }
    return GitObjectID(git_object_id(commit))
  }

  /// HEAD's commit, or nil on an unborn branch.
  public func headCommit() -> GitObjectID? { try? resolveCommit("HEAD") }

  /// The commit's metadata.
  public func commitInfo(_ id: GitObjectID) throws -> GitCommitInfo {
    var oid = id.raw
    var commit: OpaquePointer?
    try check(git_commit_lookup(&commit, repo, &oid), "read commit \(id)")
    defer { git_commit_free(commit) }
    let author = git_commit_author(commit)!.pointee
    var parents: [GitObjectID] = []
    for i in 0..<git_commit_parentcount(commit) { parents.append(GitObjectID(git_commit_parent_id(commit, i))) }
    return GitCommitInfo(
      id: id, time: Int64(git_commit_time(commit)), author: String(cString: author.name),
      email: String(cString: author.email), summary: git_commit_summary(commit).map { String(cString: $0) } ?? "",
      parents: parents)
  }

  private func tree(ofCommit id: GitObjectID) throws -> OpaquePointer {
    var oid = id.raw
    var commit: OpaquePointer?
    try check(git_commit_lookup(&commit, repo, &oid), "read commit \(id)")
    defer { git_commit_free(commit) }
    var tree: OpaquePointer?
    try check(git_commit_tree(&tree, commit), "read the tree of \(id)")
    return tree!
  }

  /// Every file in the commit's tree whose name ends with `suffix`.
  public func files(at commit: GitObjectID, withSuffix suffix: String) throws -> [GitFile] {
    let root = try tree(ofCommit: commit)
    defer { git_tree_free(root) }
    var out: [GitFile] = []
    var none: Set<GitObjectID>? = nil
    try collect(root, prefix: "", suffix: suffix, visited: &none, into: &out)
    return out
  }

  /// Like `files(at:withSuffix:)`, skipping (and recording) trees already in `visited`, so a walk
  /// over many commits reads each distinct subtree once.
  public func files(at commit: GitObjectID, withSuffix suffix: String, skippingTrees visited: inout Set<GitObjectID>) throws -> [GitFile] {
    let root = try tree(ofCommit: commit)
    defer { git_tree_free(root) }
    var out: [GitFile] = []
    var seen: Set<GitObjectID>? = visited
    try collect(root, prefix: "", suffix: suffix, visited: &seen, into: &out)
    visited = seen!
    return out
  }

  /// With `visited`, a tree seen before is skipped (its blobs were reported under another
  /// path: right for collecting blob ids, wrong for listing paths); without, every tree is walked.
  private func collect(_ tree: OpaquePointer, prefix: String, suffix: String, visited: inout Set<GitObjectID>?, into out: inout [GitFile])
    throws
  {
    if visited != nil { guard visited!.insert(GitObjectID(git_tree_id(tree))).inserted else { return } }
    for i in 0..<git_tree_entrycount(tree) {
      let entry = git_tree_entry_byindex(tree, i)
      let name = String(cString: git_tree_entry_name(entry))
      let type = git_tree_entry_type(entry)
      if type == GIT_OBJECT_TREE {
        var sub: OpaquePointer?
        try check(git_tree_lookup(&sub, repo, git_tree_entry_id(entry)), "read tree '\(prefix)\(name)'")
        defer { git_tree_free(sub) }
        try collect(sub!, prefix: prefix + name + "/", suffix: suffix, visited: &visited, into: &out)
      } else if type == GIT_OBJECT_BLOB && name.hasSuffix(suffix) {
        out.append(GitFile(path: prefix + name, blob: GitObjectID(git_tree_entry_id(entry))))
      }
    }
  }

  /// The blob at `path` in the commit, or nil when the commit has no such file.
  public func file(at commit: GitObjectID, path: String) throws -> GitObjectID? {
    let root = try tree(ofCommit: commit)
    defer { git_tree_free(root) }
    var entry: OpaquePointer?
    let code = git_tree_entry_bypath(&entry, root, path)
    if code == GIT_ENOTFOUND.rawValue { return nil }
    try check(code, "look up '\(path)' in \(commit)")
    defer { git_tree_entry_free(entry) }
    guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
    return GitObjectID(git_tree_entry_id(entry))
  }

  /// The content of a blob.
  public func blob(_ id: GitObjectID) throws -> [UInt8] {
    var oid = id.raw
    var blob: OpaquePointer?
    try check(git_blob_lookup(&blob, repo, &oid), "read blob \(id)")
    defer { git_blob_free(blob) }
    let size = Int(git_blob_rawsize(blob))
    guard size > 0, let raw = git_blob_rawcontent(blob) else { return [] }
    return Array(UnsafeRawBufferPointer(start: raw, count: size))
  }

  /// The index a hook should read: `GIT_INDEX_FILE` when Git sets it (as for `git commit -a`
  /// and `git commit PATH`, which commit a temporary index), else the repository's own.
  private func openIndex() throws -> OpaquePointer? {
    var index: OpaquePointer?
    if let raw = getenv("GIT_INDEX_FILE") {
      var path = String(cString: raw)
      if !path.hasPrefix("/") { path = (workTree.hasSuffix("/") ? workTree : workTree + "/") + path }
      try check(git_index_open(&index, path), "read the index '\(path)'")
    } else {
      try check(git_repository_index(&index, repo), "read the index")
    }
    return index
  }

  /// Files staged in the index whose name ends with `suffix` (read only; the index is not written).
  public func stagedFiles(withSuffix suffix: String) throws -> [GitFile] {
    let index = try openIndex()
    defer { git_index_free(index) }
    var out: [GitFile] = []
    for i in 0..<git_index_entrycount(index) {
      guard let entry = git_index_get_byindex(index, i) else { continue }
      let path = String(cString: entry.pointee.path)
      if path.hasSuffix(suffix) {
        let oid = withUnsafePointer(to: entry.pointee.id) { GitObjectID($0) }
        out.append(GitFile(path: path, blob: oid))
      }
    }
    return out
  }

  /// The blob staged in the index at `path` (stage 0), or nil.
  public func stagedBlob(_ path: String) throws -> GitObjectID? {
    let index = try openIndex()
    defer { git_index_free(index) }
    guard let entry = git_index_get_bypath(index, path, 0) else { return nil }
    return withUnsafePointer(to: entry.pointee.id) { GitObjectID($0) }
  }

  /// The directory Git runs hooks from: `core.hooksPath` (relative to the work tree when
  /// relative, `~/` expanded) or the hooks directory of the common git directory.
  public func hooksDirectory() -> String {
    if var configured = configValue("core.hooksPath"), !configured.isEmpty {
      if configured.hasPrefix("~/"), let home = getenv("HOME") { configured = String(cString: home) + configured.dropFirst() }
      if !configured.hasPrefix("/") { configured = workTree.hasSuffix("/") ? workTree + configured : workTree + "/" + configured }
      return configured
    }
    var common = String(cString: git_repository_commondir(repo))
    if common.hasSuffix("/") { common.removeLast() }
    return common + "/hooks"
  }

  /// Commits reachable from `starts` but not from `hiding` (what a push sends), newest first.
  public func commits(from starts: [GitObjectID], hiding: [GitObjectID]) throws -> [GitObjectID] {
    guard !starts.isEmpty else { return [] }
    var walker: OpaquePointer?
    try check(git_revwalk_new(&walker, repo), "walk history")
    defer { git_revwalk_free(walker) }
    try check(git_revwalk_sorting(walker, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue), "sort history")
    for start in starts {
      var oid = start.raw
      try check(git_revwalk_push(walker, &oid), "walk from \(start)")
    }
    for hidden in hiding {
      var oid = hidden.raw
      // A commit this repository lacks (the remote has history we never fetched) hides nothing.
      _ = git_revwalk_hide(walker, &oid)
    }
    var out: [GitObjectID] = []
    var oid = git_oid()
    while true {
      let code = git_revwalk_next(&oid, walker)
      if code == GIT_ITEROVER.rawValue { break }
      try check(code, "walk history")
      out.append(withUnsafePointer(to: oid) { GitObjectID($0) })
    }
    return out
  }

  /// Whether Git's index tracks `path` itself or anything under it (as a directory).
  public func indexTracks(_ path: String) throws -> Bool {
    var index: OpaquePointer?
    try check(git_repository_index(&index, repo), "read the index")
    defer { git_index_free(index) }
    if git_index_get_bypath(index, path, 0) != nil { return true }
    var position = 0
    return git_index_find_prefix(&position, index, path + "/") == 0
  }

  /// Commits reachable from HEAD, newest first (time order, parents after children).
  public func history(from start: GitObjectID) throws -> [GitObjectID] {
    try walk(starts: [start])
  }

  /// Every commit reachable from any ref (branches, tags, `refs/mlv/*`, …), from HEAD, or
  /// from any reflog entry — what `git gc` keeps, so a reset can still be undone with its data.
  public func reachableCommits() throws -> [GitObjectID] {
    var names = git_strarray()
    try check(git_reference_list(&names, repo), "list references")
    defer { git_strarray_dispose(&names) }
    var starts: [GitObjectID] = []
    var refNames = ["HEAD"]
    for i in 0..<names.count { refNames.append(String(cString: names.strings[i]!)) }
    for name in refNames {
      if let commit = try? resolveCommit(name) { starts.append(commit) }
      var reflog: OpaquePointer?
      guard git_reflog_read(&reflog, repo, name) == 0, let reflog else { continue }
      defer { git_reflog_free(reflog) }
      for k in 0..<git_reflog_entrycount(reflog) {
        guard let entry = git_reflog_entry_byindex(reflog, k), let id = git_reflog_entry_id_new(entry) else { continue }
        let oid = GitObjectID(id)
        if (try? commitInfo(oid)) != nil { starts.append(oid) }
      }
    }
    return try walk(starts: Array(Set(starts)))
  }

  private func walk(starts: [GitObjectID]) throws -> [GitObjectID] { try commits(from: starts, hiding: []) }

  /// A configuration value (e.g. `core.hooksPath`), or nil when unset.
  public func configValue(_ key: String) -> String? {
    var config: OpaquePointer?
    guard git_repository_config_snapshot(&config, repo) == 0 else { return nil }
    defer { git_config_free(config) }
    var value: UnsafePointer<CChar>?
    guard git_config_get_string(&value, config, key) == 0, let value else { return nil }
    return String(cString: value)
  }

  // MARK: Whole trees, status, commits and references (runs and experiments)

  /// Every file of the commit's tree with its mode (submodules are skipped).
  public func allFiles(at commit: GitObjectID) throws -> [GitTreeEntry] {
    let root = try tree(ofCommit: commit)
    defer { git_tree_free(root) }
    var out: [GitTreeEntry] = []
    func walk(_ tree: OpaquePointer, _ prefix: String) throws {
      for i in 0..<git_tree_entrycount(tree) {
        let entry = git_tree_entry_byindex(tree, i)
        let name = String(cString: git_tree_entry_name(entry))
        let mode = git_tree_entry_filemode(entry)
        if git_tree_entry_type(entry) == GIT_OBJECT_TREE {
          var sub: OpaquePointer?
          try check(git_tree_lookup(&sub, repo, git_tree_entry_id(entry)), "read tree '\(prefix)\(name)'")
          defer { git_tree_free(sub) }
          try walk(sub!, prefix + name + "/")
        } else if git_tree_entry_type(entry) == GIT_OBJECT_BLOB {
          let kind: GitTreeEntry.Kind =
            mode == GIT_FILEMODE_LINK ? .symlink : mode == GIT_FILEMODE_BLOB_EXECUTABLE ? .executable : .regular
          out.append(GitTreeEntry(path: prefix + name, blob: GitObjectID(git_tree_entry_id(entry)), kind: kind))
        }
      }
    }
    try walk(root, "")
    return out
  }

  /// Whether the index or the work tree differs from HEAD in a file Git tracks (untracked files do not count).
  public func isDirty() throws -> Bool {
    var options = git_status_options()
    try check(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), "prepare status")
    options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
    options.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
    var list: OpaquePointer?
    try check(git_status_list_new(&list, repo, &options), "read the status")
    defer { git_status_list_free(list) }
    return git_status_list_entrycount(list) > 0
  }

  /// Makes a commit whose tree is `parent`'s with `files` written (new or replaced) — without
  /// touching HEAD, the index or the work tree. Returns the new commit; no reference points at it yet.
  public func commit(parent: GitObjectID, files: [GitFileWrite], message: String) throws -> GitObjectID {
    var index: OpaquePointer?
    try check(git_index_new(&index), "create an index")
    defer { git_index_free(index) }
    let parentTree = try tree(ofCommit: parent)
    defer { git_tree_free(parentTree) }
    try check(git_index_read_tree(index, parentTree), "read the tree of \(parent)")
    for file in files {
      var blob = git_oid()
      try file.bytes.withUnsafeBytes { buf in
        try check(git_blob_create_from_buffer(&blob, repo, buf.baseAddress, buf.count), "write '\(file.path)'")
      }
      var entry = git_index_entry()
      entry.mode = file.executable ? 0o100755 : 0o100644
      entry.id = blob
      try file.path.withCString { path in
        entry.path = path
        try check(git_index_add(index, &entry), "stage '\(file.path)'")
      }
    }
    var treeID = git_oid()
    try check(git_index_write_tree_to(&treeID, index, repo), "write the tree")
    var tree: OpaquePointer?
    try check(git_tree_lookup(&tree, repo, &treeID), "read the new tree")
    defer { git_tree_free(tree) }
    var signature: UnsafeMutablePointer<git_signature>?
    if git_signature_default(&signature, repo) != 0 {
      try check(git_signature_now(&signature, "mlv", "mlv@localhost"), "make a signature")
    }
    defer { git_signature_free(signature) }
    var parentOID = parent.raw
    var parentCommit: OpaquePointer?
    try check(git_commit_lookup(&parentCommit, repo, &parentOID), "read commit \(parent)")
    defer { git_commit_free(parentCommit) }
    var out = git_oid()
    var parents: [OpaquePointer?] = [parentCommit]
    try check(
      git_commit_create(&out, repo, nil, signature, signature, "UTF-8", message, tree, 1, &parents), "create a commit")
    return withUnsafePointer(to: out) { GitObjectID($0) }
  }

  /// References whose full name starts with `prefix`, with the commits they point at, sorted by name.
  public func references(withPrefix prefix: String) throws -> [(name: String, commit: GitObjectID)] {
    var names = git_strarray()
    try check(git_reference_list(&names, repo), "list references")
    defer { git_strarray_dispose(&names) }
    var out: [(String, GitObjectID)] = []
    for i in 0..<names.count {
      let name = String(cString: names.strings[i]!)
      guard name.hasPrefix(prefix), let commit = referenceTarget(name) else { continue }
      out.append((name, commit))
    }
    return out.sorted { $0.0 < $1.0 }
  }

  /// Whether `name` is a well-formed reference name (`refs/heads/x`).
  public func isValidReferenceName(_ name: String) -> Bool {
    var valid: Int32 = 0
    return git_reference_name_is_valid(&valid, name) == 0 && valid == 1
  }

  /// The commit a full reference name points at, or nil.
  public func referenceTarget(_ name: String) -> GitObjectID? {
    var oid = git_oid()
    guard git_reference_name_to_id(&oid, repo, name) == 0 else { return nil }
    return withUnsafePointer(to: oid) { GitObjectID($0) }
  }

  /// Creates (or, with `force`, moves) a reference.
  public func setReference(_ name: String, to commit: GitObjectID, message: String, force: Bool) throws {
    var oid = commit.raw
    var ref: OpaquePointer?
    try check(git_reference_create(&ref, repo, name, &oid, force ? 1 : 0, message), "create reference '\(name)'")
    git_reference_free(ref)
  }

  /// Deletes a reference (and its reflog).
  public func deleteReference(_ name: String) throws {
    var ref: OpaquePointer?
    try check(git_reference_lookup(&ref, repo, name), "find reference '\(name)'")
    defer { git_reference_free(ref) }
    try check(git_reference_delete(ref), "delete reference '\(name)'")
  }
}

/// A file of a tree: its path, blob and kind.
public struct GitTreeEntry: Hashable, Sendable {
  public enum Kind: Sendable { case regular, executable, symlink }
  public let path: String
  public let blob: GitObjectID
  public let kind: Kind
}

/// A file to write into a new commit's tree.
public struct GitFileWrite: Sendable {
  public let path: String
  public let bytes: [UInt8]
  public let executable: Bool

  public init(path: String, bytes: [UInt8], executable: Bool = false) {
    self.path = path
    self.bytes = bytes
    self.executable = executable
  }
}
