import ArgumentParser
import MLVCore

struct Add: RepositoryCommand {
  static let configuration = CommandConfiguration(
    abstract: "Store files or directories and write their pointer files.",
    discussion: "Writes PATH.mlv beside each PATH and adds PATH to the .gitignore beside it. Unchanged files are not read again.")

  @Argument(help: "Files or directories to track.")
  var paths: [String]

  @Flag(help: "Print the result as JSON.")
  var json = false

  @Option(help: "Attach this data contract to the paths (hooks, add and status then check it).")
  var contract: String?

  func run() throws {
    let repository = try openRepository()
    let results = try working { try repository.add(paths, cwd: cwd, contract: contract) }
    // Data with a contract is checked as it is added: a warning, so nothing is lost.
    let checked = repository.contractReports(results.map { TrackedArtifact(pointerPath: $0.pointerPath, pointer: $0.pointer) })
    for (artifact, report, problem) in checked {
      if let report, !report.valid {
        writeDiagnostic(
          "warning: '\(artifact.dataPath)' breaks its contract '\(report.contract)' (\(Output.count(report.total, "violation"))): see 'mlv contract check \(Output.fromCwd(artifact.dataPath, root: repository.root, cwd: cwd))'"
        )
      } else if let problem {
        writeDiagnostic("warning: '\(artifact.dataPath)': \(problem)")
      }
    }
    if json { return try Output.json(results.map { PointerJSON(TrackedArtifact(pointerPath: $0.pointerPath, pointer: $0.pointer)) }) }
    for r in results {
      let p = r.pointer
      let detail = p.kind == .directory ? Output.count(p.count, "file") : p.kind == .chunked ? Output.count(p.count, "chunk") : "1 object"
      print("\(r.changed ? "added" : "unchanged") '\(r.path)' (\(Output.size(p.size)), \(detail)) -> \(r.pointerPath)")
    }
    let changed = results.filter(\.changed)
    if !changed.isEmpty {
      var files: [String] = []
      for name in changed.flatMap({ [$0.pointerPath, $0.gitignorePath] }).map({ Output.fromCwd($0, root: repository.root, cwd: cwd) })
      where !files.contains(name) {
        files.append(name)
      }
      writeDiagnostic("hint: to record this version with git, run: git add \(files.joined(separator: " "))")
    }
  }
}
