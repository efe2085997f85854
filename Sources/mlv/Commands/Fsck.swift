import ArgumentParser
import MLVCore
import MLVStore

struct Fsck: RepositoryCommand {
  static let configuration = CommandConfiguration(
    abstract: "Verify every object in the store and that every pointer's objects are present.",
    discussion: "Exits 1 when an object is corrupt or missing or a pointer is malformed.")

  @Flag(help: "Print the result as JSON.")
  var json = false

  @Flag(help: "Verify a remote instead: download every object and pack and check each against its name.")
  var remote = false

  @Option(name: .customShort("r"), help: "The remote to verify (implies --remote; default: the default remote).")
  var remoteName: String?

  @Option(name: [.customShort("j"), .long], help: "Downloads in flight (with --remote).")
  var jobs: Int?

  struct RemoteReport: Encodable {
    let remote: String
    let objectsChecked: Int
    let bytesChecked: Int
    let packsChecked: Int
    let corrupt: [[String: String]]
    let orphanPacks: [String]
    enum CodingKeys: String, CodingKey {
      case remote, objectsChecked = "objects_checked", bytesChecked = "bytes_checked", packsChecked = "packs_checked", corrupt
      case orphanPacks = "orphan_packs"
    }
  }

  func checkRemote() throws {
    let (spec, r, orphans) = try working { try openRepository().checkRemote(remote: remoteName, jobs: jobs) }
    if json {
      try Output.json(
        RemoteReport(
          remote: spec.name, objectsChecked: r.objectsChecked, bytesChecked: r.bytesChecked, packsChecked: r.packsChecked,
          corrupt: r.corrupt.map { ["object": $0.what, "reason": $0.reason] }, orphanPacks: orphans))
    } else {
      for c in r.corrupt { print("corrupt: \(c.what) (\(c.reason))") }
      for o in orphans { print("orphan pack: \(o) (no index: an interrupted push; the next push or 'mlv gc --remote' settles it)") }
      print(
        "checked \(Output.count(r.objectsChecked, "object")) (\(Output.size(r.bytesChecked)), \(Output.count(r.packsChecked, "pack"))) on remote '\(spec.name)': \(r.corrupt.count) corrupt"
      )
    }
    if !r.corrupt.isEmpty { throw ExitCode(ExitStatus.problemsFound.rawValue) }
  }

  struct Report: Encodable {
    let objectsChecked: Int
    let bytesChecked: Int
    let corrupt: [[String: String]]
    let missing: [[String: String]]
    let badPointers: [[String: String]]
    enum CodingKeys: String, CodingKey {
      case objectsChecked = "objects_checked", bytesChecked = "bytes_checked", corrupt, missing, badPointers = "bad_pointers"
    }
  }

  func run() throws {
    if remote || remoteName != nil { return try checkRemote() }
    let r = try working { try openRepository().fsck() }
    if json {
      try Output.json(
        Report(
          objectsChecked: r.objectsChecked, bytesChecked: r.bytesChecked,
          corrupt: r.corrupt.map { ["id": $0.id.description, "reason": $0.reason] },
          missing: r.missing.map { ["id": $0.id.description, "referenced_by": $0.referencedBy] },
          badPointers: r.badPointers.map { ["pointer": $0.path, "reason": $0.reason] }))
    } else {
      for c in r.corrupt { print("corrupt: \(c.id) (\(c.reason))") }
      for m in r.missing { print("missing: \(m.id) (referenced by \(m.referencedBy))") }
      for b in r.badPointers { print("bad pointer: \(b.path) (\(b.reason))") }
      print(
        "checked \(Output.count(r.objectsChecked, "object")) (\(Output.size(r.bytesChecked))): \(r.corrupt.count) corrupt, \(r.missing.count) missing, \(Output.count(r.badPointers.count, "bad pointer"))"
      )
    }
    if !r.isClean { throw ExitCode(ExitStatus.problemsFound.rawValue) }
  }
}
