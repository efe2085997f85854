import Foundation
import MLVRemote
import MLVStore

/// A progress line on stderr for commands that run longer than a second: bytes processed and
/// the rate, redrawn four times a second. Only when stderr is a terminal, so logs and pipes
/// stay clean; erased before the command prints its result.
final class ProgressLine: @unchecked Sendable {
  /// The line of this process, if one is shown.
  nonisolated(unsafe) static var current: ProgressLine?

  private let lock = NSLock()
  private var running = true
  private var drawn = false
  private let thread: Thread

  private init() {
    let started = Date()
    let box = Box()
    thread = Thread {
      while true {
        Thread.sleep(forTimeInterval: 0.25)
        guard let line = box.owner else { return }
        let elapsed = Date().timeIntervalSince(started)
        guard elapsed >= 1 else { continue }
        if TransferProgress.active.load(ordering: .acquiring) {
          line.draw("\u{1B}[2K\r" + Self.transferLine(elapsed: elapsed))
          continue
        }
        let bytes = Progress.bytes.load(ordering: .relaxed)
        guard bytes > 0 else { continue }
        let rate = Double(bytes) / elapsed
        line.draw("\u{1B}[2K\r\(Output.size(bytes)) processed, \(Output.size(Int(rate)))/s")
      }
    }
    box.owner = self
    self.box = box
    thread.start()
  }

  private var box: Box?

  /// Objects and bytes of a push or fetch, what deduplication spared, and the rate.
  static func transferLine(elapsed: Double) -> String {
    let done = TransferProgress.objectsDone.load(ordering: .relaxed)
    let total = TransferProgress.objectsTotal.load(ordering: .relaxed)
    let bytes = TransferProgress.bytesDone.load(ordering: .relaxed)
    let totalBytes = TransferProgress.bytesTotal.load(ordering: .relaxed)
    let saved = TransferProgress.bytesSaved.load(ordering: .relaxed)
    let percent = totalBytes > 0 ? " \(bytes * 100 / totalBytes)%" : ""
    return
      "\(done)/\(total) objects,\(percent) \(Output.size(bytes)) of \(Output.size(totalBytes)), \(Output.size(saved)) saved by dedup, \(Output.size(Int(Double(bytes) / max(elapsed, 0.001))))/s"
  }

  /// Holds the line weakly so the ticker ends when the line is stopped.
  private final class Box: @unchecked Sendable {
    weak var owner: ProgressLine?
  }

  /// Starts a progress line when stderr is a terminal.
  static func start() -> ProgressLine? {
    isatty(2) == 1 && getenv("MLV_NO_PROGRESS") == nil ? ProgressLine() : nil
  }

  private func draw(_ text: String) {
    lock.lock()
    defer { lock.unlock() }
    guard running else { return }
    FileHandle.standardError.write(Data(text.utf8))
    drawn = true
  }

  /// Erases the line; no more drawing.
  func stop() {
    lock.lock()
    defer { lock.unlock() }
    guard running else { return }
    running = false
    if drawn { FileHandle.standardError.write(Data("\u{1B}[2K\r".utf8)) }
    box?.owner = nil
  }
}
