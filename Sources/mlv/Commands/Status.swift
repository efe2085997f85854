import ArgumentParser
import MLVCore
import MLVRemote
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

  @Flag(help: "Compare the store with a remote instead: what each tracked path has to push or fetch.")
  var remote = false

  @Option(name: .customShort("r"), help: "The remote to compare with (implies --remote; default: the default remote).")
  var remoteName: String?

  @Option(help: "With --remote: the pointers of this revision instead of the work tree and HEAD.")
  var rev: String?

  struct RemoteLine: Encodable {
    let path: String
    let state: String
    let objects: Int
    let notLocal: Int
    let notOnRemote: Int
    let bytesToPush: Int
    let bytesToFetch: Int
    enum CodingKeys: String, CodingKey {
      case path, state, objects, notLocal = "not_local", notOnRemote = "not_on_remote", bytesToPush = "bytes_to_push"
      case bytesToFetch = "bytes_to_fetch"
    }
  }

  func validate() throws {
    if rev != nil && !remote && remoteName == nil { throw ValidationError("--rev applies to 'status --remote' only") }
  }

  /// `status --remote`: per tracked path, in sync, to push, to fetch, or lost.
  func remoteStatus(_ repository: Repository) throws {
    let (spec, entries) = try working {
      try repository.remoteStatus(remote: remoteName, selection: RemoteSelection(revision: rev, paths: paths, cwd: cwd))
    }
    func state(_ e: RemoteStatusEntry) -> String {
      if e.lost > 0 { return "lost" }
      if e.notOnRemote > 0 { return e.notLocal > 0 ? "diverged" : "to push" }
      return e.notLocal > 0 ? "to fetch" : "in sync"
    }
    if json {
      try Output.json(
        entries.map {
          RemoteLine(
            path: $0.path, state: state($0), objects: $0.objects, notLocal: $0.notLocal, notOnRemote: $0.notOnRemote,
            bytesToPush: $0.bytesToPush, bytesToFetch: $0.bytesToFetch)
        })
    } else {
      var rows: [[String]] = []
      for e in entries {
        var note = ""
        switch state(e) {
        case "lost": note = "\(e.lost) of \(e.objects) objects are neither here nor on the remote"
        case "to push": note = "\(e.notOnRemote) of \(e.objects) objects, \(Output.size(e.bytesToPush)) ('mlv push')"
        case "to fetch": note = "\(e.notLocal) of \(e.objects) objects, \(Output.size(e.bytesToFetch)) ('mlv pull')"
        case "diverged": note = "\(e.notOnRemote) to push, \(e.notLocal) to fetch"
        default: note = "\(Output.count(e.objects, "object"))"
        }
        rows.append(["\(state(e)):", e.path, note])
      }
      print("remote '\(spec.name)' (\(spec.url)):")
      if rows.isEmpty { print("nothing tracked") } else { print(Output.table(rows)) }
    }
    if exitCode && entries.contains(where: { !$0.inSync }) { throw ExitCode(ExitStatus.problemsFound.rawValue) }
    if let lost = entries.first(where: { $0.lost > 0 }) {
      throw RemoteError.missingObjects(remote: spec.name, count: lost.lost, first: lost.path)
    }
  }

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
    if remote || remoteName != nil { return try remoteStatus(repository) }
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
