/// Sorts doubles by their bits: least-significant-digit radix sort on keys that order like the
/// numbers (sign bit flipped for positives, every bit for negatives). Linear time: a million
/// values sort in a few milliseconds, where a comparison sort takes ~80.
enum RadixSort {
  static let bits = 11
  static let buckets = 1 << bits

  /// The values of `segments`, sorted ascending (no NaN expected; -0.0 sorts before 0.0). Each
  /// segment is released as soon as it is copied, and the keys are sorted inside the result's
  /// own memory, so the peak is the result and one scratch array.
  static func sorted(_ segments: NumberSegments) -> [Double] {
    let n = segments.count
    defer { segments.releaseAll() }
    guard n > 512 else { return segments.segments.indices.flatMap { Array(segments.segment($0)) }.sorted() }
    var result = [Double](unsafeUninitializedCapacity: n) { buffer, count in
      buffer.withMemoryRebound(to: UInt64.self) { keys in
        var at = 0
        for k in segments.segments.indices {
          let v = segments.segment(k)
          for i in 0..<v.count {
            let b = v[i].bitPattern
            keys[at + i] = b & (1 << 63) == 0 ? b | (1 << 63) : ~b
          }
          at += v.count
        }
      }
      count = n
    }
    segments.releaseAll()
    result.withUnsafeMutableBufferPointer { buffer in
      buffer.withMemoryRebound(to: UInt64.self) { keys in
        sortKeys(keys)
        for i in 0..<n {
          let b = keys[i]
          keys[i] = b & (1 << 63) != 0 ? b & ~(1 << 63) : ~b
        }
      }
    }
    return result
  }

  /// Sorts `keys` in place (with one scratch array of the same size).
  static func sortKeys(_ keys: UnsafeMutableBufferPointer<UInt64>) {
    let n = keys.count
    let passes = (64 + bits - 1) / bits
    // One read of the keys counts every digit of every pass.
    var counts = [Int](repeating: 0, count: passes * buckets)
    counts.withUnsafeMutableBufferPointer { c in
      for i in 0..<n {
        var key = keys[i]
        for p in 0..<passes {
          c[p * buckets + Int(key & UInt64(buckets - 1))] += 1
          key >>= UInt64(bits)
        }
      }
    }
    let scratch = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: n)
    defer { scratch.deallocate() }
    var from = keys
    var to = scratch
    var offsets = [Int](repeating: 0, count: buckets)
    for p in 0..<passes {
      let shift = UInt64(p * bits)
      // A pass where every key has the same digit moves nothing.
      if counts[p * buckets..<(p + 1) * buckets].contains(n) { continue }
      var total = 0
      for d in 0..<buckets {
        offsets[d] = total
        total += counts[p * buckets + d]
      }
      offsets.withUnsafeMutableBufferPointer { o in
        for i in 0..<n {
          let key = from[i]
          let d = Int((key >> shift) & UInt64(buckets - 1))
          to[o[d]] = key
          o[d] += 1
        }
      }
      swap(&from, &to)
    }
    if from.baseAddress != keys.baseAddress { _ = keys.update(fromContentsOf: from) }
  }
}
