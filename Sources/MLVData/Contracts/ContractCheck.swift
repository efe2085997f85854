import MLVStore

/// The rules a violation can break.
public enum Rule: String, Sendable, CaseIterable, Comparable {
  case type, nullable, min, max, allowed, forbidden, pattern
  case minLength = "min_length"
  case maxLength = "max_length"
  case unique
  case maxNullShare = "max_null_share"
  case required
  case extraColumns = "extra_columns"
  case ordered
  case rows

  public static func < (a: Rule, b: Rule) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// One broken rule: in a row (with its row and line numbers) or of the whole table.
public struct Violation: Sendable, Equatable {
  /// The data row (1-based, the header is no row), for rules about a value.
  public let row: Int?
  /// The line of the file where that row starts (CSV fields may span lines).
  public let line: Int?
  /// The column, when the rule is about one.
  public let column: String?
  /// The rule.
  public let rule: Rule
  /// The offending value, as text (cut at 200 characters).
  public let value: String?
  /// What is wrong, in words.
  public let message: String
}

/// What `check` found.
public struct CheckReport: Sendable {
  /// The data's name.
  public let data: String
  /// The contract's name.
  public let contract: String
  /// Data rows read.
  public internal(set) var rows = 0
  /// The violations shown: every table-wide one, then rows' ones in order up to the limit.
  public internal(set) var violations: [Violation] = []
  /// All violations, shown or not.
  public internal(set) var total = 0
  /// Violations per column and rule.
  public internal(set) var summary: [(column: String?, rule: Rule, count: Int)] = []
  /// Whether the data meets the contract.
  public var valid: Bool { total == 0 }

  /// A report with no violations (a check remembered as passed).
  public init(data: String, contract: String, rows: Int = 0) {
    self.data = data
    self.contract = contract
    self.rows = rows
  }
}

/// Checks a table against a contract in one streaming pass on all cores.
public enum ContractChecker {
  /// Reads `source` with `reader` and checks every value; at most `maxErrors` row violations
  /// are kept (all are counted).
  public static func check(_ source: any ByteSource, reader: TableReader, contract: Contract, contractName: String, maxErrors: Int) throws
    -> CheckReport
  {
    var state = MergeState(contract: contract, maxErrors: maxErrors)
    var report = CheckReport(data: reader.name, contract: contractName)
    try reader.read(
      source,
      consumer: { names in
        state.header(names)
        return CheckConsumer(contract: contract, plans: state.plans, headerMap: state.headerMap, maxErrors: maxErrors)
      },
      merge: { partial, position in
        state.merge(partial, position)
        return true
      })
    state.finish()
    report.rows = state.rows
    report.violations = state.tableViolations + state.shown + state.endViolations
    report.total = state.total
    report.summary = state.counts.map { ($0.key.column.map { contract.columns[$0].name }, $0.key.rule, $0.value) }
      .sorted { ($0.column ?? "", $0.rule) < ($1.column ?? "", $1.rule) }
    return report
  }
}

/// A column's rule compiled for the hot loop (a class: the loop passes a reference, not a copy).
final class ColumnPlan: Sendable {
  let index: Int
  let name: String
  let type: ColumnType?
  let nullable: Bool
  let min: Limit?
  let max: Limit?
  let allowedText: ByteSet?
  let forbiddenText: ByteSet?
  let allowedNumbers: Set<Double>?
  let forbiddenNumbers: Set<Double>?
  let allowedTimes: Set<Int64>?
  let forbiddenTimes: Set<Int64>?
  let pattern: String?
  let anchoring: PatternAnchoring
  let minLength: Int?
  let maxLength: Int?
  let unique: Bool
  let allowedList: [String]?
  /// The bounds as plain numbers, for the hot loop.
  let minInteger: Int64?
  let maxInteger: Int64?
  let minNumber: Double?
  let maxNumber: Double?
  let minExclusive: Bool
  let maxExclusive: Bool
  let hasNumberRules: Bool
  let minTime: Int64?
  let maxTime: Int64?

  init(_ rule: ColumnRule, index: Int) {
    minTime = rule.min?.time?.micros
    maxTime = rule.max?.time?.micros
    minInteger = rule.min?.integer
    maxInteger = rule.max?.integer
    minNumber = rule.min?.number
    maxNumber = rule.max?.number
    minExclusive = rule.min?.exclusive ?? false
    maxExclusive = rule.max?.exclusive ?? false
    hasNumberRules = rule.min != nil || rule.max != nil || rule.allowed != nil || rule.forbidden != nil
    self.index = index
    name = rule.name
    type = rule.type
    nullable = rule.nullable
    min = rule.min
    max = rule.max
    pattern = rule.pattern
    anchoring = rule.anchoring
    minLength = rule.minLength
    maxLength = rule.maxLength
    unique = rule.unique
    allowedList = rule.allowed
    func numbers(_ list: [String]?) -> Set<Double>? {
      list.map { Set($0.compactMap { Array($0.utf8).withUnsafeBufferPointer { ValueParsing.double($0) } }) }
    }
    func times(_ list: [String]?) -> Set<Int64>? {
      list.map { Set($0.compactMap { Array($0.utf8).withUnsafeBufferPointer { ValueParsing.timestamp($0)?.micros } }) }
    }
    switch rule.type {
    case .integer, .float:
      (allowedNumbers, forbiddenNumbers) = (numbers(rule.allowed), numbers(rule.forbidden))
      (allowedText, forbiddenText, allowedTimes, forbiddenTimes) = (nil, nil, nil, nil)
    case .datetime:
      (allowedTimes, forbiddenTimes) = (times(rule.allowed), times(rule.forbidden))
      (allowedText, forbiddenText, allowedNumbers, forbiddenNumbers) = (nil, nil, nil, nil)
    case .boolean:
      // As text, normalised: `True` and `true` are one value.
      func bools(_ list: [String]?) -> ByteSet? {
        list.map {
          ByteSet($0.compactMap { Array($0.utf8).withUnsafeBufferPointer { ValueParsing.bool($0) }.map { $0 ? "true" : "false" } })
        }
      }
      (allowedText, forbiddenText) = (bools(rule.allowed), bools(rule.forbidden))
      (allowedNumbers, forbiddenNumbers, allowedTimes, forbiddenTimes) = (nil, nil, nil, nil)
    case .string, .category, nil:
      (allowedText, forbiddenText) = (rule.allowed.map { ByteSet($0) }, rule.forbidden.map { ByteSet($0) })
      (allowedNumbers, forbiddenNumbers, allowedTimes, forbiddenTimes) = (nil, nil, nil, nil)
    }
  }
}

/// One batch's findings.
struct CheckPartial: Sendable {
  var violations: [Violation] = []
  /// Counts by plan and rule: `plan * Rule.allCases.count + rule`.
  var counts: [Int]
  var nonNull: [Int]
  /// For each unique plan: value hashes, their rows, and the values' text.
  var uniqueHashes: [[UInt64]]
  var uniqueRows: [[Int32]]
  var uniqueLines: [[Int32]]
  var uniqueText: [[String]]
  /// JSON Lines: columns seen in this batch, and those not in the contract with their first row.
  var seenColumns: [String] = []
  var extraColumns: [(name: String, row: Int32, line: Int32)] = []
  var rowCount = 0
}

struct CheckConsumer: BatchConsumer {
  let contract: Contract
  let plans: [ColumnPlan]
  /// For CSV: the plan of each header column (-1 when the contract does not name it).
  let headerMap: [Int]
  let maxErrors: Int

  static let ruleCount = Rule.allCases.count
  static let ruleIndex: [Rule: Int] = Dictionary(uniqueKeysWithValues: Rule.allCases.enumerated().map { ($1, $0) })

  func process(_ batch: RecordBatch) -> CheckPartial {
    var worker = Worker(consumer: self, batch: batch)
    worker.run()
    worker.partial.rowCount = batch.rowCount
    return worker.partial
  }

  struct Worker {
    let consumer: CheckConsumer
    let batch: RecordBatch
    let fields: FieldView
    var partial: CheckPartial
    var regexes: [Regex<AnyRegexOutput>?]
    var uniqueSlot: [Int] = []
    var row = 0

    init(consumer: CheckConsumer, batch: RecordBatch) {
      self.consumer = consumer
      self.batch = batch
      fields = batch.view()
      let plans = consumer.plans
      regexes = plans.map { p in p.pattern.flatMap { try? Regex($0) } }
      var slots = [Int](repeating: -1, count: plans.count)
      var next = 0
      for p in plans where p.unique {
        slots[p.index] = next
        next += 1
      }
      uniqueSlot = slots
      partial = CheckPartial(
        counts: [Int](repeating: 0, count: plans.count * CheckConsumer.ruleCount), nonNull: [Int](repeating: 0, count: plans.count),
        uniqueHashes: Array(repeating: [], count: next), uniqueRows: Array(repeating: [], count: next),
        uniqueLines: Array(repeating: [], count: next), uniqueText: Array(repeating: [], count: next))
    }

    mutating func run() {
      let plans = consumer.plans
      let jsonLines = !batch.fixedColumns
      var map = consumer.headerMap
      if jsonLines {
        let byName = Dictionary(plans.map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a })
        map = batch.names.map { byName[$0] ?? -1 }
        partial.seenColumns = batch.names
      }
      var present = [Int](repeating: -1, count: plans.count)
      var extraReported = Set<Int>()
      let nulls = consumer.contract.nullValues
      let fields = self.fields
      // The plans live as long as the consumer: reach them without counting references.
      let refs = plans.map { Unmanaged.passUnretained($0) }
      for r in 0..<fields.rowCount {
        row = r
        let end = fields.rowStart(r + 1)
        var i = fields.rowStart(r)
        while i < end {
          let c = fields.column(i, row: r)
          let p = map[c]
          if p < 0 {
            if jsonLines && extraReported.insert(c).inserted {
              partial.extraColumns.append((batch.names[c], Int32(r), Int32(fields.rowLine(r))))
            }
            i += 1
            continue
          }
          if jsonLines { present[p] = r }
          refs[p]._withUnsafeGuaranteedRef { check(fields.value(i), kind: fields.kind(i), plan: $0, nulls: nulls) }
          i += 1
        }
        if jsonLines {
          // A key absent from the row is null there (a column absent from the whole file is
          // reported once instead: see `MergeState.finish`).
          for plan in plans where present[plan.index] != r && !plan.nullable {
            violate(plan, .nullable, value: nil, "a null in a column that is not nullable (the key is absent)")
          }
        }
      }
    }

    mutating func violate(_ plan: ColumnPlan, _ rule: Rule, value: UnsafeBufferPointer<UInt8>?, _ message: @autoclosure () -> String) {
      partial.counts[plan.index * CheckConsumer.ruleCount + CheckConsumer.ruleIndex[rule]!] += 1
      guard partial.violations.count < consumer.maxErrors else { return }
      partial.violations.append(
        Violation(
          row: row, line: fields.rowLine(row), column: plan.name, rule: rule, value: value.map { shortText($0) }, message: message()))
    }

    @inline(__always) mutating func check(_ v: UnsafeBufferPointer<UInt8>, kind: ValueKind, plan: ColumnPlan, nulls: NullTokens) {
      if kind == .null || (kind == .text && nulls.contains(v)) {
        if !plan.nullable { violate(plan, .nullable, value: v, "a null in a column that is not nullable") }
        return
      }
      partial.nonNull[plan.index] += 1
      switch plan.type {
      case .integer:
        guard kind == .text || kind == .number, let x = ValueParsing.int64(v) else {
          violate(plan, .type, value: v, "'\(shortText(v))' is not an integer")
          return
        }
        checkNumber(Double(x), integer: x, plan: plan, value: v)
        if plan.unique { remember(plan, hash: hashValue(x), value: v) }
      case .float:
        guard kind == .text || kind == .number, let x = ValueParsing.double(v) else {
          violate(plan, .type, value: v, "'\(shortText(v))' is not a number")
          return
        }
        checkNumber(x, integer: nil, plan: plan, value: v)
        if plan.unique { remember(plan, hash: hashValue(x == 0 ? 0 : x.bitPattern), value: v) }
      case .boolean:
        let b: Bool?
        switch kind {
        case .text: b = ValueParsing.bool(v)
        case .trueValue: b = true
        case .falseValue: b = false
        default: b = nil
        }
        guard let b else {
          violate(plan, .type, value: v, "'\(shortText(v))' is not a boolean")
          return
        }
        let normal: StaticString = b ? "true" : "false"
        let canonical = UnsafeBufferPointer(start: normal.utf8Start, count: normal.utf8CodeUnitCount)
        if plan.allowedText?.contains(canonical) == false { violate(plan, .allowed, value: v, "\(b) is not an allowed value") }
        if plan.forbiddenText?.contains(canonical) == true { violate(plan, .forbidden, value: v, "\(b) is not allowed") }
        if plan.unique { remember(plan, hash: hashValue(b), value: v) }
      case .datetime:
        guard kind == .text || kind == .string, let t = ValueParsing.timestamp(v) else {
          violate(plan, .type, value: v, "'\(shortText(v))' is not an ISO 8601 date or time")
          return
        }
        if let bound = plan.minTime, plan.minExclusive ? t.micros <= bound : t.micros < bound {
          violate(plan, .min, value: v, "\(shortText(v)) is \(plan.minExclusive ? "not after" : "before") the minimum \(plan.min!.text)")
        }
        if let bound = plan.maxTime, plan.maxExclusive ? t.micros >= bound : t.micros > bound {
          violate(plan, .max, value: v, "\(shortText(v)) is \(plan.maxExclusive ? "not before" : "after") the maximum \(plan.max!.text)")
        }
        if plan.allowedTimes?.contains(t.micros) == false { violate(plan, .allowed, value: v, "'\(shortText(v))' is not an allowed value") }
        if plan.forbiddenTimes?.contains(t.micros) == true { violate(plan, .forbidden, value: v, "'\(shortText(v))' is not allowed") }
        if plan.unique { remember(plan, hash: hashValue(t.micros), value: v) }
      case .string, .category, nil:
        if plan.type != nil && kind != .text && kind != .string {
          violate(plan, .type, value: v, "'\(shortText(v))' is not text")
          return
        }
        if plan.type == nil && (plan.min != nil || plan.max != nil) {
          if let x = ValueParsing.double(v) {
            checkNumber(x, integer: ValueParsing.int64(v), plan: plan, value: v)
          } else if let t = ValueParsing.timestamp(v) {
            if let bound = plan.minTime, plan.minExclusive ? t.micros <= bound : t.micros < bound {
              violate(plan, .min, value: v, "\(shortText(v)) is before the minimum \(plan.min!.text)")
            }
            if let bound = plan.maxTime, plan.maxExclusive ? t.micros >= bound : t.micros > bound {
              violate(plan, .max, value: v, "\(shortText(v)) is after the maximum \(plan.max!.text)")
            }
          } else {
            violate(plan, .type, value: v, "'\(shortText(v))' is neither a number nor a time, so it cannot be compared with the bounds")
          }
        }
        if plan.allowedText?.contains(v) == false {
          let list = plan.allowedList ?? []
          let shown = list.prefix(5).joined(separator: ", ") + (list.count > 5 ? ", …" : "")
          violate(plan, .allowed, value: v, "'\(shortText(v))' is not one of the allowed values (\(shown))")
        }
        if plan.forbiddenText?.contains(v) == true { violate(plan, .forbidden, value: v, "'\(shortText(v))' is not allowed") }
        if plan.minLength != nil || plan.maxLength != nil {
          var length = 0
          for b in v where b & 0xC0 != 0x80 { length += 1 }
          if let m = plan.minLength, length < m { violate(plan, .minLength, value: v, "\(length) characters, fewer than \(m)") }
          if let m = plan.maxLength, length > m { violate(plan, .maxLength, value: v, "\(length) characters, more than \(m)") }
        }
        if let regex = regexes[plan.index] {
          let text = String(decoding: v, as: UTF8.self)
          let matched: Bool
          switch plan.anchoring {
          case .whole: matched = (try? regex.wholeMatch(in: text)) != nil
          case .prefix: matched = (try? regex.prefixMatch(in: text)) != nil
          case .anywhere: matched = (try? regex.firstMatch(in: text)) != nil
          }
          if !matched { violate(plan, .pattern, value: v, "'\(shortText(v))' does not match '\(plan.pattern!)'") }
        }
        if plan.unique { remember(plan, hash: hashBytes(v), value: v) }
      }
    }

    @inline(__always) mutating func checkNumber(_ x: Double, integer: Int64?, plan: ColumnPlan, value v: UnsafeBufferPointer<UInt8>) {
      guard plan.hasNumberRules else { return }
      let below: Bool
      if let i = integer, let bound = plan.minInteger {
        below = plan.minExclusive ? i <= bound : i < bound
      } else if let bound = plan.minNumber {
        below = x.isNaN || (plan.minExclusive ? x <= bound : x < bound)
      } else {
        below = false
      }
      if below {
        violate(plan, .min, value: v, "\(shortText(v)) is \(plan.minExclusive ? "not above" : "below") the minimum \(plan.min!.text)")
      }
      let above: Bool
      if let i = integer, let bound = plan.maxInteger {
        above = plan.maxExclusive ? i >= bound : i > bound
      } else if let bound = plan.maxNumber {
        // NaN is out of range once (as below the minimum when there is one).
        above = x.isNaN ? plan.minNumber == nil : (plan.maxExclusive ? x >= bound : x > bound)
      } else {
        above = false
      }
      if above {
        violate(plan, .max, value: v, "\(shortText(v)) is \(plan.maxExclusive ? "not below" : "above") the maximum \(plan.max!.text)")
      }
      if plan.allowedNumbers?.contains(x) == false {
        let list = plan.allowedList ?? []
        let shown = list.prefix(5).joined(separator: ", ") + (list.count > 5 ? ", …" : "")
        violate(plan, .allowed, value: v, "\(shortText(v)) is not one of the allowed values (\(shown))")
      }
      if plan.forbiddenNumbers?.contains(x) == true { violate(plan, .forbidden, value: v, "\(shortText(v)) is not allowed") }
    }

    mutating func remember(_ plan: ColumnPlan, hash: UInt64, value: UnsafeBufferPointer<UInt8>) {
      let slot = uniqueSlot[plan.index]
      partial.uniqueHashes[slot].append(hash)
      partial.uniqueRows[slot].append(Int32(row))
      partial.uniqueLines[slot].append(Int32(fields.rowLine(row)))
      partial.uniqueText[slot].append(shortText(value))
    }
  }
}

/// Uniqueness is decided on 64-bit keyed hashes (SipHash with a per-process random key): a
/// false duplicate among n distinct values has probability about n²/2⁶⁵ (3·10⁻⁶ for 10⁷ values).
@inline(__always) func hashValue<T: Hashable>(_ v: T) -> UInt64 {
  var h = Hasher()
  h.combine(v)
  return UInt64(bitPattern: Int64(h.finalize()))
}

@inline(__always) func hashBytes(_ v: UnsafeBufferPointer<UInt8>) -> UInt64 {
  var h = Hasher()
  h.combine(bytes: UnsafeRawBufferPointer(v))
  return UInt64(bitPattern: Int64(h.finalize()))
}

/// A value for messages: at most 200 characters, controls escaped.
func shortText(_ v: UnsafeBufferPointer<UInt8>) -> String {
  var text = String(decoding: v.prefix(800), as: UTF8.self)
  if text.count > 200 { text = String(text.prefix(200)) + "…" }
  if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
    text = String(
      text.unicodeScalars.map { s in s.value < 0x20 || s.value == 0x7F ? "\\u{\(String(s.value, radix: 16))}" : String(s) }.joined())
  }
  return text
}

/// The reading thread's side: merges batches in order and adds the table-wide rules.
struct MergeState {
  let contract: Contract
  let maxErrors: Int
  var plans: [ColumnPlan]
  var headerMap: [Int] = []
  var rows = 0
  var total = 0
  var counts: [Key: Int] = [:]
  var nonNull: [Int]
  var shown: [Violation] = []
  var tableViolations: [Violation] = []
  var endViolations: [Violation] = []
  var uniqueSeen: [Set<UInt64>]
  var seenColumns: Set<String> = []
  var extrasReported: Set<String> = []
  let columnOrder: [String: Int]

  struct Key: Hashable {
    let column: Int?
    let rule: Rule
  }

  init(contract: Contract, maxErrors: Int) {
    self.contract = contract
    self.maxErrors = maxErrors
    plans = contract.columns.enumerated().map { ColumnPlan($1, index: $0) }
    columnOrder = Dictionary(contract.columns.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    nonNull = [Int](repeating: 0, count: contract.columns.count)
    uniqueSeen = Array(repeating: [], count: contract.columns.filter(\.unique).count)
  }

  /// Counts and keeps a violation of the whole table (about `column` when named; a column the
  /// contract does not name is summarised with the table's).
  mutating func tableViolation(_ column: String?, _ rule: Rule, _ message: String, end: Bool = false) {
    total += 1
    counts[Key(column: column.flatMap { columnOrder[$0] }, rule: rule), default: 0] += 1
    let v = Violation(row: nil, line: nil, column: column, rule: rule, value: nil, message: message)
    if end { endViolations.append(v) } else { tableViolations.append(v) }
  }

  /// The header of a CSV or TSV file (JSON Lines has none: its names come with each batch).
  mutating func header(_ names: [String]) {
    headerMap = names.map { columnOrder[$0] ?? -1 }
    seenColumns = Set(names)
    for name in names where columnOrder[name] == nil && !contract.extraColumns {
      tableViolation(name, .extraColumns, "column '\(name)' is not in the contract")
    }
    if contract.ordered {
      let order = names.compactMap { columnOrder[$0] }
      if order != order.sorted() { tableViolation(nil, .ordered, "the columns are not in the contract's order") }
    }
  }

  mutating func merge(_ partial: CheckPartial, _ position: BatchPosition) {
    let ruleCount = CheckConsumer.ruleCount
    for (k, n) in partial.counts.enumerated() where n > 0 {
      counts[Key(column: k / ruleCount, rule: Rule.allCases[k % ruleCount]), default: 0] += n
      total += n
    }
    for (k, n) in partial.nonNull.enumerated() { nonNull[k] += n }
    var found = partial.violations
    var slot = 0
    for plan in plans where plan.unique {
      let hashes = partial.uniqueHashes[slot]
      for k in hashes.indices where !uniqueSeen[slot].insert(hashes[k]).inserted {
        total += 1
        counts[Key(column: plan.index, rule: .unique), default: 0] += 1
        if found.count < maxErrors * 2 {
          let text = partial.uniqueText[slot][k]
          found.append(
            Violation(
              row: Int(partial.uniqueRows[slot][k]), line: Int(partial.uniqueLines[slot][k]), column: plan.name, rule: .unique, value: text,
              message: "'\(text)' appears in an earlier row"))
        }
      }
      slot += 1
    }
    if found.count > partial.violations.count {
      // Unique violations join the batch's others in row order (then column order).
      found.sort { ($0.row!, columnOrder[$0.column ?? ""] ?? 0) < ($1.row!, columnOrder[$1.column ?? ""] ?? 0) }
    }
    for v in found where shown.count < maxErrors {
      shown.append(
        Violation(
          row: position.rowsBefore + v.row! + 1, line: position.linesBefore + v.line! + 1, column: v.column, rule: v.rule, value: v.value,
          message: v.message))
    }
    seenColumns.formUnion(partial.seenColumns)
    for extra in partial.extraColumns where !contract.extraColumns && extrasReported.insert(extra.name).inserted {
      tableViolation(
        extra.name, .extraColumns, "key '\(extra.name)' is not in the contract (first in row \(position.rowsBefore + Int(extra.row) + 1))")
    }
    rows = position.rowsBefore + partial.rowCount
  }

  mutating func finish() {
    for plan in plans {
      let rule = contract.columns[plan.index]
      if !seenColumns.contains(plan.name) {
        if rule.required { tableViolation(plan.name, .required, "required column '\(plan.name)' is missing") }
        continue
      }
      if let share = rule.maxNullShare, rows > 0 {
        let nulls = rows - nonNull[plan.index]
        if Double(nulls) / Double(rows) > share {
          tableViolation(
            plan.name, .maxNullShare, "\(nulls) of \(rows) values are null (\(percent(nulls, rows))), above the limit \(share)", end: true)
        }
      }
    }
    if let min = contract.minRows, rows < min { tableViolation(nil, .rows, "\(rows) rows, fewer than the minimum \(min)", end: true) }
    if let max = contract.maxRows, rows > max { tableViolation(nil, .rows, "\(rows) rows, more than the maximum \(max)", end: true) }
  }

  func percent(_ a: Int, _ b: Int) -> String {
    let p = Double(a) * 100 / Double(b)
    return (p * 10).rounded() / 10 == p.rounded() ? "\(Int(p.rounded()))%" : "\((p * 10).rounded() / 10)%"
  }
}
