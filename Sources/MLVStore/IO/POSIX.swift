#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The text of an errno value.
public func errnoDescription(_ code: Int32) -> String {
  String(cString: strerror(code)).lowercased()
}

/// Turns a failed system call on `path` into the store error a user can act on.
public func systemError(_ code: Int32, path: String, operation: String) -> StoreError {
  switch code {
  case ENOSPC, EDQUOT: return .diskFull(path: path)
  case EROFS: return .notWritable(path: path, reason: errnoDescription(code))
  case EACCES, EPERM: return .permissionDenied(path: path, operation: operation)
  default: return .io(path: path, operation: operation, code: code)
  }
}

/// An open file descriptor, closed when released.
public final class FileHandle: @unchecked Sendable {
  /// The descriptor.
  public let fd: Int32
  /// The path it was opened with, for messages.
  public let path: String

  /// Opens `path` with `flags` (and `mode` when creating).
  public init(path: String, flags: Int32, mode: mode_t = 0o644) throws {
    let fd = open(path, flags | O_CLOEXEC, mode)
    guard fd >= 0 else { throw systemError(errno, path: path, operation: "open") }
    self.fd = fd
    self.path = path
  }

  /// Takes ownership of an open descriptor.
  public init(owning fd: Int32, path: String) {
    self.fd = fd
    self.path = path
  }

  deinit { close(fd) }

  /// The file's status.
  public func status() throws -> stat {
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw systemError(errno, path: path, operation: "stat") }
    return st
  }

  /// Writes all of `bytes` at the current offset.
  public func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < bytes.count {
      let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
      if n < 0 {
        if errno == EINTR { continue }
        throw systemError(errno, path: path, operation: "write")
      }
      offset += n
    }
  }

  /// Writes `header` then `body` with as few system calls as possible (one, normally).
  public func writeAll(header: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer) throws {
    var vectors = [
      iovec(iov_base: UnsafeMutableRawPointer(mutating: header.baseAddress), iov_len: header.count),
      iovec(iov_base: UnsafeMutableRawPointer(mutating: body.baseAddress), iov_len: body.count),
    ]
    let total = header.count + body.count
    let n = writev(fd, &vectors, 2)
    if n == total { return }
    if n < 0 && errno != EINTR { throw systemError(errno, path: path, operation: "write") }
    // A short write: finish the rest plainly.
    let done = max(n, 0)
    if done < header.count {
      try writeAll(UnsafeRawBufferPointer(rebasing: header[done...]))
      try writeAll(body)
    } else {
      try writeAll(UnsafeRawBufferPointer(rebasing: body[(done - header.count)...]))
    }
  }

  /// Writes all of `bytes` at `position`, leaving the file offset alone (safe from several threads).
  public func writeAll(_ bytes: UnsafeRawBufferPointer, at position: Int) throws {
    var offset = 0
    while offset < bytes.count {
      let n = pwrite(fd, bytes.baseAddress! + offset, bytes.count - offset, off_t(position + offset))
      if n < 0 {
        if errno == EINTR { continue }
        throw systemError(errno, path: path, operation: "write")
      }
      offset += n
    }
  }

  /// Reads exactly `count` bytes at `position` into `buffer`; returns fewer only at end of file.
  public func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int) throws -> Int {
    var offset = 0
    while offset < buffer.count {
      let n = pread(fd, buffer.baseAddress! + offset, buffer.count - offset, off_t(position + offset))
      if n < 0 {
        if errno == EINTR { continue }
        throw systemError(errno, path: path, operation: "read")
      }
      if n == 0 { break }
      offset += n
    }
    return offset
  }

  /// Reads the whole file, to its end: past `st_size` too, for files under `/proc` (which
  /// report a size of 0) and files that grow while read.
  public func readAll() throws -> [UInt8] {
    let size = Int(try status().st_size)
    var out = [UInt8](repeating: 0, count: size)
    let n = try out.withUnsafeMutableBytes { (buf) throws -> Int in try read(into: buf, at: 0) }
    if n < size {
      out.removeSubrange(n...)
      return out
    }
    // Files in /proc report size 0 and must be read to their end; others are read in one go.
    guard size == 0 else { return out }
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let more = try chunk.withUnsafeMutableBytes { (buf) throws -> Int in try read(into: buf, at: out.count) }
      if more == 0 { return out }
      out += chunk[0..<more]
    }
  }

  /// Flushes the file's data to the disk.
  public func sync() throws {
    guard fsync(fd) == 0 else { throw systemError(errno, path: path, operation: "sync") }
  }
}

/// Flushes a directory so that a rename inside it survives a power loss.
public func syncDirectory(_ path: String) {
  let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
  guard fd >= 0 else { return }
  _ = fsync(fd)
  close(fd)
}

/// Creates `path` and its parents; an existing directory is success.
public func makeDirectories(_ path: String) throws {
  if mkdir(path, 0o755) == 0 { return }
  if errno == EEXIST {
    guard let st = fileStatus(path), st.st_mode & S_IFMT != S_IFREG else {
      throw systemError(ENOTDIR, path: path, operation: "create directory")
    }
    return
  }
  if errno == ENOENT {
    let parent = parentDirectory(path)
    if parent != path && !parent.isEmpty {
      try makeDirectories(parent)
      if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
    }
  }
  throw systemError(errno, path: path, operation: "create directory")
}

/// The directory part of `path` ("" for a bare name).
public func parentDirectory(_ path: String) -> String {
  guard let slash = path.lastIndex(of: "/") else { return "" }
  if slash == path.startIndex { return "/" }
  return String(path[..<slash])
}

/// The last component of `path`.
public func lastComponent(_ path: String) -> String {
  guard let slash = path.lastIndex(of: "/") else { return path }
  return String(path[path.index(after: slash)...])
}

/// `lstat` without throwing: nil when the path does not exist.
public func fileStatus(_ path: String) -> stat? {
  var st = stat()
  return lstat(path, &st) == 0 ? st : nil
}

/// A name for a temporary file that no other process or thread will pick.
public func uniqueTemporaryName(_ stem: String) -> String {
  "\(stem).\(getpid()).\(UInt64.random(in: 0...UInt64.max) & 0xFFFF_FFFF_FFFF)"
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, optionally flushed, then renamed.
public func writeFileAtomically(_ path: String, _ bytes: [UInt8], durable: Bool = true, mode: mode_t = 0o644) throws {
  let dir = parentDirectory(path)
  let temp = (dir.isEmpty ? "" : dir + "/") + uniqueTemporaryName("." + lastComponent(path) + ".tmp")
  do {
    let file = try FileHandle(path: temp, flags: O_WRONLY | O_CREAT | O_EXCL, mode: mode)
    try bytes.withUnsafeBytes { buf in try file.writeAll(buf) }
    if durable { try file.sync() }
  } catch {
    unlink(temp)
    throw error
  }
  guard rename(temp, path) == 0 else {
    let code = errno
    unlink(temp)
    throw systemError(code, path: path, operation: "rename")
  }
  if durable { syncDirectory(dir.isEmpty ? "." : dir) }
}
