import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An AWS access key, found the way the AWS CLI finds one. Held in memory only.
public struct AWSCredentials: Sendable, Equatable {
  public let accessKeyID: String
  public let secretAccessKey: String
  public let sessionToken: String?

  public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
    self.accessKeyID = accessKeyID
    self.secretAccessKey = secretAccessKey
    self.sessionToken = sessionToken
  }

  /// What an S3 remote needs to sign requests: the key and the region.
  public struct Resolved: Sendable, Equatable {
    public let credentials: AWSCredentials
    public let region: String
  }

  /// Resolves credentials and the region for `remote`, in the AWS CLI's order:
  /// 1. `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (`AWS_SESSION_TOKEN`), unless the remote names a profile;
  /// 2. the profile (the remote's, else `AWS_PROFILE`, else `default`) in the shared credentials
  ///    file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`), then in the config
  ///    file (`AWS_CONFIG_FILE`, else `~/.aws/config`, section `[profile NAME]` or `[default]`).
  /// The region: the remote's, else `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's, else `us-east-1`.
  public static func resolve(for remote: RemoteSpec, environment: [String: String]) throws -> Resolved {
    func env(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
    let home = env("HOME") ?? ""
    let explicitProfile = remote.profile ?? env("AWS_PROFILE")
    let profile = explicitProfile ?? "default"
    let credentialsFile = readINI(env("AWS_SHARED_CREDENTIALS_FILE") ?? home + "/.aws/credentials")
    let configFile = readINI(env("AWS_CONFIG_FILE") ?? home + "/.aws/config")
    let fromCredentials = credentialsFile[profile]
    let fromConfig = configFile[profile == "default" ? "default" : "profile \(profile)"]
    let region =
      remote.region ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? fromConfig?["region"] ?? fromCredentials?["region"]
      ?? "us-east-1"

    if remote.profile == nil, let key = env("AWS_ACCESS_KEY_ID"), let secret = env("AWS_SECRET_ACCESS_KEY") {
      return Resolved(
        credentials: AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: env("AWS_SESSION_TOKEN")), region: region)
    }
    for section in [fromCredentials, fromConfig].compactMap({ $0 }) {
      if let key = section["aws_access_key_id"], let secret = section["aws_secret_access_key"], !key.isEmpty, !secret.isEmpty {
        return Resolved(
          credentials: AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: section["aws_session_token"]),
          region: region)
      }
    }
    if let explicitProfile, fromCredentials == nil && fromConfig == nil {
      throw RemoteError.unknownProfile(remote: remote.name, profile: explicitProfile)
    }
    throw RemoteError.noCredentials(remote: remote.name, profile: explicitProfile)
  }

  /// An INI file as sections of keys (lower-cased); empty when absent or unreadable.
  static func readINI(_ path: String) -> [String: [String: String]] {
    guard let bytes = try? FileHandle(path: path, flags: O_RDONLY).readAll(), let text = String(validating: bytes, as: UTF8.self)
    else { return [:] }
    var sections: [String: [String: String]] = [:]
    var current: String?
    for raw in text.split(whereSeparator: \.isNewline) {
      let line = raw.trimmingCharacters(" \t\r")
      if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
      if line.hasPrefix("[") && line.hasSuffix("]") {
        let name = String(line.dropFirst().dropLast()).trimmingCharacters(" \t")
        current = name
        if sections[name] == nil { sections[name] = [:] }
        continue
      }
      guard let current, let eq = line.firstIndex(of: "=") else { continue }
      let key = String(line[..<eq]).trimmingCharacters(" \t").lowercased()
      sections[current]?[key] = String(line[line.index(after: eq)...]).trimmingCharacters(" \t")
    }
    return sections
  }
}

extension StringProtocol {
  func trimmingCharacters(_ set: String) -> String {
    var s = Substring(self)
    while let f = s.first, set.contains(f) { s.removeFirst() }
    while let l = s.last, set.contains(l) { s.removeLast() }
    return String(s)
  }
}
