import ArgumentParser
import MLVCore

struct GC: RepositoryCommand {
  static let configuration = CommandConfiguration(
    commandName: "gc",
    abstract: "Remove objects that no pointer references in the work tree, the index, or any commit reachable from a ref or reflog.")

  @Flag(help: "Only report what would be removed.")
  var dryRun = false

  @Flag(help: "Collect even when a pointer or manifest cannot be read.")
  var force = false

  @Flag(help: "Print the result as JSON.")
  var json = false

  struct Report: Encodable {
    let dryRun: Bool
    let kept: Int
    let removed: [String]
    let bytesFreed: Int
    let temporaryFilesRemoved: Int
    let parkedFilesRemoved: Int
    enum CodingKeys: String, CodingKey {
      case dryRun = "dry_run", kept, removed, bytesFreed = "bytes_freed", temporaryFilesRemoved = "temporary_files_removed"
      case parkedFilesRemoved = "parked_files_removed"
    }
  }

  func run() throws {
    let r = try working { try openRepository().gc(dryRun: dryRun, force: force) }
    if json {
      return try Output.json(
        Report(
          dryRun: dryRun, kept: r.kept, removed: r.removed.map(\.description), bytesFreed: r.bytesFreed,
          temporaryFilesRemoved: r.temporaryFilesRemoved, parkedFilesRemoved: r.parkedFilesRemoved))
    }
    if dryRun { for id in r.removed { print("would remove \(id)") } }
    let verb = dryRun ? "would remove" : "removed"
    var extra = ""
    if r.temporaryFilesRemoved > 0 { extra += ", \(verb) \(Output.count(r.temporaryFilesRemoved, "temporary file"))" }
    if r.parkedFilesRemoved > 0 { extra += ", \(verb) \(Output.count(r.parkedFilesRemoved, "parked file"))" }
    print("\(verb) \(Output.count(r.removed.count, "object")) (\(Output.size(r.bytesFreed)) freed), kept \(r.kept)\(extra)")
  }
}
