import Synchronization

/// Counters of the transfer in progress, for the progress line on stderr.
public enum TransferProgress {
  /// Objects to transfer, and done.
  public static let objectsTotal = Atomic<Int>(0)
  public static let objectsDone = Atomic<Int>(0)
  /// Bytes to transfer, and done.
  public static let bytesTotal = Atomic<Int>(0)
  public static let bytesDone = Atomic<Int>(0)
  /// Bytes the other side already had, so not sent (deduplication).
  public static let bytesSaved = Atomic<Int>(0)
  /// Whether a transfer is under way (the progress line shows these counters then).
  public static let active = Atomic<Bool>(false)

  /// Starts counting a transfer of `objects` objects and `bytes` bytes, `saved` bytes spared.
  public static func begin(objects: Int, bytes: Int, saved: Int) {
    objectsTotal.store(objects, ordering: .relaxed)
    bytesTotal.store(bytes, ordering: .relaxed)
    bytesSaved.store(saved, ordering: .relaxed)
    objectsDone.store(0, ordering: .relaxed)
    bytesDone.store(0, ordering: .relaxed)
    active.store(true, ordering: .releasing)
  }

  static func advance(objects: Int, bytes: Int) {
    objectsDone.add(objects, ordering: .relaxed)
    bytesDone.add(bytes, ordering: .relaxed)
  }

  /// Stops showing the transfer.
  public static func end() { active.store(false, ordering: .releasing) }
}
