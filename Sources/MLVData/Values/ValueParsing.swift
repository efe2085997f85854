#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Text that means "no value" in a CSV or TSV field. The default is pandas' `read_csv` list, so
/// mlv and pandas (and pandera on top of it) see the same nulls in the same file.
public struct NullTokens: Sendable, Equatable {
  /// pandas' default NA strings.
  public static let pandasDefaults = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN",
    "None", "n/a", "nan", "null",
  ]

  /// The tokens.
  public let tokens: [String]
  private let bytes: [[UInt8]]
  private let longest: Int
  private let firstBytes: [Bool]
  private let lastBytes: [Bool]
  private let matchesEmpty: Bool

  /// A set of tokens.
  public init(_ tokens: [String] = NullTokens.pandasDefaults) {
    self.tokens = tokens
    bytes = tokens.map { Array($0.utf8) }.filter { !$0.isEmpty }
    longest = bytes.map(\.count).max() ?? 0
    var first = [Bool](repeating: false, count: 256)
    var last = [Bool](repeating: false, count: 256)
    for b in bytes {
      first[Int(b[0])] = true
      last[Int(b[b.count - 1])] = true
    }
    firstBytes = first
    lastBytes = last
    matchesEmpty = tokens.contains("")
  }

  /// Whether `value` is one of the tokens.
  @inline(__always) public func contains(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
    let n = value.count
    if n == 0 { return matchesEmpty }
    // Most values fail on their first or last byte (numbers end in a digit): no comparison.
    guard n <= longest, firstBytes[Int(value[0])], lastBytes[Int(value[n - 1])] else { return false }
    for token in bytes where token.count == n {
      if token.withUnsafeBufferPointer({ memcmp($0.baseAddress!, value.baseAddress!, n) == 0 }) { return true }
    }
    return false
  }
}

/// A point in time: microseconds since 1970-01-01T00:00:00 UTC (a time without a zone is taken as UTC).
public struct Timestamp: Sendable, Hashable, Comparable {
  /// Microseconds since the epoch.
  public let micros: Int64
  /// Whether the text was a date alone.
  public let dateOnly: Bool
  /// Whether the text named a zone (`Z` or an offset).
  public let zoned: Bool

  public static func < (a: Timestamp, b: Timestamp) -> Bool { a.micros < b.micros }
  public static func == (a: Timestamp, b: Timestamp) -> Bool { a.micros == b.micros }
  public func hash(into hasher: inout Hasher) { hasher.combine(micros) }

  /// ISO 8601 text: the date alone when there is no time of day, else date and time in UTC
  /// (with `Z` when the source named a zone).
  public func iso() -> String {
    var days = micros / 86_400_000_000
    var rest = micros % 86_400_000_000
    if rest < 0 {
      rest += 86_400_000_000
      days -= 1
    }
    let (y, m, d) = civil(fromDays: days)
    func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
    let yearText = y >= 0 && y < 10000 ? String(repeating: "0", count: 4 - String(y).count) + String(y) : String(y)
    let date = "\(yearText)-\(two(m))-\(two(d))"
    if dateOnly && rest == 0 { return date }
    let seconds = rest / 1_000_000
    let fraction = rest % 1_000_000
    var time = "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
    if fraction != 0 {
      var digits = String(fraction)
      digits = String(repeating: "0", count: 6 - digits.count) + digits
      while digits.hasSuffix("0") { digits.removeLast() }
      time += "." + digits
    }
    return date + "T" + time + (zoned ? "Z" : "")
  }
}

/// Parsing of field text into typed values, written for speed: these run once per field.
public enum ValueParsing {
  /// A decimal integer: optional sign, digits only, within 64 bits.
  @inline(__always) public static func int64(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
    let n = b.count
    var (negative, i) = sign(b)
    guard n > i else { return nil }
    var value: UInt64 = 0
    while i < n {
      let d = b[i] &- 0x30
      guard d < 10 else { return nil }
      let (times, o1) = value.multipliedReportingOverflow(by: 10)
      let (plus, o2) = times.addingReportingOverflow(UInt64(d))
      guard !o1 && !o2 else { return nil }
      value = plus
      i += 1
    }
    if negative {
      guard value <= UInt64(Int64.max) + 1 else { return nil }
      return value == UInt64(Int64.max) + 1 ? Int64.min : -Int64(value)
    }
    guard value <= UInt64(Int64.max) else { return nil }
    return Int64(value)
  }

  /// Whether `b` starts with a minus, and where its digits start (after a `-` or `+`).
  @inline(__always) static func sign(_ b: UnsafeBufferPointer<UInt8>) -> (negative: Bool, start: Int) {
    guard let first = b.first, first == 0x2D || first == 0x2B else { return (false, 0) }
    return (first == 0x2D, 1)
  }

  private static let powersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { acc, _ in acc * 10 } }

  /// A decimal number (`-1.5e3`, `.5`, `2.`) or `inf`/`infinity`/`nan` in any case, correctly rounded.
  public static func double(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
    let n = b.count
    guard n > 0 else { return nil }
    var (negative, i) = sign(b)
    var mantissa: UInt64 = 0
    var significant = 0
    var exponent = 0
    var sawDigit = false
    // Digits past 19 significant ones are not kept: before the point they scale the value up;
    // after it they are dropped (and the value goes to `strtod`).
    while i < n, b[i] &- 0x30 < 10 {
      sawDigit = true
      if significant < 19 {
        mantissa = mantissa * 10 + UInt64(b[i] - 0x30)
        if mantissa != 0 { significant += 1 }
      } else {
        exponent += 1
        significant += 1
      }
      i += 1
    }
    if i < n && b[i] == 0x2E {
      i += 1
      while i < n, b[i] &- 0x30 < 10 {
        sawDigit = true
        if significant < 19 {
          mantissa = mantissa * 10 + UInt64(b[i] - 0x30)
          exponent -= 1
          if mantissa != 0 { significant += 1 }
        } else {
          significant += 1
        }
        i += 1
      }
    }
    guard sawDigit else { return special(b) }
    if i < n && (b[i] == 0x65 || b[i] == 0x45) {
      i += 1
      var expNegative = false
      if i < n && (b[i] == 0x2D || b[i] == 0x2B) {
        expNegative = b[i] == 0x2D
        i += 1
      }
      var e = 0
      var expDigits = 0
      while i < n, b[i] &- 0x30 < 10 {
        if e < 100_000 { e = e * 10 + Int(b[i] - 0x30) }
        expDigits += 1
        i += 1
      }
      guard expDigits > 0 else { return nil }
      exponent += expNegative ? -e : e
    }
    guard i == n else { return nil }
    if significant <= 19 && mantissa < (1 << 53) && exponent >= -22 && exponent <= 22 {
      // Exact operands, one rounding: the correctly rounded result (Clinger's fast path).
      var value = Double(mantissa)
      value = exponent < 0 ? value / powersOfTen[-exponent] : value * powersOfTen[exponent]
      return negative ? -value : value
    }
    return slow(b)
  }

  /// `strtod` for what the fast path cannot do exactly (it rounds correctly).
  private static func slow(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
    let n = b.count
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buffer -> Double? in
      for k in 0..<n { buffer[k] = CChar(bitPattern: b[k]) }
      buffer[n] = 0
      var end: UnsafeMutablePointer<CChar>?
      let value = strtod(buffer.baseAddress!, &end)
      guard let end, end - buffer.baseAddress! == n else { return nil }
      return value
    }
  }

  private static func special(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
    var text = String(decoding: b, as: UTF8.self).lowercased()
    var sign = 1.0
    if text.hasPrefix("-") || text.hasPrefix("+") {
      if text.hasPrefix("-") { sign = -1 }
      text.removeFirst()
    }
    switch text {
    case "inf", "infinity": return sign * .infinity
    case "nan": return .nan
    default: return nil
    }
  }

  /// `true`/`false` as pandas reads them: `true`, `True`, `TRUE`, `false`, `False`, `FALSE`.
  @inline(__always) public static func bool(_ b: UnsafeBufferPointer<UInt8>) -> Bool? {
    switch b.count {
    case 4:
      let t = b[0] == 0x74 || b[0] == 0x54
      guard t else { return nil }
      if b[1] == 0x72 && b[2] == 0x75 && b[3] == 0x65 { return true }
      if b[0] == 0x54 && b[1] == 0x52 && b[2] == 0x55 && b[3] == 0x45 { return true }
      return nil
    case 5:
      guard b[0] == 0x66 || b[0] == 0x46 else { return nil }
      if b[1] == 0x61 && b[2] == 0x6C && b[3] == 0x73 && b[4] == 0x65 { return false }
      if b[0] == 0x46 && b[1] == 0x41 && b[2] == 0x4C && b[3] == 0x53 && b[4] == 0x45 { return false }
      return nil
    default: return nil
    }
  }

  /// ISO 8601: `YYYY-MM-DD`, optionally `T` or a space and `HH:MM[:SS[.fraction]]`, optionally
  /// `Z` or an offset `±HH[:MM]`.
  public static func timestamp(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
    let n = b.count
    guard n >= 10 else { return nil }
    @inline(__always) func num(_ at: Int, _ count: Int) -> Int? {
      guard at + count <= n else { return nil }
      var v = 0
      for k in at..<at + count {
        let d = b[k] &- 0x30
        guard d < 10 else { return nil }
        v = v * 10 + Int(d)
      }
      return v
    }
    guard let year = num(0, 4), b[4] == 0x2D, let month = num(5, 2), b[7] == 0x2D, let day = num(8, 2) else { return nil }
    guard month >= 1 && month <= 12, day >= 1, day <= daysIn(month: month, year: year) else { return nil }
    var micros = Int64(days(year: year, month: month, day: day)) * 86_400_000_000
    if n == 10 { return Timestamp(micros: micros, dateOnly: true, zoned: false) }
    guard b[10] == 0x54 || b[10] == 0x20 || b[10] == 0x74, let hour = num(11, 2), n > 13, b[13] == 0x3A, let minute = num(14, 2) else {
      return nil
    }
    guard hour < 24, minute < 60 else { return nil }
    var i = 16
    var second = 0
    var fraction: Int64 = 0
    if i < n && b[i] == 0x3A {
      guard let s = num(i + 1, 2), s < 60 else { return nil }
      second = s
      i += 3
      if i < n && (b[i] == 0x2E || b[i] == 0x2C) {
        i += 1
        var places = 0
        while i < n, b[i] &- 0x30 < 10 {
          if places < 6 {
            fraction = fraction * 10 + Int64(b[i] - 0x30)
            places += 1
          }
          i += 1
        }
        guard places > 0 else { return nil }
        for _ in places..<6 { fraction *= 10 }
      }
    }
    micros += Int64(hour * 3600 + minute * 60 + second) * 1_000_000 + fraction
    var zoned = false
    if i < n {
      zoned = true
      if b[i] == 0x5A || b[i] == 0x7A {
        i += 1
      } else if b[i] == 0x2B || b[i] == 0x2D {
        let sign: Int64 = b[i] == 0x2D ? -1 : 1
        guard let oh = num(i + 1, 2), oh < 24 else { return nil }
        i += 3
        var om = 0
        if i < n {
          if b[i] == 0x3A { i += 1 }
          guard let m = num(i, 2), m < 60 else { return nil }
          om = m
          i += 2
        }
        micros -= sign * Int64(oh * 3600 + om * 60) * 1_000_000
      } else {
        return nil
      }
    }
    guard i == n else { return nil }
    return Timestamp(micros: micros, dateOnly: false, zoned: zoned)
  }

  static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
  static func days(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
  }
}

/// The date of a day count from 1970-01-01.
func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
  let z = z0 + 719468
  let era = (z >= 0 ? z : z - 146096) / 146097
  let doe = z - era * 146097
  let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
  let y = yoe + era * 400
  let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
  let mp = (5 * doy + 2) / 153
  let d = doy - (153 * mp + 2) / 5 + 1
  let m = mp < 10 ? mp + 3 : mp - 9
  return (m <= 2 ? y + 1 : y, m, d)
}
