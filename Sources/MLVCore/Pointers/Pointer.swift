import MLVStore

/// What a tracked path is: one file (stored whole or chunked) or a directory.
public enum TrackedKind: String, Sendable {
  /// A file stored as one object.
  case blob
  /// A file stored as a chunk manifest.
  case chunked
  /// A directory stored as a directory manifest.
  case directory

  /// Whether the data is a directory.
  public var isDirectory: Bool { self == .directory }

  /// The kind of a file stored with `layout`.
  public init(_ layout: FileLayout) { self = layout == .chunked ? .chunked : .blob }

  /// How a file of this kind is stored (a directory has no layout: `.blob` is never used for it).
  var fileLayout: FileLayout { self == .chunked ? .chunked : .blob }
}

/// A pointer file (`<name>.mlv`), committed with Git beside the data it names.
///
/// ```
/// # mlv pointer: commit this file with git; the data lives in the mlv store
/// format: 1
/// path: train.csv
/// type: chunked
/// id: sha256:…
/// size: 1073741824
/// chunks: 3402
/// ```
/// `chunks` appears for `chunked`, `files` for `directory`, `mode: 755` for an executable
/// file, and `contract: PATH` last when a data contract is attached (its path from the
/// repository root). The text is canonical: this key order, one space after the colon, a final
/// newline. Readers reject unknown keys, and accept CRLF line ends.
public struct Pointer: Sendable, Equatable {
  /// The pointer format this code writes.
  public static let format = 1
  /// The suffix of pointer files.
  public static let suffix = ".mlv"
  static let header = "# mlv pointer: commit this file with git; the data lives in the mlv store"

  /// The data's path relative to the pointer's directory (normally the pointer's name without `.mlv`).
  public let path: String
  /// How the data is stored.
  public let kind: TrackedKind
  /// The root object: blob, file manifest or directory manifest.
  public let id: ObjectID
  /// Total bytes of data.
  public let size: Int
  /// Chunks of a chunked file, files of a directory, 1 for a blob.
  public let count: Int
  /// Whether a single file is executable (written as `mode: 755`; absent means 644).
  public let executable: Bool
  /// The data contract the data must meet: a path from the repository root, or nil.
  public var contract: String?

  /// A pointer.
  public init(path: String, kind: TrackedKind, id: ObjectID, size: Int, count: Int, executable: Bool = false, contract: String? = nil) {
    self.path = path
    self.kind = kind
    self.id = id
    self.size = size
    self.count = count
    self.executable = executable
    self.contract = contract
  }

  /// The canonical text.
  public func text() -> String {
    var out = "\(Self.header)\nformat: \(Self.format)\npath: \(path)\ntype: \(kind.rawValue)\nid: \(id)\nsize: \(size)\n"
    switch kind {
    case .blob: break
    case .chunked: out += "chunks: \(count)\n"
    case .directory: out += "files: \(count)\n"
    }
    if executable { out += "mode: 755\n" }
    if let contract { out += "contract: \(contract)\n" }
    return out
  }

  /// Parses pointer text; `name` is the pointer's path, for messages.
  public static func parse(_ bytes: [UInt8], name: String) throws -> Pointer {
    func bad(_ reason: String) -> CoreError { .malformedPointer(name, reason: reason) }
    guard bytes.count < 64 << 10, !bytes.contains(0), String(validating: bytes, as: UTF8.self) != nil else {
      throw bad("not a small UTF-8 text file")
    }
    var fields: [String: String] = [:]
    // Lines end at LF only (a path may hold any other character but CR and LF); a CR before the
    // LF is dropped, since git's autocrlf may have given the pointer Windows line ends.
    for rawLine in bytes.split(separator: 0x0A, omittingEmptySubsequences: true) {
      let line = String(decoding: rawLine.last == 0x0D ? rawLine.dropLast() : rawLine, as: UTF8.self)
      if line.isEmpty || line.hasPrefix("#") { continue }
      guard let colon = line.firstIndex(of: ":") else { throw bad("line '\(line)' is not 'key: value'") }
      let key = String(line[..<colon])
      var value = line[line.index(after: colon)...]
      if value.hasPrefix(" ") { value = value.dropFirst() }
      guard ["format", "path", "type", "id", "size", "chunks", "files", "mode", "contract"].contains(key) else {
        throw bad("unknown key '\(key)'")
      }
      guard fields[key] == nil else { throw bad("key '\(key)' appears twice") }
      fields[key] = String(value)
    }
    func number(_ key: String) -> Int? {
      guard let text = fields[key], !text.isEmpty, text.utf8.count < 19, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
      return Int(text)
    }
    guard let format = number("format") else { throw bad("'format' is missing") }
    guard format == Self.format else { throw bad("unsupported format \(format)") }
    guard let path = fields["path"] else { throw bad("'path' is missing") }
    guard isSafeRelativePath(path) else { throw bad("path '\(printable(path))' must be relative and must not contain '..'") }
    // The data lives beside its pointer: one name, never into '.git' or '.mlv'.
    guard !path.contains("/"), path != ".git", path != ".mlv", !path.hasSuffix(suffix) else {
      throw bad("path '\(printable(path))' must be a single file or directory name beside the pointer")
    }
    guard let kind = fields["type"].flatMap({ TrackedKind(rawValue: $0) }) else { throw bad("'type' must be blob, chunked or directory") }
    guard let id = fields["id"].flatMap({ ObjectID($0) }) else { throw bad("'id' is not a sha256 object id") }
    guard let size = number("size") else { throw bad("'size' is not a number") }
    let executable: Bool
    switch fields["mode"] {
    case nil, "644": executable = false
    case "755": executable = true
    default: throw bad("'mode' must be 644 or 755")
    }
    if fields["mode"] != nil && kind == .directory { throw bad("a directory has no 'mode'") }
    let count: Int
    switch kind {
    case .blob: count = 1
    case .chunked:
      guard let n = number("chunks"), n > 0 else { throw bad("'chunks' is missing") }
      count = n
    case .directory:
      guard let n = number("files") else { throw bad("'files' is missing") }
      count = n
    }
    if let contract = fields["contract"] {
      guard isSafeRelativePath(contract), !contract.hasSuffix("/") else {
        throw bad("contract '\(printable(contract))' must be a path from the repository root, without '..'")
      }
    }
    return Pointer(path: path, kind: kind, id: id, size: size, count: count, executable: executable, contract: fields["contract"])
  }
}

/// A pointer together with where it was found.
public struct TrackedArtifact: Sendable {
  /// The pointer file's path from the repository root.
  public let pointerPath: String
  /// The data's path from the repository root.
  public let dataPath: String
  /// The parsed pointer.
  public let pointer: Pointer

  /// Joins the pointer's directory with its `path`.
  public init(pointerPath: String, pointer: Pointer) {
    self.pointerPath = pointerPath
    self.pointer = pointer
    let dir = parentDirectory(pointerPath)
    dataPath = dir.isEmpty ? pointer.path : dir + "/" + pointer.path
  }
}
