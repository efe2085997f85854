import MLVStore

/// The run a model came from.
public struct ModelRun: Sendable, Equatable {
  public var stage: String
  public var record: ObjectID
  /// The commit the run started at, when there was one.
  public var commit: String?
}

/// A model artifact as stored: its files, how to run them, the input contract, the
/// environment, and where it came from. Canonical JSON, content-addressed: the same directory,
/// run and environment give the same object, and `model add` makes a version only when it
/// differs from the latest one (docs/format.md).
public struct ModelManifest: Sendable, Equatable {
  public static let format = "mlv-model"
  public static let version = 1

  /// The directory manifest of the model's files.
  public var files: ObjectID
  public var size: Int
  public var fileCount: Int
  public var spec: ModelSpec
  /// The input contract's YAML (the spec's `inputs` file, or inferred from the input example).
  public var inputs: ObjectID?
  /// Where the input contract came from: `file` or `example`.
  public var inputsSource: String?
  /// The output contract's YAML, when the spec names one.
  public var outputs: ObjectID?
  /// The environment lock: the run's, or the machine's at `model add`.
  public var env: ObjectID?
  public var run: ModelRun?
  /// The run's metrics, by file then flattened key.
  public var metrics: [String: [String: Double]] = [:]

  var value: Value {
    var o: [String: Value] = [
      "format": .string(Self.format), "version": .integer(Self.version), "files": .string(files.description),
      "size": .integer(size), "count": .integer(fileCount), "spec": spec.value,
    ]
    if let inputs {
      o["inputs"] = .object(["contract": .string(inputs.description), "source": .string(inputsSource ?? "file")])
    }
    if let outputs { o["outputs"] = .object(["contract": .string(outputs.description), "source": .string("file")]) }
    if let env { o["env"] = .string(env.description) }
    if let run {
      var r: [String: Value] = ["stage": .string(run.stage), "record": .string(run.record.description)]
      if let commit = run.commit { r["commit"] = .string(commit) }
      o["run"] = .object(r)
    }
    if !metrics.isEmpty { o["metrics"] = ByFile.value(metrics) }
    return .object(o)
  }

  /// The canonical bytes.
  public func encoded() -> [UInt8] { CanonicalJSON.encode(value) }

  /// Parses a manifest read from the store as `id`.
  public static func decode(_ bytes: [UInt8], id: ObjectID) throws -> ModelManifest {
    func bad(_ reason: String) -> StoreError { .malformedManifest(id, reason: reason) }
    guard let o = (try? CanonicalJSON.decode(bytes))?.object, o["format"]?.string == format else {
      throw bad("not a model manifest")
    }
    guard case .integer(let v)? = o["version"], v <= version else { throw bad("its version is newer than this mlv supports") }
    guard let files = o["files"]?.objectID, case .integer(let size)? = o["size"], case .integer(let count)? = o["count"],
      let specValue = o["spec"]
    else { throw bad("it is incomplete") }
    let spec: ModelSpec
    do { spec = try ModelSpec(value: specValue) } catch { throw bad("its spec is malformed") }
    var m = ModelManifest(files: files, size: size, fileCount: count, spec: spec)
    if let i = o["inputs"]?.object {
      guard let c = i["contract"]?.objectID else { throw bad("its input contract is malformed") }
      m.inputs = c
      m.inputsSource = i["source"]?.string
    }
    if let out = o["outputs"]?.object {
      guard let c = out["contract"]?.objectID else { throw bad("its output contract is malformed") }
      m.outputs = c
    }
    if let e = o["env"] {
      guard let env = e.objectID else { throw bad("its environment lock id is malformed") }
      m.env = env
    }
    if let r = o["run"]?.object {
      guard let stage = r["stage"]?.string, let record = r["record"]?.objectID else { throw bad("its run is malformed") }
      m.run = ModelRun(stage: stage, record: record, commit: r["commit"]?.string)
    }
    m.metrics = ByFile.metrics(o["metrics"])
    return m
  }
}
