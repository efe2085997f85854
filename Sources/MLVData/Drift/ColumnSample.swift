import Dispatch

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How many times each distinct value occurs (values as bytes, in order of first appearance).
public struct CategoryCounts: Sendable {
  var distinct = ByteSet()
  /// `counts[k]` is the number of occurrences of `values[k]`.
  public private(set) var counts: [Int] = []

  public init() {}

  /// The distinct values.
  public var values: [[UInt8]] { distinct.values }
  /// The number of distinct values.
  public var count: Int { counts.count }
  /// The number of values counted (kept when the distinct values are dropped).
  public internal(set) var total = 0

  @inline(__always) mutating func add(_ b: UnsafeBufferPointer<UInt8>, times: Int = 1) {
    total += times
    if let k = distinct.index(of: b) {
      counts[k] += times
    } else {
      distinct.insert(Array(b))
      counts.append(times)
    }
  }

  mutating func merge(_ other: CategoryCounts) {
    for (value, n) in zip(other.distinct.values, other.counts) { value.withUnsafeBufferPointer { add($0, times: n) } }
  }

  /// The count of `value` (0 when absent).
  public func count(of value: [UInt8]) -> Int { value.withUnsafeBufferPointer { distinct.index(of: $0).map { counts[$0] } ?? 0 } }
}

/// Everything drift needs from one column of one table: missing values, and either its numbers
/// (sorted once reading ends) or the counts of its distinct values.
public struct ColumnSample: Sendable {
  /// Values that are missing: null tokens, JSON `null`, absent keys, `NaN`.
  public var missing = 0
  /// Infinite numbers: left out of the tests, as Evidently and pandas' `dropna` after `replace(inf)` do.
  public var infinite = 0
  /// Every value present is a number.
  public var numeric = true
  /// Every number present is written as an integer (pandas reads the column as int64 when nothing is missing).
  public var integer = true
  /// Every value present is `true`/`false` (in pandas' spellings, or JSON booleans).
  public var boolean = true
  /// Every value present is an ISO 8601 date or time.
  public var temporal = true
  /// The finite numbers, while `numeric` (sorted after reading).
  public var numbers: [Double] = []
  /// How many distinct values `numbers` holds (counted once, when they are sorted).
  public private(set) var distinctNumbers = 0
  /// While reading: the numbers of the batches merged so far, outside the heap (see
  /// `NumberSegments`); the sort turns them into `numbers`.
  var segments: NumberSegments?
  /// The distinct values and their counts, once the column is not numeric. Booleans are
  /// counted as `true` and `false` whatever their spelling.
  public var categories = CategoryCounts()
  /// More distinct values than the collector keeps: the counts were dropped.
  public var tooManyDistinct = false
  /// The column was numeric in some batches and text in others: its values are counted again
  /// as text in a second pass.
  var needsTextPass = false

  public init() {}

  /// Values present (not missing), infinities included.
  public var present: Int { numeric ? numbers.count + (segments?.count ?? 0) + infinite : categories.total }

  /// Turns a numeric sample into text: used within a batch when a non-number appears.
  mutating func becomeText() {
    numeric = false
    integer = false
    numbers = []
    segments = nil
    infinite = 0
  }

  mutating func merge(_ o: ColumnSample, maxDistinct: Int) {
    missing += o.missing
    boolean = boolean && o.boolean
    temporal = temporal && o.temporal
    if numeric && o.numeric {
      integer = integer && o.integer
      if !o.numbers.isEmpty {
        if segments == nil { segments = NumberSegments() }
        o.numbers.withUnsafeBufferPointer { segments!.append($0) }
      }
      infinite += o.infinite
      return
    }
    if (numeric && present > 0) || (o.numeric && o.present > 0) {
      // Numbers in one batch, text in another: pandas reads the whole column as text, and the
      // numbers' spelling is gone. A second pass counts the column as text.
      needsTextPass = true
    }
    if numeric {
      becomeText()
      categories = o.categories
      tooManyDistinct = o.tooManyDistinct
    } else if !o.numeric && !tooManyDistinct {
      categories.merge(o.categories)
    } else if !o.numeric {
      categories.total += o.categories.total
    }
    if o.tooManyDistinct || categories.count > maxDistinct {
      tooManyDistinct = true
      // Only how many values there were is kept.
      var dropped = CategoryCounts()
      dropped.total = categories.total
      categories = dropped
    }
  }
}

/// The columns of one table, as drift reads them.
public struct TableSample: Sendable {
  /// The table's name in messages.
  public var name: String
  /// Column names in the table's order.
  public var columns: [String] = []
  /// Samples by column name.
  public var samples: [String: ColumnSample] = [:]
  /// Data rows.
  public var rows = 0

  /// Reads `source`, collecting `wanted` columns (nil: all). A column that is numbers in some
  /// batches and text in others is counted again as text in a second pass over `reopen()`.
  public static func read(
    _ open: () throws -> any ByteSource, reader: TableReader, wanted: Set<String>?, maxDistinct: Int = DriftAnalysis.maxDistinct
  ) throws -> TableSample {
    var table = TableSample(name: reader.name)
    try table.collect(open(), reader: reader, wanted: wanted, textOnly: [], maxDistinct: maxDistinct)
    let again = Set(table.samples.filter { $0.value.needsTextPass }.keys)
    if !again.isEmpty {
      var second = TableSample(name: reader.name)
      try second.collect(open(), reader: reader, wanted: again, textOnly: again, maxDistinct: maxDistinct)
      for name in again { table.samples[name] = second.samples[name] ?? ColumnSample() }
    }
    // Sorting the numbers is most of the work left: one column per core.
    let collected = table.columns.filter { table.samples[$0] != nil }
    var finished = collected.map { table.samples[$0]! }
    table.samples = [:]
    finished.withUnsafeMutableBufferPointer { buffer in
      let columns = UncheckedBuffer(buffer)
      DispatchQueue.concurrentPerform(iterations: columns.buffer.count) { columns.buffer[$0].finish() }
    }
    for (name, sample) in zip(collected, finished) { table.samples[name] = sample }
    return table
  }

  mutating func collect(_ source: any ByteSource, reader: TableReader, wanted: Set<String>?, textOnly: Set<String>, maxDistinct: Int) throws
  {
    var order: [String] = []
    try reader.read(
      source,
      consumer: { names in
        order = names
        return DriftConsumer(wanted: wanted, textOnly: textOnly)
      },
      merge: { partial, position in
        for (name, s) in zip(partial.names, partial.samples) {
          guard let s else { continue }
          if samples[name] == nil {
            order.append(name)
            // Rows before this batch lacked the column (JSON Lines): they are missing values.
            var first = ColumnSample()
            first.missing = position.rowsBefore
            samples[name] = first
          }
          samples[name]!.merge(s, maxDistinct: maxDistinct)
        }
        // Columns this batch lacks (JSON Lines) are missing in each of its rows.
        let here = Set(partial.names)
        for name in samples.keys where !here.contains(name) { samples[name]!.missing += partial.rows }
        rows = position.rowsBefore + partial.rows
        return true
      })
    var seen = Set<String>()
    columns = order.filter { seen.insert($0).inserted }
  }
}

extension ColumnSample {
  /// Ends reading: a numeric column sorts its numbers; booleans are counted by value.
  mutating func finish() {
    if numeric {
      let all = segments ?? NumberSegments()
      segments = nil
      numbers.withUnsafeBufferPointer { all.append($0) }
      numbers = []
      numbers = RadixSort.sorted(all)
      distinctNumbers = numbers.withUnsafeBufferPointer { a in
        a.isEmpty ? 0 : 1 + (1..<a.count).count { a[$0] != a[$0 - 1] }
      }
      boolean = false
      temporal = false
    } else if boolean && !tooManyDistinct && present > 0 {
      var merged = CategoryCounts()
      for (value, n) in zip(categories.values, categories.counts) {
        let key = value.withUnsafeBufferPointer { ValueParsing.bool($0) } ?? (value == Array("true".utf8))
        Array((key ? "true" : "false").utf8).withUnsafeBufferPointer { merged.add($0, times: n) }
      }
      categories = merged
    }
    if present == 0 {
      boolean = false
      temporal = false
    }
  }
}

struct DriftPartial: Sendable {
  var names: [String]
  /// nil for columns not collected.
  var samples: [ColumnSample?]
  var rows: Int
}

/// Collects one batch's columns on a worker thread.
struct DriftConsumer: BatchConsumer {
  let wanted: Set<String>?
  let textOnly: Set<String>

  func process(_ batch: RecordBatch) -> DriftPartial {
    let names = batch.names
    var samples = [ColumnSample?](repeating: nil, count: names.count)
    let fields = batch.view()
    let nulls = NullTokens.shared
    if batch.fixedColumns {
      // CSV and TSV: every row has every column, so each column is one tight loop.
      for (c, name) in names.enumerated() where wanted?.contains(name) ?? true {
        samples[c] =
          (textOnly.contains(name) ? nil : Self.numbers(column: c, fields: fields, nulls: nulls))
          ?? Self.text(column: c, fields: fields, nulls: nulls)
      }
      return DriftPartial(names: names, samples: samples, rows: batch.rowCount)
    }
    for (c, name) in names.enumerated() where wanted?.contains(name) ?? true {
      var s = ColumnSample()
      if textOnly.contains(name) { s.becomeText() } else { s.numbers.reserveCapacity(batch.rowCount) }
      samples[c] = s
    }
    var present = [Int](repeating: 0, count: names.count)
    samples.withUnsafeMutableBufferPointer { samples in
      for r in 0..<fields.rowCount {
        for i in fields.rowStart(r)..<fields.rowStart(r + 1) {
          let c = fields.column(i, row: r)
          guard samples[c] != nil else { continue }
          let kind = fields.kind(i)
          if kind == .null { continue }
          let v = fields.value(i)
          if kind == .text && nulls.contains(v) { continue }
          Self.add(v, kind: kind, to: &samples[c]!, present: &present[c], column: c, row: r, fields: fields, nulls: nulls)
        }
      }
    }
    for c in names.indices where samples[c] != nil { samples[c]!.missing += batch.rowCount - present[c] }
    return DriftPartial(names: names, samples: samples, rows: batch.rowCount)
  }

  /// Column `c` of a batch whose rows all have every column, when all its values are numbers
  /// (nil as soon as one is not).
  static func numbers(column c: Int, fields: FieldView, nulls: NullTokens) -> ColumnSample? {
    let rows = fields.rowCount
    var s = ColumnSample()
    var numeric = true
    var integer = true
    var infinite = 0
    var missing = 0
    s.numbers = [Double](unsafeUninitializedCapacity: rows) { buffer, count in
      var n = 0
      for r in 0..<rows {
        let i = fields.rowStart(r) + c
        let v = fields.value(i)
        if nulls.contains(v) {
          missing += 1
          continue
        }
        guard let x = ValueParsing.double(v) else {
          numeric = false
          break
        }
        if x.isNaN {
          missing += 1
        } else if x.isInfinite {
          infinite += 1
        } else {
          buffer[n] = x
          n += 1
        }
        if integer && ValueParsing.int64(v) == nil { integer = false }
      }
      count = n
    }
    guard numeric else { return nil }
    s.integer = integer
    s.infinite = infinite
    s.missing = missing
    s.boolean = s.numbers.isEmpty && infinite == 0
    s.temporal = s.boolean
    return s
  }

  /// Column `c` of a batch whose rows all have every column, counted as text.
  static func text(column c: Int, fields: FieldView, nulls: NullTokens) -> ColumnSample {
    var s = ColumnSample()
    s.becomeText()
    var boolean = true
    var temporal = true
    var missing = 0
    for r in 0..<fields.rowCount {
      let v = fields.value(fields.rowStart(r) + c)
      if nulls.contains(v) {
        missing += 1
        continue
      }
      if boolean && ValueParsing.bool(v) == nil { boolean = false }
      if temporal && ValueParsing.timestamp(v) == nil { temporal = false }
      s.categories.add(v)
    }
    s.missing = missing
    s.boolean = boolean
    s.temporal = temporal
    return s
  }

  @inline(__always)
  static func add(
    _ v: UnsafeBufferPointer<UInt8>, kind: ValueKind, to s: inout ColumnSample, present: inout Int, column c: Int, row r: Int,
    fields: FieldView, nulls: NullTokens
  ) {
    if s.numeric && (kind == .text || kind == .number) {
      if let x = ValueParsing.double(v) {
        if x.isNaN { return }  // NaN is a missing value, as in pandas.
        present += 1
        if s.integer && ValueParsing.int64(v) == nil { s.integer = false }
        if x.isInfinite { s.infinite += 1 } else { s.numbers.append(x) }
        s.boolean = false
        s.temporal = false
        return
      }
    }
    present += 1
    if s.numeric {
      // A value that is not a number: the column is text from here, and what this batch has
      // seen so far is counted again as text.
      s.becomeText()
      recount(column: c, before: r, fields: fields, nulls: nulls, into: &s)
    }
    if s.boolean && (kind == .text ? ValueParsing.bool(v) == nil : kind != .trueValue && kind != .falseValue) { s.boolean = false }
    if s.temporal && (kind != .text && kind != .string || ValueParsing.timestamp(v) == nil) { s.temporal = false }
    s.categories.add(v)
  }

  /// Counts as text the values of column `c` in rows before `r` (after a column turned out not numeric).
  static func recount(column c: Int, before r: Int, fields: FieldView, nulls: NullTokens, into s: inout ColumnSample) {
    for row in 0..<r {
      for i in fields.rowStart(row)..<fields.rowStart(row + 1) where fields.column(i, row: row) == c {
        let kind = fields.kind(i)
        let v = fields.value(i)
        if kind == .null || (kind == .text && nulls.contains(v)) { continue }
        if ValueParsing.double(v)?.isNaN == true { continue }
        if s.boolean && (kind == .text ? ValueParsing.bool(v) == nil : kind != .trueValue && kind != .falseValue) { s.boolean = false }
        if s.temporal && (kind != .text && kind != .string || ValueParsing.timestamp(v) == nil) { s.temporal = false }
        s.categories.add(v)
      }
    }
  }
}

/// Numbers appended in batches, kept in 1 MiB mappings of their own rather than the heap: the
/// heap churns with batches, and long-lived arrays scattered among them would keep it from
/// being reused (the peak grew by a third). Appended from one thread; read by the sort.
final class NumberSegments: @unchecked Sendable {
  static let perSegment = (1 << 20) / MemoryLayout<Double>.stride
  private(set) var segments: [UnsafeMutablePointer<Double>] = []
  private(set) var count = 0

  func append(_ values: UnsafeBufferPointer<Double>) {
    var from = 0
    while from < values.count {
      let used = count % Self.perSegment
      if used == 0 && count / Self.perSegment == segments.count { segments.append(Self.map()) }
      let n = min(Self.perSegment - used, values.count - from)
      (segments[count / Self.perSegment] + used).update(from: values.baseAddress! + from, count: n)
      count += n
      from += n
    }
  }

  /// The values of segment `k`.
  func segment(_ k: Int) -> UnsafeBufferPointer<Double> {
    UnsafeBufferPointer(start: segments[k], count: min(Self.perSegment, count - k * Self.perSegment))
  }

  private var released = false

  /// Releases every segment now.
  func releaseAll() {
    guard !released else { return }
    released = true
    for k in segments.indices { munmap(segments[k], 1 << 20) }
  }

  deinit { releaseAll() }

  private static func map() -> UnsafeMutablePointer<Double> {
    let p = mmap(nil, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    guard let p, p != MAP_FAILED else { fatalError("cannot map 1 MiB of memory") }
    return p.bindMemory(to: Double.self, capacity: perSegment)
  }
}
