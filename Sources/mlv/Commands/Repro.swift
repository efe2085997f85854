import ArgumentParser
import MLVCore
import MLVStore

struct Repro: RepositoryCommand {
  static let configuration = CommandConfiguration(
    abstract: "Rerun stages whose inputs changed, in dependency order; or rebuild a commit's outputs and compare them bit for bit.",
    discussion: """
      Without --rev, runs the named stages (all when none) and those upstream, skipping stages whose command, seed, params, \
      dependencies and outputs match mlv.lock. With --rev, rebuilds in a scratch workspace made from that commit (data from \
      the store) with the recorded seeds and params and reports, per output, whether it is identical; the workspace, index \
      and HEAD are not touched. --check exits 1 unless every output is identical.
      """)

  @Argument(help: "Stages to run (default: all).")
  var stages: [String] = []

  @Flag(help: "Run even the stages that are up to date.")
  var force = false

  @Flag(help: "Only say which stages would run and why.")
  var dryRun = false

  @Option(help: "Rebuild at this commit in a scratch workspace and compare with what it recorded.")
  var rev: String?

  @Flag(help: "With --rev: exit 1 unless every output is identical (for CI).")
  var check = false

  @Flag(help: "With --rev: keep the scratch workspace and print where it is.")
  var keep = false

  @Flag(help: "With --rev: print the comparison as JSON.")
  var json = false

  func validate() throws {
    if rev == nil && (check || keep || json) { throw ValidationError("--check, --keep and --json need --rev") }
    if rev != nil && (force || dryRun) { throw ValidationError("--force and --dry-run do not apply to --rev") }
  }

  func run() throws {
    let repository = try openRepository()
    if let rev {
      let report = try repository.rebuild(at: rev, stages: stages, keep: keep)
      try RebuildOutput.print(report, json: json)
      if check && !report.identical { throw ExitCode(ExitStatus.problemsFound.rawValue) }
      if report.failed { throw ExitCode(ExitStatus.commandFailed.rawValue) }
      return
    }
    for step in try repository.repro(stages, force: force, dryRun: dryRun) {
      switch step {
      case .upToDate(let name): print("stage '\(name)' is up to date")
      case .wouldRun(let name, let reasons): print("stage '\(name)' would run: \(reasons.joined(separator: ", "))")
      case .ran(let done): try StageReport.print(done, json: false)
      }
    }
  }
}
