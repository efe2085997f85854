/// Failures of the object store and of the files it reads and writes.
public enum StoreError: UserFacingError, Equatable {
  /// The object is not in the store.
  case missing(ObjectID)
  /// The object's bytes do not hash to its name, or its encoding is damaged.
  case corrupt(ObjectID, reason: String)
  /// The disk is full.
  case diskFull(path: String)
  /// The file system refused a write (read-only, permissions).
  case notWritable(path: String, reason: String)
  /// The operating system refused access to a path.
  case permissionDenied(path: String, operation: String)
  /// Any other system call failure.
  case io(path: String, operation: String, code: Int32)
  /// A manifest that cannot be parsed or that breaks a rule of the format.
  case malformedManifest(ObjectID, reason: String)
  /// A path that is not acceptable inside a manifest or pointer.
  case unsafePath(String)
  /// A file whose size changed while it was being read.
  case changedWhileReading(path: String)

  public var message: String {
    switch self {
    case .missing(let id): return "object \(id) is missing from the store"
    case .corrupt(let id, let reason): return "object \(id) is corrupt: \(reason)"
    case .diskFull(let path): return "cannot write '\(path)': no space left on device"
    case .notWritable(let path, let reason): return "cannot write '\(printable(path))': \(reason)"
    case .permissionDenied(let path, let operation): return "cannot \(operation) '\(printable(path))': permission denied"
    case .io(let path, let operation, let code): return "cannot \(operation) '\(printable(path))': \(errnoDescription(code))"
    case .malformedManifest(let id, let reason): return "manifest \(id) is malformed: \(reason)"
    case .unsafePath(let path): return "unsafe path '\(printable(path))': it must be relative and stay inside its directory"
    case .changedWhileReading(let path): return "'\(path)' changed while it was being read"
    }
  }

  public var hint: String? {
    switch self {
    case .missing: return "run 'mlv fsck' to list every missing object; re-add the data with 'mlv add' if you still have it"
    case .corrupt: return "run 'mlv fsck' to find damaged objects; remove them and re-add the data"
    case .diskFull: return "free some space, then rerun the command; the store is unchanged"
    case .notWritable, .permissionDenied: return "check the permissions and mount options of the repository"
    case .changedWhileReading: return "rerun the command once nothing is writing to it"
    default: return nil
    }
  }

  public var exitStatus: ExitStatus {
    switch self {
    case .missing, .corrupt, .malformedManifest: return .storeIntegrity
    case .diskFull, .notWritable, .permissionDenied, .io: return .ioFailure
    case .unsafePath, .changedWhileReading: return .invalidInput
    }
  }
}

/// `text` with control characters escaped (`\n`, `\u{1b}`…), so a hostile file name cannot
/// break the one-line `error:` convention or drive the terminal.
public func printable(_ text: String) -> String {
  var out = ""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    case _
    where scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
      || scalar.value == 0x2028 || scalar.value == 0x2029:
      out += "\\u{\(String(scalar.value, radix: 16))}"
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out
}
