import MLVData
import MLVStore
import Yams

/// How a stage's command is given: an argument vector run as is (what `mlv run -- …` records),
/// or one shell line run by `/bin/sh -c` (what people write by hand in `mlv.yaml`).
public enum StageCommand: Sendable, Equatable {
  case argv([String])
  case shell(String)

  /// The value written to `mlv.yaml`, `mlv.lock` and run records.
  var value: Value {
    switch self {
    case .argv(let args): return .array(args.map { .string($0) })
    case .shell(let line): return .string(line)
    }
  }

  init?(_ value: Value) {
    switch value {
    case .string(let line) where !line.isEmpty: self = .shell(line)
    case .array(let items) where !items.isEmpty && items.allSatisfy({ $0.string != nil }): self = .argv(items.map { $0.string! })
    default: return nil
    }
  }

  /// The argument vector to execute.
  var arguments: [String] {
    switch self {
    case .argv(let args): return args
    case .shell(let line): return ["/bin/sh", "-c", line]
    }
  }

  /// For messages and tables.
  public var display: String {
    switch self {
    case .argv(let args): return args.map { shellQuoted($0) }.joined(separator: " ")
    case .shell(let line): return line
    }
  }
}

/// `'…'`-quotes a word when a shell would split or expand it.
func shellQuoted(_ word: String) -> String {
  let safe =
    !word.isEmpty
    && word.utf8.allSatisfy { b in
      (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || "-_./=:,+@%".utf8.contains(b)
    }
  return safe ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// A params file and the keys a stage reads from it (all keys when empty).
public struct ParamsSelection: Sendable, Equatable {
  public var file: String
  public var keys: [String]

  public init(file: String, keys: [String]) {
    self.file = file
    self.keys = keys
  }

  /// Parses `FILE` or `FILE:key,key` (the `-p` syntax).
  public init(parsing text: String) {
    if let colon = text.lastIndex(of: ":"), colon != text.startIndex {
      file = String(text[..<colon])
      keys = text[text.index(after: colon)...].split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
    } else {
      file = text
      keys = []
    }
  }
}

/// A named, repeatable run: what `mlv.yaml` holds for each stage. Paths are from the
/// repository root; the command runs in `wdir`.
public struct StageDefinition: Sendable, Equatable {
  public var name: String
  public var command: StageCommand
  /// The directory the command runs in, from the root ("" for the root).
  public var wdir: String = ""
  public var seed: Int
  /// The thread count exported to the numerical libraries (OMP_NUM_THREADS and friends).
  public var threads: Int = 1
  public var deps: [String] = []
  public var outs: [String] = []
  public var params: [ParamsSelection] = []
  public var metrics: [String] = []

  public init(name: String, command: StageCommand, seed: Int) {
    self.name = name
    self.command = command
    self.seed = seed
  }

  /// Whether `name` can be a stage name.
  static func isValidName(_ name: String) -> Bool {
    !name.isEmpty && name.count <= 100 && !name.hasPrefix(".") && !name.hasPrefix("-")
      && name.utf8.allSatisfy { b in
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || "-_.".utf8.contains(b)
      }
  }
}

/// `mlv.yaml`: the committed stage definitions. Read with Yams; written by mlv in one fixed
/// layout (stages sorted by name, fields in a fixed order), so a rewrite changes only what changed.
public struct StageFile: Sendable, Equatable {
  public static let name = "mlv.yaml"
  public var stages: [String: StageDefinition] = [:]

  public init() {}

  /// Parses the file's text; every structural problem is a `malformedFile` error naming the stage and field.
  public static func parse(_ bytes: [UInt8]) throws -> StageFile {
    var file = StageFile()
    let root = try StructuredFile.parse(bytes, name: name)
    if root == .null || root == .object([:]) { return file }
    guard let top = root.object else { throw RunError.malformedFile(name, reason: "the top level is not a mapping") }
    for key in top.keys where key != "stages" {
      throw RunError.malformedFile(name, reason: "unknown top-level key '\(key)'")
    }
    guard let stages = top["stages"] else { return file }
    if stages == .null { return file }
    guard let stageMap = stages.object else { throw RunError.malformedFile(name, reason: "'stages' is not a mapping") }
    for (stageName, body) in stageMap {
      func bad(_ reason: String) -> RunError { .malformedFile(name, reason: "stage '\(stageName)': \(reason)") }
      guard StageDefinition.isValidName(stageName) else { throw bad("invalid stage name") }
      guard let fields = body.object else { throw bad("not a mapping") }
      let known: Set<String> = ["cmd", "wdir", "seed", "threads", "deps", "outs", "params", "metrics"]
      if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) { throw bad("unknown field '\(unknown)'") }
      guard let cmdValue = fields["cmd"], let command = StageCommand(cmdValue) else {
        throw bad("'cmd' must be a command line or a list of arguments")
      }
      var seed = 0
      if let s = fields["seed"] {
        guard case .integer(let n) = s, n >= 0 else { throw bad("'seed' must be a non-negative integer") }
        seed = n
      }
      var stage = StageDefinition(name: stageName, command: command, seed: seed)
      if let t = fields["threads"] {
        guard case .integer(let n) = t, n >= 1 else { throw bad("'threads' must be a positive integer") }
        stage.threads = n
      }
      if let w = fields["wdir"] {
        guard let text = w.string, text == "." || isSafeRelativePath(text) else { throw bad("'wdir' must be a relative path") }
        stage.wdir = text == "." ? "" : text
      }
      func paths(_ field: String) throws -> [String] {
        guard let v = fields[field], v != .null else { return [] }
        guard let items = v.array, items.allSatisfy({ $0.string.map(isSafeRelativePath) == true }) else {
          throw bad("'\(field)' must be a list of relative paths")
        }
        return items.map { $0.string! }
      }
      stage.deps = try paths("deps")
      stage.outs = try paths("outs")
      stage.metrics = try paths("metrics")
      if let p = fields["params"], p != .null {
        guard let items = p.array else { throw bad("'params' must be a list") }
        for item in items {
          if let file = item.string, isSafeRelativePath(file) {
            stage.params.append(ParamsSelection(file: file, keys: []))
          } else if let map = item.object, map.count == 1, let (file, keys) = map.first, isSafeRelativePath(file),
            let list = keys.array, list.allSatisfy({ $0.string != nil })
          {
            stage.params.append(ParamsSelection(file: file, keys: list.map { $0.string! }))
          } else {
            throw bad("each 'params' item is a file, or a file mapped to a list of keys")
          }
        }
      }
      file.stages[stageName] = stage
    }
    return file
  }

  /// The file's text.
  public func text() -> String {
    var out = "# Stages for mlv: 'mlv repro' runs them in dependency order; 'mlv run' adds and updates them.\n"
    if stages.isEmpty { return out + "stages: {}\n" }
    out += "stages:\n"
    for name in stages.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
      let s = stages[name]!
      out += "  \(yamlScalar(name)):\n"
      switch s.command {
      case .argv(let args): out += "    cmd: [\(args.map(yamlScalar).joined(separator: ", "))]\n"
      case .shell(let line): out += "    cmd: \(yamlScalar(line))\n"
      }
      if !s.wdir.isEmpty { out += "    wdir: \(yamlScalar(s.wdir))\n" }
      out += "    seed: \(s.seed)\n"
      if s.threads != 1 { out += "    threads: \(s.threads)\n" }
      func list(_ field: String, _ items: [String]) {
        guard !items.isEmpty else { return }
        out += "    \(field):\n" + items.map { "      - \(yamlScalar($0))\n" }.joined()
      }
      list("deps", s.deps)
      if !s.params.isEmpty {
        out += "    params:\n"
        for p in s.params {
          out +=
            p.keys.isEmpty
            ? "      - \(yamlScalar(p.file))\n" : "      - \(yamlScalar(p.file)): [\(p.keys.map(yamlScalar).joined(separator: ", "))]\n"
        }
      }
      list("outs", s.outs)
      list("metrics", s.metrics)
    }
    return out
  }
}
