import ArgumentParser
import MLVCore
import MLVStore

struct Env: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Capture, show, compare and check environment locks (OS, CPU, libc, Python packages, compilers, GPU, variables).",
    subcommands: [Capture.self, Show.self, Diff.self, Check.self])

  struct Capture: RepositoryCommand {
    static let configuration = CommandConfiguration(abstract: "Store this machine's environment lock and print its id.")
    @Flag(help: "Print the whole lock as JSON.")
    var json = false

    func run() throws {
      let (id, lock) = try openRepository().captureEnvironment()
      if json { return Output.canonical(lock.value) }
      print(id)
    }
  }

  struct Show: RepositoryCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show an environment lock: by id, the one a revision's run recorded, or (by default) this machine's.")
    @Argument(help: "An object id (sha256:…) or a revision (its mlv.lock names the lock).")
    var reference: String?
    @Option(help: "With a revision: the stage whose run to use.")
    var stage: String?
    @Flag(help: "Print the lock as JSON.")
    var json = false

    func run() throws {
      let repository = try openRepository()
      let lock = try reference.map { try repository.environmentLock($0, stage: stage).lock } ?? repository.captureEnvironment().lock
      if json { return Output.canonical(lock.value) }
      print(Output.table(lock.facts.sorted { $0.key < $1.key }.map { [$0.key, $0.value] }))
    }
  }

  struct Diff: RepositoryCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compare two environment locks: REV_A (default HEAD) with REV_B (default this machine).")
    @Argument(help: "Revisions or object ids.")
    var references: [String] = []
    @Option(help: "The stage whose run to use at each revision.")
    var stage: String?
    @Flag(help: "Print the differences as JSON.")
    var json = false

    func validate() throws { if references.count > 2 { throw ValidationError("give at most two revisions") } }

    func run() throws {
      let repository = try openRepository()
      let a = try repository.environmentLock(references.first ?? "HEAD", stage: stage).lock
      let b =
        try references.count == 2 ? repository.environmentLock(references[1], stage: stage).lock : repository.captureEnvironment().lock
      EnvText.printChanges(
        a.changes(to: b), json: json, old: references.first ?? "HEAD", new: references.count == 2 ? references[1] : "this machine")
    }
  }

  struct Check: RepositoryCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compare this machine with the environment a stage's latest run recorded; exit 1 on any mismatch.")
    @Argument(help: "The stage (default: every recorded stage).")
    var stage: String?
    @Option(help: "Use the mlv.lock of this revision instead of the work tree's.")
    var rev: String?
    @Flag(help: "Print the mismatches as JSON.")
    var json = false

    func run() throws {
      let results = try openRepository().checkEnvironment(stage: stage, revision: rev)
      let mismatched = results.contains { !$0.changes.isEmpty }
      if json {
        var doc: [String: Value] = [:]
        for (name, changes) in results { doc[name] = EnvText.value(changes, old: "recorded", new: "this machine") }
        Output.canonical(.object(doc))
        if mismatched { throw ExitCode(ExitStatus.problemsFound.rawValue) }
        return
      }
      for (name, changes) in results {
        if !json {
          print(
            changes.isEmpty
              ? "stage '\(name)': environment matches" : "stage '\(name)': \(changes.count) mismatch\(changes.count == 1 ? "" : "es")")
        }
        EnvText.printChanges(changes, json: false, old: "recorded", new: "this machine", quietWhenEmpty: true)
      }
      if mismatched { throw ExitCode(ExitStatus.problemsFound.rawValue) }
    }
  }
}

enum EnvText {
  static func value(_ changes: [EnvironmentChange], old: String, new: String) -> Value {
    .array(
      changes.map {
        .object(["key": .string($0.key), old: $0.old.map { .string($0) } ?? .null, new: $0.new.map { .string($0) } ?? .null])
      })
  }

  static func printChanges(_ changes: [EnvironmentChange], json: Bool, old: String, new: String, quietWhenEmpty: Bool = false) {
    if json {
      return Output.canonical(value(changes, old: old, new: new))
    }
    if changes.isEmpty {
      if !quietWhenEmpty { print("no differences") }
      return
    }
    print(Output.table([["key", old, new]] + changes.map { [$0.key, $0.old ?? "-", $0.new ?? "-"] }))
  }
}
