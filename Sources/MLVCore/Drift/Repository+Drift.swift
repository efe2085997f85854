import MLVData
import MLVGit
import MLVStore

/// Why drift cannot find its reference data.
public enum DriftReferenceError: UserFacingError, Equatable {
  /// Several recorded stages read tables, and none was named.
  case ambiguousStage(side: String, stages: [String])
  /// The stage read no table, or several; or no stage read one.
  case noTable(stage: String, side: String)
  case noStageReadATable(side: String)
  case severalTables(stage: String, side: String, paths: [String])
  /// The table the run read is neither in the store nor, unchanged, in Git.
  case notStored(path: String, stage: String, side: String, id: ObjectID)

  public var message: String {
    switch self {
    case .ambiguousStage(let side, let stages):
      return "several stages recorded at \(side) read tables: \(stages.map { "'\($0)'" }.joined(separator: ", "))"
    case .noTable(let stage, let side): return "stage '\(stage)' at \(side) read no table (CSV, TSV or JSON Lines)"
    case .noStageReadATable(let side): return "no stage recorded at \(side) read a table (CSV, TSV or JSON Lines)"
    case .severalTables(let stage, let side, let paths):
      return "stage '\(stage)' at \(side) read several tables: \(paths.map { "'\($0)'" }.joined(separator: ", "))"
    case .notStored(let path, let stage, let side, _):
      return "the version of '\(path)' that stage '\(stage)' read at \(side) is not in the store"
    }
  }

  public var hint: String? {
    switch self {
    case .ambiguousStage: return "name one with --stage"
    case .noTable, .noStageReadATable: return "pass the reference table with --reference PATH"
    case .severalTables(_, _, let paths):
      return
        "choose one with --reference \(paths[0]) (with --rev, its version committed there), or track the one to compare as the stage's only table"
    case .notStored:
      return "track training data with 'mlv add' before 'mlv run' so the store keeps the exact version; or pass --reference"
    }
  }

  public var exitStatus: ExitStatus {
    if case .notStored = self { return .storeIntegrity }
    return .invalidInput
  }
}

/// Where a drift reference came from, for the report.
public struct DriftReferenceSource: Sendable {
  /// The stage whose run read it (nil for `--reference`).
  public var stage: String?
  /// The run record's id.
  public var record: ObjectID?
  /// The revision it was resolved at (`workspace` without `--rev`).
  public var revision: String
}

extension Repository {
  /// The training data of the run recorded at `revision` (the work tree's `mlv.lock` when nil):
  /// the one table that `stage` (or the only stage that read a table) depended on, exactly as
  /// the run read it, from the store without a checkout.
  public func driftReference(revision: String?, stage: String?, format: TableFormat?) throws -> (
    input: TableInput, source: DriftReferenceSource
  ) {
    let side = try side(revision)
    let lock = try lockFile(on: side)
    let label = side == .workspace ? "the work tree" : "'\(side.label)'"
    guard !lock.stages.isEmpty else { throw RunError.noRecordedRun(side == .workspace ? "the work tree" : "'\(side.label)'") }
    func tables(_ locked: LockedStage) -> [String] {
      locked.deps.keys.filter { format != nil || TableFormat(fileName: $0) != nil }.sorted()
    }
    let name: String
    if let stage {
      guard lock.stages[stage] != nil else { throw RunError.unknownStage(stage, known: lock.stages.keys.sorted()) }
      name = stage
    } else {
      let reading = lock.stages.filter { !tables($0.value).isEmpty }.keys.sorted()
      guard reading.count <= 1 else { throw DriftReferenceError.ambiguousStage(side: label, stages: reading) }
      guard let only = reading.first ?? (lock.stages.count == 1 ? lock.stages.keys.first : nil) else {
        throw DriftReferenceError.noStageReadATable(side: label)
      }
      name = only
    }
    let locked = lock.stages[name]!
    let paths = tables(locked)
    guard let path = paths.first else { throw DriftReferenceError.noTable(stage: name, side: label) }
    guard paths.count == 1 else { throw DriftReferenceError.severalTables(stage: name, side: label, paths: paths) }
    let record = try RunRecord.decode(store.read(locked.record))
    guard let dep = record.deps.first(where: { $0.path == path }) else {
      throw RunError.malformedFile("run record", reason: "'\(path)' is not among its dependencies")
    }
    let display = "\(path)@\(side == .workspace ? "workspace" : side.label)"
    let source = DriftReferenceSource(stage: name, record: locked.record, revision: side.label)
    switch dep.kind {
    case .directory:
      throw ContractError.directory(display)
    case .chunked:
      guard store.contains(dep.id) else { throw DriftReferenceError.notStored(path: path, stage: name, side: label, id: dep.id) }
      return (try storedInput(kind: .chunked, id: dep.id, name: display, path: path, format: format, contract: nil), source)
    case .blob:
      if store.contains(dep.id) {
        return (try storedInput(kind: .blob, id: dep.id, name: display, path: path, format: format, contract: nil), source)
      }
      // A small table kept in Git rather than the store: read that version if it is the one
      // the run read (its hash says so).
      if let bytes = try read(path, on: side), SHA256.hash(bytes) == dep.id {
        guard let format = format ?? TableFormat(fileName: path) else { throw DataError.unknownFormat(file: display) }
        let open: () throws -> any ByteSource = {
          var piece: [UInt8]? = bytes
          return PiecesByteSource {
            defer { piece = nil }
            return piece
          }
        }
        let input = TableInput(name: display, format: format, open: open, object: nil, contract: nil)
        return (input, source)
      }
      throw DriftReferenceError.notStored(path: path, stage: name, side: label, id: dep.id)
    }
  }
}
