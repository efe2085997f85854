import MLVStore

/// One version of a model in the registry.
public struct ModelVersion: Sendable, Equatable {
  /// 1, 2, 3, … in the order they were added.
  public var number: Int
  /// The model manifest.
  public var id: ObjectID
  /// When `model add` made it (ISO 8601 UTC).
  public var created: String
}

/// A model's versions and aliases.
public struct RegisteredModel: Sendable, Equatable {
  public var versions: [ModelVersion] = []
  /// Alias → version number.
  public var aliases: [String: Int] = [:]

  /// The version `reference` names: a number, an alias, or `latest`.
  public func version(_ reference: String) -> ModelVersion? {
    if let n = Int(reference) { return versions.first { $0.number == n } }
    if let n = aliases[reference] { return versions.first { $0.number == n } }
    if reference == "latest" { return versions.last }
    return nil
  }

  /// The aliases that point at version `number`, sorted.
  public func aliases(of number: Int) -> [String] { aliases.filter { $0.value == number }.keys.sorted() }
}

/// `mlv.models.json`: the committed registry of models, their versions and aliases, in
/// pretty canonical JSON so `git diff` shows exactly which alias moved (docs/format.md).
public struct ModelRegistry: Sendable, Equatable {
  public static let name = "mlv.models.json"
  public static let format = "mlv-models"
  public static let version = 1
  public var models: [String: RegisteredModel] = [:]

  public init() {}

  public func encoded() -> [UInt8] {
    let models = self.models.mapValues { m -> Value in
      .object([
        "versions": .array(
          m.versions.map { .object(["version": .integer($0.number), "id": .string($0.id.description), "created": .string($0.created)]) }),
        "aliases": .object(m.aliases.mapValues { .integer($0) }),
      ])
    }
    return CanonicalJSON.encodePretty(
      .object(["format": .string(Self.format), "version": .integer(Self.version), "models": .object(models)]))
  }

  public static func parse(_ bytes: [UInt8], name: String = ModelRegistry.name) throws -> ModelRegistry {
    func bad(_ reason: String) -> ModelError { .malformedRegistry(name, reason: reason) }
    guard let o = (try? CanonicalJSON.decode(bytes))?.object else { throw bad("not valid JSON") }
    guard o["format"]?.string == format else { throw bad("not an mlv model registry") }
    guard case .integer(let v)? = o["version"], v <= version else { throw bad("its version is newer than this mlv supports") }
    var registry = ModelRegistry()
    for (modelName, body) in o["models"]?.object ?? [:] {
      guard isValidModelName(modelName) else { throw bad("'\(printable(modelName))' is not a valid model name") }
      guard let b = body.object, let versions = b["versions"]?.array else { throw bad("model '\(modelName)' is incomplete") }
      var model = RegisteredModel()
      for entry in versions {
        guard let e = entry.object, case .integer(let n)? = e["version"], let id = e["id"]?.objectID, let created = e["created"]?.string,
          n == (model.versions.last?.number ?? 0) + 1
        else { throw bad("model '\(modelName)' has a malformed version entry") }
        model.versions.append(ModelVersion(number: n, id: id, created: created))
      }
      for (alias, target) in b["aliases"]?.object ?? [:] {
        guard case .integer(let n) = target, model.version(String(n)) != nil, isValidModelName(alias), Int(alias) == nil,
          alias != "latest"
        else {
          throw bad("model '\(modelName)' has a malformed alias '\(printable(alias))'")
        }
        model.aliases[alias] = n
      }
      registry.models[modelName] = model
    }
    return registry
  }
}
