import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What the stat cache remembers of one path: the file status it had when it was hashed, and the result.
public struct StatEntry: Sendable, Equatable {
  /// Device and inode: a replaced file has a new inode even with the same size and time.
  public var device: UInt64
  /// Inode number.
  public var inode: UInt64
  /// Length in bytes.
  public var size: UInt64
  /// Modification time in nanoseconds.
  public var mtime: Int64
  /// Status-change time in nanoseconds (changes on chmod, rename and writes).
  public var ctime: Int64
  /// How the content is stored (for a directory record, `.directory`).
  public var kind: TrackedKind
  /// Chunks of a file, files of a directory.
  public var count: UInt32
  /// The content's object.
  public var id: ObjectID
  /// Whether the file is executable.
  public var executable: Bool

  /// The entry for a file with status `st` whose content is `id`.
  public init(_ st: stat, kind: TrackedKind, count: Int, id: ObjectID) {
    device = UInt64(st.st_dev)
    inode = UInt64(st.st_ino)
    size = UInt64(st.st_size)
    mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    ctime = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
    self.kind = kind
    self.count = UInt32(clamping: count)
    self.id = id
    executable = st.st_mode & 0o111 != 0
  }

  /// A directory record: the manifest id and file count last seen for a tracked directory.
  public init(directory id: ObjectID, files: Int) {
    (device, inode, size, mtime, ctime) = (0, 0, 0, 0, 0)
    kind = .directory
    count = UInt32(clamping: files)
    self.id = id
    executable = false
  }

  /// Like `matches`, ignoring the executable bit (a parked file is kept read-only).
  func matchesIgnoringMode(_ st: stat) -> Bool {
    var other = self
    other.executable = st.st_mode & 0o111 != 0
    return other.matches(st)
  }

  /// Whether `st` still describes the file this entry was made from.
  func matches(_ st: stat) -> Bool {
    device == UInt64(st.st_dev) && inode == UInt64(st.st_ino) && size == UInt64(st.st_size)
      && mtime == Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
      && ctime == Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
      && executable == (st.st_mode & 0o111 != 0)
  }
}

/// The stat cache (`.mlv/cache/stat`): which content a path had when its status was last seen,
/// so unchanged files are never hashed twice. Local state, never committed.
///
/// Binary, little-endian: `MLVSTAT1`, the entry count (UInt32), then
/// per entry the path length (UInt16) and UTF-8 path, device, inode, size (UInt64), mtime,
/// ctime (Int64), kind (UInt8: 0 blob, 1 chunked, 2 directory), executable (UInt8), count
/// (UInt32), and the 32-byte digest. A damaged or foreign file is treated as empty: the cache
/// only saves work, it never decides content.
public struct StatCache: Sendable {
  static let magic = Array("MLVSTAT1".utf8)
  /// Entries by path from the repository root.
  public private(set) var entries: [BytewisePath: StatEntry] = [:]
  /// Whether anything changed since loading.
  public private(set) var isDirty = false
  /// A file modified less than this before it was looked at is "racy": a second change in the same
  /// timestamp tick would go unseen, so such entries are not recorded (git's "racy git" problem).
  public static let racyWindow: Int64 = 20_000_000

  /// An empty cache.
  public init() {}

  /// The content id of `path` if its status `st` still matches what was cached (racy entries are never recorded).
  public func lookup(_ path: String, _ st: stat) -> StatEntry? {
    guard let entry = entries[BytewisePath(path)], entry.kind != .directory, entry.matches(st) else { return nil }
    return entry
  }

  /// The directory record for `path`.
  public func directoryRecord(_ path: String) -> StatEntry? {
    guard let entry = entries[BytewisePath(path)], entry.kind == .directory else { return nil }
    return entry
  }

  /// Records an entry, unless its file was modified too recently to be sure of it.
  public mutating func record(_ path: String, _ entry: StatEntry) {
    if entry.kind != .directory && max(entry.mtime, entry.ctime) + Self.racyWindow >= Self.now() {
      if entries.removeValue(forKey: BytewisePath(path)) != nil { isDirty = true }
      return
    }
    if entries[BytewisePath(path)] != entry {
      entries[BytewisePath(path)] = entry
      isDirty = true
    }
  }

  /// Records an entry without the racy-timestamp rule, for files only mlv touches (`.mlv/cache/parked`),
  /// whose identity the caller has just checked.
  public mutating func recordTrusted(_ path: String, _ entry: StatEntry) {
    entries[BytewisePath(path)] = entry
    isDirty = true
  }

  /// Forgets `path` and everything under it.
  public mutating func forget(_ path: String) {
    let prefix = path + "/"
    for key in entries.keys where key.value.utf8.elementsEqual(path.utf8) || key.value.utf8.starts(with: prefix.utf8) {
      entries[key] = nil
      isDirty = true
    }
  }

  /// The wall clock in nanoseconds.
  public static func now() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
  }

  /// Loads the cache at `file`; a missing or damaged file gives an empty cache.
  public static func load(_ file: String) -> StatCache {
    var cache = StatCache()
    guard let handle = try? FileHandle(path: file, flags: O_RDONLY), let bytes = try? handle.readAll() else { return cache }
    bytes.withUnsafeBytes { buf in
      var reader = ByteReader(buf)
      guard reader.bytes(8).map(Array.init) == magic, let count = reader.uint32() else { return }
      var entries: [BytewisePath: StatEntry] = [:]
      entries.reserveCapacity(min(Int(count), buf.count / 95))
      for _ in 0..<count {
        guard let length = reader.uint16(), let pathBytes = reader.bytes(Int(length)),
          let dev = reader.uint64(), let ino = reader.uint64(), let size = reader.uint64(),
          let mtime = reader.int64(), let ctime = reader.int64(), let kindByte = reader.uint8(),
          let exec = reader.uint8(), let n = reader.uint32(), let digest = reader.bytes(32), kindByte < 3
        else { return }
        let kind: TrackedKind = kindByte == 0 ? .blob : kindByte == 1 ? .chunked : .directory
        var entry = StatEntry(directory: ObjectID(digest: digest), files: Int(n))
        (entry.device, entry.inode, entry.size, entry.mtime, entry.ctime) = (dev, ino, size, mtime, ctime)
        entry.kind = kind
        entry.executable = exec != 0
        entries[BytewisePath(String(decoding: pathBytes, as: UTF8.self))] = entry
      }
      guard reader.atEnd else { return }
      cache.entries = entries
    }
    return cache
  }

  /// Writes the cache atomically to `file`.
  public func save(_ file: String) throws {
    var out = Self.magic
    out.reserveCapacity(entries.count * 120 + 32)
    func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
    let kept = entries.filter { $0.key.value.utf8.count <= Int(UInt16.max) }
    put(UInt32(kept.count))
    for (path, e) in kept {
      let p = Array(path.value.utf8)
      put(UInt16(p.count))
      out.append(contentsOf: p)
      put(e.device)
      put(e.inode)
      put(e.size)
      put(e.mtime)
      put(e.ctime)
      put(UInt8(e.kind == .blob ? 0 : e.kind == .chunked ? 1 : 2))
      put(UInt8(e.executable ? 1 : 0))
      put(e.count)
      out.append(contentsOf: e.id.bytes)
    }
    try makeDirectories(parentDirectory(file))
    try writeFileAtomically(file, out, durable: false)
  }
}

/// Reads little-endian values from a buffer, returning nil past its end.
struct ByteReader {
  let buffer: UnsafeRawBufferPointer
  var offset = 0

  init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

  var atEnd: Bool { offset == buffer.count }

  mutating func bytes(_ n: Int) -> UnsafeRawBufferPointer? {
    guard n >= 0, offset + n <= buffer.count else { return nil }
    defer { offset += n }
    return UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + n])
  }

  mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
    guard let b = bytes(MemoryLayout<T>.size) else { return nil }
    var v: T = 0
    withUnsafeMutableBytes(of: &v) { $0.copyMemory(from: b) }
    return T(littleEndian: v)
  }

  mutating func uint8() -> UInt8? { integer(UInt8.self) }
  mutating func uint16() -> UInt16? { integer(UInt16.self) }
  mutating func uint32() -> UInt32? { integer(UInt32.self) }
  mutating func uint64() -> UInt64? { integer(UInt64.self) }
  mutating func int64() -> Int64? { integer(Int64.self) }
}
