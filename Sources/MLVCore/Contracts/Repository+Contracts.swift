import MLVData
import MLVGit
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A table to read: where its bytes come from, what to call it, and its contract if one is attached.
public struct TableInput {
  /// The name in messages (the path the user gave, or the tracked path and revision).
  public let name: String
  /// Its format.
  public let format: TableFormat
  /// Opens its bytes (again, for a second pass).
  public let open: () throws -> any ByteSource
  /// The store object holding it, when it is read from the store (the key of the check cache).
  public let object: ObjectID?
  /// The attached contract: its name and bytes.
  public internal(set) var contract: (name: String, bytes: [UInt8])?
}

/// Contracts for plain files, outside any repository.
public enum Tables {
  /// A file on disk.
  public static func file(_ path: String, displayName: String? = nil, format: TableFormat?) throws -> TableInput {
    let name = displayName ?? path
    guard let st = fileStatus(path) else { throw CoreError.pathNotFound(name) }
    if st.st_mode & S_IFMT == S_IFDIR { throw ContractError.directory(name) }
    guard let format = format ?? TableFormat(fileName: path) else { throw DataError.unknownFormat(file: name) }
    return TableInput(name: name, format: format, open: { try FileByteSource(path: path) }, object: nil, contract: nil)
  }

  /// Reads and parses a contract file.
  public static func contract(at path: String, name: String) throws -> Contract {
    guard fileStatus(path) != nil else { throw CoreError.pathNotFound(name) }
    return try Contract.parse(FileHandle(path: path, flags: O_RDONLY).readAll(), name: name)
  }

  /// Checks `input` against `contract`.
  public static func check(_ input: TableInput, contract: Contract, contractName: String, maxErrors: Int) throws -> CheckReport {
    try ContractChecker.check(
      input.open(), reader: TableReader(format: input.format, name: input.name), contract: contract,
      contractName: contractName, maxErrors: maxErrors)
  }

  /// Infers a contract from `input`.
  public static func infer(_ input: TableInput) throws -> (contract: Contract, rows: Int) {
    try ContractInference.infer(input.open(), reader: TableReader(format: input.format, name: input.name))
  }
}

extension Repository {
  /// The table at `userPath`: the work-tree file, or at `revision` the tracked version read
  /// from the store without a checkout. Its attached contract comes from the same place.
  public func tableInput(_ userPath: String, revision: String?, format: TableFormat?, cwd: String) throws -> TableInput {
    var path = try repositoryPath(userPath, cwd: cwd)
    if path.hasSuffix(Pointer.suffix) { path.removeLast(Pointer.suffix.count) }
    if let revision {
      let commit = try git.resolveCommit(revision)
      guard let blob = try git.file(at: commit, path: path + Pointer.suffix) else {
        throw CoreError.notTracked("\(path)@\(revision)")
      }
      let pointer = try Pointer.parse(git.blob(blob), name: path + Pointer.suffix)
      let name = "\(path)@\(revision)"
      var contract: (String, [UInt8])?
      if let c = pointer.contract {
        guard let cb = try git.file(at: commit, path: c) else {
          throw ContractError.contractMissing(contract: "\(c)@\(revision)", data: name)
        }
        contract = ("\(c)@\(revision)", try git.blob(cb))
      }
      return try storedInput(pointer, name: name, path: path, format: format, contract: contract)
    }
    let pointer = (try? FileHandle(path: absolute(path + Pointer.suffix), flags: O_RDONLY).readAll()).flatMap {
      try? Pointer.parse($0, name: path + Pointer.suffix)
    }
    var contract: (String, [UInt8])?
    if let c = pointer?.contract {
      guard let bytes = try? FileHandle(path: absolute(c), flags: O_RDONLY).readAll() else {
        throw ContractError.contractMissing(contract: c, data: path)
      }
      contract = (c, bytes)
    }
    if let pointer, fileStatus(absolute(path)) == nil {
      // Tracked but not checked out: read the pointer's version from the store.
      return try storedInput(pointer, name: path, path: path, format: format, contract: contract)
    }
    var input = try Tables.file(absolute(path), displayName: userPath, format: format)
    input.contract = contract
    return input
  }

  /// A tracked file read from the store, every chunk verified against its hash.
  func storedInput(_ pointer: Pointer, name: String, path: String, format: TableFormat?, contract: (String, [UInt8])?) throws -> TableInput
  {
    try storedInput(kind: pointer.kind, id: pointer.id, name: name, path: path, format: format, contract: contract)
  }

  /// A tracked file's content by its kind and id, read from the store.
  func storedInput(kind: TrackedKind, id: ObjectID, name: String, path: String, format: TableFormat?, contract: (String, [UInt8])?) throws
    -> TableInput
  {
    if kind == .directory { throw ContractError.directory(name) }
    guard let format = format ?? TableFormat(fileName: path) else { throw DataError.unknownFormat(file: name) }
    let open: () throws -> any ByteSource = { [store] in
      // A blob is one piece; a chunked file its chunks in order. Every read verifies its hash.
      let pieces = kind == .blob ? [id] : try self.readFileManifest(id).chunks.map(\.id)
      var next = 0
      return PiecesByteSource {
        guard next < pieces.count else { return nil }
        next += 1
        return try store.read(pieces[next - 1])
      }
    }
    return TableInput(name: name, format: format, open: open, object: id, contract: contract)
  }

  /// Attaches `contract` (a path; nil detaches) to tracked data by rewriting its pointer.
  public func attachContract(_ userPath: String, contract userContract: String?, cwd: String) throws -> (pointer: String, contract: String?)
  {
    var path = try repositoryPath(userPath, cwd: cwd)
    if path.hasSuffix(Pointer.suffix) { path.removeLast(Pointer.suffix.count) }
    let pointerPath = path + Pointer.suffix
    guard let bytes = try? FileHandle(path: absolute(pointerPath), flags: O_RDONLY).readAll() else { throw CoreError.notTracked(path) }
    var pointer = try Pointer.parse(bytes, name: pointerPath)
    if userContract != nil { try checkAttachable(path, kind: pointer.kind) }
    let contract = try userContract.map { try checkedContractPath($0, cwd: cwd) }
    pointer.contract = contract
    try withWriteLock { try writeFileAtomically(absolute(pointerPath), Array(pointer.text().utf8), durable: config.fsync) }
    return (pointerPath, contract)
  }

  /// A contract file's path from the root, after checking that it exists and parses.
  func checkedContractPath(_ userPath: String, cwd: String) throws -> String {
    let c = try repositoryPath(userPath, cwd: cwd)
    guard !c.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
      throw CoreError.cannotTrack(userPath, reason: "a contract's path must not contain control characters")
    }
    guard fileStatus(absolute(c)).map({ $0.st_mode & S_IFMT == S_IFREG }) == true else { throw CoreError.pathNotFound(userPath) }
    _ = try Contract.parse(FileHandle(path: absolute(c), flags: O_RDONLY).readAll(), name: c)
    return c
  }

  /// Contracts apply to single CSV, TSV or JSON Lines files, which the hooks can check.
  func checkAttachable(_ path: String, kind: TrackedKind) throws {
    if kind == .directory { throw ContractError.directory(path) }
    guard TableFormat(fileName: path) != nil else { throw DataError.unknownFormat(file: path) }
  }

  // MARK: The check cache

  /// Where a passed check of `object` against contract bytes is remembered.
  func checkCachePath(object: ObjectID, format: TableFormat, contract: [UInt8]) -> String {
    // The checker's version is part of the key: a release that checks differently starts afresh.
    let key = SHA256.hash(Array("mlv-contract-check 2\n\(object)\n\(format.rawValue)\n\(SHA256.hash(contract))\n".utf8))
    return mlvDirectory + "/cache/contracts/" + key.hex
  }

  /// Checks a tracked version against its contract, skipping the work when this very object
  /// passed this very contract before.
  public func checkCached(_ input: TableInput, maxErrors: Int) throws -> CheckReport? {
    guard let (name, bytes) = input.contract else { return nil }
    let marker = input.object.map { checkCachePath(object: $0, format: input.format, contract: bytes) }
    if let marker, let text = try? FileHandle(path: marker, flags: O_RDONLY).readAll(),
      let rows = Int(String(decoding: text, as: UTF8.self))
    {
      return CheckReport(data: input.name, contract: name, rows: rows)
    }
    let report = try Tables.check(input, contract: Contract.parse(bytes, name: name), contractName: name, maxErrors: maxErrors)
    if report.valid, let marker {
      try? makeDirectories(parentDirectory(marker))
      try? writeFileAtomically(marker, Array(String(report.rows).utf8), durable: false)
    }
    return report
  }

  /// Checks the pointer's version of each artifact that has a contract (for `add` and `status`).
  public func contractReports(_ artifacts: [TrackedArtifact]) -> [(artifact: TrackedArtifact, report: CheckReport?, problem: String?)] {
    var out: [(TrackedArtifact, CheckReport?, String?)] = []
    for artifact in artifacts {
      guard let c = artifact.pointer.contract else { continue }
      do {
        guard let bytes = try? FileHandle(path: absolute(c), flags: O_RDONLY).readAll() else {
          throw ContractError.contractMissing(contract: c, data: artifact.dataPath)
        }
        guard artifact.pointer.kind != .directory else { continue }
        guard Self.holds(store, artifact.pointer.id, artifact.pointer.kind == .chunked ? .chunked : .blob) else { continue }
        let input = try storedInput(artifact.pointer, name: artifact.dataPath, path: artifact.dataPath, format: nil, contract: (c, bytes))
        out.append((artifact, try checkCached(input, maxErrors: 5), nil))
      } catch let error as UserFacingError {
        out.append((artifact, nil, error.message))
      } catch {
        out.append((artifact, nil, "\(error)"))
      }
    }
    return out
  }
}
