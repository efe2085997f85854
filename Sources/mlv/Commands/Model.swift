import ArgumentParser
import MLVCore
import MLVStore

struct ModelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "model",
    abstract: "Store model directories as verifiable, versioned artifacts; list, show, verify them; move aliases.",
    subcommands: [AddModel.self, ListModels.self, ShowModel.self, VerifyModel.self, AliasModel.self])

  struct AddModel: RepositoryCommand {
    static let configuration = CommandConfiguration(
      commandName: "add",
      abstract: "Store DIR (weights, inference code, mlv-model.yaml) as a new version of NAME when its content changed.",
      discussion:
        "The version is recorded in mlv.models.json: commit it. The run the model came from is --stage, or the stage whose recorded outputs hold one of DIR's files."
    )
    @Argument(help: "The model's name.") var name: String
    @Argument(help: "The model directory.") var directory: String
    @Option(help: "The stage whose latest run made the model (its run record, metrics and environment lock are attached).")
    var stage: String?

    func run() throws {
      let result = try working { try openRepository().addModel(name: name, directory: directory, stage: stage, cwd: cwd) }
      let m = result.manifest
      if result.added {
        print("model '\(result.name)' version \(result.version.number): \(Output.count(m.fileCount, "file")), \(Output.size(m.size))")
      } else {
        print("model '\(result.name)' is unchanged: version \(result.version.number)")
      }
      if let run = m.run { print("  from run of stage '\(run.stage)' (\(run.record.short))") }
      if m.inputsSource == "example" { print("  input contract inferred from \(m.spec.inputExample ?? "the input example")") }
      if result.added { print("commit \(ModelRegistry.name) to record it") }
    }
  }

  struct ListModels: RepositoryCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List models with their latest version and aliases.")
    @Option(help: "Read the registry at this revision.") var rev: String?
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
      let repository = try openRepository()
      let registry = try repository.modelRegistry(on: try repository.side(rev))
      if json {
        Output.canonical(
          .object(
            registry.models.mapValues { m in
              .object([
                "latest": .integer(m.versions.last?.number ?? 0),
                "aliases": .object(m.aliases.mapValues { .integer($0) }),
                "versions": .integer(m.versions.count),
              ])
            }))
        return
      }
      guard !registry.models.isEmpty else {
        print("no models (add one with 'mlv model add NAME DIR')")
        return
      }
      var rows = [["model", "latest", "aliases", "created"]]
      for name in registry.models.keys.sorted() {
        let m = registry.models[name]!
        let aliases = m.aliases.sorted { $0.key < $1.key }.map { "\($0.key)→v\($0.value)" }.joined(separator: ", ")
        rows.append([name, "v\(m.versions.last?.number ?? 0)", aliases.isEmpty ? "-" : aliases, m.versions.last?.created ?? "-"])
      }
      print(Output.table(rows))
    }
  }

  struct ShowModel: RepositoryCommand {
    static let configuration = CommandConfiguration(
      commandName: "show", abstract: "Show a model version: files, entry point, contract, environment, run, metrics, versions.")
    @Argument(help: "NAME, NAME@VERSION or NAME@ALIAS (default: the latest version).") var model: String
    @Option(help: "Read the registry at this revision.") var rev: String?
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
      let repository = try openRepository()
      let resolved = try repository.resolveModel(model, revision: rev)
      let m = resolved.manifest
      let registry = try repository.modelRegistry(on: try repository.side(rev))
      let versions = registry.models[resolved.name]?.versions ?? []
      if json {
        var o: [String: Value] = [
          "name": .string(resolved.name), "version": .integer(resolved.version.number), "id": .string(resolved.version.id.description),
          "created": .string(resolved.version.created), "aliases": .array(resolved.aliases.map { .string($0) }),
          "entry_point": .string(m.spec.entryPoint), "input_format": .string(m.spec.inputFormat.rawValue),
          "files": .string(m.files.description), "size": .integer(m.size), "count": .integer(m.fileCount),
        ]
        if let run = m.run { o["run"] = .object(["stage": .string(run.stage), "record": .string(run.record.description)]) }
        if !m.metrics.isEmpty { o["metrics"] = .object(m.metrics.mapValues { .object($0.mapValues { .number($0) }) }) }
        if let inputs = m.inputs { o["inputs"] = .string(try repository.contractText(inputs)) }
        Output.canonical(.object(o))
        return
      }
      let aliases = resolved.aliases.isEmpty ? "" : " (\(resolved.aliases.joined(separator: ", ")))"
      print("model '\(resolved.name)' version \(resolved.version.number)\(aliases) at \(resolved.side)")
      print("  manifest     \(resolved.version.id)")
      print("  created      \(resolved.version.created)")
      print("  files        \(Output.count(m.fileCount, "file")), \(Output.size(m.size))")
      print("  runtime      \(m.spec.runtime), entry point \(m.spec.entryPoint), input format \(m.spec.inputFormat.rawValue)")
      if let env = m.spec.environment { print("  environment  \(env)") }
      if let env = m.env { print("  env lock     \(env.short)") }
      if let run = m.run {
        print(
          "  run          stage '\(run.stage)', record \(run.record.short)\(run.commit.map { ", commit \(String($0.prefix(12)))" } ?? "")")
      }
      for (file, values) in m.metrics.sorted(by: { $0.key < $1.key }) {
        for (key, v) in values.sorted(by: { $0.key < $1.key }) { print("  metric       \(file): \(key) = \(Value.number(v).display)") }
      }
      for (k, v) in m.spec.metadata.sorted(by: { $0.key < $1.key }) { print("  metadata     \(k): \(v.display)") }
      if let inputs = m.inputs {
        print(
          "  inputs (\(m.inputsSource == "example" ? "inferred from \(m.spec.inputExample ?? "the example")" : m.spec.inputs ?? "contract")):"
        )
        for line in try repository.contractText(inputs).split(separator: "\n") where !line.hasPrefix("#") { print("    \(line)") }
      }
      if versions.count > 1 || !(registry.models[resolved.name]?.aliases.isEmpty ?? true) {
        print("  versions:")
        for v in versions.reversed() {
          let a = registry.models[resolved.name]!.aliases(of: v.number)
          print("    v\(v.number)  \(v.created)  \(v.id.short)\(a.isEmpty ? "" : "  " + a.joined(separator: ", "))")
        }
      }
    }
  }

  struct VerifyModel: RepositoryCommand {
    static let configuration = CommandConfiguration(
      commandName: "verify",
      abstract:
        "Check every file of a model version against its hash, its contracts and input example, and its environment lock against this machine."
    )
    @Argument(help: "NAME, NAME@VERSION or NAME@ALIAS.") var model: String
    @Option(help: "Read the registry at this revision.") var rev: String?

    func run() throws {
      let repository = try openRepository()
      let resolved = try repository.resolveModel(model, revision: rev)
      let (problems, notes) = try working { try repository.verifyModel(resolved) }
      for n in notes { print("note: \(n.subject): \(n.message)") }
      for p in problems { print("problem: \(p.subject): \(p.message)") }
      guard problems.isEmpty else {
        throw ModelError.verificationFailed("\(resolved.name)@\(resolved.version.number)", problems: problems.count)
      }
      print(
        "model '\(resolved.name)' version \(resolved.version.number) is intact: \(Output.count(resolved.manifest.fileCount, "file")) verified"
      )
    }
  }

  struct AliasModel: RepositoryCommand {
    static let configuration = CommandConfiguration(
      commandName: "alias",
      abstract: "Point ALIAS at NAME@VERSION (moving it if it pointed elsewhere: a rollback is moving it back).",
      discussion: "The registry change is a file change: commit mlv.models.json so every commit knows what the alias meant.")
    @Argument(help: "NAME@VERSION (or NAME@ALIAS to copy an alias; NAME alone: the latest version).") var model: String
    @Argument(help: "The alias, e.g. champion.") var alias: String
    @Flag(help: "Remove the alias instead (MODEL is then the model's name).") var delete = false

    func run() throws {
      let repository = try openRepository()
      if delete {
        let was = try repository.removeModelAlias(name: model, alias: alias)
        print("removed alias '\(alias)' of model '\(model)' (it pointed at version \(was))")
        return
      }
      let previous = try repository.setModelAlias(model, alias: alias)
      let now = try repository.resolveModel(model, revision: nil)
      if let previous, previous != now.version.number {
        print("alias '\(alias)' of model '\(now.name)' moved: version \(previous) → \(now.version.number)")
      } else if previous == now.version.number {
        print("alias '\(alias)' of model '\(now.name)' already points at version \(now.version.number)")
      } else {
        print("alias '\(alias)' of model '\(now.name)' → version \(now.version.number)")
      }
    }
  }
}
