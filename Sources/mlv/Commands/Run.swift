import ArgumentParser
import MLVCore
import MLVStore

struct Run: RepositoryCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run a command as a recorded stage: inputs hashed, seed and environment pinned, outputs stored, metrics kept.",
    discussion: """
      The stage is saved in mlv.yaml and its run record named in mlv.lock: commit both. 'mlv run --name STAGE' without a \
      command runs that stage as mlv.yaml defines it. Paths are relative to the current directory, where the command runs.
      """)

  @Option(name: [.customShort("n"), .long], help: "The stage name (default: from the command, e.g. 'train' for 'python train.py').")
  var name: String?

  @Option(help: "The seed, exported as MLV_SEED, PYTHONHASHSEED and PL_GLOBAL_SEED (default: the stage's, else random).")
  var seed: Int?

  @Option(help: "The thread count for OMP_NUM_THREADS and friends (default: 1, for bit-for-bit results).")
  var threads: Int?

  @Option(name: [.customShort("d"), .customLong("dep")], help: "A file or directory the command reads.")
  var deps: [String] = []

  @Option(name: [.customShort("o"), .customLong("out")], help: "A file or directory the command writes; stored like 'mlv add'.")
  var outs: [String] = []

  @Option(
    name: [.customShort("p"), .customLong("params")], help: "A params file (JSON or YAML), optionally with keys: params.yaml:lr,epochs.")
  var params: [String] = []

  @Option(name: [.customShort("m"), .customLong("metrics")], help: "A metrics file (JSON or YAML) the command writes.")
  var metrics: [String] = []

  @Flag(help: "Print the run record as JSON.")
  var json = false

  @Argument(parsing: .postTerminator, help: "The command and its arguments, after '--'.")
  var command: [String] = []

  func validate() throws {
    if let seed, seed < 0 { throw ValidationError("--seed must not be negative") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    if command.isEmpty && name == nil { throw ValidationError("give a command after '--', or --name of a defined stage") }
  }

  func run() throws {
    var request = RunRequest()
    request.name = name
    request.seed = seed
    request.threads = threads
    request.deps = deps
    request.outs = outs
    request.params = params
    request.metrics = metrics
    request.command = command
    request.commandOutputToStderr = json
    let done = try openRepository().run(request, cwd: cwd)
    try StageReport.print(done, json: json)
  }
}

/// How a finished stage is shown.
enum StageReport {
  static func print(_ run: StageRun, json: Bool) throws {
    if json {
      Output.canonical(runValue(run))
      return
    }
    let r = run.record
    Swift.print(
      "stage '\(run.stage)' recorded as \(run.recordID.description.prefix(19))… (\(String(format: "%.2f", Double(r.durationMs) / 1000)) s, seed \(r.seed))"
    )
    for out in r.outs { Swift.print("  out      \(out.path)  \(Output.size(out.size))") }
    for (file, values) in r.metrics.sorted(by: { $0.key < $1.key }) {
      let shown = values.sorted { $0.key < $1.key }.map { "\($0.key)=\(CanonicalJSON.numberText($0.value) ?? "?")" }
      Swift.print("  metrics  \(file): \(shown.joined(separator: " "))")
    }
  }

  static func runValue(_ run: StageRun) -> Value {
    var o = (try? CanonicalJSON.decode(run.record.encoded()))?.object ?? [:]
    o["id"] = .string(run.recordID.description)
    return .object(o)
  }
}
