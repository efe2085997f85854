#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A problem found while tokenizing a batch, located inside it; the reader turns it into a
/// `DataError` with the file's line and column.
struct TokenizeFailure: Error {
  /// Offset of the offending byte in the batch.
  let offset: Int
  /// Newlines before it in the batch.
  let line: Int
  let reason: String
}

/// RFC 4180 tokenizing for CSV and TSV: fields separated by the delimiter, records by LF, CRLF or
/// CR; a field may be quoted, with quotes inside doubled and any byte (newlines too) allowed.
/// Blank lines are skipped, as pandas does.
enum CSVTokenizer {
  static let quote: UInt8 = 0x22

  /// Bytes that end an unquoted field's fast scan.
  static func stopTable(delimiter: UInt8) -> [Bool] {
    var table = [Bool](repeating: false, count: 256)
    for b in [delimiter, 0x0A, 0x0D, quote] { table[Int(b)] = true }
    return table
  }

  /// Tokenizes `batch.bytes` (complete records) into `batch`; every record must have `columns`
  /// fields (any number when 0: the header).
  static func tokenize(_ batch: RecordBatch, delimiter: UInt8, columns: Int, stops: [Bool]) throws(TokenizeFailure) {
    let buffer = batch.bytes
    var table = FieldTable()
    let failure: TokenizeFailure? = stops.withUnsafeBufferPointer { stop in
      guard let p = buffer.baseAddress, !buffer.isEmpty else { return nil }
      return run(p, count: buffer.count, table: &table, delimiter: delimiter, columns: columns, stop: stop.baseAddress!)
    }
    table.finishRows()
    batch.table = table
    if let failure { throw failure }
  }

  private static func run(
    _ p: UnsafePointer<UInt8>, count n: Int, table: inout FieldTable, delimiter: UInt8, columns: Int, stop: UnsafePointer<Bool>
  ) -> TokenizeFailure? {
    var i = 0
    var line = 0
    while i < n {
      // A blank line is no record.
      if p[i] == 0x0A {
        i += 1
        line += 1
        continue
      }
      if p[i] == 0x0D {
        i += (i + 1 < n && p[i + 1] == 0x0A) ? 2 : 1
        line += 1
        continue
      }
      let recordLine = line
      let recordOffset = i
      table.beginRow(line: line)
      var fields = 0
      while true {
        if i < n && p[i] == quote {
          let open = i
          i += 1
          let start = i
          var escaped = false
          while true {
            guard let q = memchr(p + i, Int32(quote), n - i) else {
              return TokenizeFailure(offset: open, line: line, reason: "a quoted field is not closed")
            }
            let at = UnsafePointer<UInt8>(q.assumingMemoryBound(to: UInt8.self)) - p
            if at + 1 < n && p[at + 1] == quote {
              escaped = true
              i = at + 2
              continue
            }
            line += countNewlines(p + start, at - start)
            if escaped {
              unescapeDoubledQuotes(p + start, count: at - start, into: &table)
            } else {
              table.addField(start: start, length: at - start, kind: ValueKind.text.rawValue)
            }
            i = at + 1
            break
          }
          if i < n && p[i] != delimiter && p[i] != 0x0A && p[i] != 0x0D {
            return TokenizeFailure(offset: i, line: line, reason: "unexpected character after a closing quote")
          }
        } else {
          let start = i
          while i < n && !stop[Int(p[i])] { i += 1 }
          if i < n && p[i] == quote {
            return TokenizeFailure(offset: i, line: line, reason: "quote inside an unquoted field")
          }
          table.addField(start: start, length: i - start, kind: ValueKind.text.rawValue)
        }
        fields += 1
        if i >= n { break }
        let c = p[i]
        if c == delimiter {
          i += 1
          continue
        }
        i += (c == 0x0D && i + 1 < n && p[i + 1] == 0x0A) ? 2 : 1
        line += 1
        break
      }
      if columns > 0 && fields != columns {
        return TokenizeFailure(
          offset: recordOffset, line: recordLine,
          reason: "row has \(fields) field\(fields == 1 ? "" : "s"), the header has \(columns)")
      }
    }
    table.lineCount = line
    return nil
  }

  private static func unescapeDoubledQuotes(_ p: UnsafePointer<UInt8>, count: Int, into table: inout FieldTable) {
    var out = [UInt8]()
    out.reserveCapacity(count)
    var i = 0
    while i < count {
      out.append(p[i])
      i += p[i] == quote ? 2 : 1
    }
    out.withUnsafeBufferPointer { table.addCopiedField($0.baseAddress!, count: $0.count, kind: ValueKind.text.rawValue) }
  }

  /// Where the last complete record of `p[0..<n]` ends (after its line break), or nil when
  /// there is none; quotes are paired from the start, which must be a record start.
  static func lastRecordEnd(_ p: UnsafePointer<UInt8>, count n: Int) -> Int? {
    let total = count(quote, in: p, n)
    var quotesAfter = 0
    var end = n
    while end > 0 {
      guard let at = lastNewline(p, before: end) else { return nil }
      quotesAfter += count(quote, in: p + at + 1, end - at - 1)
      if (total - quotesAfter) & 1 == 0 { return at + 1 }
      end = at
    }
    return nil
  }

  /// Where the first record of `p[0..<n]` ends (after its line break), or nil.
  static func firstRecordEnd(_ p: UnsafePointer<UInt8>, count n: Int) -> Int? {
    var inQuotes = false
    for k in 0..<n {
      let c = p[k]
      if c == quote {
        inQuotes.toggle()
      } else if !inQuotes && (c == 0x0A || c == 0x0D) {
        return (c == 0x0D && k + 1 < n && p[k + 1] == 0x0A) ? k + 2 : (c == 0x0D && k + 1 == n ? nil : k + 1)
      }
    }
    return nil
  }

  static func countNewlines(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int { count(0x0A, in: p, n) }

  /// How many bytes of `p[0..<n]` equal `byte`, eight at a time (exact SWAR zero-byte test).
  static func count(_ byte: UInt8, in p: UnsafePointer<UInt8>, _ n: Int) -> Int {
    let pattern = UInt64(byte) &* 0x0101_0101_0101_0101
    let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    var total = 0
    var k = 0
    while k + 8 <= n {
      let x = UnsafeRawPointer(p + k).loadUnaligned(as: UInt64.self) ^ pattern
      let nonZero = ((x & low7) &+ low7) | x
      total += (~nonZero & 0x8080_8080_8080_8080).nonzeroBitCount
      k += 8
    }
    while k < n {
      if p[k] == byte { total += 1 }
      k += 1
    }
    return total
  }
}
