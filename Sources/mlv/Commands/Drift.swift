import ArgumentParser
import MLVCore
import MLVData
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

struct Drift: RepositoryCommand {
  static let configuration = CommandConfiguration(
    abstract: "Compare current data with the data a commit trained on, column by column, and say what drifted.",
    discussion: """
      The reference is the table that the run recorded at --rev read (the work tree's mlv.lock without --rev), \
      from the store, or --reference. Each column gets Evidently's default test unless --method says otherwise \
      (docs/drift.md). With --fail-on-drift the exit code is 10 when the dataset, the target or the prediction drifted.
      """)

  @Option(help: "The commit whose recorded run gives the reference (default: the work tree's mlv.lock).")
  var rev: String?

  @Option(help: "The stage whose input table is the reference (default: the only stage that read a table).")
  var stage: String?

  @Option(help: "A reference table instead of a run's: tracked data (read at --rev from the store) or a file.")
  var reference: String?

  @Option(help: "The current data: a CSV, TSV or JSON Lines file (optionally gzip-compressed).")
  var current: String?

  @Option(
    help: ArgumentHelp(
      "The current data is what MODEL served (its prediction log); the reference is the table its training run read.",
      valueName: "model"))
  var currentFromLog: String?

  @Option(help: "The format of --current and --reference files whose names do not tell it (csv, tsv, jsonl).")
  var format: TableFormat?

  @Option(parsing: .upToNextOption, help: "Compare only these columns (several names, or comma-separated).")
  var columns: [String] = []

  @Option(help: "The target column: its drift is reported as target drift.")
  var target: String?

  @Option(help: "The prediction column: its drift is reported as prediction drift.")
  var prediction: String?

  @Option(
    help: ArgumentHelp(
      "METHOD for every column it can test, or COLUMN=METHOD (repeatable).",
      discussion: "Methods: \(DriftMethod.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "method"))
  var method: [String] = []

  @Option(help: ArgumentHelp("THRESHOLD for every column, or COLUMN=THRESHOLD (repeatable).", valueName: "threshold"))
  var threshold: [String] = []

  @Option(help: "The dataset drifts when at least this share of the tested columns drifted.")
  var driftShare = 0.5

  @Flag(help: "Print the report as JSON.")
  var json = false

  @Option(help: "Also write the report as one self-contained HTML file.")
  var html: String?

  @Flag(help: "Exit 10 when the dataset, the target or the prediction drifted.")
  var failOnDrift = false

  func validate() throws {
    if stage != nil && reference != nil { throw ValidationError("--stage and --reference cannot be combined") }
    if (current == nil) == (currentFromLog == nil) { throw ValidationError("give exactly one of --current and --current-from-log") }
    if currentFromLog != nil && stage != nil { throw ValidationError("--stage and --current-from-log cannot be combined") }
    guard driftShare > 0 && driftShare <= 1 else { throw ValidationError("--drift-share must be above 0 and at most 1") }
    _ = try driftOptions()
  }

  /// The options for the analysis, from the command line.
  func driftOptions() throws -> DriftOptions {
    var options = DriftOptions()
    let names = columns.flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
    options.columns = names.isEmpty ? nil : names
    options.target = target
    options.prediction = prediction
    options.driftShare = driftShare
    options.distributions = html != nil
    func split(_ text: String) -> (column: String?, value: String) {
      guard let eq = text.lastIndex(of: "=") else { return (nil, text) }
      return (String(text[..<eq]), String(text[text.index(after: eq)...]))
    }
    for text in method {
      let (column, value) = split(text)
      guard let m = DriftMethod(rawValue: value.lowercased()) else {
        throw ValidationError(
          "unknown method '\(value)' in --method \(text); methods: \(DriftMethod.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      if let column { options.columnMethods[column] = m } else { options.method = m }
    }
    for text in threshold {
      let (column, value) = split(text)
      guard let t = Double(value), t.isFinite, t >= 0 else {
        throw ValidationError("--threshold \(text): the threshold must be a number, 0 or more")
      }
      if let column { options.columnThresholds[column] = t } else { options.threshold = t }
    }
    return options
  }

  func run() throws {
    let options = try driftOptions()
    #if canImport(Glibc)
      // Whole columns (a million numbers are 8 MB) and sort buffers get their own mappings,
      // returned to the system when freed; batches (4 MiB) stay in the heap and are reused.
      // Without this, glibc raises its mapping threshold as batches are freed and serves sorted
      // columns from the heap, and the peak grows by about a tenth (290 -> 320 MiB on 1M x 20).
      _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 6 << 20)
    #endif
    let (report, referenceDescription, source) = try working { () throws -> (DriftReport, String, [String: Value]) in
      var referenceInput: TableInput?
      var description = ""
      var source: [String: Value] = [:]
      var fromLog: TableInput?
      if let model = currentFromLog {
        guard let repository = try openRepositoryIfAny() else { throw DriftCLIError.noReference }
        let found = try repository.driftFromLog(model, revision: rev)
        fromLog = found.current
        if reference == nil {
          referenceInput = found.reference
          description = "'\(found.reference.name)'"
          source["model"] = .string("\(found.model.name)@\(found.model.version.number)")
          source["revision"] = .string(found.model.side)
        }
      }
      if fromLog != nil && reference == nil {
        // The reference came with the model.
      } else if let reference {
        referenceInput = try openTable(reference, revision: rev, format: format, cwd: cwd).input
        description = "'\(referenceInput!.name)'"
      } else {
        guard let repository = try openRepositoryIfAny() else {
          throw DriftCLIError.noReference
        }
        let found = try repository.driftReference(revision: rev, stage: stage, format: nil)
        referenceInput = found.input
        description = "'\(found.input.name)'"
        if let s = found.source.stage {
          description += " (read by stage '\(s)')"
          source["stage"] = .string(s)
        }
        if let record = found.source.record { source["record"] = .string(record.description) }
        source["revision"] = .string(found.source.revision)
      }
      let currentInput = try fromLog ?? openTable(current!, revision: nil, format: format, cwd: cwd).input
      var wanted: Set<String>?
      if let names = options.columns { wanted = Set(names + [options.target, options.prediction].compactMap { $0 }) }
      let referenceTable = referenceInput!
      let ref = try TableSample.read(
        referenceTable.open, reader: TableReader(format: referenceTable.format, name: referenceTable.name), wanted: wanted)
      let cur = try TableSample.read(
        currentInput.open, reader: TableReader(format: currentInput.format, name: currentInput.name), wanted: wanted)
      return (try DriftAnalysis.compare(reference: ref, current: cur, options: options), description, source)
    }
    if let html {
      let path = html.hasPrefix("/") ? html : cwd + "/" + html
      try writeFileAtomically(path, Array(DriftReportHTML.render(report, referenceDescription: referenceDescription).utf8), durable: false)
    }
    if json {
      Output.canonical(DriftReportText.json(report, reference: source))
    } else {
      print(DriftText.text(report, referenceDescription: referenceDescription), terminator: "")
      if let html { print("wrote '\(html)'") }
    }
    if failOnDrift {
      let roles = report.columns.filter { $0.role != .feature && $0.skipped == nil && $0.drifted }.map {
        "\($0.role.rawValue) '\($0.name)'"
      }
      if report.datasetDrift || !roles.isEmpty {
        var what: [String] = []
        if report.datasetDrift { what.append("\(report.driftedCount) of \(report.tested.count) columns") }
        fflush(nil)  // the report first, then the error line, also when both go to one log
        throw DriftCLIError.drifted((what + roles).joined(separator: ", "))
      }
    }
  }
}

enum DriftCLIError: UserFacingError {
  case noReference
  case drifted(String)

  var message: String {
    switch self {
    case .noReference: return "no reference: outside an mlv repository, pass --reference FILE"
    case .drifted(let what): return "drift detected: \(what)"
    }
  }

  var hint: String? {
    switch self {
    case .noReference: return nil
    case .drifted: return "the report above says which columns moved; retrain, or raise --drift-share or --threshold if this is expected"
    }
  }

  var exitStatus: ExitStatus {
    switch self {
    case .noReference: return .notARepository
    case .drifted: return .driftDetected
    }
  }
}

#if canImport(Glibc)
  /// glibc's `mallopt`, declared in <malloc.h>, which the Glibc module does not export.
  @_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// The terminal report: the table of tested columns, then what was skipped, notes and verdicts.
enum DriftText {
  /// The terminal report.
  static func text(_ report: DriftReport, referenceDescription: String) -> String {
    var out =
      "drift of '\(report.current)' (\(Output.count(report.currentRows, "row"))) from \(referenceDescription) (\(Output.count(report.referenceRows, "row")))\n\n"
    var table = [["column", "type", "test", "statistic", "p-value", "threshold", "drifted"]]
    for c in report.columns where c.skipped == nil {
      let name = c.role == .feature ? c.name : "\(c.name) (\(c.role.rawValue))"
      table.append([
        name, c.kind.rawValue, c.method?.rawValue ?? "", DriftReportText.number(c.statistic), DriftReportText.number(c.pValue),
        DriftReportText.number(c.threshold),
        c.drifted ? "DRIFT" : "no",
      ])
    }
    out += table.count > 1 ? Output.table(table) + "\n" : "no column could be tested\n"
    let skipped = report.columns.filter { $0.skipped != nil }
    if !skipped.isEmpty {
      out += "\nskipped:\n"
      for c in skipped { out += "  \(c.name): \(c.skipped!)\n" }
    }
    var remarks: [String] = []
    for c in report.columns {
      let rm = share(c.referenceMissing, of: report.referenceRows)
      let cm = share(c.currentMissing, of: report.currentRows)
      if c.referenceMissing > 0 || c.currentMissing > 0 {
        remarks.append(
          "\(c.name): missing values \(DriftReportText.percent(rm)) in the reference, \(DriftReportText.percent(cm)) in the current data")
      }
      if c.referenceInfinite + c.currentInfinite > 0 {
        remarks.append(
          "\(c.name): infinite values left out: \(c.referenceInfinite) in the reference, \(c.currentInfinite) in the current data")
      }
      if c.newCategoryCount > 0 {
        let top = c.newCategories.prefix(3).map { "'\($0.value)' \($0.count)" }.joined(separator: ", ")
        remarks.append(
          "\(c.name): \(c.newCategoryCount) new value\(c.newCategoryCount == 1 ? "" : "s") in \(Output.count(c.newCategoryRows, "row")) (\(top)\(c.newCategoryCount > 3 ? ", …" : ""))"
        )
      }
      if c.vanishedCategoryCount > 0 {
        let top = c.vanishedCategories.prefix(3).map { "'\($0.value)'" }.joined(separator: ", ")
        remarks.append(
          "\(c.name): \(c.vanishedCategoryCount) reference value\(c.vanishedCategoryCount == 1 ? "" : "s") absent (\(top)\(c.vanishedCategoryCount > 3 ? ", …" : ""))"
        )
      }
      for note in c.notes { remarks.append("\(c.name): \(note)") }
    }
    if !remarks.isEmpty {
      out += "\nnotes:\n"
      for r in remarks { out += "  \(r)\n" }
    }
    out += "\n"
    for c in report.columns where c.role != .feature && c.skipped == nil {
      out += "\(c.role.rawValue) drift ('\(c.name)'): \(c.drifted ? "yes" : "no")\n"
    }
    let tested = report.tested.count
    out +=
      "dataset drift: \(report.datasetDrift ? "YES" : "no"): \(report.driftedCount) of \(tested) column\(tested == 1 ? "" : "s") drifted (\(DriftReportText.percent(report.share)); the verdict needs \(DriftReportText.percent(report.driftShare)))\n"
    return out
  }

  static func share(_ n: Int, of total: Int) -> Double { total == 0 ? 0 : Double(n) / Double(total) }
}
