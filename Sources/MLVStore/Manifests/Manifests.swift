import Foundation

/// How a file's bytes are stored.
public enum FileLayout: String, Sendable, Codable {
  /// One object holds the whole file: its id is the file's SHA-256.
  case blob
  /// A file manifest lists the file's chunks: its id is the manifest's SHA-256.
  case chunked
}

/// One chunk of a chunked file.
public struct ChunkReference: Sendable, Hashable, Codable {
  /// The chunk's object.
  public let id: ObjectID
  /// Its length in bytes.
  public let size: Int

  /// A chunk of `size` bytes named `id`.
  public init(id: ObjectID, size: Int) {
    self.id = id
    self.size = size
  }
}

/// The list of chunks that make up a large file, in order (`"type":"chunked"`).
public struct FileManifest: Sendable, Equatable {
  /// The manifest format this code writes.
  public static let format = 1
  /// The chunks, in file order.
  public let chunks: [ChunkReference]
  /// The file's length: the sum of the chunk sizes.
  public var size: Int { chunks.reduce(0) { $0 + $1.size } }

  /// A manifest of `chunks`.
  public init(chunks: [ChunkReference]) { self.chunks = chunks }

  /// The canonical bytes (see `docs/format.md`).
  public func encoded() -> [UInt8] {
    CanonicalJSON.encode(
      .object([
        "chunks": .array(chunks.map { .object(["id": .string($0.id.description), "size": .integer($0.size)]) }),
        "format": .integer(Self.format),
        "size": .integer(size),
        "type": .string("chunked"),
      ]))
  }

  /// Parses a manifest read from the store as `id`.
  public static func decode(_ bytes: [UInt8], id: ObjectID) throws -> FileManifest {
    struct Wire: Decodable {
      let chunks: [ChunkReference]
      let format: Int
      let size: Int
      let type: String
    }
    let wire: Wire
    do { wire = try JSONDecoder().decode(Wire.self, from: Data(bytes)) } catch {
      throw StoreError.malformedManifest(id, reason: "not a file manifest")
    }
    guard wire.type == "chunked" else { throw StoreError.malformedManifest(id, reason: "type is '\(wire.type)', expected 'chunked'") }
    guard wire.format == format else { throw StoreError.malformedManifest(id, reason: "unsupported format \(wire.format)") }
    guard wire.chunks.allSatisfy({ $0.size > 0 && $0.size <= 1 << 40 }), wire.chunks.count < 1 << 24 else {
      throw StoreError.malformedManifest(id, reason: "chunk sizes out of range")
    }
    let manifest = FileManifest(chunks: wire.chunks)
    guard manifest.size == wire.size else {
      throw StoreError.malformedManifest(id, reason: "chunk sizes do not add up to \(wire.size)")
    }
    return manifest
  }
}

/// One file inside a tracked directory.
public struct DirectoryEntry: Sendable, Equatable, Codable {
  /// The path relative to the directory, with `/` separators; never absolute, never `..`.
  public let path: String
  /// The file's object: a blob or a file manifest, as `type` says.
  public let id: ObjectID
  /// How the file is stored.
  public let type: FileLayout
  /// The file's length in bytes.
  public let size: Int
  /// Whether the file is executable (stored as mode "755", else "644").
  public let executable: Bool

  /// An entry.
  public init(path: String, id: ObjectID, type: FileLayout, size: Int, executable: Bool) {
    self.path = path
    self.id = id
    self.type = type
    self.size = size
    self.executable = executable
  }

  enum CodingKeys: String, CodingKey { case path, id, type, size, mode }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    path = try c.decode(String.self, forKey: .path)
    id = try c.decode(ObjectID.self, forKey: .id)
    type = try c.decode(FileLayout.self, forKey: .type)
    size = try c.decode(Int.self, forKey: .size)
    let mode = try c.decode(String.self, forKey: .mode)
    guard mode == "644" || mode == "755" else {
      throw DecodingError.dataCorruptedError(forKey: .mode, in: c, debugDescription: "mode")
    }
    executable = mode == "755"
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(path, forKey: .path)
    try c.encode(id, forKey: .id)
    try c.encode(type, forKey: .type)
    try c.encode(size, forKey: .size)
    try c.encode(executable ? "755" : "644", forKey: .mode)
  }
}

/// The files of a tracked directory, sorted by path (`"type":"directory"`).
public struct DirectoryManifest: Sendable, Equatable {
  /// The manifest format this code writes.
  public static let format = 1
  /// The entries, sorted by the UTF-8 bytes of their paths.
  public let entries: [DirectoryEntry]
  /// The total length of all files.
  public var size: Int { entries.reduce(0) { $0 + $1.size } }

  /// The entries by path (compared by bytes).
  public var entriesByPath: [BytewisePath: DirectoryEntry] {
    Dictionary(entries.map { (BytewisePath($0.path), $0) }, uniquingKeysWith: { first, _ in first })
  }

  /// A manifest of `entries` (sorted here; paths are checked).
  public init(entries: [DirectoryEntry]) throws {
    for e in entries where !isSafeRelativePath(e.path) { throw StoreError.unsafePath(e.path) }
    self.entries = entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
  }

  /// The canonical bytes (see `docs/format.md`).
  public func encoded() -> [UInt8] {
    CanonicalJSON.encode(
      .object([
        "entries": .array(
          entries.map {
            .object([
              "id": .string($0.id.description), "mode": .string($0.executable ? "755" : "644"),
              "path": .string($0.path), "size": .integer($0.size), "type": .string($0.type.rawValue),
            ])
          }),
        "format": .integer(Self.format),
        "type": .string("directory"),
      ]))
  }

  /// Parses a manifest read from the store as `id`, refusing entries that would escape the directory.
  public static func decode(_ bytes: [UInt8], id: ObjectID) throws -> DirectoryManifest {
    struct Wire: Decodable {
      let entries: [DirectoryEntry]
      let format: Int
      let type: String
    }
    let wire: Wire
    do { wire = try JSONDecoder().decode(Wire.self, from: Data(bytes)) } catch {
      throw StoreError.malformedManifest(id, reason: "not a directory manifest")
    }
    guard wire.type == "directory" else { throw StoreError.malformedManifest(id, reason: "type is '\(wire.type)', expected 'directory'") }
    guard wire.format == format else { throw StoreError.malformedManifest(id, reason: "unsupported format \(wire.format)") }
    for e in wire.entries where e.size < 0 || e.size > 1 << 50 {
      throw StoreError.malformedManifest(id, reason: "entry '\(printable(e.path))' has size \(e.size)")
    }
    for e in wire.entries where !isSafeRelativePath(e.path) {
      throw StoreError.malformedManifest(id, reason: "entry '\(e.path)' escapes its directory")
    }
    var seen = Set<BytewisePath>()
    for e in wire.entries where !seen.insert(BytewisePath(e.path)).inserted {
      throw StoreError.malformedManifest(id, reason: "entry '\(e.path)' appears twice")
    }
    return try DirectoryManifest(entries: wire.entries)
  }
}

extension ObjectID: Codable {
  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    guard let id = ObjectID(text) else {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an object id"))
    }
    self = id
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(description)
  }
}

/// Whether `path` is relative, uses `/`, and has no empty, `.` or `..` component (so it stays
/// inside the directory it is joined to), and no NUL or newline.
public func isSafeRelativePath(_ path: String) -> Bool {
  guard !path.isEmpty, !path.hasPrefix("/"), !path.utf8.contains(0), !path.utf8.contains(10), !path.utf8.contains(13) else { return false }
  for component in path.split(separator: "/", omittingEmptySubsequences: false) {
    if component.isEmpty || component == "." || component == ".." { return false }
  }
  return true
}

/// A path compared and hashed by its UTF-8 bytes.
///
/// Swift's `String` equality is Unicode canonical equivalence, under which `é` (NFC) and
/// `e◌́` (NFD) are equal — but a file system holds them as two different files. Every set or
/// dictionary keyed by a path uses this instead.
public struct BytewisePath: Hashable, Sendable, CustomStringConvertible {
  /// The path.
  public let value: String

  /// Wraps `value`.
  public init(_ value: String) { self.value = value }

  public var description: String { value }

  public static func == (a: BytewisePath, b: BytewisePath) -> Bool { a.value.utf8.elementsEqual(b.value.utf8) }

  public func hash(into hasher: inout Hasher) {
    var copy = value
    copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
  }
}
