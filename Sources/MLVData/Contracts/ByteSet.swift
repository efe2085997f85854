#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A set of byte strings looked up without allocating (one FNV-1a hash and a `memcmp`): the
/// hot path of `allowed` checks and of category counting.
struct ByteSet: Sendable {
  private(set) var values: [[UInt8]] = []
  private var buckets: [UInt64: [Int32]] = [:]

  init() {}

  init(_ strings: [String]) {
    for s in strings { _ = insert(Array(s.utf8)) }
  }

  var count: Int { values.count }

  @inline(__always) static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in b {
      h ^= UInt64(byte)
      h = h &* 0x100_0000_01b3
    }
    return h
  }

  /// The index of `b` in `values`, or nil.
  @inline(__always) func index(of b: UnsafeBufferPointer<UInt8>) -> Int? {
    guard let candidates = buckets[Self.hash(b)] else { return nil }
    for k in candidates {
      let v = values[Int(k)]
      if v.count == b.count && (b.count == 0 || v.withUnsafeBufferPointer { memcmp($0.baseAddress!, b.baseAddress!, b.count) == 0 }) {
        return Int(k)
      }
    }
    return nil
  }

  @inline(__always) func contains(_ b: UnsafeBufferPointer<UInt8>) -> Bool { index(of: b) != nil }

  /// Inserts `value`; returns its index.
  @discardableResult mutating func insert(_ value: [UInt8]) -> Int {
    if let k = value.withUnsafeBufferPointer({ index(of: $0) }) { return k }
    let k = values.count
    values.append(value)
    value.withUnsafeBufferPointer { buckets[Self.hash($0), default: []].append(Int32(k)) }
    return k
  }
}
