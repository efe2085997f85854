#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// JSON Lines (one JSON object per line, RFC 8259 values): keys become columns, in the order
/// first seen; a key absent from a row is null there. Strings are unescaped (with `\u` escapes
/// and surrogate pairs turned into UTF-8); objects and arrays inside a row are kept as written.
enum JSONLTokenizer {
  /// Tokenizes `batch.bytes`: whole lines, each an object (blank lines are skipped).
  static func tokenize(_ batch: RecordBatch) throws(TokenizeFailure) {
    var parser = Parser(names: batch.names)
    let buffer = batch.bytes
    var failure: TokenizeFailure?
    if let p = buffer.baseAddress, !buffer.isEmpty {
      do throws(TokenizeFailure) { try parser.run(p, count: buffer.count) } catch { failure = error }
    }
    parser.table.finishRows()
    batch.names = parser.names
    batch.table = parser.table
    if let failure { throw failure }
  }

  private struct Parser: ~Copyable {
    var table = FieldTable()
    var names: [String]
    var index: [[UInt8]: Int32] = [:]
    var nameBytes: [[UInt8]] = []
    /// The column of the k-th key of the previous row: rows usually repeat their keys in order.
    var previous: [Int32] = []
    var line = 0
    var seen: [Int32] = []
    var rowNumber: Int32 = 0
    var scratch: [UInt8] = []

    init(names: [String]) {
      self.names = names
      for (k, name) in names.enumerated() {
        index[Array(name.utf8)] = Int32(k)
        nameBytes.append(Array(name.utf8))
      }
    }

    mutating func run(_ p: UnsafePointer<UInt8>, count n: Int) throws(TokenizeFailure) {
      var i = 0
      while i < n {
        var j = skipSpace(p, i, n)
        if j >= n { break }
        if p[j] == 0x0A {
          i = j + 1
          line += 1
          continue
        }
        guard p[j] == 0x7B else { throw fail(p, j, "expected a JSON object ('{') at the start of the line") }
        table.beginRow(line: line)
        rowNumber += 1
        j = try object(p, j + 1, n)
        j = skipSpace(p, j, n)
        if j < n && p[j] != 0x0A { throw fail(p, j, "unexpected text after the object") }
        i = j + 1
        line += 1
      }
      table.lineCount = line
    }

    func fail(_ p: UnsafePointer<UInt8>, _ at: Int, _ reason: String) -> TokenizeFailure {
      TokenizeFailure(offset: at, line: line, reason: reason)
    }

    @inline(__always) func skipSpace(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Int {
      var i = start
      while i < n && (p[i] == 0x20 || p[i] == 0x09 || p[i] == 0x0D) { i += 1 }
      return i
    }

    mutating func object(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws(TokenizeFailure) -> Int {
      var i = skipSpace(p, start, n)
      if i < n && p[i] == 0x7D { return i + 1 }
      var position = 0
      while true {
        i = skipSpace(p, i, n)
        guard i < n, p[i] == 0x22 else { throw fail(p, i, "expected a string key") }
        let keyStart = i
        let (keyEnd, keyEscaped) = try stringEnd(p, i + 1, n)
        let column: Int32
        if keyEscaped {
          var key: [UInt8] = []
          try unescape(p, i + 1, keyEnd - 1, into: &key, at: keyStart)
          column = columnIndex(key)
        } else {
          let keyBytes = UnsafeBufferPointer(start: p + i + 1, count: keyEnd - i - 2)
          if position < previous.count, matches(nameBytes[Int(previous[position])], keyBytes) {
            column = previous[position]
          } else {
            column = columnIndex(Array(keyBytes))
          }
        }
        if position < previous.count { previous[position] = column } else { previous.append(column) }
        position += 1
        while seen.count <= Int(column) { seen.append(0) }
        if seen[Int(column)] == rowNumber { throw fail(p, keyStart, "key '\(names[Int(column)])' appears twice in one object") }
        seen[Int(column)] = rowNumber
        i = skipSpace(p, keyEnd, n)
        guard i < n, p[i] == 0x3A else { throw fail(p, i, "expected ':' after a key") }
        i = skipSpace(p, i + 1, n)
        i = try value(p, i, n, column: column)
        i = skipSpace(p, i, n)
        guard i < n else { throw fail(p, i, "the object is not closed") }
        if p[i] == 0x2C {
          i += 1
          continue
        }
        guard p[i] == 0x7D else { throw fail(p, i, "expected ',' or '}'") }
        return i + 1
      }
    }

    func matches(_ name: [UInt8], _ key: UnsafeBufferPointer<UInt8>) -> Bool {
      name.count == key.count && name.withUnsafeBufferPointer { memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 }
    }

    mutating func columnIndex(_ key: [UInt8]) -> Int32 {
      if let k = index[key] { return k }
      let k = Int32(nameBytes.count)
      index[key] = k
      nameBytes.append(key)
      names.append(String(decoding: key, as: UTF8.self))
      return k
    }

    /// The index after the closing quote of a string whose content starts at `start`, and
    /// whether it holds escapes.
    func stringEnd(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws(TokenizeFailure) -> (Int, Bool) {
      var i = start
      var escaped = false
      while i < n {
        let c = p[i]
        if c == 0x22 { return (i + 1, escaped) }
        if c == 0x5C {
          escaped = true
          i += 2
          continue
        }
        if c < 0x20 { throw fail(p, i, c == 0x0A ? "a string is not closed on its line" : "a control character inside a string") }
        i += 1
      }
      throw fail(p, start - 1, "a string is not closed on its line")
    }

    func unescape(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, into out: inout [UInt8], at: Int) throws(TokenizeFailure) {
      var i = start
      while i < end {
        let c = p[i]
        guard c == 0x5C else {
          out.append(c)
          i += 1
          continue
        }
        let e = p[i + 1]
        i += 2
        switch e {
        case 0x22, 0x5C, 0x2F: out.append(e)
        case 0x62: out.append(0x08)
        case 0x66: out.append(0x0C)
        case 0x6E: out.append(0x0A)
        case 0x72: out.append(0x0D)
        case 0x74: out.append(0x09)
        case 0x75:
          guard var scalar = hex4(p, i, end) else { throw fail(p, i - 2, "a bad \\u escape") }
          i += 4
          if (0xD800..<0xDC00).contains(scalar) {
            guard i + 6 <= end, p[i] == 0x5C, p[i + 1] == 0x75, let low = hex4(p, i + 2, end), (0xDC00..<0xE000).contains(low) else {
              throw fail(p, i - 6, "a lone surrogate in a \\u escape")
            }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            i += 6
          } else if (0xDC00..<0xE000).contains(scalar) {
            throw fail(p, i - 6, "a lone surrogate in a \\u escape")
          }
          out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
        default:
          throw fail(p, i - 2, "a bad escape '\\\(Character(Unicode.Scalar(e)))'")
        }
      }
    }

    func hex4(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> UInt32? {
      guard i + 4 <= end else { return nil }
      var v: UInt32 = 0
      for k in i..<i + 4 {
        let c = p[k]
        let d: UInt32
        switch c {
        case 0x30...0x39: d = UInt32(c - 0x30)
        case 0x41...0x46: d = UInt32(c - 0x41 + 10)
        case 0x61...0x66: d = UInt32(c - 0x61 + 10)
        default: return nil
        }
        v = v << 4 | d
      }
      return v
    }

    mutating func value(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int, column: Int32) throws(TokenizeFailure) -> Int {
      guard start < n else { throw fail(p, start, "expected a value") }
      var i = start
      let kind: ValueKind
      switch p[i] {
      case 0x22:
        let (end, escaped) = try stringEnd(p, i + 1, n)
        if escaped {
          var text = scratch
          scratch = []
          text.removeAll(keepingCapacity: true)
          try unescape(p, i + 1, end - 1, into: &text, at: i)
          defer { scratch = text }
          text.withUnsafeBufferPointer {
            table.addCopiedField($0.baseAddress ?? p, count: $0.count, kind: ValueKind.string.rawValue)
          }
        } else {
          table.addField(start: i + 1, length: end - i - 2, kind: ValueKind.string.rawValue)
        }
        table.columns.append(column)
        return end
      case 0x74:
        guard literal(p, i, n, "true") else { throw fail(p, i, "expected a value") }
        i += 4
        kind = .trueValue
      case 0x66:
        guard literal(p, i, n, "false") else { throw fail(p, i, "expected a value") }
        i += 5
        kind = .falseValue
      case 0x6E:
        guard literal(p, i, n, "null") else { throw fail(p, i, "expected a value") }
        i += 4
        kind = .null
      case 0x7B, 0x5B:
        i = try skipNested(p, i, n)
        kind = .nested
      default:
        guard let end = numberEnd(p, i, n) else { throw fail(p, i, "expected a value") }
        i = end
        kind = .number
      }
      table.addField(start: start, length: i - start, kind: kind.rawValue)
      table.columns.append(column)
      return i
    }

    func literal(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, _ word: StaticString) -> Bool {
      let count = word.utf8CodeUnitCount
      guard i + count <= n else { return false }
      return memcmp(p + i, word.utf8Start, count) == 0
    }

    /// The end of a JSON number starting at `i` (RFC 8259 grammar), or nil.
    func numberEnd(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Int? {
      var i = start
      func digits() -> Int {
        let s = i
        while i < n && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
        return i - s
      }
      if i < n && p[i] == 0x2D { i += 1 }
      guard i < n else { return nil }
      if p[i] == 0x30 { i += 1 } else if digits() == 0 { return nil }
      if i < n && p[i] == 0x2E {
        i += 1
        guard digits() > 0 else { return nil }
      }
      if i < n && (p[i] == 0x65 || p[i] == 0x45) {
        i += 1
        if i < n && (p[i] == 0x2B || p[i] == 0x2D) { i += 1 }
        guard digits() > 0 else { return nil }
      }
      return i
    }

    /// Skips a nested object or array (strings inside may hold brackets).
    func skipNested(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws(TokenizeFailure) -> Int {
      var depth = 0
      var i = start
      while i < n {
        let c = p[i]
        if c == 0x22 {
          i = try stringEnd(p, i + 1, n).0
          continue
        }
        if c == 0x0A { break }
        if c == 0x7B || c == 0x5B { depth += 1 }
        if c == 0x7D || c == 0x5D {
          depth -= 1
          if depth == 0 { return i + 1 }
        }
        i += 1
      }
      throw fail(p, start, "a nested value is not closed on its line")
    }
  }
}
