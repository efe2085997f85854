import MLVStore

/// Failures of remotes: configuration, access and transfer.
public enum RemoteError: UserFacingError, Equatable {
  /// A URL that names no kind of remote mlv knows.
  case notARemoteURL(String, reason: String)
  /// No remote of that name is configured.
  case unknownRemote(String, known: [String])
  /// A command needs a remote and none was named or set as the default.
  case noDefaultRemote
  /// `remote add` for a name that exists.
  case remoteExists(String)
  /// A remote name that cannot be a config section.
  case badName(String)
  /// An option that does not apply, or a bad value.
  case badOption(String)
  /// No access key could be found for an S3 remote.
  case noCredentials(remote: String, profile: String?)
  /// A profile named in the environment or the remote's config is in neither AWS file.
  case unknownProfile(remote: String, profile: String)
  /// The server refused the credentials or the request (403).
  case denied(remote: String, status: Int, code: String, message: String)
  /// The bucket does not exist.
  case noSuchBucket(remote: String, bucket: String)
  /// The server could not be reached, or kept failing after retries.
  case unreachable(remote: String, endpoint: String, reason: String)
  /// The server answered with an error mlv does not expect.
  case server(remote: String, status: Int, code: String, message: String, request: String)
  /// The remote holds something that is not an mlv remote, or a newer format.
  case badLayout(remote: String, reason: String)
  /// A directory remote's path is not a directory.
  case notADirectory(remote: String, path: String)
  /// Objects that were downloaded but did not verify (none was stored).
  case corruptObjects(remote: String, count: Int, first: String)
  /// Objects that are on neither the local store nor the remote.
  case missingObjects(remote: String, count: Int, first: String)
  /// Objects the command should have pushed are not in the local store.
  case missingLocally(count: Int, first: String)

  public var message: String {
    switch self {
    case .notARemoteURL(let url, let reason): return "'\(printable(url))' is not a remote URL: \(reason)"
    case .unknownRemote(let name, _): return "no remote named '\(printable(name))'"
    case .noDefaultRemote: return "no remote given and no default remote is set"
    case .remoteExists(let name): return "remote '\(printable(name))' already exists"
    case .badName(let name):
      return "invalid remote name '\(printable(name))': use letters, digits, '-', '_' and '.', starting with a letter or digit"
    case .badOption(let text): return text
    case .noCredentials(let remote, let profile):
      return "no AWS credentials for remote '\(remote)'\(profile.map { " (profile '\($0)')" } ?? "")"
    case .unknownProfile(let remote, let profile):
      return "AWS profile '\(printable(profile))' of remote '\(remote)' is not in ~/.aws/credentials or ~/.aws/config"
    case .denied(let remote, let status, let code, let message):
      return "remote '\(remote)' refused access (\(status) \(code)): \(message)"
    case .noSuchBucket(let remote, let bucket): return "bucket '\(bucket)' of remote '\(remote)' does not exist"
    case .unreachable(let remote, let endpoint, let reason): return "cannot reach remote '\(remote)' at \(endpoint): \(reason)"
    case .server(let remote, let status, let code, let message, let request):
      return "remote '\(remote)' failed \(request) (\(status) \(code)): \(message)"
    case .badLayout(let remote, let reason): return "remote '\(remote)' is not a usable mlv remote: \(reason)"
    case .notADirectory(let remote, let path): return "the path of remote '\(remote)' is not a directory: '\(printable(path))'"
    case .corruptObjects(let remote, let count, let first):
      return "\(count) object\(count == 1 ? "" : "s") from remote '\(remote)' did not verify and were not stored (first: \(first))"
    case .missingObjects(let remote, let count, let first):
      return "\(count) object\(count == 1 ? " is" : "s are") neither in the store nor on remote '\(remote)' (first: \(first))"
    case .missingLocally(let count, let first):
      return "\(count) object\(count == 1 ? " is" : "s are") missing from the local store and could not be pushed (first: \(first))"
    }
  }

  public var hint: String? {
    switch self {
    case .notARemoteURL: return "use a directory path, file:///PATH or s3://BUCKET[/PREFIX]"
    case .unknownRemote(_, let known):
      return known.isEmpty
        ? "no remotes are configured: 'mlv remote add NAME URL' adds one" : "remotes: \(known.joined(separator: ", "))"
    case .noDefaultRemote: return "name one with --remote, or set one with 'mlv remote default NAME'"
    case .remoteExists: return "remove it first with 'mlv remote remove NAME', or pick another name"
    case .noCredentials:
      return "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add the profile to ~/.aws/credentials (AWS_PROFILE picks one)"
    case .unknownProfile: return "check AWS_PROFILE, the remote's profile, AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE"
    case .denied:
      return "check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE) and the bucket's permissions"
    case .noSuchBucket: return "create the bucket, or fix the remote's URL or --endpoint ('mlv remote list' shows them)"
    case .unreachable, .server: return "rerun the command: what was already transferred is kept, and only the rest is sent"
    case .badLayout: return "point the remote at an empty location or at another mlv remote"
    case .corruptObjects: return "run 'mlv fsck --remote' to list the remote's damaged objects, then push them again from a good copy"
    case .missingObjects: return "push them from a clone that has them, or run 'mlv fsck --remote'"
    case .missingLocally: return "run 'mlv fsck' to list them; re-add the data, or fetch it from another remote"
    default: return nil
    }
  }

  public var exitStatus: ExitStatus {
    switch self {
    case .notARemoteURL, .unknownRemote, .noDefaultRemote, .remoteExists, .badName, .badOption, .unknownProfile:
      return .invalidInput
    case .noCredentials, .denied, .noSuchBucket, .unreachable, .server, .badLayout, .notADirectory: return .remoteFailure
    case .corruptObjects, .missingObjects, .missingLocally: return .storeIntegrity
    }
  }
}
