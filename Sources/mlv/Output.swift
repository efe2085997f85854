import Foundation
import MLVCore
import MLVStore

/// Formatting shared by the commands: sizes for people, JSON for scripts.
enum Output {
  /// `1.5 MiB`, `12 B`.
  static func size(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while abs(value) >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
  }

  /// `1 file`, `2 files`.
  static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

  /// `path` (from the repository root) as seen from `cwd`, for commands the user will type.
  static func fromCwd(_ path: String, root: String, cwd: String) -> String {
    let target = (root + "/" + path).split(separator: "/")
    let here = cwd.split(separator: "/")
    var common = 0
    while common < min(target.count, here.count) && target[common] == here[common] { common += 1 }
    let up = Array(repeating: "..", count: here.count - common)
    let parts = up + target[common...].map(String.init)
    return parts.isEmpty ? "." : parts.joined(separator: "/")
  }

  /// `+1.0 MiB` / `-3 B` / `0 B`.
  static func signedSize(_ bytes: Int) -> String {
    bytes > 0 ? "+" + size(bytes) : bytes < 0 ? "-" + size(-bytes) : "0 B"
  }

  /// Prints `value` as JSON with sorted keys.
  static func json<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
  }

  /// Prints a value in mlv's pretty canonical JSON (sorted keys, one member per line), as
  /// the run, rebuild, env, metrics and exp commands report for scripts.
  static func canonical(_ value: Value) {
    print(String(decoding: CanonicalJSON.encodePretty(value), as: UTF8.self), terminator: "")
  }

  /// Left-aligned columns separated by two spaces.
  static func table(_ rows: [[String]]) -> String {
    guard let width = rows.map(\.count).max() else { return "" }
    var widths = [Int](repeating: 0, count: width)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    return rows.map { row in
      var row = row
      while row.count > 1 && row.last == "" { row.removeLast() }
      return row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
        .joined(separator: "  ")
    }.joined(separator: "\n")
  }
}

/// A pointer as scripts see it.
struct PointerJSON: Encodable {
  let path: String
  let pointer: String
  let type: String
  let id: String
  let size: Int
  let chunks: Int?
  let files: Int?
  let mode: String?

  init(_ artifact: TrackedArtifact) {
    path = artifact.dataPath
    pointer = artifact.pointerPath
    type = artifact.pointer.kind.rawValue
    id = artifact.pointer.id.description
    size = artifact.pointer.size
    chunks = artifact.pointer.kind == .chunked ? artifact.pointer.count : nil
    files = artifact.pointer.kind == .directory ? artifact.pointer.count : nil
    mode = artifact.pointer.kind == .directory ? nil : artifact.pointer.executable ? "755" : "644"
  }
}
