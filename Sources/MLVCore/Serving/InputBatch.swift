import MLVData
import MLVStore

/// One column of a batch, typed.
public enum ColumnData: Sendable, Equatable {
  /// Numbers; a missing value is NaN.
  case float([Double])
  case integer([Int64])
  case boolean([Bool])
  /// Text; `nil` is a missing value.
  case text([String?])

  public var count: Int {
    switch self {
    case .float(let v): return v.count
    case .integer(let v): return v.count
    case .boolean(let v): return v.count
    case .text(let v): return v.count
    }
  }

  /// The worker protocol's name of the column's type.
  public var wireType: String {
    switch self {
    case .float: return "f64"
    case .integer: return "i64"
    case .boolean: return "bool"
    case .text: return "str"
    }
  }

  /// Row `i` as JSON.
  public func json(_ i: Int) -> JSON {
    switch self {
    case .float(let v): return v[i].isNaN ? .null : .number(v[i])
    case .integer(let v): return .integer(v[i])
    case .boolean(let v): return .bool(v[i])
    case .text(let v): return v[i].map { .string($0) } ?? .null
    }
  }
}

/// A named, typed column.
public struct InputColumn: Sendable, Equatable {
  public var name: String
  public var data: ColumnData

  public init(name: String, data: ColumnData) {
    self.name = name
    self.data = data
  }
}

/// The rows of one request, column by column, as the worker receives them.
public struct InputBatch: Sendable, Equatable {
  public var columns: [InputColumn]
  public var rows: Int

  public init(columns: [InputColumn], rows: Int) {
    self.columns = columns
    self.rows = rows
  }

  /// Names and types: two batches with the same layout can share one worker call.
  public var layout: [String] { columns.map { $0.name + ":" + $0.data.wireType } }

  /// A contract that requires exactly these columns with these types (nullable where a value
  /// is missing); ranges are not inferred from an example.
  public func inferredContract() -> Contract {
    var contract = Contract(
      columns: columns.map { column in
        var rule = ColumnRule(name: column.name)
        switch column.data {
        case .float(let v):
          rule.type = .float
          rule.nullable = v.contains { $0.isNaN }
        case .integer: rule.type = .integer
        case .boolean: rule.type = .boolean
        case .text(let v):
          rule.type = .string
          rule.nullable = v.contains { $0 == nil }
        }
        return rule
      })
    contract.extraColumns = false
    return contract
  }
}

/// One reason a request breaks the input contract, for a 422 response.
public struct InputViolation: Sendable, Equatable, CustomStringConvertible {
  public let column: String?
  public let row: Int?
  public let message: String

  public init(column: String?, row: Int?, message: String) {
    self.column = column
    self.row = row
    self.message = message
  }

  public var description: String {
    var where_ = ""
    if let column { where_ += "column '\(column)'" }
    if let row { where_ += (where_.isEmpty ? "" : ", ") + "row \(row)" }
    return where_.isEmpty ? message : "\(where_): \(message)"
  }

  public var json: JSON {
    var pairs: [(String, JSON)] = []
    if let column { pairs.append(("column", .string(column))) }
    if let row { pairs.append(("row", .integer(Int64(row)))) }
    pairs.append(("message", .string(message)))
    return .object(pairs)
  }
}

/// A request's values before typing: column names and, column by column, the cells as sent.
/// CSV cells arrive as text (`fromText`) and are read as numbers or booleans where the
/// contract (or, without one, every cell of the column) says so.
public struct RawTable: Sendable {
  public var names: [String]
  public var cells: [[JSON]]
  public var fromText = false

  public init(names: [String], cells: [[JSON]], fromText: Bool = false) {
    self.names = names
    self.cells = cells
    self.fromText = fromText
  }

  public var rows: Int { cells.first?.count ?? 0 }

  /// Types the cells, by the contract when there is one; at most `limit` violations are kept.
  public func typed(contract: Contract?, limit: Int = 20) -> (batch: InputBatch?, violations: [InputViolation]) {
    var violations: [InputViolation] = []
    func report(_ column: String?, _ row: Int?, _ message: String) {
      if violations.count < limit { violations.append(InputViolation(column: column, row: row, message: message)) }
    }
    var seen = Set<String>()
    for name in names where !seen.insert(name).inserted { report(name, nil, "the column appears twice") }
    var columns: [InputColumn] = []
    if let contract {
      let known = Set(contract.columns.map(\.name))
      if !contract.extraColumns {
        for name in names where !known.contains(name) {
          report(name, nil, "unexpected column (the model's input contract does not have it)")
        }
      }
      for rule in contract.columns {
        guard let index = names.firstIndex(of: rule.name) else {
          if rule.required { report(rule.name, nil, "missing column") }
          continue
        }
        if let data = typedColumn(cells[index], name: rule.name, rule: rule, report: report) {
          columns.append(InputColumn(name: rule.name, data: data))
        }
      }
    } else {
      for (index, name) in names.enumerated() {
        if let data = typedColumn(cells[index], name: name, rule: nil, report: report) {
          columns.append(InputColumn(name: name, data: data))
        }
      }
    }
    guard violations.isEmpty else { return (nil, violations) }
    return (InputBatch(columns: columns, rows: rows), [])
  }

  /// A cell as the contract's reading of text would see it (CSV), or as sent (JSON).
  private func cell(_ value: JSON, as type: ColumnType?) -> JSON {
    guard fromText, case .string(let s) = value else { return value }
    if s.isEmpty { return .null }
    let bytes = Array(s.utf8)
    switch type {
    case .integer?, .float?, nil:
      if let n = bytes.withUnsafeBufferPointer({ ValueParsing.int64($0) }) { return .integer(n) }
      if let d = bytes.withUnsafeBufferPointer({ ValueParsing.double($0) }) { return .number(d) }
      if type == nil, let b = bytes.withUnsafeBufferPointer({ ValueParsing.bool($0) }) { return .bool(b) }
      return value
    case .boolean?:
      return bytes.withUnsafeBufferPointer { ValueParsing.bool($0) }.map { .bool($0) } ?? value
    default: return value
    }
  }

  private func typedColumn(
    _ raw: [JSON], name: String, rule: ColumnRule?, report: (String?, Int?, String) -> Void
  ) -> ColumnData? {
    let values = fromText ? raw.map { cell($0, as: rule?.type) } : raw
    let nullable = rule?.nullable ?? true
    var bad = false
    func fail(_ row: Int, _ message: String) {
      bad = true
      report(name, row, message)
    }
    func checkNull(_ row: Int) {
      if !nullable { fail(row, "a missing value, but the column is not nullable") }
    }
    let type: ColumnType
    if let t = rule?.type {
      type = t
    } else {
      // No contract: the cells decide, as pandas would read them.
      var numbers = false
      var integers = true
      var bools = false
      var texts = false
      for v in values {
        switch v {
        case .integer: numbers = true
        case .number: (numbers, integers) = (true, false)
        case .bool: bools = true
        case .string: texts = true
        case .null: integers = false
        case .array, .object: break
        }
      }
      if [numbers, bools, texts].filter({ $0 }).count > 1 {
        fail(
          0,
          "mixes \([numbers ? "numbers" : nil, bools ? "booleans" : nil, texts ? "text" : nil].compactMap { $0 }.joined(separator: " and "))"
        )
        return nil
      }
      type = texts ? .string : bools ? (values.contains(.null) ? .float : .boolean) : (numbers && integers ? .integer : .float)
    }
    func number(_ v: JSON, _ row: Int) -> Double? {
      switch v {
      case .integer(let n): return Double(n)
      case .number(let d):
        if d.isNaN {
          checkNull(row)
          return .nan
        }
        return d
      case .bool(let b) where rule == nil: return b ? 1 : 0
      case .null:
        checkNull(row)
        return .nan
      default:
        fail(row, "expected a number, got \(describe(v))")
        return nil
      }
    }
    func checkBounds(_ d: Double, _ row: Int) {
      guard let rule, !d.isNaN else { return }
      if let min = rule.min?.number, d < min || (rule.min!.exclusive && d == min) {
        fail(row, "\(jsonText(d)) is below the minimum \(rule.min!.text)")
      }
      if let max = rule.max?.number, d > max || (rule.max!.exclusive && d == max) {
        fail(row, "\(jsonText(d)) is above the maximum \(rule.max!.text)")
      }
    }
    switch type {
    case .float:
      var out = [Double]()
      out.reserveCapacity(values.count)
      for (row, v) in values.enumerated() {
        guard let d = number(v, row) else { continue }
        // JSON has no infinity; a client that sends Python's `Infinity` token almost surely
        // did not mean it for a model.
        if d.isInfinite { fail(row, "\(d > 0 ? "Infinity" : "-Infinity") is not a value the model accepts") }
        checkBounds(d, row)
        out.append(d)
      }
      return bad ? nil : .float(out)
    case .integer:
      var ints = [Int64]()
      var floats = [Double]()
      var hasNull = false
      for (row, v) in values.enumerated() {
        switch v {
        case .integer(let n):
          ints.append(n)
          floats.append(Double(n))
          checkBounds(Double(n), row)
        case .number(let d) where d.isFinite && d == d.rounded() && abs(d) < 9.2e18:
          ints.append(Int64(d))
          floats.append(d)
          checkBounds(d, row)
        case .null:
          checkNull(row)
          hasNull = true
          ints.append(0)
          floats.append(.nan)
        case .number(let d) where d.isNaN:
          checkNull(row)
          hasNull = true
          ints.append(0)
          floats.append(.nan)
        default:
          fail(row, "expected an integer, got \(describe(v))")
        }
      }
      // A missing value in an integer column makes it a float column, as in pandas.
      return bad ? nil : hasNull ? .float(floats) : .integer(ints)
    case .boolean:
      var out = [Bool]()
      for (row, v) in values.enumerated() {
        switch v {
        case .bool(let b): out.append(b)
        case .null:
          checkNull(row)
          if nullable { fail(row, "a missing value in a boolean column is not supported") }
        default: fail(row, "expected true or false, got \(describe(v))")
        }
      }
      return bad ? nil : .boolean(out)
    case .string, .category, .datetime:
      var out = [String?]()
      out.reserveCapacity(values.count)
      for (row, v) in values.enumerated() {
        switch v {
        case .string(let s):
          if let allowed = rule?.allowed, !allowed.contains(s) {
            fail(row, "\(describe(v)) is not one of the allowed values (\(allowed.prefix(10).joined(separator: ", ")))")
          }
          if let forbidden = rule?.forbidden, forbidden.contains(s) { fail(row, "\(describe(v)) is a forbidden value") }
          if let min = rule?.minLength, s.count < min { fail(row, "\(describe(v)) is shorter than \(min) characters") }
          if let max = rule?.maxLength, s.count > max { fail(row, "\(describe(v)) is longer than \(max) characters") }
          out.append(s)
        case .null:
          checkNull(row)
          out.append(nil)
        default: fail(row, "expected text, got \(describe(v))")
        }
      }
      return bad ? nil : .text(out)
    }
  }
}

private func jsonText(_ d: Double) -> String { d.isFinite ? jsonNumber(d) : (d > 0 ? "Infinity" : "-Infinity") }

/// A cell for a message: strings quoted and cut short, numbers as written.
func describe(_ v: JSON) -> String {
  switch v {
  case .string(let s): return "\"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
  case .integer(let n): return String(n)
  case .number(let d): return d.isNaN ? "NaN" : jsonText(d)
  case .bool(let b): return b ? "true" : "false"
  case .null: return "null"
  case .array: return "an array"
  case .object: return "an object"
  }
}

extension InputBatch {
  /// Checks an already typed batch (an input example) against a contract.
  public func validated(against contract: Contract) -> (batch: InputBatch?, violations: [InputViolation]) {
    RawTable(names: columns.map(\.name), cells: columns.map { c in (0..<rows).map { c.data.json($0) } }).typed(contract: contract)
  }
}
