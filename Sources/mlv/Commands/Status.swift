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
    let contract: String?
    let contractViolations: Int?
    enum CodingKeys: String, CodingKey {
      case path, pointer, type, state, inStore = "in_store", added, removed, modified, contract
      case contractViolations = "contract_violations"
    }
  }

  func run() throws {
    let repository = try openRepository()
    let entries = try working { try repository.status(paths, cwd: cwd) }
    // The pointer's version of data with a contract is checked (once: passes are cached).
    let checks = working { repository.contractReports(entries.map(\.artifact)) }
    var violations: [String: (Int, String)] = [:]
    for (artifact, report, problem) in checks {
      if let report, !report.valid {
        violations[artifact.pointerPath] = (report.total, "\(Output.count(report.total, "violation")) of \(report.contract)")
      }
      if let problem { violations[artifact.pointerPath] = (1, problem) }
    }
    try report(entries, violations: violations)
    if exitCode && (entries.contains(where: { $0.state != .unchanged || !$0.inStore }) || !violations.isEmpty) {
      throw ExitCode(ExitStatus.problemsFound.rawValue)
    }
  }

  func report(_ entries: [StatusEntry], violations: [String: (Int, String)]) throws {
    if json {
      return try Output.json(
        entries.map {
          Line(
            path: $0.artifact.dataPath, pointer: $0.artifact.pointerPath, type: $0.artifact.pointer.kind.rawValue,
            state: $0.state.rawValue, inStore: $0.inStore, added: $0.changes?.added, removed: $0.changes?.removed,
            modified: $0.changes?.modified, contract: $0.artifact.pointer.contract,
            contractViolations: $0.artifact.pointer.contract == nil ? nil : violations[$0.artifact.pointerPath]?.0 ?? 0)
        })
    }
    var rows: [[String]] = []
    for e in entries {
      if let (_, what) = violations[e.artifact.pointerPath] { rows.append(["breaks contract:", e.artifact.dataPath, "(\(what))"]) }
    }
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
