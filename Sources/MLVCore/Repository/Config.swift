import MLVStore

/// `.mlv/config`: git-style INI (`[section]`, `key = value`), committed with the project.
///
/// Only keys mlv knows are accepted, so a typo is an error rather than a silent default.
public struct Config: Sendable, Equatable {
  /// The repository format this mlv writes and reads.
  public static let currentFormat = 1
  /// Known keys with their defaults.
  public static let defaults: [String: String] = [
    "core.format": String(currentFormat),
    "core.compression": CompressionPolicy.auto.rawValue,
    "core.fsync": "false",
  ]

  /// The values set in the file.
  public private(set) var values: [String: String]

  /// A config with only the format set.
  public init() { values = ["core.format": String(Self.currentFormat)] }

  /// The value of `key`, or its default.
  public func value(_ key: String) -> String? { values[key] ?? Self.defaults[key] }

  /// Sets `key`, checking that it is known and its value valid.
  public mutating func set(_ key: String, _ value: String) throws {
    switch key {
    case "core.compression":
      guard CompressionPolicy(rawValue: value) != nil else {
        throw CoreError.badConfig("invalid value '\(value)' for 'core.compression' (none, auto, zlib)")
      }
    case "core.fsync":
      guard value == "true" || value == "false" else {
        throw CoreError.badConfig("invalid value '\(value)' for 'core.fsync' (true, false)")
      }
    case "core.format":
      throw CoreError.badConfig("'core.format' cannot be set: it is written by 'mlv init'")
    default:
      throw CoreError.badConfig("unknown configuration key '\(key)'")
    }
    values[key] = value
  }

  /// The repository format number.
  public var format: Int { Int(value("core.format") ?? "") ?? 0 }
  /// Whether objects are flushed to disk before they are renamed into place.
  public var fsync: Bool { value("core.fsync") == "true" }
  /// The compression policy.
  public var compression: CompressionPolicy { CompressionPolicy(rawValue: value("core.compression") ?? "") ?? .auto }

  /// Parses the file's text.
  public static func parse(_ text: String, path: String) throws -> Config {
    var config = Config()
    config.values = [:]
    var section: String?
    for (number, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
      let line = rawLine.trimmingWhitespace()
      if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
      if line.hasPrefix("[") {
        guard line.hasSuffix("]"), line.count > 2 else {
          throw CoreError.malformedConfig(path, reason: "line \(number + 1): bad section header")
        }
        section = String(line.dropFirst().dropLast()).trimmingWhitespace()
        continue
      }
      guard let section, let eq = line.firstIndex(of: "=") else {
        throw CoreError.malformedConfig(path, reason: "line \(number + 1): expected 'key = value' inside a [section]")
      }
      let key = "\(section).\(line[..<eq].trimmingWhitespace())"
      let value = String(line[line.index(after: eq)...]).trimmingWhitespace()
      guard defaults[key] != nil else { throw CoreError.malformedConfig(path, reason: "line \(number + 1): unknown key '\(key)'") }
      config.values[key] = value
    }
    guard let format = config.values["core.format"], Int(format) != nil else {
      throw CoreError.malformedConfig(path, reason: "'core.format' is missing")
    }
    if config.values["core.compression"].map({ CompressionPolicy(rawValue: $0) == nil }) == true {
      throw CoreError.malformedConfig(path, reason: "'core.compression' must be none, auto or zlib")
    }
    if let fsync = config.values["core.fsync"], fsync != "true" && fsync != "false" {
      throw CoreError.malformedConfig(path, reason: "'core.fsync' must be true or false")
    }
    return config
  }

  /// The canonical text: sections and keys sorted, one tab of indent.
  public func text() -> String {
    var sections: [String: [(String, String)]] = [:]
    for (key, value) in values {
      let dot = key.firstIndex(of: ".")!
      sections[String(key[..<dot]), default: []].append((String(key[key.index(after: dot)...]), value))
    }
    var out = ""
    for name in sections.keys.sorted() {
      out += "[\(name)]\n"
      for (key, value) in sections[name]!.sorted(by: { $0.0 < $1.0 }) { out += "\t\(key) = \(value)\n" }
    }
    return out
  }
}

extension StringProtocol {
  /// The text without leading and trailing spaces, tabs and carriage returns.
  func trimmingWhitespace() -> String {
    var chars = Substring(self)
    while let first = chars.first, first == " " || first == "\t" || first == "\r" { chars.removeFirst() }
    while let last = chars.last, last == " " || last == "\t" || last == "\r" { chars.removeLast() }
    return String(chars)
  }
}
