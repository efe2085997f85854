/// The table formats mlv reads. Each may be gzip-compressed (told by the `.gz` suffix or,
/// whatever the name, by gzip's magic bytes).
public enum TableFormat: String, Sendable, CaseIterable {
  /// Comma-separated values with a header row (RFC 4180).
  case csv
  /// Tab-separated values with a header row, quoted as in RFC 4180.
  case tsv
  /// JSON Lines: one object per line.
  case jsonl

  /// The format a file's name announces (`data.csv`, `data.tsv.gz`, `log.ndjson`, …).
  public init?(fileName: String) {
    var name = fileName.lowercased()
    if name.hasSuffix(".gz") { name.removeLast(3) }
    guard let dot = name.lastIndex(of: ".") else { return nil }
    switch name[name.index(after: dot)...] {
    case "csv": self = .csv
    case "tsv", "tab": self = .tsv
    case "jsonl", "ndjson": self = .jsonl
    default: return nil
    }
  }

  /// The field delimiter of CSV and TSV.
  var delimiter: UInt8 { self == .tsv ? 0x09 : 0x2C }
}
