import MLVTestSupport
import Testing

@testable import MLVRemote

/// Credentials and region resolution, with AWS files in a temporary directory and an explicit
/// environment (HOME points at the temporary directory, so the real ~/.aws is never read).
@Suite struct CredentialsTests {
  static let credentialsFile = """
    # shared credentials
    [default]
    aws_access_key_id = DEFAULTKEY
    aws_secret_access_key = defaultsecret

    [dev]
    aws_access_key_id=DEVKEY
    aws_secret_access_key=devsecret
    aws_session_token = devtoken
    region = ap-south-1

    [empty-keys]
    aws_access_key_id =
    aws_secret_access_key =
    """

  static let configFile = """
    ; config
    [default]
    region = eu-north-1

    [profile dev]
    region = eu-central-1
    output = json

    [profile cfg]
    AWS_ACCESS_KEY_ID = CFGKEY
    aws_secret_access_key = cfgsecret

    [profile regiononly]
    region = sa-east-1

    [dev]
    region = not-a-profile-section
    """

  let dir = TemporaryDirectory(prefix: "mlv-aws")

  /// An environment whose AWS files are the ones written in `dir` (as named files or in ~/.aws).
  func environment(_ extra: [String: String] = [:], files: Bool = true) throws -> [String: String] {
    var env = ["HOME": dir.path]
    if files {
      try dir.write("creds.ini", Self.credentialsFile)
      try dir.write("config.ini", Self.configFile)
      env["AWS_SHARED_CREDENTIALS_FILE"] = dir.url("creds.ini")
      env["AWS_CONFIG_FILE"] = dir.url("config.ini")
    }
    for (k, v) in extra { env[k] = v }
    return env
  }

  func remote(profile: String? = nil, region: String? = nil) throws -> RemoteSpec {
    try RemoteSpec(name: "origin", url: "s3://mlv-test/p", region: region, profile: profile, root: "/")
  }

  static let envKeys = ["AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "envsecret"]

  @Test func environmentKeysWinOverTheDefaultProfile() throws {
    let r = try AWSCredentials.resolve(for: remote(), environment: environment(Self.envKeys))
    #expect(r.credentials == AWSCredentials(accessKeyID: "ENVKEY", secretAccessKey: "envsecret"))
    // The region still comes from the default profile's config.
    #expect(r.region == "eu-north-1")
  }

  @Test func environmentSessionToken() throws {
    var env = Self.envKeys
    env["AWS_SESSION_TOKEN"] = "envtoken"
    let r = try AWSCredentials.resolve(for: remote(), environment: environment(env, files: false))
    #expect(r.credentials == AWSCredentials(accessKeyID: "ENVKEY", secretAccessKey: "envsecret", sessionToken: "envtoken"))
    #expect(r.region == "us-east-1")
    // An empty token is no token.
    env["AWS_SESSION_TOKEN"] = ""
    #expect(try AWSCredentials.resolve(for: remote(), environment: environment(env, files: false)).credentials.sessionToken == nil)
  }

  /// AWS_PROFILE does not hide keys in the environment (the AWS CLI's order).
  @Test func environmentKeysWinOverAWSProfile() throws {
    var env = Self.envKeys
    env["AWS_PROFILE"] = "dev"
    let r = try AWSCredentials.resolve(for: remote(), environment: environment(env))
    #expect(r.credentials.accessKeyID == "ENVKEY")
    #expect(r.region == "eu-central-1")
  }

  /// Only one of the two variables, or empty ones, are not credentials: the profile is used.
  @Test func incompleteEnvironmentKeysAreIgnored() throws {
    for env in [
      ["AWS_ACCESS_KEY_ID": "ENVKEY"], ["AWS_SECRET_ACCESS_KEY": "envsecret"],
      ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "envsecret"], ["AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": ""],
    ] {
      let r = try AWSCredentials.resolve(for: remote(), environment: environment(env))
      #expect(r.credentials == AWSCredentials(accessKeyID: "DEFAULTKEY", secretAccessKey: "defaultsecret"), "\(env)")
    }
  }

  @Test func awsProfileSelectsAProfile() throws {
    let r = try AWSCredentials.resolve(for: remote(), environment: environment(["AWS_PROFILE": "dev"]))
    #expect(r.credentials == AWSCredentials(accessKeyID: "DEVKEY", secretAccessKey: "devsecret", sessionToken: "devtoken"))
    // `[profile dev]` in the config file, not `[dev]`, and before the credentials file's region.
    #expect(r.region == "eu-central-1")
  }

  @Test func defaultProfileWithoutAWSProfile() throws {
    let r = try AWSCredentials.resolve(for: remote(), environment: environment())
    #expect(r.credentials == AWSCredentials(accessKeyID: "DEFAULTKEY", secretAccessKey: "defaultsecret"))
    #expect(r.region == "eu-north-1")
  }

  @Test func keysFromTheConfigFile() throws {
    let r = try AWSCredentials.resolve(for: remote(profile: "cfg"), environment: environment())
    #expect(r.credentials == AWSCredentials(accessKeyID: "CFGKEY", secretAccessKey: "cfgsecret"))
    #expect(r.region == "us-east-1")
  }

  @Test func remoteProfileBeatsEnvironmentKeysAndAWSProfile() throws {
    var env = Self.envKeys
    env["AWS_PROFILE"] = "cfg"
    let r = try AWSCredentials.resolve(for: remote(profile: "dev"), environment: environment(env))
    #expect(r.credentials == AWSCredentials(accessKeyID: "DEVKEY", secretAccessKey: "devsecret", sessionToken: "devtoken"))
    #expect(r.region == "eu-central-1")
  }

  @Test func filesUnderHome() throws {
    try dir.write(".aws/credentials", "[default]\naws_access_key_id = HOMEKEY\r\naws_secret_access_key = homesecret\r\n")
    try dir.write(".aws/config", "[default]\nregion = ca-central-1\n")
    let r = try AWSCredentials.resolve(for: remote(), environment: environment(files: false))
    #expect(r.credentials == AWSCredentials(accessKeyID: "HOMEKEY", secretAccessKey: "homesecret"))
    #expect(r.region == "ca-central-1")
  }

  @Test func unknownProfile() throws {
    let env = try environment(["AWS_PROFILE": "nope"])
    #expect(throws: RemoteError.unknownProfile(remote: "origin", profile: "nope")) {
      try AWSCredentials.resolve(for: remote(), environment: env)
    }
    #expect(throws: RemoteError.unknownProfile(remote: "origin", profile: "gone")) {
      try AWSCredentials.resolve(for: remote(profile: "gone"), environment: env)
    }
    // Profile names are case-sensitive.
    #expect(throws: RemoteError.unknownProfile(remote: "origin", profile: "Dev")) {
      try AWSCredentials.resolve(for: remote(profile: "Dev"), environment: env)
    }
  }

  @Test func noCredentials() throws {
    // Nothing anywhere.
    #expect(throws: RemoteError.noCredentials(remote: "origin", profile: nil)) {
      try AWSCredentials.resolve(for: remote(), environment: environment(files: false))
    }
    // A profile that exists but holds no keys.
    #expect(throws: RemoteError.noCredentials(remote: "origin", profile: "regiononly")) {
      try AWSCredentials.resolve(for: remote(profile: "regiononly"), environment: environment())
    }
    #expect(throws: RemoteError.noCredentials(remote: "origin", profile: "empty-keys")) {
      try AWSCredentials.resolve(for: remote(), environment: environment(["AWS_PROFILE": "empty-keys"]))
    }
    // Files that are absent or not text.
    try dir.write("binary", [0xff, 0xfe, 0x00, 0x80])
    let env = ["HOME": dir.path, "AWS_SHARED_CREDENTIALS_FILE": dir.url("binary"), "AWS_CONFIG_FILE": dir.url("missing")]
    #expect(throws: RemoteError.noCredentials(remote: "origin", profile: nil)) {
      try AWSCredentials.resolve(for: remote(), environment: env)
    }
  }

  @Test func regionPrecedence() throws {
    let all = [
      "AWS_REGION": "us-west-1", "AWS_DEFAULT_REGION": "us-west-2", "AWS_PROFILE": "dev", "AWS_ACCESS_KEY_ID": "K",
      "AWS_SECRET_ACCESS_KEY": "S",
    ]
    func region(_ env: [String: String], remoteRegion: String? = nil) throws -> String {
      try AWSCredentials.resolve(for: remote(region: remoteRegion), environment: environment(env)).region
    }
    #expect(try region(all, remoteRegion: "af-south-1") == "af-south-1")
    #expect(try region(all) == "us-west-1")
    var env = all
    env["AWS_REGION"] = ""
    #expect(try region(env) == "us-west-2")
    env["AWS_DEFAULT_REGION"] = nil
    // The profile's config section, then its credentials section.
    #expect(try region(env) == "eu-central-1")
    try dir.write("config-without-region.ini", "[profile dev]\noutput = json\n")
    env["AWS_CONFIG_FILE"] = dir.url("config-without-region.ini")
    #expect(try region(env) == "ap-south-1")
    // Nothing: us-east-1.
    #expect(try region(["AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "S", "AWS_PROFILE": "cfg"]) == "us-east-1")
  }

  @Test func iniParsing() throws {
    let lines = [
      "top = ignored", "# comment = no", "; comment = no", "  [ spaced ]  ", "Key = value with = sign  ", "EMPTY=", "noequals",
      "[spaced]", "other = 2", "[a]", "k = 1", "k = 2",
    ]
    try dir.write("x.ini", lines.joined(separator: "\n"))
    let ini = AWSCredentials.readINI(dir.url("x.ini"))
    #expect(ini["spaced"] == ["key": "value with = sign", "empty": "", "other": "2"])
    #expect(ini["a"] == ["k": "2"])
    #expect(ini.count == 2)
    #expect(AWSCredentials.readINI(dir.url("absent")) == [:])
    #expect(AWSCredentials.readINI(dir.path) == [:])
  }
}
