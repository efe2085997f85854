#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The object store on the local disk: `objects/<2 hex>/<62 hex>`, temporary files in `tmp/`.
public struct LocalStore: ObjectStore {
  /// The `objects` directory.
  public let objectsPath: String
  /// Where objects are written before they are renamed into place.
  public let temporaryPath: String
  /// Whether each object is flushed to disk before it is renamed into place.
  public let durable: Bool
  /// When objects are compressed.
  public let compression: CompressionPolicy

  /// A store rooted at `objectsPath`, writing temporary files under `temporaryPath`.
  public init(objectsPath: String, temporaryPath: String, durable: Bool = false, compression: CompressionPolicy = .auto) {
    self.objectsPath = objectsPath
    self.temporaryPath = temporaryPath
    self.durable = durable
    self.compression = compression
  }

  /// Where the object `id` lives.
  public func path(of id: ObjectID) -> String {
    let hex = id.hex
    return "\(objectsPath)/\(hex.prefix(2))/\(hex.dropFirst(2))"
  }

  public func contains(_ id: ObjectID) -> Bool {
    guard let st = fileStatus(path(of: id)) else { return false }
    // A file too short to hold a header cannot be a finished object (a crash can leave one
    // empty on file systems that do not order data before metadata): treat it as absent, so
    // `write` replaces it.
    return (st.st_mode & S_IFMT) == S_IFREG && Int(st.st_size) >= ObjectEncoding.headerSize
  }

  public func storedSize(_ id: ObjectID) -> Int? {
    guard let st = fileStatus(path(of: id)) else { return nil }
    return Int(st.st_size)
  }

  @discardableResult
  public func write(_ content: UnsafeRawBufferPointer, id: ObjectID, role: ObjectRole) throws -> Bool {
    if contains(id) { return false }
    var encoding = ObjectEncoding.raw
    var compressed: [UInt8] = []
    let shouldTry = compression == .zlib || (compression == .auto && role == .metadata)
    if shouldTry && content.count >= 64 {
      compressed = Zlib.compress(content, level: role == .metadata ? 6 : 1)
      if compressed.count * 10 <= content.count * 9 { encoding = .zlib }
    }
    let header = encoding.header(contentLength: content.count)
    return try place(id) { file in
      if encoding == .zlib {
        try (header + compressed).withUnsafeBytes { try file.writeAll($0) }
      } else {
        try header.withUnsafeBytes { try file.writeAll(header: $0, body: content) }
      }
    }
  }

  /// Stores an object file's bytes as they are (a header and payload, as a remote holds them).
  /// The caller has verified them with `decode`; returns false when the object was present.
  @discardableResult
  public func writeStored(_ stored: UnsafeRawBufferPointer, id: ObjectID) throws -> Bool {
    if contains(id) { return false }
    return try place(id) { file in try file.writeAll(stored) }
  }

  /// The object file's bytes as stored (header and payload), not verified: for copying an
  /// object to a remote, which verifies them with `decode` first.
  public func readStored(_ id: ObjectID) throws -> [UInt8] {
    do {
      return try FileHandle(path: path(of: id), flags: O_RDONLY).readAll()
    } catch StoreError.io(_, _, ENOENT) {
      throw StoreError.missing(id)
    }
  }

  /// Writes an object file with `writeBody` and gives it its name only once it is complete.
  private func place(_ id: ObjectID, writeBody body: (FileHandle) throws -> Void) throws -> Bool {
    let final = path(of: id)
    func writeBody(_ file: FileHandle) throws {
      try body(file)
      if durable { try file.sync() }
    }
    // Preferred: an unnamed file in the object's own directory, linked into place when complete.
    // Nothing half-written ever has a name, and a killed process leaves nothing behind.
    if let file = try openUnnamed(in: parentDirectory(final)) {
      try writeBody(file)
      for attempt in 0..<2 {
        if linkat(AT_FDCWD, "/proc/self/fd/\(file.fd)", AT_FDCWD, final, AT_SYMLINK_FOLLOW) == 0 {
          if durable { syncDirectory(parentDirectory(final)) }
          return true
        }
        guard errno == EEXIST else { break }
        // Present, unless it is a stub too short to be an object (left by a crash): replace that.
        guard attempt == 0, !contains(id) else { return false }
        guard unlink(final) == 0 else { throw systemError(errno, path: final, operation: "replace") }
      }
      guard errno == ENOENT || errno == EPERM || errno == EXDEV else { throw systemError(errno, path: final, operation: "link") }
    }
    // Fallback: a named temporary file, renamed into place.
    let temp = "\(temporaryPath)/\(uniqueTemporaryName(id.hex))"
    do {
      let file: FileHandle
      do {
        file = try FileHandle(path: temp, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o444)
      } catch let error as StoreError where errnoIsMissingDirectory(error) {
        try makeDirectories(temporaryPath)
        file = try FileHandle(path: temp, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o444)
      }
      try writeBody(file)
      if rename(temp, final) != 0 {
        guard errno == ENOENT else { throw systemError(errno, path: final, operation: "rename") }
        try makeDirectories(parentDirectory(final))
        guard rename(temp, final) == 0 else { throw systemError(errno, path: final, operation: "rename") }
      }
      if durable { syncDirectory(parentDirectory(final)) }
    } catch {
      unlink(temp)
      throw error
    }
    return true
  }

  public func read(_ id: ObjectID) throws -> [UInt8] { try Self.decode(readStored(id), id: id) }

  /// Checks and decodes the bytes of an object file.
  public static func decode(_ stored: [UInt8], id: ObjectID) throws -> [UInt8] {
    try stored.withUnsafeBytes { try check($0, id: id, returningContent: true)! }
  }

  /// Checks the bytes of an object file without keeping its content (a raw object is hashed
  /// where it lies): for objects that are copied as they are stored, to or from a remote.
  public static func verify(_ stored: UnsafeRawBufferPointer, id: ObjectID) throws {
    _ = try check(stored, id: id, returningContent: false)
  }

  private static func check(_ stored: UnsafeRawBufferPointer, id: ObjectID, returningContent: Bool) throws -> [UInt8]? {
    guard let (encoding, length) = ObjectEncoding.parseHeader(stored) else { throw StoreError.corrupt(id, reason: "bad header") }
    let payload = UnsafeRawBufferPointer(rebasing: stored[ObjectEncoding.headerSize...])
    switch encoding {
    case .raw:
      guard payload.count == length else {
        throw StoreError.corrupt(id, reason: "expected \(length) bytes, found \(payload.count)")
      }
      guard SHA256.hash(payload) == id else { throw StoreError.corrupt(id, reason: "content does not match its hash") }
      Progress.advance(length)
      return returningContent ? Array(payload) : nil
    case .zlib:
      // zlib cannot expand more than 1032:1; a length beyond that is a damaged header.
      guard length <= payload.count * 1032 + 64, length <= Int(UInt32.max) else { throw StoreError.corrupt(id, reason: "bad header") }
      guard let content = Zlib.decompress(payload, expectedCount: length) else {
        throw StoreError.corrupt(id, reason: "damaged zlib stream")
      }
      guard SHA256.hash(content) == id else { throw StoreError.corrupt(id, reason: "content does not match its hash") }
      Progress.advance(length)
      return content
    }
  }

  public func allObjects() throws -> [ObjectID] {
    var ids: [ObjectID] = []
    guard let top = opendir(objectsPath) else {
      if errno == ENOENT { return [] }
      throw systemError(errno, path: objectsPath, operation: "list")
    }
    defer { closedir(top) }
    while let entry = readdir(top) {
      let prefix = directoryEntryName(entry)
      guard prefix.utf8.count == 2 else { continue }
      let sub = "\(objectsPath)/\(prefix)"
      guard let dir = opendir(sub) else { continue }
      while let e = readdir(dir) {
        let rest = directoryEntryName(e)
        if let id = ObjectID(hex: prefix + rest) { ids.append(id) }
      }
      closedir(dir)
    }
    return ids
  }

  public func remove(_ id: ObjectID) throws {
    let p = path(of: id)
    if unlink(p) != 0 && errno != ENOENT { throw systemError(errno, path: p, operation: "remove") }
  }
}

/// `O_TMPFILE` (Linux): not imported into Swift because it is a compound macro.
let openTemporaryFile: Int32 = 0o20_200_000

/// An unnamed file in `directory`, or nil when the file system cannot make one.
func openUnnamed(in directory: String) throws -> FileHandle? {
  #if os(Linux)
    for attempt in 0..<2 {
      let fd = open(directory, openTemporaryFile | O_WRONLY | O_CLOEXEC, 0o444)
      if fd >= 0 { return FileHandle(owning: fd, path: directory) }
      if errno == ENOENT && attempt == 0 {
        try makeDirectories(directory)
        continue
      }
      if errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL || errno == ENOENT { return nil }
      throw systemError(errno, path: directory, operation: "create a file in")
    }
  #endif
  return nil
}

func errnoIsMissingDirectory(_ error: StoreError) -> Bool {
  if case .io(_, _, ENOENT) = error { return true }
  return false
}

/// The name in a `dirent`.
public func directoryEntryName(_ entry: UnsafeMutablePointer<dirent>) -> String {
  withUnsafePointer(to: &entry.pointee.d_name) { ptr in
    ptr.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
  }
}
