import ArgumentParser
import Foundation
import MLVCore
import MLVStore

struct Exp: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run experiments as Git commits under refs/mlv/exps/ without moving your branch; list, compare, apply them.",
    subcommands: [RunExp.self, ListExp.self, DiffExp.self, ApplyExp.self, BranchExp.self, RemoveExp.self])

  struct RunExp: RepositoryCommand {
    static let configuration = CommandConfiguration(
      commandName: "run", abstract: "Reproduce the pipeline of HEAD with overridden params and keep the result as an experiment.")
    @Option(name: [.customShort("S"), .customLong("set-param")], help: "[FILE:]key=value (FILE defaults to params.yaml).")
    var overrides: [String] = []
    @Option(help: "The experiment's name (default: exp-<commit>).")
    var name: String?
    @Argument(help: "Stages to reproduce (default: all).")
    var stages: [String] = []

    func run() throws {
      let done = try openRepository().runExperiment(overrides: overrides, stages: stages, name: name)
      for step in done.steps {
        switch step {
        case .ran(let r): print("stage '\(r.stage)' ran (\(String(format: "%.2f", Double(r.record.durationMs) / 1000)) s)")
        case .upToDate(let s): print("stage '\(s)' is up to date")
        case .wouldRun: break
        }
      }
      print("experiment '\(done.name)' saved as \(done.commit.short) (refs/mlv/exps/\(done.name))")
    }
  }

  struct ListExp: RepositoryCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List experiments with their params and metrics.")
    @Option(help: "Sort by this metric (KEY or FILE:KEY), best first with --desc.")
    var sort: String?
    @Flag(help: "With --sort: largest first.")
    var desc = false
    @Flag(help: "Print as JSON.")
    var json = false

    func run() throws {
      var list = try openRepository().experiments()
      func metric(_ e: ExperimentSummary, _ key: String) -> Double? {
        if let colon = key.firstIndex(of: ":") {
          return e.metrics[String(key[..<colon])]?[String(key[key.index(after: colon)...])]?.number
        }
        return e.metrics.values.compactMap { $0[key]?.number }.first
      }
      if let sort {
        if !list.isEmpty && !list.contains(where: { metric($0, sort) != nil }) {
          throw RunError.unknownMetric(sort)
        }
        list.sort { a, b in
          switch (metric(a, sort), metric(b, sort)) {
          case (let x?, let y?): return desc ? x > y : x < y
          case (_?, nil): return true
          default: return false
          }
        }
      }
      if json {
        let items: [Value] = list.map { e in
          .object([
            "name": .string(e.name), "commit": .string(e.commit.hex), "baseline": e.baseline.map { .string($0.hex) } ?? .null,
            "time": .integer(Int(e.time)), "params": .object(e.params.mapValues { .object($0) }),
            "metrics": .object(e.metrics.mapValues { .object($0) }),
          ])
        }
        return Output.canonical(.array(items))
      }
      if list.isEmpty { return print("no experiments: run 'mlv exp run -S key=value'") }
      let paramKeys = Array(Set(list.flatMap { $0.params.values.flatMap(\.keys) })).sorted()
      let metricKeys = Array(Set(list.flatMap { $0.metrics.values.flatMap(\.keys) })).sorted()
      let header = ["experiment", "commit", "baseline"] + paramKeys + metricKeys
      let rows = list.map { e in
        [e.name, e.commit.short, e.baseline?.short ?? "-"]
          + paramKeys.map { k in e.params.values.compactMap { $0[k] }.first.map(DiffText.number) ?? "-" }
          + metricKeys.map { k in e.metrics.values.compactMap { $0[k] }.first.map(DiffText.number) ?? "-" }
      }
      print(Output.table([header] + rows))
    }
  }

  struct DiffExp: RepositoryCommand {
    static let configuration = CommandConfiguration(
      commandName: "diff", abstract: "Compare an experiment's params and metrics with its baseline, or with another experiment or revision."
    )
    @Argument(help: "The experiment.")
    var experiment: String
    @Argument(help: "What to compare with (default: the commit it ran from).")
    var other: String?
    @Flag(help: "Show unchanged values too.")
    var all = false
    @Flag(help: "Print as JSON.")
    var json = false
    @Flag(help: "Print Markdown tables.")
    var md = false

    func run() throws {
      let repository = try openRepository()
      // The experiment by its name (a branch of the same name must not stand in for it).
      let commit = try repository.experimentCommit(experiment)
      let exp = Side.commit(commit, label: experiment)
      let base: Side
      if let other {
        base = try repository.side(other)
      } else {
        guard let parent = try repository.git.commitInfo(commit).parents.first else { throw RunError.unknownExperiment(experiment) }
        base = .commit(parent, label: parent.short)
      }
      let params = Repository.changes(try repository.params(on: base), try repository.params(on: exp), all: all)
      let metrics = Repository.changes(try repository.metrics(on: base), try repository.metrics(on: exp), all: all)
      if json {
        let doc: Value = .object([
          "a": .string(base.label), "b": .string(exp.label), "params": DiffText.json(params), "metrics": DiffText.json(metrics),
        ])
        return Output.canonical(doc)
      }
      DiffText.print(params, a: base.label, b: exp.label, json: false, md: md, what: "params")
      print()
      DiffText.print(metrics, a: base.label, b: exp.label, json: false, md: md, what: "metrics")
    }
  }

  struct ApplyExp: RepositoryCommand {
    static let configuration = CommandConfiguration(
      commandName: "apply", abstract: "Bring an experiment's params, lock and outputs into the work tree (HEAD does not move).")
    @Argument(help: "The experiment.")
    var experiment: String
    @Flag(help: "Overwrite uncommitted changes to those files.")
    var force = false

    func run() throws {
      let files = try openRepository().applyExperiment(experiment, force: force)
      for f in files { print("applied  \(f)") }
      print("experiment '\(experiment)' applied: review with 'git diff', then commit")
    }
  }

  struct BranchExp: RepositoryCommand {
    static let configuration = CommandConfiguration(commandName: "branch", abstract: "Create a Git branch at an experiment's commit.")
    @Argument(help: "The experiment.")
    var experiment: String
    @Argument(help: "The new branch.")
    var branch: String

    func run() throws {
      try openRepository().branchExperiment(experiment, branch: branch)
      print("branch '\(branch)' created at experiment '\(experiment)'")
    }
  }

  struct RemoveExp: RepositoryCommand {
    static let configuration = CommandConfiguration(
      commandName: "remove", abstract: "Delete experiments (their data goes at the next 'mlv gc').")
    @Argument(help: "Experiments to delete.")
    var experiments: [String] = []
    @Flag(help: "Delete every experiment.")
    var all = false

    func validate() throws { if experiments.isEmpty && !all { throw ValidationError("name experiments to remove, or --all") } }

    func run() throws {
      let repository = try openRepository()
      let names = all ? try repository.experiments().map(\.name) : experiments
      try repository.removeExperiments(names)
      for n in names { print("removed experiment '\(n)'") }
    }
  }
}
