import Foundation

/// The canonical JSON that manifests are written in, so that equal content always has equal bytes:
/// keys sorted by their UTF-8 bytes, no whitespace, integers in decimal, strings escaped minimally
/// (`\"`, `\\`, `\b \f \n \r \t`, other control characters as `\u00xx`, everything else as UTF-8).
/// A non-integral number is written in its shortest round-trip form (`0.1`, `1e-05`); an
/// integral one below 2^53 as an integer, so `3.0` and `3` are the same value.
public enum CanonicalJSON {
  /// A JSON value. Two values are equal when their canonical encodings are (so `.integer(1)`
  /// equals `.number(1.0)`, as `1` and `1.0` in a params file mean the same).
  public indirect enum Value: Sendable, Equatable, Hashable {
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case null
    case array([Value])
    case object([String: Value])

    /// The value as a number, for integers and numbers.
    public var number: Double? {
      switch self {
      case .integer(let n): return Double(n)
      case .number(let d): return d
      default: return nil
      }
    }

    /// The value as a string, when it is one.
    public var string: String? {
      if case .string(let s) = self { return s }
      return nil
    }

    /// The members, when the value is an object.
    public var object: [String: Value]? {
      if case .object(let o) = self { return o }
      return nil
    }

    /// The items, when the value is an array.
    public var array: [Value]? {
      if case .array(let a) = self { return a }
      return nil
    }

    public static func == (a: Value, b: Value) -> Bool {
      switch (a, b) {
      case (.string(let x), .string(let y)): return x == y
      case (.bool(let x), .bool(let y)): return x == y
      case (.null, .null): return true
      case (.array(let x), .array(let y)): return x == y
      case (.object(let x), .object(let y)): return x == y
      default: return CanonicalJSON.encode(a) == CanonicalJSON.encode(b)
      }
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(CanonicalJSON.encode(self)) }

    /// The value as one line of canonical JSON (a string without its quotes), for tables.
    public var display: String {
      if case .string(let s) = self { return s }
      return String(decoding: CanonicalJSON.encode(self), as: UTF8.self)
    }
  }

  /// The canonical bytes of `value`.
  public static func encode(_ value: Value) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(256)
    write(value, to: &out)
    return out
  }

  /// The same value laid out for people and line-based diffs: one object member per line,
  /// indented by two spaces, arrays of scalars on one line; a final newline. Still canonical:
  /// equal values give equal bytes.
  ///
  /// With `keepFractions`, an integral `.number` keeps a `.0` (`1.0`, not `1`): for files that
  /// belong to the user (params), where a program may check the type.
  public static func encodePretty(_ value: Value, keepFractions: Bool = false) -> [UInt8] {
    var out: [UInt8] = []
    writePretty(value, indent: 0, keepFractions: keepFractions, to: &out)
    out.append(10)
    return out
  }

  static func writePretty(_ value: Value, indent: Int, keepFractions: Bool = false, to out: inout [UInt8]) {
    func pad(_ n: Int, _ out: inout [UInt8]) { out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: n)) }
    switch value {
    case .object(let members) where !members.isEmpty:
      out.append(contentsOf: "{\n".utf8)
      let keys = members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
      for (i, key) in keys.enumerated() {
        pad(indent + 2, &out)
        writeString(key, to: &out)
        out.append(contentsOf: ": ".utf8)
        writePretty(members[key]!, indent: indent + 2, keepFractions: keepFractions, to: &out)
        out.append(contentsOf: (i == keys.count - 1 ? "\n" : ",\n").utf8)
      }
      pad(indent, &out)
      out.append(UInt8(ascii: "}"))
    case .array(let items) where items.contains(where: { $0.object != nil || $0.array != nil }):
      out.append(contentsOf: "[\n".utf8)
      for (i, item) in items.enumerated() {
        pad(indent + 2, &out)
        writePretty(item, indent: indent + 2, keepFractions: keepFractions, to: &out)
        out.append(contentsOf: (i == items.count - 1 ? "\n" : ",\n").utf8)
      }
      pad(indent, &out)
      out.append(UInt8(ascii: "]"))
    case .array(let items):
      out.append(UInt8(ascii: "["))
      for (i, item) in items.enumerated() {
        if i > 0 { out.append(contentsOf: ", ".utf8) }
        writePretty(item, indent: indent, keepFractions: keepFractions, to: &out)
      }
      out.append(UInt8(ascii: "]"))
    case .number(let d) where keepFractions && d.isFinite && d == d.rounded() && abs(d) < 1e16:
      out.append(contentsOf: (String(Int(d)) + ".0").utf8)
    default:
      write(value, to: &out)
    }
  }

  /// The canonical text of a number (see the type's summary); nil for infinities and NaN.
  public static func numberText(_ d: Double) -> String? {
    guard d.isFinite else { return nil }
    if d == d.rounded(), abs(d) < 9_007_199_254_740_992 { return String(Int(d)) }
    return d.description
  }

  static func write(_ value: Value, to out: inout [UInt8]) {
    switch value {
    case .string(let s): writeString(s, to: &out)
    case .integer(let n): out.append(contentsOf: String(n).utf8)
    case .number(let d): out.append(contentsOf: (numberText(d) ?? "null").utf8)
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
    case .array(let items):
      out.append(UInt8(ascii: "["))
      for (i, item) in items.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        write(item, to: &out)
      }
      out.append(UInt8(ascii: "]"))
    case .object(let members):
      out.append(UInt8(ascii: "{"))
      for (i, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        writeString(key, to: &out)
        out.append(UInt8(ascii: ":"))
        write(members[key]!, to: &out)
      }
      out.append(UInt8(ascii: "}"))
    }
  }

  /// Appends `s` as a canonical JSON string literal.
  public static func writeString(_ s: String, to out: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    out.append(UInt8(ascii: "\""))
    for b in s.utf8 {
      switch b {
      case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
      case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
      case 0x08: out.append(contentsOf: [92, UInt8(ascii: "b")])
      case 0x0C: out.append(contentsOf: [92, UInt8(ascii: "f")])
      case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
      case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
      case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
      case 0..<0x20: out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]])
      default: out.append(b)
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}

extension CanonicalJSON.Value: Codable {
  public init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let b = try? c.decode(Bool.self) {
      self = .bool(b)
    } else if let n = try? c.decode(Int.self) {
      self = .integer(n)
    } else if let d = try? c.decode(Double.self) {
      self = .number(d)
    } else if let s = try? c.decode(String.self) {
      self = .string(s)
    } else if let a = try? c.decode([CanonicalJSON.Value].self) {
      self = .array(a)
    } else {
      self = .object(try c.decode([String: CanonicalJSON.Value].self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case .string(let s): try c.encode(s)
    case .integer(let n): try c.encode(n)
    case .number(let d): try c.encode(d)
    case .bool(let b): try c.encode(b)
    case .null: try c.encodeNil()
    case .array(let a): try c.encode(a)
    case .object(let o): try c.encode(o)
    }
  }
}

extension CanonicalJSON {
  /// Parses JSON text into a value (numbers with a fraction or exponent become `.number`).
  public static func decode(_ bytes: [UInt8]) throws -> Value {
    try JSONDecoder().decode(Value.self, from: Data(bytes))
  }
}
