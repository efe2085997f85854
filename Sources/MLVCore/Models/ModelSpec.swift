import MLVData
import MLVStore

/// How the worker hands a batch to the model's function (see docs/worker-protocol.md).
public enum InputFormat: String, Sendable, CaseIterable {
  /// A dict of column name → NumPy array.
  case columns
  /// A 2-D float64 NumPy array, rows × columns.
  case ndarray
  /// A pandas DataFrame.
  case dataframe
  /// A list of dicts, one per row.
  case records
}

/// `mlv-model.yaml`: what a model directory holds and how to run it (docs/format.md).
public struct ModelSpec: Sendable, Equatable {
  /// The file name inside a model directory.
  public static let fileName = "mlv-model.yaml"
  /// The only runtime so far.
  public static let runtimes = ["python"]
  static let keys: Set<String> = [
    "runtime", "entry_point", "input_format", "inputs", "outputs", "input_example", "environment", "metadata", "description",
  ]

  public var runtime = "python"
  /// The entry point's file, relative to the directory (`predict.py`).
  public var module: String
  /// The function in it (`predict`).
  public var function: String
  public var inputFormat = InputFormat.columns
  /// Contract files (relative paths) for the inputs and the outputs.
  public var inputs: String?
  public var outputs: String?
  /// An input example (relative path): MLflow scoring JSON.
  public var inputExample: String?
  /// A pip requirements file (relative path) the environment is built from.
  public var environment: String?
  public var description: String?
  /// Free-form metadata, kept as written.
  public var metadata: [String: Value] = [:]

  public init(module: String, function: String) {
    self.module = module
    self.function = function
  }

  /// The entry point as written: `predict.py:predict`.
  public var entryPoint: String { "\(module):\(function)" }

  /// Parses `mlv-model.yaml`; `exists` says whether a relative path is a file of the directory.
  public static func parse(_ bytes: [UInt8], name: String, exists: (String) -> Bool) throws -> ModelSpec {
    func bad(_ reason: String) -> ModelError { .malformedSpec(name, reason: reason) }
    let value: Value
    do { value = try StructuredFile.parse(bytes, name: name) } catch let error as RunError {
      if case .malformedFile(_, let reason) = error { throw bad(reason) }
      throw error
    }
    guard let o = value.object else { throw bad("it must be a mapping of keys to values") }
    if let unknown = o.keys.sorted().first(where: { !keys.contains($0) }) {
      throw bad("unknown key '\(unknown)' (known: \(keys.sorted().joined(separator: ", ")))")
    }
    func text(_ key: String) throws -> String? {
      guard let v = o[key], v != .null else { return nil }
      guard let s = v.string, !s.isEmpty else { throw bad("'\(key)' must be a non-empty string") }
      return s
    }
    func file(_ key: String) throws -> String? {
      guard let path = try text(key) else { return nil }
      guard isSafeRelativePath(path) else { throw bad("'\(key)' must be a relative path inside the directory, not '\(path)'") }
      guard exists(path) else { throw bad("'\(key)' names '\(path)', which is not a file of the model directory") }
      return path
    }
    let runtime = try text("runtime") ?? ""
    guard runtimes.contains(runtime) else {
      throw bad(runtime.isEmpty ? "'runtime' is missing (it must be 'python')" : "unsupported runtime '\(runtime)' (supported: python)")
    }
    guard let entry = try text("entry_point") else { throw bad("'entry_point' is missing (for example 'predict.py:predict')") }
    let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, parts[0].hasSuffix(".py"), !parts[1].isEmpty,
      parts[1].allSatisfy({ $0 == "_" || $0.isLetter || $0.isNumber }), !(parts[1].first?.isNumber ?? true)
    else { throw bad("'entry_point' must be FILE.py:FUNCTION, not '\(entry)'") }
    let module = String(parts[0])
    guard isSafeRelativePath(module) else { throw bad("the entry point's file must be inside the directory, not '\(module)'") }
    guard exists(module) else { throw bad("the entry point's file '\(module)' is not in the model directory") }
    var spec = ModelSpec(module: module, function: String(parts[1]))
    if let f = try text("input_format") {
      guard let format = InputFormat(rawValue: f) else {
        throw bad("unknown input_format '\(f)' (known: \(InputFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
      }
      spec.inputFormat = format
    }
    spec.inputs = try file("inputs")
    spec.outputs = try file("outputs")
    spec.inputExample = try file("input_example")
    spec.environment = try file("environment")
    spec.description = try text("description")
    if let m = o["metadata"], m != .null {
      guard let object = m.object else { throw bad("'metadata' must be a mapping") }
      spec.metadata = object
    }
    return spec
  }

  /// The spec as a JSON object (inside the model manifest).
  var value: Value {
    var o: [String: Value] = [
      "runtime": .string(runtime), "entry_point": .string(entryPoint), "input_format": .string(inputFormat.rawValue),
    ]
    if let inputs { o["inputs"] = .string(inputs) }
    if let outputs { o["outputs"] = .string(outputs) }
    if let inputExample { o["input_example"] = .string(inputExample) }
    if let environment { o["environment"] = .string(environment) }
    if let description { o["description"] = .string(description) }
    if !metadata.isEmpty { o["metadata"] = .object(metadata) }
    return .object(o)
  }

  init(value: Value) throws {
    func bad() -> ModelError { .malformedSpec("model manifest", reason: "its 'spec' is malformed") }
    guard let o = value.object, let entry = o["entry_point"]?.string, let runtime = o["runtime"]?.string,
      let colon = entry.lastIndex(of: ":"), let format = o["input_format"]?.string.flatMap(InputFormat.init(rawValue:))
    else { throw bad() }
    self.init(module: String(entry[..<colon]), function: String(entry[entry.index(after: colon)...]))
    guard isSafeRelativePath(module) else { throw bad() }
    self.runtime = runtime
    inputFormat = format
    inputs = o["inputs"]?.string
    outputs = o["outputs"]?.string
    inputExample = o["input_example"]?.string
    environment = o["environment"]?.string
    description = o["description"]?.string
    metadata = o["metadata"]?.object ?? [:]
  }
}
