import ArgumentParser
import MLVCore
import MLVData
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension TableFormat: ExpressibleByArgument {}

struct ContractCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "contract",
    abstract: "Write, check and attach data contracts (columns, types, nulls, ranges, categories, uniqueness, row counts).",
    discussion: "Contracts are YAML (docs/format.md); pandera's YAML schemas are read too. Exit code 3 means the data breaks its contract.",
    subcommands: [Infer.self, Check.self, Attach.self, Detach.self])

  /// Options shared by the verbs that read a table.
  struct DataOptions: ParsableArguments {
    @Argument(help: "A CSV, TSV or JSON Lines file (optionally gzip-compressed), or tracked data.")
    var data: String

    @Option(help: "Read the tracked data as committed at this revision, from the store (no checkout).")
    var rev: String?

    @Option(help: "The format, when the name does not tell it (csv, tsv, jsonl).")
    var format: TableFormat?
  }

  struct Infer: RepositoryCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a contract the data passes: each column's type, nullability, range and categories.")

    @OptionGroup var options: DataOptions

    @Option(name: .shortAndLong, help: "Write the contract to this file (default: print it).")
    var out: String?

    @Flag(help: "Replace --out if it exists.")
    var force = false

    func run() throws {
      let input = try working { try openInput(options, cwd: cwd).input }
      let (contract, rows) = try working { try Tables.infer(input) }
      let text = contract.yaml(
        comment: "Data contract for \(input.name), inferred from \(Output.count(rows, "row")) by 'mlv contract infer'.")
      guard let out else { return print(text, terminator: "") }
      let path = out.hasPrefix("/") ? out : cwd + "/" + out
      if fileStatus(path) != nil && !force {
        throw ContractCLIError.exists(out)
      }
      try writeFileAtomically(path, Array(text.utf8), durable: false)
      print("wrote '\(out)': \(Output.count(contract.columns.count, "column")) from \(Output.count(rows, "row")) of '\(input.name)'")
    }
  }

  struct Check: RepositoryCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check data against a contract; exit 3 and list the violations when it breaks it.")

    @OptionGroup var options: DataOptions

    @Option(help: "The contract (default: the one attached to the tracked data).")
    var contract: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: "Show at most this many violations of rows (all are counted).")
    var maxErrors = 20

    func validate() throws {
      guard maxErrors >= 0 else { throw ValidationError("--max-errors must be 0 or more") }
    }

    func run() throws {
      let (input, _) = try openInput(options, cwd: cwd)
      let contractName: String
      let parsed: Contract
      if let contract {
        contractName = contract
        parsed = try Tables.contract(at: contract.hasPrefix("/") ? contract : cwd + "/" + contract, name: contract)
      } else if let attached = input.contract {
        contractName = attached.name
        parsed = try Contract.parse(attached.bytes, name: attached.name)
      } else {
        throw ContractError.noContract(input.name)
      }
      let report = try working { try Tables.check(input, contract: parsed, contractName: contractName, maxErrors: maxErrors) }
      if json {
        Output.canonical(ContractReportText.json(report))
      } else {
        print(ContractReportText.text(report, maxErrors: maxErrors), terminator: "")
      }
      if !report.valid { throw ContractError.violated(data: report.data, contract: report.contract, count: report.total) }
    }
  }

  struct Attach: RepositoryCommand {
    static let configuration = CommandConfiguration(
      abstract: "Name the contract tracked data must meet (written into its pointer; hooks, add and status then check it).")

    @Argument(help: "Tracked data.")
    var data: String

    @Argument(help: "The contract file (commit it with Git).")
    var contract: String

    func run() throws {
      let (pointer, attached) = try openRepository().attachContract(data, contract: contract, cwd: cwd)
      print("'\(data)' must now meet '\(attached ?? "")' (written to \(pointer))")
    }
  }

  struct Detach: RepositoryCommand {
    static let configuration = CommandConfiguration(abstract: "Remove the contract named by tracked data's pointer.")

    @Argument(help: "Tracked data.")
    var data: String

    func run() throws {
      let (pointer, _) = try openRepository().attachContract(data, contract: nil, cwd: cwd)
      print("'\(data)' has no contract now (written to \(pointer))")
    }
  }
}

enum ContractCLIError: UserFacingError {
  case exists(String)
  case revisionOutsideRepository

  var message: String {
    switch self {
    case .exists(let path): return "'\(path)' exists"
    case .revisionOutsideRepository: return "--rev needs an mlv repository"
    }
  }

  var hint: String? {
    switch self {
    case .exists: return "pass --force to replace it"
    case .revisionOutsideRepository: return nil
    }
  }

  var exitStatus: ExitStatus {
    switch self {
    case .exists: return .wouldOverwrite
    case .revisionOutsideRepository: return .notARepository
    }
  }
}

extension RepositoryCommand {
  /// The table the user named: tracked data (at a revision) in a repository, else a plain file.
  func openInput(_ options: ContractCommand.DataOptions, cwd: String) throws -> (input: TableInput, repository: Repository?) {
    try openTable(options.data, revision: options.rev, format: options.format, cwd: cwd)
  }

  /// A table: tracked data (the work-tree file, or at `revision` the committed version from the
  /// store), or outside any repository a plain file.
  func openTable(_ data: String, revision: String?, format: TableFormat?, cwd: String) throws -> (
    input: TableInput, repository: Repository?
  ) {
    let repository = try openRepositoryIfAny()
    if let repository {
      do {
        return (try repository.tableInput(data, revision: revision, format: format, cwd: cwd), repository)
      } catch CoreError.outsideRepository where revision == nil {
        // A file elsewhere on disk is read as a plain file.
      }
    }
    guard revision == nil else { throw ContractCLIError.revisionOutsideRepository }
    let path = data.hasPrefix("/") ? data : cwd + "/" + data
    return (try Tables.file(path, displayName: data, format: format), repository)
  }

  /// The repository around the current directory, or nil outside one (a broken one is an error).
  func openRepositoryIfAny() throws -> Repository? {
    do { return try openRepository() } catch let error as CoreError {
      guard case .notInitialised = error else { throw error }
      return nil
    } catch let error as UserFacingError where error.exitStatus == .notARepository {
      return nil
    }
  }
}

/// How check reports read, for people and for scripts.
enum ContractReportText {
  static func text(_ report: CheckReport, maxErrors: Int) -> String {
    if report.valid { return "'\(report.data)' meets '\(report.contract)' (\(Output.count(report.rows, "row")))\n" }
    var out =
      "'\(report.data)': \(Output.count(report.total, "violation")) of '\(report.contract)' in \(Output.count(report.rows, "row"))\n"
    var rows: [[String]] = []
    for v in report.violations {
      let place: String
      if let row = v.row {
        // The line is worth showing where it is not the row's obvious one (header + row, or the row in JSON Lines).
        place = v.line == row + 1 || v.line == row ? "row \(row)" : "row \(row) (line \(v.line ?? 0))"
      } else {
        place = "table"
      }
      rows.append(["  " + place, v.column ?? "", v.rule.rawValue, v.message])
    }
    out += Output.table(rows) + "\n"
    let hidden = report.total - report.violations.count
    if hidden > 0 { out += "  … \(hidden) more (raise --max-errors, now \(maxErrors), to see them)\n" }
    out += "by rule:\n"
    out += Output.table(report.summary.map { ["  " + ($0.column ?? "(table)"), $0.rule.rawValue, String($0.count)] }) + "\n"
    return out
  }

  static func json(_ report: CheckReport) -> Value {
    func opt(_ v: Int?) -> Value { v.map { .integer($0) } ?? .null }
    func opt(_ v: String?) -> Value { v.map { .string($0) } ?? .null }
    return .object([
      "data": .string(report.data), "contract": .string(report.contract), "rows": .integer(report.rows), "valid": .bool(report.valid),
      "violation_count": .integer(report.total),
      "violations": .array(
        report.violations.map {
          .object([
            "row": opt($0.row), "line": opt($0.line), "column": opt($0.column), "rule": .string($0.rule.rawValue), "value": opt($0.value),
            "message": .string($0.message),
          ])
        }),
      "summary": .array(
        report.summary.map { .object(["column": opt($0.column), "rule": .string($0.rule.rawValue), "count": .integer($0.count)]) }),
    ])
  }
}
