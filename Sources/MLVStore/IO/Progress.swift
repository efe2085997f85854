import Synchronization

/// How much data this process has read, hashed or copied so far: a counter the stores and the
/// chunker advance as they go, which the command line turns into a progress line.
public enum Progress {
  /// Bytes processed so far.
  public static let bytes = Atomic<Int>(0)

  /// Records `count` more bytes processed.
  @inline(__always)
  public static func advance(_ count: Int) { bytes.add(count, ordering: .relaxed) }
}
