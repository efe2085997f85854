import ArgumentParser
import MLVCore

struct List: RepositoryCommand {
  static let configuration = CommandConfiguration(
    commandName: "ls", abstract: "List tracked artifacts with their id, size and chunk or file count.")

  @Option(help: "List the artifacts of this revision instead of the work tree.")
  var rev: String?

  @Flag(help: "Print the result as JSON.")
  var json = false

  struct Line: Encodable {
    let artifact: PointerJSON
    let inStore: Bool
    enum CodingKeys: String, CodingKey { case artifact, inStore = "in_store" }
  }

  func run() throws {
    let items = try openRepository().list(revision: rev)
    if json { return try Output.json(items.map { Line(artifact: PointerJSON($0.artifact), inStore: $0.inStore) }) }
    var rows = [["PATH", "TYPE", "SIZE", "PARTS", "ID", ""]]
    for (a, inStore) in items {
      let p = a.pointer
      rows.append([
        a.dataPath, p.kind.rawValue, Output.size(p.size),
        p.kind == .directory ? Output.count(p.count, "file") : p.kind == .blob ? "1 object" : Output.count(p.count, "chunk"), p.id.short,
        inStore ? "" : "(not in store)",
      ])
    }
    print(Output.table(rows))
  }
}
