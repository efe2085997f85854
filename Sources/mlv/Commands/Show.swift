import ArgumentParser
import MLVCore

struct Show: RepositoryCommand {
  static let configuration = CommandConfiguration(abstract: "Show one tracked artifact: id, type, size, chunks or files.")

  @Argument(help: "The tracked path (or its pointer).")
  var path: String

  @Option(help: "Read the pointer from this revision.")
  var rev: String?

  @Flag(help: "Also list every file or chunk.")
  var verbose = false

  @Flag(help: "Print the result as JSON.")
  var json = false

  struct Details: Encodable {
    let artifact: PointerJSON
    let inStore: Bool
    let entries: [Entry]?
    struct Entry: Encodable {
      let path: String?
      let id: String
      let size: Int
    }
    enum CodingKeys: String, CodingKey { case artifact, inStore = "in_store", entries }
  }

  func run() throws {
    let d = try openRepository().show(path, revision: rev, cwd: cwd)
    let entries =
      d.files?.map { Details.Entry(path: $0.path, id: $0.id.description, size: $0.size) }
      ?? d.chunks?.map { Details.Entry(path: nil, id: $0.id.description, size: $0.size) }
    if json { return try Output.json(Details(artifact: PointerJSON(d.artifact), inStore: d.inStore, entries: entries)) }
    let p = d.artifact.pointer
    var rows = [
      ["path:", d.artifact.dataPath], ["pointer:", d.artifact.pointerPath], ["type:", p.kind.rawValue], ["id:", p.id.description],
      ["size:", "\(Output.size(p.size)) (\(Output.count(p.size, "byte")))"],
    ]
    if p.kind == .directory { rows.append(["files:", "\(p.count)"]) }
    if p.kind == .chunked { rows.append(["chunks:", "\(p.count)"]) }
    if p.kind != .directory { rows.append(["mode:", p.executable ? "755" : "644"]) }
    rows.append(["in store:", d.inStore ? "yes" : "no"])
    print(Output.table(rows))
    if verbose, let entries {
      print(Output.table(entries.map { [$0.path ?? "", Output.size($0.size), $0.id].filter { !$0.isEmpty } }))
    }
  }
}
