import MLVStore

/// A JSON document as requests carry it: objects keep their key order (a record's keys are its
/// columns), integers stay exact, and `NaN`/`Infinity` tokens (which Python's `json` writes)
/// are read so they can be refused with a clear message rather than a parse error.
public indirect enum JSON: Sendable, Equatable {
  case null
  case bool(Bool)
  case integer(Int64)
  case number(Double)
  case string(String)
  case array([JSON])
  case object([(String, JSON)])

  public static func == (a: JSON, b: JSON) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.integer(let x), .integer(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y || (x.isNaN && y.isNaN)
    case (.string(let x), .string(let y)): return x == y
    case (.array(let x), .array(let y)): return x == y
    case (.object(let x), .object(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }

  /// The value of `key` in an object (the first, if repeated).
  public subscript(key: String) -> JSON? {
    guard case .object(let pairs) = self else { return nil }
    return pairs.first { $0.0 == key }?.1
  }

  public var array: [JSON]? {
    if case .array(let a) = self { return a }
    return nil
  }

  public var string: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  /// A short name of the value's kind, for messages.
  public var kind: String {
    switch self {
    case .null: return "null"
    case .bool: return "a boolean"
    case .integer, .number: return "a number"
    case .string: return "a string"
    case .array: return "an array"
    case .object: return "an object"
    }
  }
}

/// Why a body is not JSON: the byte offset and what was expected there.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
  public let offset: Int
  public let reason: String
  public var description: String { "\(reason) at byte \(offset)" }
}

extension JSON {
  /// Parses a whole document; nesting deeper than 64 levels is refused (no stack overflow).
  public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSON {
    var parser = JSONParser(bytes.bindMemory(to: UInt8.self))
    let value = try parser.value(depth: 0)
    parser.skipSpace()
    guard parser.at == parser.bytes.count else { throw parser.fail("unexpected data after the JSON value") }
    return value
  }

  public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSON {
    do {
      return try bytes.withUnsafeBytes { raw in
        do { return try JSON.parse(raw) } catch { throw error }
      }
    } catch let error as JSONSyntaxError {
      throw error
    } catch {
      throw JSONSyntaxError(offset: 0, reason: "unreadable JSON")
    }
  }
}

struct JSONParser {
  let bytes: UnsafeBufferPointer<UInt8>
  var at = 0

  init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  func fail(_ reason: String) -> JSONSyntaxError {
    JSONSyntaxError(offset: at, reason: at >= bytes.count ? "truncated JSON: \(reason)" : reason)
  }

  mutating func skipSpace() {
    while at < bytes.count {
      let c = bytes[at]
      guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
      at += 1
    }
  }

  mutating func literal(_ word: StaticString, _ value: JSON) throws(JSONSyntaxError) -> JSON {
    let n = word.utf8CodeUnitCount
    guard at + n <= bytes.count else { throw fail("unexpected end of input") }
    for i in 0..<n where bytes[at + i] != word.utf8Start[i] { throw fail("unexpected character") }
    at += n
    return value
  }

  mutating func value(depth: Int) throws(JSONSyntaxError) -> JSON {
    skipSpace()
    guard at < bytes.count else { throw fail("a value was expected") }
    switch bytes[at] {
    case UInt8(ascii: "{"):
      guard depth < 64 else { throw fail("nesting deeper than 64 levels") }
      at += 1
      var pairs: [(String, JSON)] = []
      skipSpace()
      if at < bytes.count, bytes[at] == UInt8(ascii: "}") {
        at += 1
        return .object(pairs)
      }
      while true {
        skipSpace()
        guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fail("a string key was expected") }
        let key = try string()
        skipSpace()
        guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw fail("':' was expected") }
        at += 1
        pairs.append((key, try value(depth: depth + 1)))
        skipSpace()
        guard at < bytes.count else { throw fail("'}' was expected") }
        if bytes[at] == UInt8(ascii: ",") {
          at += 1
          continue
        }
        guard bytes[at] == UInt8(ascii: "}") else { throw fail("',' or '}' was expected") }
        at += 1
        return .object(pairs)
      }
    case UInt8(ascii: "["):
      guard depth < 64 else { throw fail("nesting deeper than 64 levels") }
      at += 1
      var items: [JSON] = []
      skipSpace()
      if at < bytes.count, bytes[at] == UInt8(ascii: "]") {
        at += 1
        return .array(items)
      }
      while true {
        items.append(try value(depth: depth + 1))
        skipSpace()
        guard at < bytes.count else { throw fail("']' was expected") }
        if bytes[at] == UInt8(ascii: ",") {
          at += 1
          continue
        }
        guard bytes[at] == UInt8(ascii: "]") else { throw fail("',' or ']' was expected") }
        at += 1
        return .array(items)
      }
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): return try literal("true", .bool(true))
    case UInt8(ascii: "f"): return try literal("false", .bool(false))
    case UInt8(ascii: "n"): return try literal("null", .null)
    case UInt8(ascii: "N"): return try literal("NaN", .number(.nan))
    case UInt8(ascii: "I"): return try literal("Infinity", .number(.infinity))
    default: return try number()
    }
  }

  mutating func number() throws(JSONSyntaxError) -> JSON {
    let start = at
    var isInteger = true
    if bytes[at] == UInt8(ascii: "-") {
      at += 1
      if at < bytes.count, bytes[at] == UInt8(ascii: "I") { return try literal("Infinity", .number(-.infinity)) }
    }
    let digitsStart = at
    while at < bytes.count {
      let c = bytes[at]
      if c >= 0x30 && c <= 0x39 {
        at += 1
      } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "+")
        || (c == UInt8(ascii: "-") && at > digitsStart)
      {
        isInteger = false
        at += 1
      } else {
        break
      }
    }
    guard at > digitsStart, bytes[digitsStart] >= 0x30 && bytes[digitsStart] <= 0x39 else {
      at = start
      throw fail("unexpected character")
    }
    if isInteger && at - digitsStart <= 18 {
      var n: Int64 = 0
      for i in digitsStart..<at { n = n * 10 + Int64(bytes[i] - 0x30) }
      return .integer(bytes[start] == UInt8(ascii: "-") ? -n : n)
    }
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
    guard let d = Double(text) else {
      at = start
      throw fail("malformed number")
    }
    return .number(d)
  }

  mutating func string() throws(JSONSyntaxError) -> String {
    at += 1
    let start = at
    // Fast path: no escapes.
    while at < bytes.count {
      let c = bytes[at]
      if c == UInt8(ascii: "\"") {
        let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
        at += 1
        return s
      }
      if c == UInt8(ascii: "\\") { break }
      if c < 0x20 { throw fail("a control character in a string") }
      at += 1
    }
    var out = Array(bytes[start..<at])
    while at < bytes.count {
      let c = bytes[at]
      if c == UInt8(ascii: "\"") {
        at += 1
        return String(decoding: out, as: UTF8.self)
      }
      if c < 0x20 { throw fail("a control character in a string") }
      guard c == UInt8(ascii: "\\") else {
        out.append(c)
        at += 1
        continue
      }
      at += 1
      guard at < bytes.count else { break }
      let e = bytes[at]
      at += 1
      switch e {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try hex4()
        if scalar >= 0xD800 && scalar < 0xDC00, at + 6 <= bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") {
          at += 2
          let low = try hex4()
          guard low >= 0xDC00 && low < 0xE000 else { throw fail("an invalid surrogate pair") }
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let u = Unicode.Scalar(scalar) else { throw fail("an invalid \\u escape") }
        out.append(contentsOf: Array(String(Character(u)).utf8))
      default: throw fail("an invalid escape")
      }
    }
    throw fail("an unterminated string")
  }

  mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
    guard at + 4 <= bytes.count else { throw fail("an unterminated \\u escape") }
    var v: UInt32 = 0
    for _ in 0..<4 {
      let c = bytes[at]
      let d: UInt8
      switch c {
      case 0x30...0x39: d = c - 0x30
      case 0x41...0x46: d = c - 0x41 + 10
      case 0x61...0x66: d = c - 0x61 + 10
      default: throw fail("an invalid \\u escape")
      }
      v = v << 4 | UInt32(d)
      at += 1
    }
    return v
  }
}

extension JSON {
  /// Writes the value as compact JSON (non-finite numbers as `null`).
  public func write(to out: inout [UInt8]) {
    switch self {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
    case .integer(let n): out.append(contentsOf: String(n).utf8)
    case .number(let d): out.append(contentsOf: (d.isFinite ? jsonNumber(d) : "null").utf8)
    case .string(let s): CanonicalJSON.writeString(s, to: &out)
    case .array(let items):
      out.append(UInt8(ascii: "["))
      for (i, item) in items.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        item.write(to: &out)
      }
      out.append(UInt8(ascii: "]"))
    case .object(let pairs):
      out.append(UInt8(ascii: "{"))
      for (i, (k, v)) in pairs.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        CanonicalJSON.writeString(k, to: &out)
        out.append(UInt8(ascii: ":"))
        v.write(to: &out)
      }
      out.append(UInt8(ascii: "}"))
    }
  }

  public var bytes: [UInt8] {
    var out: [UInt8] = []
    write(to: &out)
    return out
  }
}

/// A finite double as JSON: integral values without a fraction (`3`), others in Swift's
/// shortest round-tripping form (`0.1`).
func jsonNumber(_ d: Double) -> String {
  if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
  return "\(d)"
}
