import MLVData
import MLVStore

/// Why a request cannot be scored: its HTTP status (400 malformed, 415 content type, 422
/// contract), a message, and per-field violations for 422.
public struct ScoringError: Error, Sendable, Equatable {
  public let status: Int
  public let message: String
  public var violations: [InputViolation] = []

  public init(status: Int, message: String, violations: [InputViolation] = []) {
    self.status = status
    self.message = message
    self.violations = violations
  }

  static func malformed(_ message: String) -> ScoringError { ScoringError(status: 400, message: message) }
}

/// Reading request bodies into tables: MLflow's scoring protocol (`dataframe_split`,
/// `dataframe_records`, `instances`, `inputs`; JSON or CSV), mlv's own `/predict` JSON (the
/// same keys, plus `columns`), and Open Inference Protocol tensors.
public enum ScoringRequest {
  /// The keys a JSON scoring body may hold one of.
  public static let formats = ["dataframe_split", "dataframe_records", "instances", "inputs", "columns", "records"]

  /// A JSON body: one of `formats`; positional rows take the contract's column names.
  public static func decodeJSON(_ body: UnsafeRawBufferPointer, contract: Contract?) throws(ScoringError) -> RawTable {
    let json: JSON
    do { json = try JSON.parse(body) } catch { throw .malformed("the body is not valid JSON: \(error)") }
    return try table(json, contract: contract)
  }

  /// The table a parsed JSON body holds.
  public static func table(_ json: JSON, contract: Contract?) throws(ScoringError) -> RawTable {
    guard case .object(let pairs) = json else {
      throw .malformed("the body must be a JSON object with one of the keys \(formats.joined(separator: ", "))")
    }
    let present = pairs.filter { formats.contains($0.0) }
    guard present.count == 1 else {
      throw .malformed(
        present.isEmpty
          ? "the body must hold one of the keys \(formats.joined(separator: ", ")); it has \(pairs.isEmpty ? "none" : pairs.map { "'\($0.0)'" }.joined(separator: ", "))"
          : "the body holds several input formats (\(present.map { "'\($0.0)'" }.joined(separator: ", "))); send one")
    }
    let names = contract?.columns.map(\.name)
    let (key, value) = present[0]
    let table: RawTable
    switch key {
    case "dataframe_split": table = try split(value, names: names)
    case "dataframe_records", "records": table = try records(value, key: key)
    case "columns": table = try columnar(value, key: key)
    default:  // instances, inputs
      if case .object = value {
        table = try columnar(value, key: key)
      } else {
        table = try rows(value, key: key, names: names)
      }
    }
    guard table.rows > 0 else { throw .malformed("the request holds no rows") }
    return table
  }

  private static func split(_ value: JSON, names contractNames: [String]?) throws(ScoringError) -> RawTable {
    guard case .object = value, let data = value["data"]?.array else {
      throw .malformed("'dataframe_split' must be an object with 'columns' and 'data' (a list of rows)")
    }
    var names: [String]?
    if let columns = value["columns"] {
      guard let list = columns.array, list.allSatisfy({ $0.string != nil }) else {
        throw .malformed("'dataframe_split.columns' must be a list of column names")
      }
      names = list.map { $0.string! }
    }
    return try positional(data, names: names, contractNames: contractNames, key: "dataframe_split.data")
  }

  private static func positional(_ data: [JSON], names: [String]?, contractNames: [String]?, key: String) throws(ScoringError)
    -> RawTable
  {
    let width: Int
    if let first = data.first, case .array(let row) = first { width = row.count } else { width = names?.count ?? 1 }
    let columnNames =
      names ?? ((contractNames?.count == width) ? contractNames! : (0..<width).map { String($0) })
    guard columnNames.count == width else {
      throw .malformed("'\(key)' rows have \(width) values but there are \(columnNames.count) column names")
    }
    var cells = Array(repeating: [JSON](), count: width)
    for i in cells.indices { cells[i].reserveCapacity(data.count) }
    for (r, row) in data.enumerated() {
      guard case .array(let values) = row else {
        if width == 1, names == nil {
          cells[0].append(row)
          continue
        }
        throw .malformed("'\(key)' row \(r) is \(row.kind), not a list of values")
      }
      guard values.count == width else { throw .malformed("'\(key)' row \(r) has \(values.count) values; the first row has \(width)") }
      for (c, v) in values.enumerated() { cells[c].append(v) }
    }
    return RawTable(names: columnNames, cells: cells)
  }

  private static func records(_ value: JSON, key: String) throws(ScoringError) -> RawTable {
    guard let list = value.array else { throw .malformed("'\(key)' must be a list of records (objects)") }
    return try recordList(list, key: key)
  }

  private static func recordList(_ list: [JSON], key: String) throws(ScoringError) -> RawTable {
    var names: [String] = []
    var index: [String: Int] = [:]
    var cells: [[JSON]] = []
    for (r, record) in list.enumerated() {
      guard case .object(let pairs) = record else { throw .malformed("'\(key)' item \(r) is \(record.kind), not an object") }
      for (name, v) in pairs {
        let c: Int
        if let known = index[name] {
          c = known
        } else {
          c = names.count
          index[name] = c
          names.append(name)
          cells.append(Array(repeating: .null, count: r))
        }
        if cells[c].count == r { cells[c].append(v) }  // a repeated key keeps its first value
      }
      for c in cells.indices where cells[c].count == r { cells[c].append(.null) }
    }
    return RawTable(names: names, cells: cells)
  }

  private static func columnar(_ value: JSON, key: String) throws(ScoringError) -> RawTable {
    guard case .object(let pairs) = value else { throw .malformed("'\(key)' must be an object of column name → list of values") }
    var names: [String] = []
    var cells: [[JSON]] = []
    for (name, v) in pairs {
      let list: [JSON]
      switch v {
      case .array(let items): list = items
      case .object: throw .malformed("'\(key).\(name)' must be a list of values, not an object")
      default: list = [v]
      }
      if let first = cells.first, first.count != list.count {
        throw .malformed("'\(key)' columns differ in length: '\(names[0])' has \(first.count) values, '\(name)' has \(list.count)")
      }
      names.append(name)
      cells.append(list)
    }
    return RawTable(names: names, cells: cells)
  }

  private static func rows(_ value: JSON, key: String, names: [String]?) throws(ScoringError) -> RawTable {
    guard let list = value.array else { throw .malformed("'\(key)' must be a list of rows or an object of columns") }
    if case .object? = list.first { return try recordList(list, key: key) }
    return try positional(list, names: nil, contractNames: names, key: key)
  }

  /// A CSV body (`text/csv`): a header row, then rows; RFC 4180 quoting.
  public static func decodeCSV(_ body: UnsafeRawBufferPointer) throws(ScoringError) -> RawTable {
    var records: [[String]] = []
    var field: [UInt8] = []
    var record: [String] = []
    var quoted = false
    var i = 0
    let b = body.bindMemory(to: UInt8.self)
    var fieldWasQuoted = false
    func endField() {
      record.append(String(decoding: field, as: UTF8.self))
      field.removeAll(keepingCapacity: true)
      fieldWasQuoted = false
    }
    while i < b.count {
      let c = b[i]
      if quoted {
        if c == UInt8(ascii: "\"") {
          if i + 1 < b.count, b[i + 1] == UInt8(ascii: "\"") {
            field.append(c)
            i += 1
          } else {
            quoted = false
          }
        } else {
          field.append(c)
        }
      } else if c == UInt8(ascii: "\"") && field.isEmpty && !fieldWasQuoted {
        quoted = true
        fieldWasQuoted = true
      } else if c == UInt8(ascii: ",") {
        endField()
      } else if c == 0x0A || c == 0x0D {
        if c == 0x0D, i + 1 < b.count, b[i + 1] == 0x0A { i += 1 }
        endField()
        if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
        record.removeAll(keepingCapacity: true)
      } else {
        field.append(c)
      }
      i += 1
    }
    guard !quoted else { throw .malformed("the CSV body ends inside a quoted field") }
    if !field.isEmpty || !record.isEmpty || fieldWasQuoted {
      endField()
      records.append(record)
    }
    guard let header = records.first else { throw .malformed("the CSV body is empty: it needs a header row") }
    var cells = Array(repeating: [JSON](), count: header.count)
    for (r, row) in records.dropFirst().enumerated() {
      guard row.count == header.count else {
        throw .malformed("CSV row \(r) has \(row.count) fields; the header has \(header.count)")
      }
      for (c, v) in row.enumerated() { cells[c].append(.string(v)) }
    }
    let table = RawTable(names: header, cells: cells, fromText: true)
    guard table.rows > 0 else { throw .malformed("the request holds no rows") }
    return table
  }

  /// An input example file: MLflow scoring JSON, typed without a contract.
  public static func decodeExample(_ bytes: [UInt8], name: String) throws -> InputBatch {
    do {
      let table = try bytes.withUnsafeBytes { raw throws(ScoringError) in try decodeJSON(raw, contract: nil) }
      let (batch, violations) = table.typed(contract: nil)
      guard let batch else { throw ScoringError.malformed(violations.map(\.description).joined(separator: "; ")) }
      return batch
    } catch let error as ScoringError {
      throw ModelError.malformedSpec(name, reason: "not a usable input example: \(error.message)")
    }
  }
}

/// An Open Inference Protocol inference request.
public struct OIPRequest: Sendable {
  public var id: String?
  public var table: RawTable
  /// The output names asked for (empty: all).
  public var outputs: [String]

  /// The tensor type names OIP defines.
  static let datatypes: Set<String> = [
    "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES",
  ]

  /// Reads `{"id", "inputs": [{"name", "shape", "datatype", "data"}], "outputs"}`. Each input
  /// of shape `[n]` or `[n, 1]` is a column; one input of shape `[n, k]` is k columns, named
  /// by the contract when it has k columns.
  public static func decode(_ body: UnsafeRawBufferPointer, contract: Contract?) throws(ScoringError) -> OIPRequest {
    let json: JSON
    do { json = try JSON.parse(body) } catch { throw .malformed("the body is not valid JSON: \(error)") }
    guard case .object = json, let inputs = json["inputs"]?.array, !inputs.isEmpty else {
      throw .malformed("an inference request needs 'inputs': a non-empty list of tensors")
    }
    var names: [String] = []
    var cells: [[JSON]] = []
    for (t, tensor) in inputs.enumerated() {
      guard case .object = tensor, let name = tensor["name"]?.string, let shapeList = tensor["shape"]?.array,
        let datatype = tensor["datatype"]?.string, let data = tensor["data"]
      else { throw .malformed("input \(t) needs 'name', 'shape', 'datatype' and 'data'") }
      guard datatypes.contains(datatype) else { throw .malformed("input '\(name)' has an unknown datatype '\(datatype)'") }
      var shape: [Int] = []
      for s in shapeList {
        guard case .integer(let n) = s, n >= 0, n < 1 << 31 else { throw .malformed("input '\(name)' has a malformed shape") }
        shape.append(Int(n))
      }
      guard !shape.isEmpty, shape.count <= 2 else {
        throw .malformed("input '\(name)' has shape \(shapeList.map { describe($0) }); mlv takes [rows] or [rows, columns]")
      }
      var flat: [JSON] = []
      func flatten(_ v: JSON) {
        if case .array(let items) = v { for item in items { flatten(item) } } else { flat.append(v) }
      }
      flatten(data)
      let rows = shape[0]
      let width = shape.count == 2 ? shape[1] : 1
      guard flat.count == rows * width else {
        throw .malformed("input '\(name)' has \(flat.count) values but its shape \(shape) needs \(rows * width)")
      }
      if datatype == "BOOL" {
        for (i, v) in flat.enumerated() where v != .bool(true) && v != .bool(false) {
          throw ScoringError(status: 422, message: "input '\(name)' is BOOL but value \(i) is \(describe(v))")
        }
      }
      let columnNames: [String]
      if width == 1 {
        columnNames = [name]
      } else if inputs.count == 1, let contractNames = contract?.columns.map(\.name), contractNames.count == width {
        columnNames = contractNames
      } else {
        columnNames = (0..<width).map { "\(name)_\($0)" }
      }
      for c in 0..<width {
        names.append(columnNames[c])
        cells.append((0..<rows).map { flat[$0 * width + c] })
      }
    }
    if let first = cells.first, let mismatch = cells.firstIndex(where: { $0.count != first.count }) {
      throw .malformed("inputs differ in rows: '\(names[0])' has \(first.count), '\(names[mismatch])' has \(cells[mismatch].count)")
    }
    let table = RawTable(names: names, cells: cells)
    guard table.rows > 0 else { throw .malformed("the request holds no rows") }
    var id: String?
    switch json["id"] {
    case .string(let s)?: id = s
    case .integer(let n)?: id = String(n)
    default: id = nil
    }
    let outputs = (json["outputs"]?.array ?? []).compactMap { $0["name"]?.string }
    return OIPRequest(id: id, table: table, outputs: outputs)
  }
}
