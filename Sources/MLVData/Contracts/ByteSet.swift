#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A set of byte strings looked up without allocating (one FNV-1a hash and a `memcmp`): the
/// hot path of `allowed` checks and of category counting.
struct ByteSet: Sendable {
  private(set) var values: [[UInt8]] = []
  /// Open addressing: `slots[hash & mask]` holds a value's index + 1 (0 = empty).
  private var slots: [Int32] = [0, 0, 0, 0]
  private var hashes: [UInt64] = []

  init() {}

  init(_ strings: [String]) {
    for s in strings { insert(Array(s.utf8)) }
  }

  var count: Int { values.count }

  @inline(__always) static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in b {
      h ^= UInt64(byte)
      h = h &* 0x100_0000_01b3
    }
    return h ^ (h >> 29)
  }

  /// The index of `b` in `values`, or nil.
  @inline(__always) func index(of b: UnsafeBufferPointer<UInt8>) -> Int? {
    let h = Self.hash(b)
    return slots.withUnsafeBufferPointer { table in
      let mask = table.count - 1
      var i = Int(truncatingIfNeeded: h) & mask
      while true {
        let k = Int(table[i])
        if k == 0 { return nil }
        if hashes[k - 1] == h {
          let v = values[k - 1]
          if v.count == b.count && (b.count == 0 || v.withUnsafeBufferPointer { memcmp($0.baseAddress!, b.baseAddress!, b.count) == 0 }) {
            return k - 1
          }
        }
        i = (i + 1) & mask
      }
    }
  }

  @inline(__always) func contains(_ b: UnsafeBufferPointer<UInt8>) -> Bool { index(of: b) != nil }

  /// Inserts `value`; returns its index.
  @discardableResult mutating func insert(_ value: [UInt8]) -> Int {
    if let k = value.withUnsafeBufferPointer({ index(of: $0) }) { return k }
    let k = values.count
    values.append(value)
    hashes.append(value.withUnsafeBufferPointer { Self.hash($0) })
    if values.count * 2 > slots.count {
      slots = [Int32](repeating: 0, count: slots.count * 4)
      for j in values.indices { place(j) }
    } else {
      place(k)
    }
    return k
  }

  private mutating func place(_ j: Int) {
    let mask = slots.count - 1
    var i = Int(truncatingIfNeeded: hashes[j]) & mask
    while slots[i] != 0 { i = (i + 1) & mask }
    slots[i] = Int32(j + 1)
  }
}
