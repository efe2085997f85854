import ArgumentParser
import MLVCore

struct GC: RepositoryCommand {
  static let configuration = CommandConfiguration(
    commandName: "gc",
    abstract: "Remove objects that no pointer references in the work tree, the index, or any commit reachable from a ref or reflog.")

  @Flag(help: "Only report what would be removed.")
  var dryRun = false

  @Flag(help: "Collect even when a pointer or manifest cannot be read, or when the default remote lacks an object.")
  var force = false

  @Flag(help: "Clean a remote instead: remove what no commit of this repository references (repacking packs).")
  var remote = false

  @Option(name: .customShort("r"), help: "The remote to clean (implies --remote; default: the default remote).")
  var remoteName: String?

  struct RemoteReport: Encodable {
    let remote: String
    let dryRun: Bool
    let kept: Int
    let removed: [String]
    let bytesFreed: Int
    let packsDeleted: Int
    let packsRewritten: Int
    let orphanPacksDeleted: Int
    enum CodingKeys: String, CodingKey {
      case remote, dryRun = "dry_run", kept, removed, bytesFreed = "bytes_freed", packsDeleted = "packs_deleted"
      case packsRewritten = "packs_rewritten", orphanPacksDeleted = "orphan_packs_deleted"
    }
  }

  func collectRemote() throws {
    let (spec, r) = try working { try openRepository().collectRemote(remote: remoteName, dryRun: dryRun, force: force) }
    if json {
      return try Output.json(
        RemoteReport(
          remote: spec.name, dryRun: dryRun, kept: r.kept, removed: r.removed.map(\.description), bytesFreed: r.bytesFreed,
          packsDeleted: r.packsDeleted, packsRewritten: r.packsRewritten, orphanPacksDeleted: r.orphansDeleted))
    }
    if dryRun { for id in r.removed { print("would remove \(id)") } }
    let verb = dryRun ? "would remove" : "removed"
    var extra = ""
    if r.packsDeleted > 0 { extra += ", \(dryRun ? "would delete" : "deleted") \(Output.count(r.packsDeleted, "pack"))" }
    if r.packsRewritten > 0 { extra += ", \(dryRun ? "would rewrite" : "rewrote") \(Output.count(r.packsRewritten, "pack"))" }
    if r.orphansDeleted > 0 { extra += ", \(verb) \(Output.count(r.orphansDeleted, "orphan pack"))" }
    print(
      "\(verb) \(Output.count(r.removed.count, "object")) (\(Output.size(r.bytesFreed)) freed) from remote '\(spec.name)', kept \(r.kept)\(extra)"
    )
  }

  @Flag(help: "Print the result as JSON.")
  var json = false

  struct Report: Encodable {
    let dryRun: Bool
    let kept: Int
    let removed: [String]
    let bytesFreed: Int
    let temporaryFilesRemoved: Int
    let parkedFilesRemoved: Int
    let keptNotOnRemote: Int
    let remote: String?
    enum CodingKeys: String, CodingKey {
      case dryRun = "dry_run", kept, removed, bytesFreed = "bytes_freed", temporaryFilesRemoved = "temporary_files_removed"
      case parkedFilesRemoved = "parked_files_removed", keptNotOnRemote = "kept_not_on_remote", remote
    }
  }

  func run() throws {
    if remote || remoteName != nil { return try collectRemote() }
    let r = try working { try openRepository().gc(dryRun: dryRun, force: force) }
    if json {
      return try Output.json(
        Report(
          dryRun: dryRun, kept: r.kept, removed: r.removed.map(\.description), bytesFreed: r.bytesFreed,
          temporaryFilesRemoved: r.temporaryFilesRemoved, parkedFilesRemoved: r.parkedFilesRemoved,
          keptNotOnRemote: r.keptNotOnRemote, remote: r.remote))
    }
    if dryRun { for id in r.removed { print("would remove \(id)") } }
    let verb = dryRun ? "would remove" : "removed"
    var extra = ""
    if r.temporaryFilesRemoved > 0 { extra += ", \(verb) \(Output.count(r.temporaryFilesRemoved, "temporary file"))" }
    if r.parkedFilesRemoved > 0 { extra += ", \(verb) \(Output.count(r.parkedFilesRemoved, "parked file"))" }
    if r.keptNotOnRemote > 0, let remote = r.remote {
      extra +=
        "; kept \(Output.count(r.keptNotOnRemote, "unreferenced object")) that remote '\(remote)' lacks ('mlv gc --force' removes them)"
    }
    print("\(verb) \(Output.count(r.removed.count, "object")) (\(Output.size(r.bytesFreed)) freed), kept \(r.kept)\(extra)")
  }
}
