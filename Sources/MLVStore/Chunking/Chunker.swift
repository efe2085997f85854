/// Content-defined chunking: a FastCDC-style gear hash with normalised chunking.
///
/// A cut falls where the top bits of a rolling gear hash are zero, so boundaries move with the
/// content: inserting bytes near the start of a file changes only the chunks around the edit.
/// The gear hash shifts left once per byte, so its top 20 bits depend only on the last 64
/// bytes; from a common cut point two scans therefore agree forever after, which lets
/// `FileIngest` chunk one file on several cores and stitch the pieces exactly. Every constant
/// here is part of the format (`docs/format.md`, "Chunks"): changing one changes file ids.
public enum Chunker {
  // An average of 1 MiB, as restic's chunker (whose bounds are 512 KiB and 8 MiB): large enough that a 1 GiB file is ~900
  // objects (every object is an inode, and inode allocation dominates small writes on ext4),
  // small enough that a few scattered edits re-store about 1 % of such a file.

  /// No chunk is shorter than this, except the last of a file.
  public static let minimumSize = 256 << 10
  /// The size the normalised cut condition aims for.
  public static let averageSize = 1 << 20
  /// No chunk is longer than this.
  public static let maximumSize = 4 << 20
  /// Cut condition before `averageSize`: 22 top bits zero (harder, normalisation level 2).
  static let maskSmall: UInt64 = 0xFFFF_FC00_0000_0000
  /// Cut condition after `averageSize`: 18 top bits zero (easier).
  static let maskLarge: UInt64 = 0xFFFF_C000_0000_0000

  /// The 256 gear values: splitmix64 from seed 0x6d6c762d67656172 ("mlv-gear").
  nonisolated(unsafe) static let gear: UnsafeMutablePointer<UInt64> = {
    let table = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
    var state: UInt64 = 0x6d6c_762d_6765_6172
    for i in 0..<256 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      table[i] = z ^ (z >> 31)
    }
    return table
  }()

  /// `gear[i] << 1`, so two bytes can be rolled per step.
  nonisolated(unsafe) static let gearShifted: UnsafeMutablePointer<UInt64> = {
    let table = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
    for i in 0..<256 { table[i] = gear[i] &<< 1 }
    return table
  }()

  /// The gear table, for the format documentation and tests.
  public static var gearTable: [UInt64] { (0..<256).map { gear[$0] } }

  /// The end of the chunk that starts at `start`, seeing bytes up to `end`.
  ///
  /// Returns nil when the cut cannot be decided yet: fewer than `maximumSize` bytes are
  /// visible and `atEnd` says more may follow.
  @inline(__always)
  public static func cut(_ base: UnsafePointer<UInt8>, start: Int, end: Int, atEnd: Bool) -> Int? {
    let available = end - start
    if available <= minimumSize { return atEnd && available > 0 ? end : nil }
    let limit = min(available, maximumSize)
    let normal = min(averageSize, limit)
    let p = base + start
    let g = gear
    let g2 = gearShifted
    var h: UInt64 = 0
    var i = minimumSize
    // Two bytes per step (FastCDC 2020's "rolling two bytes"): the hash after both bytes is
    // (h << 2) + (gear[a] << 1) + gear[b], so the loop-carried chain is one shift and one add
    // per two bytes; the hash after the first byte is computed beside it for the cut test.
    while i + 1 < normal {
      let a = Int(p[i]), b = Int(p[i + 1])
      let h1 = (h &<< 1) &+ g[a]
      h = (h &<< 2) &+ g2[a] &+ g[b]
      if h1 & maskSmall == 0 { return start + i + 1 }
      if h & maskSmall == 0 { return start + i + 2 }
      i += 2
    }
    while i < normal {
      h = (h &<< 1) &+ g[Int(p[i])]
      if h & maskSmall == 0 { return start + i + 1 }
      i += 1
    }
    while i + 1 < limit {
      let a = Int(p[i]), b = Int(p[i + 1])
      let h1 = (h &<< 1) &+ g[a]
      h = (h &<< 2) &+ g2[a] &+ g[b]
      if h1 & maskLarge == 0 { return start + i + 1 }
      if h & maskLarge == 0 { return start + i + 2 }
      i += 2
    }
    while i < limit {
      h = (h &<< 1) &+ g[Int(p[i])]
      if h & maskLarge == 0 { return start + i + 1 }
      i += 1
    }
    if limit == maximumSize || atEnd { return start + limit }
    return nil
  }

  /// The ends of every chunk that can be decided in `[start, end)`, scanning from `start`.
  public static func cuts(_ base: UnsafePointer<UInt8>, start: Int, end: Int, atEnd: Bool) -> [Int] {
    var out: [Int] = []
    var s = start
    while s < end, let c = cut(base, start: s, end: end, atEnd: atEnd) {
      out.append(c)
      s = c
    }
    return out
  }
}
