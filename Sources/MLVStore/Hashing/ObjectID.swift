/// The name of an object: the SHA-256 of its content, written `sha256:<64 hex digits>`.
///
/// Held as four big-endian words so that sets of ids hash and compare cheaply; the algorithm
/// travels with the digest in every text form so a later format can add another.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// The algorithm prefix used in every text form.
  public static let prefix = "sha256:"

  let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

  /// Builds an id from a 32-byte digest.
  public init(digest: UnsafeRawBufferPointer) {
    precondition(digest.count == 32)
    func word(_ i: Int) -> UInt64 {
      var v: UInt64 = 0
      for k in 0..<8 { v = (v << 8) | UInt64(digest[i * 8 + k]) }
      return v
    }
    (w0, w1, w2, w3) = (word(0), word(1), word(2), word(3))
  }

  /// Parses `sha256:<hex>` (lower-case hex only, so that one object has one spelling).
  public init?(_ text: some StringProtocol) {
    guard text.hasPrefix(Self.prefix) else { return nil }
    self.init(hex: text.dropFirst(Self.prefix.count))
  }

  /// Parses 64 lower-case hex digits.
  public init?(hex: some StringProtocol) {
    let utf8 = Array(hex.utf8)
    guard utf8.count == 64 else { return nil }
    var words = [UInt64](repeating: 0, count: 4)
    for (i, c) in utf8.enumerated() {
      let v: UInt8
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
      default: return nil
      }
      words[i / 16] = (words[i / 16] << 4) | UInt64(v)
    }
    (w0, w1, w2, w3) = (words[0], words[1], words[2], words[3])
  }

  /// The 32 digest bytes.
  public var bytes: [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(32)
    for w in [w0, w1, w2, w3] { for k in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: w >> (UInt64(k) * 8))) } }
    return out
  }

  /// 64 lower-case hex digits.
  public var hex: String { hexString(bytes) }

  /// `sha256:<hex>`.
  public var description: String { Self.prefix + hex }

  /// The first 12 hex digits, for tables meant for people.
  public var short: String { String(hex.prefix(12)) }

  public static func < (a: ObjectID, b: ObjectID) -> Bool {
    (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3)
  }
}

/// Bytes as lower-case hexadecimal.
public func hexString(_ bytes: some Collection<UInt8>) -> String {
  let digits = Array("0123456789abcdef".utf8)
  var out = [UInt8]()
  out.reserveCapacity(bytes.count * 2)
  for b in bytes {
    out.append(digits[Int(b >> 4)])
    out.append(digits[Int(b & 15)])
  }
  return String(decoding: out, as: UTF8.self)
}
