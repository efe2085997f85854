/// The canonical JSON that manifests are written in, so that equal content always has equal bytes:
/// keys sorted by their UTF-8 bytes, no whitespace, integers in decimal, strings escaped minimally
/// (`\"`, `\\`, `\b \f \n \r \t`, other control characters as `\u00xx`, everything else as UTF-8).
public enum CanonicalJSON {
  /// A JSON value with only what manifests need.
  public indirect enum Value: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case array([Value])
    case object([String: Value])
  }

  /// The canonical bytes of `value`.
  public static func encode(_ value: Value) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(256)
    write(value, to: &out)
    return out
  }

  static func write(_ value: Value, to out: inout [UInt8]) {
    switch value {
    case .string(let s): writeString(s, to: &out)
    case .integer(let n): out.append(contentsOf: String(n).utf8)
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

  static func writeString(_ s: String, to out: inout [UInt8]) {
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
