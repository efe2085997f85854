import MLVStore

/// `.mlv/config`: git-style INI (`[section]`, `[remote "NAME"]`, `key = value`), committed
/// with the project.
///
/// Only keys mlv knows are accepted, so a typo is an error rather than a silent default.
/// Remotes are `remote.NAME.KEY` (written as `[remote "NAME"]`); credentials never belong here.
public struct Config: Sendable, Equatable {
  /// The repository format this mlv writes and reads.
  public static let currentFormat = 1
  /// Known keys with their defaults.
  public static let defaults: [String: String] = [
    "core.format": String(currentFormat),
    "core.compression": CompressionPolicy.auto.rawValue,
    "core.fsync": "false",
  ]

  /// The keys a `[remote "NAME"]` section may hold.
  public static let remoteKeys: Set<String> = ["url", "endpoint", "region", "path-style", "profile"]

  /// Whether `key` is one mlv knows.
  static func isKnown(_ key: String) -> Bool {
    if defaults[key] != nil || key == "core.remote" { return true }
    let parts = key.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count >= 3, parts[0] == "remote", let last = parts.last else { return false }
    return remoteKeys.contains(String(last)) && !parts[1..<(parts.count - 1)].joined(separator: ".").isEmpty
  }

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
    case "core.remote":
      guard remoteNames.contains(value) else { throw CoreError.badConfig("no remote named '\(value)': 'mlv remote add' adds one") }
    case _ where Self.isKnown(key):
      throw CoreError.badConfig("'\(key)' is set with 'mlv remote add' (remove the remote and add it again to change it)")
    default:
      throw CoreError.badConfig("unknown configuration key '\(key)'")
    }
    values[key] = value
  }

  /// Sets a key without checking its value (the remote commands check remotes as a whole).
  mutating func setUnchecked(_ key: String, _ value: String?) { values[key] = value }

  /// The names of the configured remotes, sorted.
  public var remoteNames: [String] {
    Set(
      values.keys.compactMap { key -> String? in
        guard key.hasPrefix("remote."), key.hasSuffix(".url") else { return nil }
        return String(key.dropFirst("remote.".count).dropLast(".url".count))
      }
    ).sorted()
  }

  /// The value of a key of remote `name`.
  public func remoteValue(_ name: String, _ key: String) -> String? { values["remote.\(name).\(key)"] }

  /// Removes every key of remote `name`, and the default if it was that one.
  mutating func removeRemote(_ name: String) {
    for key in Self.remoteKeys { values["remote.\(name).\(key)"] = nil }
    if values["core.remote"] == name { values["core.remote"] = nil }
  }

  /// The default remote's name.
  public var defaultRemote: String? { values["core.remote"] }

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
        let header = String(line.dropFirst().dropLast()).trimmingWhitespace()
        // `[remote "origin"]` is section `remote.origin`, as in Git.
        if let quote = header.firstIndex(of: "\"") {
          let name = header[header.index(after: quote)...]
          guard name.hasSuffix("\""), name.count >= 2, !name.dropLast().contains("\"") else {
            throw CoreError.malformedConfig(path, reason: "line \(number + 1): bad section header")
          }
          section = "\(header[..<quote].trimmingWhitespace()).\(name.dropLast())"
        } else {
          section = header
        }
        continue
      }
      guard let section, let eq = line.firstIndex(of: "=") else {
        throw CoreError.malformedConfig(path, reason: "line \(number + 1): expected 'key = value' inside a [section]")
      }
      let key = "\(section).\(line[..<eq].trimmingWhitespace())"
      let value = String(line[line.index(after: eq)...]).trimmingWhitespace()
      guard isKnown(key) else { throw CoreError.malformedConfig(path, reason: "line \(number + 1): unknown key '\(key)'") }
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
      // The key is after the last dot; a remote's section is `remote "NAME"`.
      let dot = key.hasPrefix("remote.") ? key.lastIndex(of: ".")! : key.firstIndex(of: ".")!
      var section = String(key[..<dot])
      if key.hasPrefix("remote.") { section = "remote \"\(section.dropFirst("remote.".count))\"" }
      sections[section, default: []].append((String(key[key.index(after: dot)...]), value))
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
