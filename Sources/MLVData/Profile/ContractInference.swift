/// What one pass over a column learns: the types every value fits, ranges, distinct values.
struct ColumnStats: Sendable {
  var nonNull = 0
  var allInteger = true
  var allFloat = true
  var allBoolean = true
  var allTime = true
  var allText = true
  var intMin = Int64.max
  var intMax = Int64.min
  var floatMin = Double.infinity
  var floatMax = -Double.infinity
  var timeMin: Timestamp?
  var timeMax: Timestamp?
  var datesOnly = true
  var zoned = false
  var distinct = ByteSet()
  var tooManyDistinct = false

  mutating func add(_ v: UnsafeBufferPointer<UInt8>, kind: ValueKind, maxCategories: Int) {
    nonNull += 1
    switch kind {
    case .text: break
    case .number:
      allBoolean = false
      allTime = false
      allText = false
    case .string:
      allInteger = false
      allFloat = false
      allBoolean = false
    case .trueValue, .falseValue:
      allInteger = false
      allFloat = false
      allTime = false
      allText = false
    case .nested, .null:
      (allInteger, allFloat, allBoolean, allTime, allText) = (false, false, false, false, false)
    }
    var isInteger = false
    if allInteger {
      if let x = ValueParsing.int64(v) {
        isInteger = true
        intMin = min(intMin, x)
        intMax = max(intMax, x)
        if allFloat {
          floatMin = min(floatMin, Double(x))
          floatMax = max(floatMax, Double(x))
        }
      } else {
        allInteger = false
      }
    }
    if allFloat && !isInteger {
      if let x = ValueParsing.double(v), !x.isNaN {
        floatMin = min(floatMin, x)
        floatMax = max(floatMax, x)
      } else {
        allFloat = false
      }
    }
    if allBoolean && (kind == .text ? ValueParsing.bool(v) == nil : kind != .trueValue && kind != .falseValue) { allBoolean = false }
    if allTime && !isInteger {
      if let t = ValueParsing.timestamp(v) {
        if timeMin == nil || t < timeMin! { timeMin = t }
        if timeMax == nil || t > timeMax! { timeMax = t }
        datesOnly = datesOnly && t.dateOnly
        zoned = zoned || t.zoned
      } else {
        allTime = false
      }
    } else if isInteger {
      allTime = false
    }
    if !tooManyDistinct && distinct.index(of: v) == nil {
      if distinct.count >= maxCategories || v.count > 100 {
        tooManyDistinct = true
        distinct = ByteSet()
      } else {
        distinct.insert(Array(v))
      }
    }
  }

  mutating func merge(_ o: ColumnStats, maxCategories: Int) {
    nonNull += o.nonNull
    allInteger = allInteger && o.allInteger
    allFloat = allFloat && o.allFloat
    allBoolean = allBoolean && o.allBoolean
    allTime = allTime && o.allTime
    allText = allText && o.allText
    intMin = min(intMin, o.intMin)
    intMax = max(intMax, o.intMax)
    floatMin = min(floatMin, o.floatMin)
    floatMax = max(floatMax, o.floatMax)
    if let t = o.timeMin, timeMin == nil || t < timeMin! { timeMin = t }
    if let t = o.timeMax, timeMax == nil || t > timeMax! { timeMax = t }
    datesOnly = datesOnly && o.datesOnly
    zoned = zoned || o.zoned
    if o.tooManyDistinct { tooManyDistinct = true }
    if !tooManyDistinct {
      for v in o.distinct.values { distinct.insert(v) }
      if distinct.count > maxCategories { tooManyDistinct = true }
    }
    if tooManyDistinct { distinct = ByteSet() }
  }
}

/// Writes a contract from the data itself: every column's type, whether it has nulls, its
/// observed range, and for text with few distinct values the list of categories. The data
/// always passes the contract inferred from it.
public enum ContractInference {
  /// Text columns with at most this many distinct values (each seen at least twice on
  /// average) become categories.
  public static let maxCategories = 50

  /// Reads `source` with `reader` and returns the contract and the number of rows.
  public static func infer(_ source: any ByteSource, reader: TableReader) throws -> (contract: Contract, rows: Int) {
    var order: [String] = []
    var stats: [String: ColumnStats] = [:]
    var rows = 0
    try reader.read(
      source,
      consumer: { names in
        order = names
        return ProfileConsumer(maxCategories: maxCategories)
      },
      merge: { partial, position in
        for (name, s) in zip(partial.names, partial.stats) {
          if stats[name] == nil {
            order.append(name)
            stats[name] = s
          } else {
            stats[name]!.merge(s, maxCategories: maxCategories)
          }
        }
        rows = position.rowsBefore + partial.rows
        return true
      })
    var seen = Set<String>()
    order = order.filter { seen.insert($0).inserted }
    var contract = Contract(columns: order.map { rule(for: $0, stats[$0] ?? ColumnStats(), rows: rows) })
    contract.extraColumns = false
    if rows > 0 { contract.minRows = 1 }
    return (contract, rows)
  }

  static func rule(for name: String, _ s: ColumnStats, rows: Int) -> ColumnRule {
    var rule = ColumnRule(name: name)
    rule.nullable = s.nonNull < rows
    guard s.nonNull > 0 else {
      rule.type = nil
      rule.nullable = true
      return rule
    }
    if s.allBoolean {
      rule.type = .boolean
    } else if s.allInteger {
      rule.type = .integer
      rule.min = Limit(String(s.intMin))
      rule.max = Limit(String(s.intMax))
    } else if s.allFloat {
      rule.type = .float
      if s.floatMin.isFinite { rule.min = Limit(number(s.floatMin)) }
      if s.floatMax.isFinite { rule.max = Limit(number(s.floatMax)) }
    } else if s.allTime, let lo = s.timeMin, let hi = s.timeMax {
      rule.type = .datetime
      rule.min = Limit(Timestamp(micros: lo.micros, dateOnly: s.datesOnly, zoned: s.zoned).iso())
      rule.max = Limit(Timestamp(micros: hi.micros, dateOnly: s.datesOnly, zoned: s.zoned).iso())
    } else if !s.tooManyDistinct && s.distinct.count * 2 <= s.nonNull && s.allText {
      rule.type = .category
      rule.allowed = s.distinct.values.map { String(decoding: $0, as: UTF8.self) }.sorted()
    } else if s.allText {
      rule.type = .string
    } else {
      // JSON values of several kinds (or nested ones): any type.
      rule.type = nil
    }
    return rule
  }

  /// The shortest decimal text that reads back as `x`.
  static func number(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) + ".0" }
    return "\(x)"
  }
}

struct ProfilePartial: Sendable {
  var names: [String]
  var stats: [ColumnStats]
  var rows: Int
}

struct ProfileConsumer: BatchConsumer {
  let maxCategories: Int

  func process(_ batch: RecordBatch) -> ProfilePartial {
    var stats = [ColumnStats](repeating: ColumnStats(), count: batch.names.count)
    let fields = batch.view()
    let nulls = NullTokens.shared
    for r in 0..<fields.rowCount {
      for i in fields.rowStart(r)..<fields.rowStart(r + 1) {
        let kind = fields.kind(i)
        if kind == .null { continue }
        let v = fields.value(i)
        if kind == .text && nulls.contains(v) { continue }
        stats[fields.column(i, row: r)].add(v, kind: kind, maxCategories: maxCategories)
      }
    }
    return ProfilePartial(names: batch.names, stats: stats, rows: batch.rowCount)
  }
}

extension NullTokens {
  /// pandas' defaults, built once.
  static let shared = NullTokens()
}
