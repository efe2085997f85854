import MLVStore

/// Why a table or a contract cannot be read. Every case names the file and, where it applies,
/// the line and column (both 1-based; the column counts bytes of the line).
public enum DataError: UserFacingError, Equatable {
  /// The bytes are not a well-formed table of their format.
  case malformed(file: String, line: Int, column: Int?, reason: String)
  /// The file has no header row (CSV, TSV) or no record at all.
  case empty(file: String)
  /// The format cannot be told from the name.
  case unknownFormat(file: String)
  /// A contract file that is not a valid contract.
  case badContract(file: String, line: Int?, column: Int?, reason: String)
  /// A record longer than the reader accepts (usually an unbalanced quote).
  case recordTooLong(file: String, line: Int, limit: Int, inQuotes: Bool)

  public var message: String {
    switch self {
    case .malformed(let file, let line, let column, let reason):
      return "\(file):\(line)\(column.map { ":\($0)" } ?? ""): \(reason)"
    case .empty(let file):
      return "'\(file)' is empty: a table needs at least a header row"
    case .unknownFormat(let file):
      return "cannot tell the format of '\(file)' from its name"
    case .badContract(let file, let line, let column, let reason):
      let place = line.map { ":\($0)" + (column.map { ":\($0)" } ?? "") } ?? ""
      return "contract '\(file)'\(place): \(reason)"
    case .recordTooLong(let file, let line, let limit, let inQuotes):
      return inQuotes
        ? "\(file):\(line): a quoted field starting here is not closed within \(limit >> 20) MiB"
        : "\(file):\(line): a record starting here is longer than \(limit >> 20) MiB"
    }
  }

  public var hint: String? {
    switch self {
    case .unknownFormat: return "name it *.csv, *.tsv or *.jsonl (optionally with .gz), or pass --format"
    case .recordTooLong(_, _, _, true): return "an opening quote is probably missing its closing quote"
    case .malformed(_, _, _, let reason) where reason.hasPrefix("quote inside"):
      return "RFC 4180: a field holding a quote must be quoted as a whole, with the quote doubled (\"a \"\"b\"\"\")"
    default: return nil
    }
  }

  public var exitStatus: ExitStatus { .invalidInput }
}
