import Foundation
import MLVStore
import Yams

/// A value of a params or metrics file, or of mlv's own JSON records.
public typealias Value = CanonicalJSON.Value

/// Reading the small structured files runs declare: params and metrics (JSON or YAML), and
/// turning their nesting into flat, dotted keys (`model.lr`), as DVC and MLflow show them.
public enum StructuredFile {
  /// Parses JSON or YAML text (JSON is tried first when the name ends in `.json`).
  static func parse(_ bytes: [UInt8], name: String) throws -> Value {
    if name.hasSuffix(".json") {
      do { return try CanonicalJSON.decode(bytes) } catch {
        throw RunError.malformedFile(name, reason: "not valid JSON")
      }
    }
    let text = String(decoding: bytes, as: UTF8.self)
    let node: Node?
    do { node = try Yams.compose(yaml: text) } catch let error as YamlError {
      throw RunError.malformedFile(name, reason: Self.describe(error))
    } catch {
      throw RunError.malformedFile(name, reason: "not valid YAML")
    }
    guard let node else { return .object([:]) }
    return try value(of: node, in: name)
  }

  /// A one-line reason from a Yams error (its descriptions span several lines).
  static func describe(_ error: YamlError) -> String {
    let text = "\(error)".split(separator: "\n").first.map(String.init) ?? "not valid YAML"
    return text.isEmpty ? "not valid YAML" : text
  }

  /// Converts a YAML node: plain scalars by their resolved tag, quoted ones as strings.
  static func value(of node: Node, in name: String) throws -> Value {
    switch node {
    case .scalar(let scalar):
      if scalar.style != .plain { return .string(scalar.string) }
      if node.null != nil { return .null }
      if let b = node.bool { return .bool(b) }
      if let n = node.int { return .integer(n) }
      if let d = node.float { return .number(d) }
      return .string(scalar.string)
    case .sequence(let items):
      return .array(try items.map { try value(of: $0, in: name) })
    case .mapping(let mapping):
      var out: [String: Value] = [:]
      for (k, v) in mapping {
        guard let key = k.string else { throw RunError.malformedFile(name, reason: "a key is not a string") }
        out[key] = try value(of: v, in: name)
      }
      return .object(out)
    case .alias:
      throw RunError.malformedFile(name, reason: "YAML aliases are not supported")
    }
  }

  /// Flattens nested objects into dotted keys. Arrays are kept as values (params), or
  /// flattened by index when `indexArrays` (metrics).
  static func flatten(_ value: Value, indexArrays: Bool = false) -> [String: Value] {
    var out: [String: Value] = [:]
    func walk(_ v: Value, _ prefix: String) {
      switch v {
      case .object(let members) where !members.isEmpty || prefix.isEmpty:
        for (k, m) in members { walk(m, prefix.isEmpty ? k : prefix + "." + k) }
      case .array(let items) where indexArrays && !items.isEmpty:
        for (i, m) in items.enumerated() { walk(m, prefix.isEmpty ? String(i) : prefix + "." + String(i)) }
      default:
        if !prefix.isEmpty { out[prefix] = v }
      }
    }
    walk(value, "")
    return out
  }

  /// The numeric metrics of a metrics file; anything else in it is an error, so a typo never
  /// silently drops a metric.
  static func metrics(_ bytes: [UInt8], name: String) throws -> [String: Double] {
    let parsed = try parse(bytes, name: name)
    guard parsed.object != nil else { throw RunError.malformedFile(name, reason: "the top level is not an object") }
    var out: [String: Double] = [:]
    for (key, v) in flatten(parsed, indexArrays: true) {
      guard let d = v.number, d.isFinite else { throw RunError.nonNumericMetric(key, file: name, value: v.display) }
      out[key] = d
    }
    return out
  }

  /// The params `keys` selects from a params file (all of them when `keys` is empty). A key
  /// names a value or a whole section (`model` selects `model.lr` and `model.depth`).
  static func params(_ bytes: [UInt8], name: String, keys: [String]) throws -> [String: Value] {
    let parsed = try parse(bytes, name: name)
    guard parsed.object != nil else { throw RunError.malformedFile(name, reason: "the top level is not an object") }
    let all = flatten(parsed)
    guard !keys.isEmpty else { return all }
    var out: [String: Value] = [:]
    for key in keys {
      let matching = all.filter { $0.key == key || $0.key.hasPrefix(key + ".") }
      guard !matching.isEmpty else { throw RunError.missingParam(key, file: name) }
      out.merge(matching) { a, _ in a }
    }
    return out
  }
}
