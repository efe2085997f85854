import ArgumentParser
import Foundation
import MLVCore
import MLVRemote
import MLVStore

struct RemoteCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "remote", abstract: "Add, remove, list and choose remotes (a directory, or an S3-compatible bucket).",
    discussion: """
      Remotes are kept in .mlv/config, which is committed; credentials never are. S3 credentials come from \
      AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or from a profile in \
      ~/.aws/credentials or ~/.aws/config (AWS_PROFILE, or the remote's --profile).
      """,
    subcommands: [Add.self, Remove.self, ListRemotes.self, Default.self])

  struct Add: RepositoryCommand {
    static let configuration = CommandConfiguration(
      abstract: "Add a remote: a directory path, file:///PATH, or s3://BUCKET[/PREFIX]. The first remote becomes the default.")

    @Argument(help: "The remote's name.")
    var name: String

    @Argument(help: "Where it is: /PATH, a path relative to the repository root, file:///PATH, or s3://BUCKET[/PREFIX].")
    var url: String

    @Option(help: "The S3 endpoint, http[s]://HOST[:PORT] (MinIO, Ceph, R2, a local test server); default: AWS.")
    var endpoint: String?

    @Option(help: "The S3 region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, else us-east-1).")
    var region: String?

    @Flag(
      inversion: .prefixedNo,
      help: "Address the bucket in the URL path (the default with --endpoint) rather than in the host name.")
    var pathStyle: Bool?

    @Option(help: "The AWS profile to read credentials from.")
    var profile: String?

    @Flag(name: .customLong("default"), help: "Make it the default remote.")
    var makeDefault = false

    func run() throws {
      let repository = try openRepository()
      let (spec, isDefault) = try repository.addRemote(
        name: name, url: url, endpoint: endpoint, region: region, pathStyle: pathStyle, profile: profile, makeDefault: makeDefault)
      print("added remote '\(spec.name)' (\(spec.summary))\(isDefault ? ", the default" : "")")
    }
  }

  struct Remove: RepositoryCommand {
    static let configuration = CommandConfiguration(abstract: "Remove a remote from the config (its contents are not touched).")

    @Argument(help: "The remote's name.")
    var name: String

    func run() throws {
      try openRepository().removeRemote(name)
      print("removed remote '\(name)'")
    }
  }

  struct ListRemotes: RepositoryCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the remotes; the default is marked with *.")

    @Flag(help: "Print the remotes as JSON.")
    var json = false

    struct Entry: Encodable {
      let name: String
      let url: String
      let endpoint: String?
      let region: String?
      let pathStyle: Bool?
      let profile: String?
      let isDefault: Bool
      enum CodingKeys: String, CodingKey {
        case name, url, endpoint, region, pathStyle = "path_style", profile, isDefault = "default"
      }
    }

    func run() throws {
      let repository = try openRepository()
      let remotes = try repository.remotes()
      let defaultName = repository.config.defaultRemote
      if json {
        return try Output.json(
          remotes.map {
            Entry(
              name: $0.name, url: $0.url, endpoint: $0.endpoint, region: $0.region, pathStyle: $0.pathStyle, profile: $0.profile,
              isDefault: $0.name == defaultName)
          })
      }
      for r in remotes { print("\(r.name == defaultName ? "*" : " ") \(r.name)\t\(r.summary)") }
    }
  }

  struct Default: RepositoryCommand {
    static let configuration = CommandConfiguration(abstract: "Show the default remote, or make NAME the default.")

    @Argument(help: "The remote to make the default.")
    var name: String?

    func run() throws {
      let repository = try openRepository()
      if let name {
        try repository.setDefaultRemote(name)
        print("'\(name)' is now the default remote")
      } else {
        guard let current = repository.config.defaultRemote else { throw RemoteError.noDefaultRemote }
        print(current)
      }
    }
  }
}

/// The options that choose what a push, fetch or pull covers.
struct TransferOptions: ParsableArguments {
  @Option(name: [.customShort("r"), .long], help: "The remote (default: the default remote).")
  var remote: String?

  @Option(help: "Use the pointers of this revision (commit, branch, tag) instead of the work tree and HEAD.")
  var rev: String?

  @Flag(help: "Use the pointers of every commit reachable from a ref or reflog entry.")
  var allCommits = false

  @Option(name: [.customShort("j"), .long], help: "Transfers in flight (default: 16 for S3, 4 for a directory).")
  var jobs: Int?

  @Flag(help: "Print the result as JSON.")
  var json = false

  @Argument(help: "Only these tracked paths.")
  var paths: [String] = []

  func validate() throws {
    if rev != nil && allCommits { throw ValidationError("--rev and --all-commits cannot be used together") }
    if let jobs, !(1...256).contains(jobs) { throw ValidationError("--jobs must be between 1 and 256") }
  }

  func selection(cwd: String) -> RemoteSelection { RemoteSelection(revision: rev, allCommits: allCommits, paths: paths, cwd: cwd) }
}

struct TransferSummary: Encodable {
  let remote: String
  let objectsSelected: Int
  let objectsSent: Int?
  let bytesSent: Int?
  let objectsReceived: Int?
  let bytesReceived: Int?
  let objectsPresent: Int
  let bytesPresent: Int
  let packs: Int
  let resumedParts: Int?
  let missing: [String]
  let corrupt: [[String: String]]
  let seconds: Double
  enum CodingKeys: String, CodingKey {
    case remote, objectsSelected = "objects_selected", objectsSent = "objects_sent", bytesSent = "bytes_sent"
    case objectsReceived = "objects_received", bytesReceived = "bytes_received", objectsPresent = "objects_present"
    case bytesPresent = "bytes_present", packs, resumedParts = "resumed_parts", missing, corrupt, seconds
  }

  init(_ r: TransferResult, sent: Bool) {
    remote = r.remote.name
    objectsSelected = r.objectsSelected
    objectsSent = sent ? r.report.objects : nil
    bytesSent = sent ? r.report.bytes : nil
    objectsReceived = sent ? nil : r.report.objects
    bytesReceived = sent ? nil : r.report.bytes
    objectsPresent = r.report.present
    bytesPresent = r.report.bytesPresent
    packs = r.report.packs
    resumedParts = sent ? r.report.resumedParts : nil
    missing = r.report.missing.map(\.description)
    corrupt = r.report.corrupt.map { ["id": $0.id.description, "reason": $0.reason] }
    seconds = (r.seconds * 1000).rounded() / 1000
  }
}

extension TransferResult {
  /// One line: what moved, how fast, and what deduplication spared.
  func summary(sent: Bool) -> String {
    let verb = sent ? "pushed" : "fetched"
    let direction = sent ? "to" : "from"
    let rate = seconds > 0 ? ", \(Output.size(Int(Double(report.bytes) / seconds)))/s" : ""
    var line =
      "\(verb) \(Output.count(report.objects, "object")) (\(Output.size(report.bytes))) \(direction) '\(remote.name)' in \(String(format: "%.1f", seconds)) s\(rate)"
    if report.present > 0 {
      line +=
        "; \(report.present) already \(sent ? "there" : "here") (\(Output.size(report.bytesPresent)) not \(sent ? "sent" : "downloaded"))"
    }
    if report.resumedParts > 0 { line += "; \(Output.count(report.resumedParts, "part")) of interrupted uploads reused" }
    return line
  }

  /// Throws for what could not be transferred, after the summary was printed.
  func checkComplete(sent: Bool) throws {
    if let first = report.corrupt.first {
      if sent { throw StoreError.corrupt(first.id, reason: first.reason) }
      throw RemoteError.corruptObjects(remote: remote.name, count: report.corrupt.count, first: first.id.description)
    }
    if let first = report.missing.first {
      if sent { throw RemoteError.missingLocally(count: report.missing.count, first: first.description) }
      throw RemoteError.missingObjects(remote: remote.name, count: report.missing.count, first: first.description)
    }
  }
}

struct Push: RepositoryCommand {
  static let configuration = CommandConfiguration(
    abstract: "Send the objects the remote lacks: of the work tree and HEAD, a revision, or every commit.",
    discussion: """
      Only objects the remote does not have are sent; small ones travel in packs. Every object is verified before \
      it leaves. An interrupted push resumes where it stopped when run again.
      """)

  @OptionGroup var options: TransferOptions

  func run() throws {
    let repository = try openRepository()
    let result = try working { try repository.push(remote: options.remote, selection: options.selection(cwd: cwd), jobs: options.jobs) }
    if options.json { try Output.json(TransferSummary(result, sent: true)) } else { print(result.summary(sent: true)) }
    try result.checkComplete(sent: true)
  }
}

struct Fetch: RepositoryCommand {
  static let configuration = CommandConfiguration(
    abstract: "Download into the store the objects it lacks (the work tree is not touched).",
    discussion: "Every object is verified against its id before it enters the store; one that does not verify is not stored.")

  @OptionGroup var options: TransferOptions

  func run() throws {
    let repository = try openRepository()
    let result = try working { try repository.fetch(remote: options.remote, selection: options.selection(cwd: cwd), jobs: options.jobs) }
    if options.json { try Output.json(TransferSummary(result, sent: false)) } else { print(result.summary(sent: false)) }
    try result.checkComplete(sent: false)
  }
}

struct Pull: RepositoryCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fetch, then check out: make tracked data match the pointers, downloading what the store lacks.")

  @OptionGroup var options: TransferOptions

  @Flag(help: "Overwrite local changes that are not in the store.")
  var force = false

  func validate() throws {
    if options.allCommits { throw ValidationError("pull checks out one revision: use 'mlv fetch --all-commits' to fetch every commit") }
  }

  func run() throws {
    let repository = try openRepository()
    let result = try working { try repository.fetch(remote: options.remote, selection: options.selection(cwd: cwd), jobs: options.jobs) }
    if !options.json { print(result.summary(sent: false)) }
    do {
      try result.checkComplete(sent: false)
    } catch {
      if options.json { try Output.json(TransferSummary(result, sent: false)) }
      throw error
    }
    let checkout = try working { try repository.checkout(options.paths, revision: options.rev, force: force, cwd: cwd) }
    if options.json {
      struct Both: Encodable {
        let fetch: TransferSummary
        let updated: [String]
        let filesWritten: Int
        let bytesWritten: Int
        enum CodingKeys: String, CodingKey { case fetch, updated, filesWritten = "files_written", bytesWritten = "bytes_written" }
      }
      return try Output.json(
        Both(
          fetch: TransferSummary(result, sent: false), updated: checkout.updated, filesWritten: checkout.filesWritten,
          bytesWritten: checkout.bytesWritten))
    }
    for path in checkout.updated { print("updated '\(path)'") }
    print(
      "\(checkout.updated.count) updated, \(checkout.upToDate.count) up to date (\(Output.count(checkout.filesWritten, "file")), \(Output.size(checkout.bytesWritten)) written)"
    )
  }
}
