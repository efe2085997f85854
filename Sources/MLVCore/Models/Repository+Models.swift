import MLVData
import MLVGit
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What `model add` did.
public struct ModelAddResult: Sendable {
  public let name: String
  public let version: ModelVersion
  /// False when the directory's content was already this version (nothing was added).
  public let added: Bool
  public let manifest: ModelManifest
}

/// A model version resolved from `NAME[@VERSION|@ALIAS]` at a side.
public struct ResolvedModel: Sendable {
  public let name: String
  public let version: ModelVersion
  public let aliases: [String]
  public let manifest: ModelManifest
  /// The side's label (`workspace` or the revision).
  public let side: String
}

/// One finding of `model verify`.
public struct ModelProblem: Sendable, Equatable {
  public let subject: String
  public let message: String
}

extension Repository {
  var modelCachePath: String { sharedMLVDirectory + "/cache/models" }

  /// The registry on a side (empty when the file is absent).
  public func modelRegistry(on side: Side) throws -> ModelRegistry {
    guard let bytes = try read(ModelRegistry.name, on: side) else { return ModelRegistry() }
    return try ModelRegistry.parse(bytes, name: side == .workspace ? ModelRegistry.name : "\(ModelRegistry.name) at \(side.label)")
  }

  /// `mlv model add NAME DIR`: stores the directory's files and a model manifest, and records a
  /// new version in `mlv.models.json` when the content differs from every earlier version.
  ///
  /// The run it came from is `stage` or, without one, the stage whose recorded outputs include a
  /// file of the directory with the same content (weights copied from a run's outputs count).
  public func addModel(name: String, directory userDirectory: String, stage: String?, cwd: String) throws -> ModelAddResult {
    guard isValidModelName(name) else { throw ModelError.badName(name, what: "model") }
    // Inside the repository, paths are relative to the root (and the stat cache applies);
    // a directory elsewhere is read as it is.
    let inside = try? repositoryPath(userDirectory, cwd: cwd)
    let location =
      inside.map(absolute) ?? (userDirectory.hasPrefix("/") ? userDirectory : (realPath(cwd) ?? cwd) + "/" + userDirectory)
    let directory = inside ?? userDirectory
    guard let st = fileStatus(location), st.st_mode & S_IFMT == S_IFDIR else {
      throw fileStatus(location) == nil ? CoreError.pathNotFound(userDirectory) : ModelError.noManifest(directory: userDirectory)
    }
    guard let specBytes = try readIfPresent(location + "/" + ModelSpec.fileName) else {
      throw ModelError.noManifest(directory: userDirectory)
    }
    return try withWriteLock {
      var cache = loadStatCache()
      defer { saveStatCache(cache) }
      var (files, skipped) = try listFiles(under: location, displayPath: directory, skippingPointers: true)
      // Python's byte-code caches are not part of a model (importing it writes them).
      files.removeAll { $0.relative.split(separator: "/").contains("__pycache__") }
      // The stat cache knows only the work tree: a directory elsewhere is hashed in full.
      var outside = StatCache()
      let listing = (files: files, skipped: skipped)
      let content =
        inside != nil
        ? try scanDirectory(directory, cache: &cache, store: store, warn: true, listing: listing)
        : try scanDirectory(directory, cache: &outside, store: store, warn: true, listing: listing, root: location)
      let manifestFiles = content.manifest!
      let known = Set(manifestFiles.entries.map(\.path))
      let spec = try ModelSpec.parse(specBytes, name: directory + "/" + ModelSpec.fileName, exists: { known.contains($0) })
      var manifest = ModelManifest(files: content.id, size: content.size, fileCount: content.count, spec: spec)
      let entries = manifestFiles.entriesByPath
      func entry(_ path: String) -> DirectoryEntry { entries[BytewisePath(path)]! }
      if let inputs = spec.inputs {
        let bytes = try readStoredFile(entry(inputs))
        _ = try Contract.parse(bytes, name: directory + "/" + inputs)
        manifest.inputs = try store.write(bytes, role: .metadata)
        manifest.inputsSource = "file"
      } else if let example = spec.inputExample {
        let batch = try ScoringRequest.decodeExample(readStoredFile(entry(example)), name: directory + "/" + example)
        let yaml = batch.inferredContract().yaml(comment: "inferred by 'mlv model add' from \(example)")
        manifest.inputs = try store.write(Array(yaml.utf8), role: .metadata)
        manifest.inputsSource = "example"
      }
      if let outputs = spec.outputs {
        let bytes = try readStoredFile(entry(outputs))
        _ = try Contract.parse(bytes, name: directory + "/" + outputs)
        manifest.outputs = try store.write(bytes, role: .metadata)
      }
      if let (stageName, record) = try sourceRun(of: manifestFiles, directory: directory, stage: stage) {
        manifest.run = ModelRun(stage: stageName, record: record.id, commit: record.record.commit)
        manifest.env = record.record.env
        manifest.metrics = record.record.metrics
      } else {
        let lock = EnvironmentLock.capture(environment: processEnvironment(), cachePath: probeCachePath)
        manifest.env = try store.write(lock.encoded(), role: .metadata)
      }
      let bytes = manifest.encoded()
      let id = try store.write(bytes, role: .metadata)
      var registry = try modelRegistry(on: .workspace)
      var model = registry.models[name] ?? RegisteredModel()
      if let last = model.versions.last, last.id == id {
        return ModelAddResult(name: name, version: last, added: false, manifest: manifest)
      }
      let version = ModelVersion(number: (model.versions.last?.number ?? 0) + 1, id: id, created: Timestamp.now().text)
      model.versions.append(version)
      registry.models[name] = model
      try writeFileAtomically(absolute(ModelRegistry.name), registry.encoded(), durable: config.fsync)
      return ModelAddResult(name: name, version: version, added: true, manifest: manifest)
    }
  }

  func readStoredFile(_ entry: DirectoryEntry) throws -> [UInt8] { try readStoredFile(entry.id, layout: entry.type) }

  /// The recorded run whose outputs the model's files came from.
  private func sourceRun(of files: DirectoryManifest, directory: String, stage: String?) throws -> (
    String, (id: ObjectID, record: RunRecord)
  )? {
    let lock = try lockFile(on: .workspace)
    if let stage {
      guard let locked = lock.stages[stage] else { throw RunError.unknownStage(stage, known: lock.stages.keys.sorted()) }
      return (stage, (locked.record, try RunRecord.decode(store.read(locked.record))))
    }
    let ids = Set(files.entries.map(\.id))
    for name in lock.stages.keys.sorted() {
      let locked = lock.stages[name]!
      let inside = locked.outs.contains { overlaps($0.key, directory) }
      if inside || locked.outs.values.contains(where: { ids.contains($0) }) {
        guard let bytes = try? store.read(locked.record), let record = try? RunRecord.decode(bytes) else { continue }
        return (name, (locked.record, record))
      }
    }
    return nil
  }

  /// Resolves `NAME[@VERSION|@ALIAS]` (no suffix: the latest version) in the registry at `revision`.
  public func resolveModel(_ reference: String, revision: String?) throws -> ResolvedModel {
    let side = try side(revision)
    let registry = try modelRegistry(on: side)
    let (name, selector) = Self.splitModelReference(reference)
    guard let model = registry.models[name] else {
      throw ModelError.unknownModel(
        name, side: side == .workspace ? "the work tree" : "'\(side.label)'", known: registry.models.keys.sorted())
    }
    guard let version = model.version(selector ?? "latest") else { throw ModelError.unknownVersion(name, reference: selector ?? "latest") }
    let manifest = try ModelManifest.decode(store.read(version.id), id: version.id)
    return ResolvedModel(name: name, version: version, aliases: model.aliases(of: version.number), manifest: manifest, side: side.label)
  }

  static func splitModelReference(_ reference: String) -> (String, String?) {
    guard let at = reference.lastIndex(of: "@") else { return (reference, nil) }
    return (String(reference[..<at]), String(reference[reference.index(after: at)...]))
  }

  /// `mlv model alias NAME@VERSION ALIAS`: points `alias` at a version (moving it if it pointed
  /// elsewhere); returns the version it pointed at before.
  @discardableResult
  public func setModelAlias(_ reference: String, alias: String) throws -> Int? {
    guard isValidModelName(alias), Int(alias) == nil, alias != "latest" else { throw ModelError.badName(alias, what: "alias") }
    return try withWriteLock {
      var registry = try modelRegistry(on: .workspace)
      let (name, selector) = Self.splitModelReference(reference)
      guard var model = registry.models[name] else {
        throw ModelError.unknownModel(name, side: "the work tree", known: registry.models.keys.sorted())
      }
      guard let version = model.version(selector ?? "latest") else {
        throw ModelError.unknownVersion(name, reference: selector ?? "latest")
      }
      let previous = model.aliases[alias]
      model.aliases[alias] = version.number
      registry.models[name] = model
      try writeFileAtomically(absolute(ModelRegistry.name), registry.encoded(), durable: config.fsync)
      return previous
    }
  }

  /// Removes an alias; returns the version it pointed at.
  public func removeModelAlias(name: String, alias: String) throws -> Int {
    try withWriteLock {
      var registry = try modelRegistry(on: .workspace)
      guard var model = registry.models[name] else {
        throw ModelError.unknownModel(name, side: "the work tree", known: registry.models.keys.sorted())
      }
      guard let previous = model.aliases.removeValue(forKey: alias) else { throw ModelError.unknownVersion(name, reference: alias) }
      registry.models[name] = model
      try writeFileAtomically(absolute(ModelRegistry.name), registry.encoded(), durable: config.fsync)
      return previous
    }
  }

  /// The model's input contract, parsed.
  public func inputContract(of manifest: ModelManifest) throws -> Contract? {
    guard let id = manifest.inputs else { return nil }
    return try Contract.parse(store.read(id), name: "input contract \(id)")
  }

  /// The contract's YAML text.
  public func contractText(_ id: ObjectID) throws -> String { String(decoding: try store.read(id), as: UTF8.self) }

  /// `mlv model verify`: every file's bytes against its hash, the contracts, the input example
  /// against the input contract, and the environment lock against this machine (a difference
  /// in the interpreter or a package is a problem; other facts are reported as notes).
  public func verifyModel(_ model: ResolvedModel) throws -> (problems: [ModelProblem], notes: [ModelProblem]) {
    var problems: [ModelProblem] = []
    var notes: [ModelProblem] = []
    let files: DirectoryManifest
    do { files = try readDirectoryManifest(model.manifest.files) } catch let error as UserFacingError {
      return ([ModelProblem(subject: "files", message: error.message)], [])
    }
    for entry in files.entries {
      do { _ = try readStoredFile(entry) } catch let error as UserFacingError {
        problems.append(ModelProblem(subject: entry.path, message: error.message))
      }
    }
    var contract: Contract?
    for (label, id) in [("input contract", model.manifest.inputs), ("output contract", model.manifest.outputs)] {
      guard let id else { continue }
      do {
        let parsed = try Contract.parse(store.read(id), name: label)
        if label == "input contract" { contract = parsed }
      } catch let error as UserFacingError { problems.append(ModelProblem(subject: label, message: error.message)) }
    }
    if let example = model.manifest.spec.inputExample, let contract, let entry = files.entriesByPath[BytewisePath(example)] {
      do {
        let batch = try ScoringRequest.decodeExample(readStoredFile(entry), name: example)
        let violations = batch.validated(against: contract).violations
        for v in violations.prefix(10) { problems.append(ModelProblem(subject: example, message: v.description)) }
      } catch let error as UserFacingError { problems.append(ModelProblem(subject: example, message: error.message)) }
    }
    if let env = model.manifest.env {
      do {
        let recorded = try EnvironmentLock.decode(store.read(env))
        let here = EnvironmentLock.capture(environment: processEnvironment(), cachePath: probeCachePath)
        for change in recorded.changes(to: here) {
          let p = ModelProblem(subject: "environment", message: "\(change.key): recorded \(change.old ?? "-"), here \(change.new ?? "-")")
          if change.key.hasPrefix("python.") { problems.append(p) } else { notes.append(p) }
        }
      } catch let error as UserFacingError { problems.append(ModelProblem(subject: "environment lock", message: error.message)) }
    }
    return (problems, notes)
  }

  /// The model's files in `.mlv/cache/models/<manifest>`, written from the store (every byte
  /// verified) and renamed into place whole; an existing copy is used only if every file still
  /// hashes to its entry.
  public func materializeModel(_ model: ResolvedModel) throws -> String {
    let files = try readDirectoryManifest(model.manifest.files)
    let target = modelCachePath + "/" + model.version.id.hex
    if fileStatus(target) != nil {
      let intact = files.entries.allSatisfy { e in
        (try? FileIngest.ingest(path: target + "/" + e.path, store: nil).id) == e.id
      }
      if intact { return target }
      try removeTree(target)
    }
    try makeDirectories(modelCachePath)
    let staging = modelCachePath + "/" + uniqueTemporaryName(".staging")
    do {
      for e in files.entries {
        let destination = staging + "/" + e.path
        try makeDirectories(parentDirectory(destination))
        let temp = try Self.stage(
          store: store, durable: false, layout: e.type, id: e.id, size: e.size, executable: e.executable, destination: destination,
          staging: nil)
        guard rename(temp, destination) == 0 else { throw systemError(errno, path: destination, operation: "rename") }
      }
      guard rename(staging, target) == 0 else {
        // Another server materialised the same model first: use it.
        if errno == ENOTEMPTY || errno == EEXIST {
          try? removeTree(staging)
          return target
        }
        throw systemError(errno, path: target, operation: "rename")
      }
    } catch {
      try? removeTree(staging)
      throw error
    }
    return target
  }
}
