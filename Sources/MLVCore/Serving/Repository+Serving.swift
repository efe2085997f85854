import MLVData
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a model's workers get their Python.
public enum EnvironmentManager: String, Sendable, CaseIterable {
  /// The interpreter on this machine: `MLV_PYTHON`, else `python3` on `PATH`.
  case local
  /// A virtual environment built from the model's requirements (or its environment lock's
  /// packages), cached under `.mlv/cache/envs/` by the hash of what it was built from.
  case venv
}

extension Repository {
  /// The directory of `model`'s prediction log.
  public func predictionLogDirectory(_ model: String) -> String { sharedMLVDirectory + "/logs/predictions/" + model }

  /// Writes the worker shim once, named by its hash; returns its path.
  public func workerScript(_ source: [UInt8]) throws -> String {
    let dir = sharedMLVDirectory + "/cache/serve"
    let path = dir + "/mlv_worker-" + String(SHA256.hash(source).hex.prefix(16)) + ".py"
    if fileStatus(path) == nil {
      try makeDirectories(dir)
      try writeFileAtomically(path, source, durable: false)
    }
    return path
  }

  /// The interpreter the workers of `model` (materialised in `directory`) run.
  public func python(for model: ResolvedModel, directory: String, manager: EnvironmentManager) throws -> String {
    let environment = processEnvironment()
    let wanted = environment["MLV_PYTHON"] ?? "python3"
    guard let local = ChildProcess.resolve(wanted, path: environment["PATH"]) else { throw ModelError.pythonNotFound(wanted) }
    guard manager == .venv else { return local }
    var requirements: String
    if let file = model.manifest.spec.environment {
      requirements = (try readIfPresent(directory + "/" + file)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    } else if let env = model.manifest.env, let lock = try? EnvironmentLock.decode(store.read(env)) {
      requirements = lock.facts.filter { $0.key.hasPrefix("python.packages.") }.sorted { $0.key < $1.key }
        .map { "\($0.key.dropFirst("python.packages.".count))==\($0.value)" }.joined(separator: "\n")
    } else {
      requirements = ""
    }
    // The worker shim itself needs NumPy.
    if !requirements.split(separator: "\n").contains(where: { $0.lowercased().hasPrefix("numpy") }) { requirements += "\nnumpy" }
    let key = SHA256.hash(Array((local + "\n" + requirements).utf8)).hex.prefix(16)
    let envs = sharedMLVDirectory + "/cache/envs"
    let target = envs + "/" + key
    if fileStatus(target + "/bin/python") != nil { return target + "/bin/python" }
    try makeDirectories(envs)
    let staging = envs + "/" + uniqueTemporaryName(".building")
    defer { try? removeTree(staging) }
    writeDiagnostic("building the model's environment in \(target) (once)")
    guard case .exited(0)? = ChildProcess.capture([local, "-m", "venv", staging], environment: environment, timeout: 600)?.0 else {
      throw ModelError.environmentFailed("'\(local) -m venv' failed")
    }
    let file = staging + "/requirements.txt"
    try writeFileAtomically(file, Array(requirements.utf8), durable: false)
    let pip = try ChildProcess.run(
      [staging + "/bin/python", "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", file], environment: environment,
      directory: staging, outputToStderr: true)
    guard pip == .exited(0) else { throw ModelError.environmentFailed("pip could not install the requirements") }
    // A venv's scripts name their directory: move the whole tree, then fix nothing — the
    // interpreter resolves its prefix from its own location (pyvenv.cfg sits beside bin/).
    if rename(staging, target) != 0 {
      let code = errno
      // Another server built the same environment first: use it.
      guard fileStatus(target + "/bin/python") != nil else {
        throw ModelError.environmentFailed("cannot move the environment into place: \(errnoDescription(code))")
      }
    }
    return target + "/bin/python"
  }

  /// `mlv drift --current-from-log NAME`: the served rows of a model as the current table,
  /// and its training data (the table its run read) as the reference.
  public func driftFromLog(_ reference: String, revision: String?) throws -> (
    reference: TableInput, current: TableInput, model: ResolvedModel
  ) {
    let model = try resolveModel(reference, revision: revision)
    let files = PredictionLog.files(in: predictionLogDirectory(model.name))
    guard !files.isEmpty else { throw ModelError.noPredictionLog(model.name) }
    guard let run = model.manifest.run else { throw ModelError.noTrainingRun(model.name, version: model.version.number) }
    let record = try RunRecord.decode(store.read(run.record))
    let tables = record.deps.filter { $0.kind != .directory && TableFormat(fileName: $0.path) != nil }
    guard tables.count == 1, let dep = tables.first else { throw ModelError.noTrainingRun(model.name, version: model.version.number) }
    guard store.contains(dep.id) else {
      throw DriftReferenceError.notStored(path: dep.path, stage: run.stage, side: "model '\(model.name)'", id: dep.id)
    }
    let ref = try storedInput(
      kind: dep.kind, id: dep.id, name: "\(dep.path) (trained \(model.name) v\(model.version.number))", path: dep.path, format: nil,
      contract: nil)
    let current = TableInput(
      name: "\(model.name) (served requests)", format: .jsonl, open: PredictionLog.rows(of: files), object: nil, contract: nil)
    return (ref, current, model)
  }
}
