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

  func run() throws {
    let results = try openRepository().add(paths, cwd: cwd)
    if json { return try Output.json(results.map { PointerJSON(TrackedArtifact(pointerPath: $0.pointerPath, pointer: $0.pointer)) }) }
    for r in results {
      let p = r.pointer
      let detail = p.kind == .directory ? "\(p.count) files" : p.kind == .chunked ? "\(p.count) chunks" : "1 object"
      print("\(r.changed ? "added" : "unchanged") '\(r.path)' (\(Output.size(p.size)), \(detail)) -> \(r.pointerPath)")
    }
    let changed = results.filter(\.changed)
    if !changed.isEmpty {
      var files: [String] = []
      for name in changed.flatMap({ [$0.pointerPath, $0.gitignorePath] }) where !files.contains(name) { files.append(name) }
      writeDiagnostic("hint: to record this version with git, run: git add \(files.joined(separator: " "))")
    }
  }
}
