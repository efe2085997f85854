import ArgumentParser
import Foundation
import MLVCore
import MLVStore

struct Metrics: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show recorded metrics, or compare them between commits.", subcommands: [ShowMetrics.self, DiffMetrics.self])

  struct ShowMetrics: RepositoryCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the metrics of mlv.lock, or of every commit.")
    @Flag(help: "One row per commit of HEAD's history that has an mlv.lock.")
    var allCommits = false
    @Flag(help: "Print as JSON.")
    var json = false
    @Flag(help: "Print a Markdown table.")
    var md = false

    func run() throws {
      let rows = try openRepository().metricsHistory(allCommits: allCommits)
      let keys = Array(Set(rows.flatMap { r in r.metrics.flatMap { file, values in values.keys.map { "\(file):\($0)" } } })).sorted()
      func cell(_ m: [String: [String: Value]], _ key: String) -> String {
        let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
        return m[parts[0]]?[parts.count > 1 ? parts[1] : ""].map(DiffText.number) ?? "-"
      }
      if json {
        let items: [Value] = rows.map { r in
          var o: [String: Value] = ["metrics": .object(r.metrics.mapValues { .object($0) })]
          if case .commit(let id, _) = r.side { o["commit"] = .string(id.hex) } else { o["commit"] = .string("workspace") }
          if let info = r.info { o["summary"] = .string(info.summary) }
          return .object(o)
        }
        return Output.canonical(.array(items))
      }
      if rows.allSatisfy({ $0.metrics.isEmpty }) { return print("no metrics recorded") }
      let header = ["revision"] + keys
      let body = rows.map { r in [r.side.label] + keys.map { cell(r.metrics, $0) } }
      print(md ? DiffText.markdown([header] + body) : Output.table([header] + body))
    }
  }

  struct DiffMetrics: RepositoryCommand {
    static let configuration = CommandConfiguration(
      commandName: "diff", abstract: "Compare metrics: HEAD with the work tree, A with the work tree, or A with B.")
    @OptionGroup var options: DiffOptions

    func run() throws { try options.printChanges("metrics", in: openRepository()) { try $0.metrics(on: $1) } }
  }
}

struct Params: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Compare params between commits.", subcommands: [DiffParams.self])

  struct DiffParams: RepositoryCommand {
    static let configuration = CommandConfiguration(
      commandName: "diff", abstract: "Compare params: HEAD with the work tree, A with the work tree, or A with B.")
    @OptionGroup var options: DiffOptions

    func run() throws { try options.printChanges("params", in: openRepository()) { try $0.params(on: $1) } }
  }
}

/// What `metrics diff` and `params diff` take.
struct DiffOptions: ParsableArguments {
  @Argument(help: "Revisions or experiment names: none (HEAD vs the work tree), A (A vs the work tree), or A B.")
  var revisions: [String] = []
  @Flag(help: "Show unchanged values too.")
  var all = false
  @Flag(help: "Print as JSON.")
  var json = false
  @Flag(help: "Print a Markdown table (for pull-request comments).")
  var md = false

  func validate() throws { if revisions.count > 2 { throw ValidationError("give at most two revisions") } }

  /// Prints how the values that `read` gives changed between the two sides.
  func printChanges(
    _ what: String, in repository: Repository, read: (Repository, Side) throws -> [String: [String: Value]]
  ) throws {
    let (a, b) = try repository.sides(revisions)
    let changes = Repository.changes(try read(repository, a), try read(repository, b), all: all)
    DiffText.print(changes, a: a.label, b: b.label, json: json, md: md, what: what)
  }
}

/// Tables of changed values, for people, scripts and pull requests.
enum DiffText {
  static func number(_ v: Value) -> String {
    if let d = v.number { return CanonicalJSON.numberText(d) ?? v.display }
    return v.display
  }

  static func delta(_ c: ValueChange) -> (String, String) {
    guard let d = c.delta else { return ("", "") }
    let sign = d > 0 ? "+" : ""
    let text = sign + (CanonicalJSON.numberText(d) ?? "")
    let pct = c.percent.map { String(format: "%+.2f%%", $0) } ?? ""
    return (text, pct)
  }

  /// The changes as a JSON array.
  static func json(_ changes: [ValueChange]) -> Value {
    .array(
      changes.map { c in
        var o: [String: Value] = ["file": .string(c.file), "key": .string(c.key), "old": c.old ?? .null, "new": c.new ?? .null]
        o["delta"] = c.delta.map { .number($0) } ?? .null
        o["percent"] = c.percent.map { .number($0) } ?? .null
        return .object(o)
      })
  }

  static func markdown(_ rows: [[String]]) -> String {
    guard let header = rows.first else { return "" }
    let escape = { (s: String) in s.replacingOccurrences(of: "|", with: "\\|") }
    var lines = ["| " + header.map(escape).joined(separator: " | ") + " |", "|" + header.map { _ in " --- " }.joined(separator: "|") + "|"]
    for row in rows.dropFirst() { lines.append("| " + row.map(escape).joined(separator: " | ") + " |") }
    return lines.joined(separator: "\n")
  }

  static func print(_ changes: [ValueChange], a: String, b: String, json: Bool, md: Bool, what: String) {
    if json {
      let top: Value = .object(["a": .string(a), "b": .string(b), "changes": DiffText.json(changes)])
      return Output.canonical(top)
    }
    if changes.isEmpty { return Swift.print("no \(what) changed between \(a) and \(b)") }
    let rows = changes.map { c -> [String] in
      let (d, p) = delta(c)
      return [c.file, c.key, c.old.map(number) ?? "-", c.new.map(number) ?? "-", d, p]
    }
    let header = ["file", what == "metrics" ? "metric" : "param", a, b, "change", "%"]
    Swift.print(md ? markdown([header] + rows) : Output.table([header] + rows))
  }
}
