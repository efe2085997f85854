/// What kind of value a field holds. CSV and TSV fields are all `text` (types come from
/// parsing); JSON Lines values keep their JSON kind.
public enum ValueKind: UInt8, Sendable {
  /// A CSV or TSV field (quoted or not), subject to null tokens and parsing.
  case text = 0
  /// A JSON string.
  case string
  /// A JSON number, as written.
  case number
  /// JSON `true`.
  case trueValue
  /// JSON `false`.
  case falseValue
  /// JSON `null` (a key that is absent is null as well).
  case null
  /// A JSON object or array, as written.
  case nested
}

/// A growable array of trivial values behind a stable pointer, for the tokenizers' hot loops.
struct GrowableBuffer<Element: BitwiseCopyable>: ~Copyable {
  private(set) var base: UnsafeMutablePointer<Element>
  private(set) var count = 0
  private var capacity: Int

  init(capacity: Int) {
    self.capacity = max(capacity, 16)
    base = .allocate(capacity: self.capacity)
  }

  deinit { base.deallocate() }

  @inline(__always) mutating func append(_ value: Element) {
    if count == capacity { grow(to: capacity * 2) }
    base[count] = value
    count += 1
  }

  mutating func append(contentsOf source: UnsafePointer<Element>, count n: Int) {
    if count + n > capacity { grow(to: max(capacity * 2, count + n)) }
    (base + count).update(from: source, count: n)
    count += n
  }

  private mutating func grow(to newCapacity: Int) {
    let bigger = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
    bigger.update(from: base, count: count)
    base.deallocate()
    base = bigger
    capacity = newCapacity
  }

  subscript(i: Int) -> Element { base[i] }
}

/// The tokenizers' output: where each row's fields start, and each field's place and kind.
/// Built in a local variable (no class bookkeeping in the hot loop), then handed to the batch.
struct FieldTable: ~Copyable {
  var rowStarts = GrowableBuffer<Int32>(capacity: 1 << 14)
  var rowLines = GrowableBuffer<Int32>(capacity: 1 << 14)
  var starts = GrowableBuffer<Int32>(capacity: 1 << 16)
  var lengths = GrowableBuffer<Int32>(capacity: 1 << 16)
  var kinds = GrowableBuffer<UInt8>(capacity: 1 << 16)
  /// The column of each field (JSON Lines only: CSV fields are in header order).
  var columns = GrowableBuffer<Int32>(capacity: 16)
  /// Values that unescaping changed.
  var extra = GrowableBuffer<UInt8>(capacity: 1 << 12)
  /// Newlines passed.
  var lineCount = 0

  init() {}

  var rowCount: Int { max(0, rowStarts.count - 1) }

  @inline(__always) mutating func addField(start: Int, length: Int, kind: UInt8) {
    starts.append(Int32(truncatingIfNeeded: start))
    lengths.append(Int32(truncatingIfNeeded: length))
    kinds.append(kind)
  }

  /// Adds a field whose value is `count` bytes at `source`, copied into `extra`.
  mutating func addCopiedField(_ source: UnsafePointer<UInt8>, count: Int, kind: UInt8) {
    let start = extra.count
    extra.append(contentsOf: source, count: count)
    addField(start: start, length: count, kind: kind | 0x80)
  }

  @inline(__always) mutating func beginRow(line: Int) {
    rowStarts.append(Int32(truncatingIfNeeded: starts.count))
    rowLines.append(Int32(truncatingIfNeeded: line))
  }

  mutating func finishRows() { rowStarts.append(Int32(truncatingIfNeeded: starts.count)) }
}

/// A run of complete records and, once tokenized, their fields: read them through `view()`.
public final class RecordBatch {
  /// The batch's bytes (owned).
  let bytes: UnsafeBufferPointer<UInt8>
  /// Column names: the header (CSV, TSV) or the keys seen in this batch (JSON Lines).
  public internal(set) var names: [String]
  var table = FieldTable()
  let fixedColumns: Bool

  init(bytes source: [UInt8], names: [String], fixedColumns: Bool) {
    let owned = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, source.count))
    _ = owned.initialize(from: source)
    bytes = UnsafeBufferPointer(rebasing: owned[0..<source.count])
    self.names = names
    self.fixedColumns = fixedColumns
  }

  deinit { UnsafeMutableRawPointer(mutating: bytes.baseAddress!).deallocate() }

  /// The number of rows.
  public var rowCount: Int { table.rowCount }
  /// Newlines in the batch.
  public var lineCount: Int { table.lineCount }

  /// The fields for reading, without any bookkeeping per access (valid while the batch lives).
  public func view() -> FieldView {
    FieldView(
      bytes: bytes.baseAddress!, extra: UnsafePointer(table.extra.base), rowStarts: UnsafePointer(table.rowStarts.base),
      rowLines: UnsafePointer(table.rowLines.base), starts: UnsafePointer(table.starts.base), lengths: UnsafePointer(table.lengths.base),
      kinds: UnsafePointer(table.kinds.base), columns: UnsafePointer(table.columns.base), rowCount: table.rowCount,
      fixedColumns: fixedColumns)
  }

  /// The text of field `i` (for the header).
  func text(_ i: Int) -> String { String(decoding: view().value(i), as: UTF8.self) }
}

/// Read access to a tokenized batch: plain pointers, so the hot loops pay for nothing but the loads.
public struct FieldView {
  let bytes: UnsafePointer<UInt8>
  let extra: UnsafePointer<UInt8>
  let rowStarts: UnsafePointer<Int32>
  let rowLines: UnsafePointer<Int32>
  let starts: UnsafePointer<Int32>
  let lengths: UnsafePointer<Int32>
  let kinds: UnsafePointer<UInt8>
  let columns: UnsafePointer<Int32>
  /// The number of rows.
  public let rowCount: Int
  let fixedColumns: Bool

  /// The first field of row `r` (`rowStart(rowCount)` is the end of the last row).
  @inline(__always) public func rowStart(_ r: Int) -> Int { Int(rowStarts[r]) }
  /// The line (0-based, from the batch's first line) where row `r` starts.
  @inline(__always) public func rowLine(_ r: Int) -> Int { Int(rowLines[r]) }
  /// The column of field `i` in row `r`.
  @inline(__always) public func column(_ i: Int, row r: Int) -> Int { fixedColumns ? i - Int(rowStarts[r]) : Int(columns[i]) }
  /// The kind of field `i`.
  @inline(__always) public func kind(_ i: Int) -> ValueKind { ValueKind(rawValue: kinds[i] & 0x7F) ?? .text }
  /// The bytes of field `i`.
  @inline(__always) public func value(_ i: Int) -> UnsafeBufferPointer<UInt8> {
    let base = kinds[i] & 0x80 != 0 ? extra : bytes
    return UnsafeBufferPointer(start: base + Int(starts[i]), count: Int(lengths[i]))
  }
}
