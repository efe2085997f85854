/// Sorts doubles by their bits: least-significant-digit radix sort on keys that order like the
/// numbers (sign bit flipped for positives, every bit for negatives). Linear time: a million
/// values sort in a few milliseconds, where a comparison sort takes ~80.
enum RadixSort {
  static let bits = 11
  static let buckets = 1 << bits

  /// The values of `chunks`, sorted ascending (no NaN expected; -0.0 sorts before 0.0). The
  /// chunks are released once the keys are made, so the peak is the keys, their scratch copy
  /// and the result.
  static func sorted(_ chunks: inout [[Double]]) -> [Double] {
    let n = chunks.reduce(0) { $0 + $1.count }
    guard n > 512 else { return chunks.joined().sorted() }
    var keys = [UInt64](unsafeUninitializedCapacity: n) { buffer, count in
      var at = 0
      for chunk in chunks {
        chunk.withUnsafeBufferPointer { v in
          for i in 0..<v.count {
            let b = v[i].bitPattern
            buffer[at + i] = b & (1 << 63) == 0 ? b | (1 << 63) : ~b
          }
        }
        at += chunk.count
      }
      count = n
    }
    chunks = []
    var scratch = [UInt64](repeating: 0, count: n)
    let passes = (64 + bits - 1) / bits
    // One read of the keys counts every digit of every pass.
    var counts = [Int](repeating: 0, count: passes * buckets)
    keys.withUnsafeBufferPointer { k in
      counts.withUnsafeMutableBufferPointer { c in
        for i in 0..<n {
          var key = k[i]
          for p in 0..<passes {
            c[p * buckets + Int(key & UInt64(buckets - 1))] += 1
            key >>= UInt64(bits)
          }
        }
      }
    }
    var inKeys = true
    for p in 0..<passes {
      let shift = UInt64(p * bits)
      // A pass where every key has the same digit moves nothing.
      if counts[p * buckets..<(p + 1) * buckets].contains(n) { continue }
      var offsets = [Int](repeating: 0, count: buckets)
      var total = 0
      for d in 0..<buckets {
        offsets[d] = total
        total += counts[p * buckets + d]
      }
      func pass(_ from: UnsafeBufferPointer<UInt64>, _ to: UnsafeMutableBufferPointer<UInt64>) {
        offsets.withUnsafeMutableBufferPointer { o in
          for i in 0..<n {
            let key = from[i]
            let d = Int((key >> shift) & UInt64(buckets - 1))
            to[o[d]] = key
            o[d] += 1
          }
        }
      }
      if inKeys {
        keys.withUnsafeBufferPointer { from in scratch.withUnsafeMutableBufferPointer { pass(from, $0) } }
      } else {
        scratch.withUnsafeBufferPointer { from in keys.withUnsafeMutableBufferPointer { pass(from, $0) } }
      }
      inKeys.toggle()
    }
    let sorted = inKeys ? keys : scratch
    scratch = []
    keys = []
    return [Double](unsafeUninitializedCapacity: n) { v, count in
      sorted.withUnsafeBufferPointer { k in
        for i in 0..<n {
          let b = k[i]
          v[i] = Double(bitPattern: b & (1 << 63) != 0 ? b & ~(1 << 63) : ~b)
        }
      }
      count = n
    }
  }
}
