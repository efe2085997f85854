import Foundation
import MLVStore
import Testing

@testable import MLVData

/// Collects every row as (column name → text) for assertions.
struct RowCollector: BatchConsumer {
  func process(_ batch: RecordBatch) -> [[String: String]] {
    let f = batch.view()
    var rows: [[String: String]] = []
    for r in 0..<f.rowCount {
      var row: [String: String] = [:]
      for i in f.rowStart(r)..<f.rowStart(r + 1) {
        let kind = f.kind(i)
        row[batch.names[f.column(i, row: r)]] = kind == .null ? "<null>" : String(decoding: f.value(i), as: UTF8.self)
      }
      rows.append(row)
    }
    return rows
  }
}

func source(_ text: String) -> any ByteSource { source(Array(text.utf8)) }

func source(_ bytes: [UInt8], pieces: Int = 7) -> any ByteSource {
  var offset = 0
  return PiecesByteSource {
    guard offset < bytes.count else { return nil }
    let end = min(bytes.count, offset + pieces)
    defer { offset = end }
    return Array(bytes[offset..<end])
  }
}

/// Reads `bytes` with tiny batches (so records straddle batch boundaries) and returns header and rows.
func readAll(_ bytes: [UInt8], format: TableFormat, batchBytes: Int = 16) throws -> (header: [String], rows: [[String: String]]) {
  var reader = TableReader(format: format, name: "t")
  reader.batchBytes = batchBytes
  var header: [String] = []
  var rows: [[String: String]] = []
  try reader.read(
    source(bytes),
    consumer: { names in
      header = names
      return RowCollector()
    },
    merge: { part, position in
      #expect(position.rowsBefore == rows.count)
      rows += part
      return true
    })
  return (header, rows)
}

func readError(_ text: String, format: TableFormat = .csv, batchBytes: Int = 16) -> DataError? {
  do {
    _ = try readAll(Array(text.utf8), format: format, batchBytes: batchBytes)
    return nil
  } catch let error as DataError {
    return error
  } catch {
    Issue.record("unexpected error \(error)")
    return nil
  }
}

@Suite struct CSVReaderTests {
  @Test func rfc4180QuotingAcrossBatchBoundaries() throws {
    let text = "\u{FEFF}id,text,n\r\n1,\"a, \"\"quoted\"\"\r\nline\",3\r\n2,plain,\r\n\r\n3,\"\",4"
    for batch in [1, 5, 16, 1 << 20] {
      let (header, rows) = try readAll(Array(text.utf8), format: .csv, batchBytes: batch)
      #expect(header == ["id", "text", "n"])
      #expect(rows.count == 3)
      #expect(rows[0]["text"] == "a, \"quoted\"\r\nline")
      #expect(rows[1]["n"] == "")
      #expect(rows[2] == ["id": "3", "text": "", "n": "4"])
    }
  }

  @Test func tsvAndGzip() throws {
    let text = "a\tb\n1\t\"x\ty\"\n"
    let (_, rows) = try readAll(Array(text.utf8), format: .tsv)
    #expect(rows == [["a": "1", "b": "x\ty"]])
    // Two gzip members, as `cat a.gz b.gz` makes.
    let dir = FileManager.default.temporaryDirectory.path + "/mlv-gz-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "a,b\n1,2\n".write(toFile: dir + "/p1", atomically: true, encoding: .utf8)
    try "3,4\n".write(toFile: dir + "/p2", atomically: true, encoding: .utf8)
    let gz = Process()
    gz.executableURL = URL(fileURLWithPath: "/bin/sh")
    gz.arguments = ["-c", "cd '\(dir)' && gzip -c p1 > t.csv.gz && gzip -c p2 >> t.csv.gz"]
    try gz.run()
    gz.waitUntilExit()
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/t.csv.gz")))
    let (header, gzRows) = try readAll(bytes, format: .csv)
    #expect(header == ["a", "b"])
    #expect(gzRows == [["a": "1", "b": "2"], ["a": "3", "b": "4"]])
    var truncated = bytes
    truncated.removeLast(6)
    #expect(throws: DataError.self) { try readAll(truncated, format: .csv) }
  }

  @Test func badInputIsLocated() {
    #expect(readError("a,b\n1,\"x\n2,y\n") == .malformed(file: "t", line: 2, column: 3, reason: "a quoted field is not closed"))
    #expect(readError("a,b\n1,2\n3,4,5\n") == .malformed(file: "t", line: 3, column: 1, reason: "row has 3 fields, the header has 2"))
    #expect(readError("a,b\n1\n") == .malformed(file: "t", line: 2, column: 1, reason: "row has 1 field, the header has 2"))
    #expect(readError("a,a\n1,2\n")?.message.contains("both named 'a'") == true)
    #expect(readError("a,,c\n1,2,3\n")?.message.contains("column 2 of the header has no name") == true)
    #expect(readError("a,b\n1,x\"y\n") == .malformed(file: "t", line: 2, column: 4, reason: "quote inside an unquoted field"))
    #expect(readError("a,b\n1,\"x\"y\n") == .malformed(file: "t", line: 2, column: 6, reason: "unexpected character after a closing quote"))
    #expect(readError("") == .empty(file: "t"))
    #expect(readError("\n\n") == .empty(file: "t"))
    var invalid = Array("a,b\n1,ok\n2,".utf8)
    invalid += [0xC3, 0x28, 0x0A]
    #expect(throws: DataError.malformed(file: "t", line: 3, column: 3, reason: "invalid UTF-8")) {
      try readAll(invalid, format: .csv)
    }
    #expect(throws: DataError.self) { try readAll([0x61, 0x0A, 0x00, 0x01, 0x02, 0x0A], format: .csv) }
  }

  @Test func unbalancedQuoteStopsAtTheRecordLimit() throws {
    var reader = TableReader(format: .csv, name: "t")
    reader.batchBytes = 1 << 10
    reader.maxRecordBytes = 1 << 16
    let text = "a,b\n1,2\n3,\"never closed" + String(repeating: "x\n", count: 100_000)
    #expect(throws: DataError.recordTooLong(file: "t", line: 3, limit: 1 << 16, inQuotes: true)) {
      try reader.read(source(Array(text.utf8), pieces: 4096), consumer: { _ in RowCollector() }, merge: { _, _ in true })
    }
  }

  @Test func aHugeFieldWithinTheLimitIsRead() throws {
    let big = String(repeating: "z", count: 3 << 20)
    let (_, rows) = try readAll(Array("a,b\n1,\"\(big)\"\n2,y\n".utf8), format: .csv, batchBytes: 1 << 16)
    #expect(rows.count == 2)
    #expect(rows[0]["b"]?.utf8.count == 3 << 20)
  }
}

@Suite struct JSONLinesReaderTests {
  @Test func keysBecomeColumns() throws {
    let text = "{\"a\": 1, \"b\": \"x\\n\\u00e9\\ud83d\\ude00\"}\n\n{\"b\": null, \"c\": [1, {\"d\": \"]\"}], \"a\": -2.5e3}\n{}\n"
    let (_, rows) = try readAll(Array(text.utf8), format: .jsonl, batchBytes: 1 << 20)
    #expect(rows.count == 3)
    #expect(rows[0] == ["a": "1", "b": "x\né😀"])
    #expect(rows[1] == ["a": "-2.5e3", "b": "<null>", "c": "[1, {\"d\": \"]\"}]"])
    #expect(rows[2] == [:])
  }

  @Test func badLinesAreLocated() {
    #expect(
      readError("{\"a\":1}\n{\"a\":2,,}\n", format: .jsonl) == .malformed(file: "t", line: 2, column: 8, reason: "expected a string key"))
    #expect(readError("{\"a\":1}\n[1]\n", format: .jsonl)?.message.contains("t:2:1: expected a JSON object") == true)
    #expect(readError("{\"a\":1, \"a\":2}\n", format: .jsonl)?.message.contains("appears twice") == true)
    #expect(readError("{\"a\":\"\\ud800\"}\n", format: .jsonl)?.message.contains("lone surrogate") == true)
    #expect(readError("{\"a\":01}\n", format: .jsonl) != nil)
  }
}

@Suite struct ValueParsingTests {
  func parse<T>(_ text: String, _ f: (UnsafeBufferPointer<UInt8>) -> T) -> T { Array(text.utf8).withUnsafeBufferPointer(f) }

  @Test func numbers() {
    #expect(parse("-9223372036854775808", ValueParsing.int64) == Int64.min)
    #expect(parse("9223372036854775808", ValueParsing.int64) == nil)
    #expect(parse("+7", ValueParsing.int64) == 7)
    #expect(parse("1.0", ValueParsing.int64) == nil)
    for text in ["0.1", "-2.5e-3", "123456789.123456789", "1e308", "4.9e-324", ".5", "2.", "17976931348623157e292", "0.30000000000000004"] {
      #expect(parse(text, ValueParsing.double) == Double(text.hasPrefix(".") ? "0" + text : text.hasSuffix(".") ? text + "0" : text))
    }
    #expect(parse("inf", ValueParsing.double) == .infinity)
    #expect(parse("-Infinity", ValueParsing.double) == -.infinity)
    for bad in ["", "-", "1e", "0x10", " 1", "1 ", "e5", "1.2.3"] { #expect(parse(bad, ValueParsing.double) == nil, "\(bad)") }
  }

  @Test func timestamps() {
    #expect(parse("1970-01-02", ValueParsing.timestamp)?.micros == 86_400_000_000)
    #expect(parse("2024-02-29T12:00:00Z", ValueParsing.timestamp) == parse("2024-02-29 14:00:00+02:00", ValueParsing.timestamp))
    #expect(parse("2023-02-29", ValueParsing.timestamp) == nil)
    #expect(parse("2024-13-01", ValueParsing.timestamp) == nil)
    #expect(parse("2024-01-01T10:00:00.250", ValueParsing.timestamp)?.iso() == "2024-01-01T10:00:00.25")
    #expect(parse("1969-12-31T23:59:59Z", ValueParsing.timestamp)?.iso() == "1969-12-31T23:59:59Z")
  }
}
