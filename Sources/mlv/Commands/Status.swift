import ArgumentParser
import MLVCore
import MLVStore

struct Status: RepositoryCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show tracked paths that differ from their pointers, are missing, or whose objects are not in the store.")

  @Argument(help: "Limit to these tracked paths.")
  var paths: [String] = []

  @Flag(help: "Print every tracked path as JSON.")
  var json = false

  @Flag(help: "Exit with 1 when anything differs, is missing or is not in the store (for scripts and hooks).")
  var exitCode = false

  struct Line: Encodable {
    let path: String
    let pointer: String
    let type: String
    let state: String
    let inStore: Bool
    let added: [String]?
    let removed: [String]?
    let modified: [String]?
    enum CodingKeys: String, CodingKey { case path, pointer, type, state, inStore = "in_store", added, removed, modified }
  }

  func run() throws {
    let entries = try working { try openRepository().status(paths, cwd: cwd) }
    try report(entries)
    if exitCode && entries.contains(where: { $0.state != .unchanged || !$0.inStore }) {
      throw ExitCode(ExitStatus.problemsFound.rawValue)
    }
  }

  func report(_ entries: [StatusEntry]) throws {
    if json {
      return try Output.json(
        entries.map {
          Line(
            path: $0.artifact.dataPath, pointer: $0.artifact.pointerPath, type: $0.artifact.pointer.kind.rawValue,
            state: $0.state.rawValue, inStore: $0.inStore, added: $0.changes?.added, removed: $0.changes?.removed,
            modified: $0.changes?.modified)
        })
    }
    var rows: [[String]] = []
    for e in entries where e.state != .unchanged || !e.inStore {
      var note = e.inStore ? "" : "(object not in store)"
      if let c = e.changes {
        note =
          ["\(c.modified.count) modified", "\(c.added.count) added", "\(c.removed.count) removed"].joined(separator: ", ")
          + (note.isEmpty ? "" : " " + note)
      }
      rows.append(["\(e.state == .unchanged ? "not in store" : e.state.rawValue):", e.artifact.dataPath, note])
    }
    if rows.isEmpty {
      print(
        entries.isEmpty
          ? "nothing tracked yet: use 'mlv add PATH'"
          : entries.count == 1 ? "1 tracked path matches its pointer" : "\(entries.count) tracked paths match their pointers")
    } else {
      print(Output.table(rows))
    }
  }
}
