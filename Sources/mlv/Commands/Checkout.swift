import ArgumentParser
import MLVCore

struct Checkout: RepositoryCommand {
  static let configuration = CommandConfiguration(
    abstract: "Make tracked data match the pointers of the work tree or of a revision.",
    discussion: "With --rev, pointers are read from that commit through Git without moving HEAD or touching the index.")

  @Argument(help: "Limit to these tracked paths.")
  var paths: [String] = []

  @Option(help: "Read pointers from this revision (commit, branch, tag).")
  var rev: String?

  @Flag(help: "Overwrite local changes that are not in the store.")
  var force = false

  @Flag(help: "Print the result as JSON.")
  var json = false

  struct Summary: Encodable {
    let updated: [String]
    let upToDate: [String]
    let filesWritten: Int
    let bytesWritten: Int
    let filesRemoved: Int
    let filesRestored: Int
    enum CodingKeys: String, CodingKey {
      case updated, upToDate = "up_to_date", filesWritten = "files_written", bytesWritten = "bytes_written", filesRemoved = "files_removed"
      case filesRestored = "files_restored"
    }
  }

  func run() throws {
    let r = try working { try openRepository().checkout(paths, revision: rev, force: force, cwd: cwd) }
    if json {
      return try Output.json(
        Summary(
          updated: r.updated, upToDate: r.upToDate, filesWritten: r.filesWritten, bytesWritten: r.bytesWritten,
          filesRemoved: r.filesRemoved, filesRestored: r.filesRestored))
    }
    for path in r.updated { print("updated '\(path)'") }
    print(
      "\(r.updated.count) updated, \(r.upToDate.count) up to date (\(Output.count(r.filesWritten, "file")), \(Output.size(r.bytesWritten)) written\(r.filesRemoved > 0 ? ", \(r.filesRemoved) removed" : "")\(r.filesRestored > 0 ? ", \(r.filesRestored) restored from .mlv/cache/parked" : ""))"
    )
  }
}
