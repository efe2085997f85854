import Foundation
import MLVStore
import MLVTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The package's root (for fixtures and the test venv).
let remoteFixtureRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().path

/// A real S3-compatible server (moto) on an ephemeral port of 127.0.0.1, with authentication
/// enforced: signatures are verified and unknown keys refused. Stopped when released.
final class S3Server: @unchecked Sendable {
  let process = Process()
  let port: Int
  let accessKey: String
  let secretKey: String
  private let input = Pipe()

  init(auth: Bool = true, partMinSize: Int? = nil, buckets: [String] = ["mlv-test"]) throws {
    let python =
      ProcessInfo.processInfo.environment["MLV_TEST_PYTHON"] ?? remoteFixtureRoot + "/.build/test-venv/bin/python"
    process.executableURL = URL(fileURLWithPath: python)
    var arguments = [remoteFixtureRoot + "/Tests/EndToEndTests/Fixtures/s3_server.py"]
    if auth { arguments.append("--auth") }
    if let partMinSize { arguments += ["--part-min-size", String(partMinSize)] }
    for b in buckets { arguments += ["--bucket", b] }
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    let log = NSTemporaryDirectory() + "/mlv-s3-\(UInt32.random(in: 0...UInt32.max)).log"
    FileManager.default.createFile(atPath: log, contents: nil)
    process.standardError = FileHandle(forWritingAtPath: log)
    // The server exits when this pipe closes, so a crashed test leaves nothing behind.
    process.standardInput = input
    try process.run()
    var text = ""
    let deadline = Date().addingTimeInterval(90)
    while !text.contains("\n"), Date() < deadline {
      let data = output.fileHandleForReading.availableData
      if data.isEmpty { break }
      text += String(decoding: data, as: UTF8.self)
    }
    let fields = text.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    guard fields.count == 4, fields[0] == "READY", let port = Int(fields[1]) else {
      process.terminate()
      let errors = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
      throw TestFailure("the S3 test server did not start (\(text) \(errors)); run scripts/setup.sh to install moto into .build/test-venv")
    }
    self.port = port
    accessKey = fields[2]
    secretKey = fields[3]
  }

  var endpoint: String { "http://127.0.0.1:\(port)" }

  /// Credentials for mlv, and nothing from the developer's own AWS set-up.
  var environment: [String: String] {
    [
      "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_PROFILE": "", "AWS_SESSION_TOKEN": "",
      "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent", "MLV_S3_ATTEMPTS": "2",
    ]
  }

  func kill() {
    if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  deinit {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
  }
}

/// A repository with a 6 MiB chunked file and a directory of 120 small files, committed.
func remoteWorkspace() throws -> Workspace {
  let w = try Workspace()
  try w.dir.write("data/big.bin", pseudoRandomBytes(6 << 20, seed: 41))
  for i in 0..<120 { try w.dir.write("data/rows/part-\(i).csv", "id,value\n" + String(repeating: "\(i),\(i * 7)\n", count: 20 + i)) }
  try w.ok("add", "data/big.bin", "data/rows")
  try w.repo.commitAll("data")
  return w
}

/// A clone of `w` (its Git history only: no objects, no data).
func cloneOf(_ w: Workspace) throws -> TemporaryDirectory {
  let dir = TemporaryDirectory(prefix: "mlv-clone")
  let r = try runProcess("/usr/bin/git", ["clone", "-q", w.path, dir.url("repo")], in: "/")
  guard r.status == 0 else { throw TestFailure("git clone failed: \(r.stderr)") }
  return dir
}

func jsonObject(_ r: ProcessResult) throws -> [String: Any] {
  try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
}

@Suite struct DirectoryRemoteTests {
  @Test func pushSendsOnlyWhatIsMissingAndPullRestoresEveryByte() throws {
    let w = try remoteWorkspace()
    let remote = TemporaryDirectory(prefix: "mlv-remote")
    try w.ok("remote", "add", "shared", remote.url("store"))
    try w.repo.commitAll("remote")
    let first = try jsonObject(try w.ok("push", "--json"))
    #expect(first["objects_sent"] as? Int == first["objects_selected"] as? Int)
    #expect((first["packs"] as? Int ?? 0) >= 1, "small files travel in packs")
    #expect(remote.exists("store/mlv-remote.json"))
    let again = try jsonObject(try w.ok("push", "--json"))
    #expect(again["objects_sent"] as? Int == 0)
    #expect(again["bytes_sent"] as? Int == 0)

    // An edit sends only the changed objects.
    try w.dir.write("data/rows/part-3.csv", "id,value\n3,changed\n")
    try w.ok("add", "data/rows")
    try w.repo.commitAll("edit")
    let edit = try jsonObject(try w.ok("push", "--json"))
    #expect(edit["objects_sent"] as? Int == 2, "the new file and the new directory manifest")

    let clone = try cloneOf(w)
    let repo = clone.url("repo")
    let status = try mlv(["status", "--remote"], in: repo)
    #expect(status.status == 0, "\(status.stderr)")
    #expect(status.stdout.contains("to fetch:"))
    let pull = try mlv(["pull"], in: repo)
    #expect(pull.status == 0, "\(pull.stderr)")
    #expect(try sha256sum(repo + "/data/big.bin") == (try w.sha("data/big.bin")))
    #expect(try String(contentsOfFile: repo + "/data/rows/part-3.csv", encoding: .utf8) == "id,value\n3,changed\n")
    // fsck also looks at the older commit, whose objects were not fetched.
    let partial = try mlv(["fsck"], in: repo).stdout
    #expect(partial.contains("0 corrupt, 1 missing"), "the old directory manifest: \(partial)")
    #expect(try mlv(["status", "--remote"], in: repo).stdout.contains("in sync:  data/rows/"))
    let remoteCheck = try w.ok("fsck", "--remote")
    #expect(remoteCheck.stdout.contains(": 0 corrupt"))

    // The older revision is fetched on demand.
    let old = try mlv(["fetch", "--rev", "HEAD~1", "--json"], in: repo)
    #expect(old.status == 0, "\(old.stderr)")
    #expect(try jsonObject(old)["objects_received"] as? Int == 2)
    #expect(try mlv(["fsck"], in: repo).stdout.contains("0 corrupt, 0 missing"))
  }

  @Test func aDamagedRemoteObjectIsDetectedOnFetchAndNeverStored() throws {
    let w = try remoteWorkspace()
    let remote = TemporaryDirectory(prefix: "mlv-remote")
    try w.ok("remote", "add", "shared", remote.url("store"))
    try w.repo.commitAll("remote")
    try w.ok("push")
    // Damage one loose object (a chunk of the big file) and one packed object (a small file).
    let chunk = try #require(
      try FileManager.default.subpathsOfDirectory(atPath: remote.url("store/objects")).first { $0.count > 3 })
    let loosePath = remote.url("store/objects/" + chunk)
    _ = try runProcess("/bin/chmod", ["u+w", loosePath], in: "/")
    var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: loosePath)))
    bytes[bytes.count / 2] ^= 0x20
    try Data(bytes).write(to: URL(fileURLWithPath: loosePath))
    let damagedID = ObjectID(hex: chunk.replacingOccurrences(of: "/", with: ""))!

    let clone = try cloneOf(w)
    let repo = clone.url("repo")
    let fetch = try mlv(["fetch"], in: repo)
    #expect(fetch.status == ExitStatus.storeIntegrity.rawValue, "\(fetch.stderr)")
    #expect(fetch.stderr.contains("did not verify and were not stored"))
    #expect(fetch.stderr.contains("hint: run 'mlv fsck --remote'"))
    let local = LocalStore(objectsPath: repo + "/.mlv/objects", temporaryPath: repo + "/.mlv/tmp")
    #expect(!local.contains(damagedID))
    #expect(local.contains(try w.pointerID("data/rows.mlv")), "everything else was fetched")
    let check = try mlv(["fsck", "--remote"], in: repo)
    #expect(check.status == ExitStatus.problemsFound.rawValue)
    #expect(check.stdout.contains("corrupt: \(damagedID)"))
    // Pull refuses before touching the work tree.
    let pull = try mlv(["pull"], in: repo)
    #expect(pull.status == ExitStatus.storeIntegrity.rawValue)
    #expect(!FileManager.default.fileExists(atPath: repo + "/data/big.bin"))

    // Damage inside a pack is caught the same way.
    let packs = try FileManager.default.contentsOfDirectory(atPath: remote.url("store/packs")).filter { $0.hasSuffix(".pack") }
    let packPath = remote.url("store/packs/" + packs[0])
    _ = try runProcess("/bin/chmod", ["u+w", packPath], in: "/")
    var pack = try Array(Data(contentsOf: URL(fileURLWithPath: packPath)))
    pack[pack.count - 3] ^= 0x01
    try Data(pack).write(to: URL(fileURLWithPath: packPath))
    let clone2 = try cloneOf(w)
    let fetch2 = try mlv(["fetch", "data/rows"], in: clone2.url("repo"))
    #expect(fetch2.status == ExitStatus.storeIntegrity.rawValue, "\(fetch2.stderr)")
    #expect(try mlv(["fsck"], in: clone2.url("repo")).stdout.contains("0 corrupt"), "nothing damaged entered the store")
  }

  @Test func gcKeepsWhatTheDefaultRemoteLacksAndCleansTheRemote() throws {
    let w = try remoteWorkspace()
    let remote = TemporaryDirectory(prefix: "mlv-remote")
    try w.ok("remote", "add", "shared", remote.url("store"))
    try w.repo.commitAll("remote")
    try w.ok("push")
    // A version that was added but never committed: unreferenced, and on no remote.
    try w.dir.write("notes.txt", "draft 1")
    try w.ok("add", "notes.txt")
    try w.dir.write("notes.txt", "draft 2")
    try w.ok("add", "notes.txt")
    let draft = SHA256.hash(Array("draft 1".utf8))
    let gc = try w.ok("gc", "--json")
    let report = try jsonObject(gc)
    #expect(report["kept_not_on_remote"] as? Int == 1)
    #expect(w.store.contains(draft))
    #expect(try w.ok("gc").stdout.contains("that remote 'shared' lacks ('mlv gc --force' removes them)"))
    try w.ok("gc", "--force")
    #expect(!w.store.contains(draft))

    // A branch pushed and then deleted: its objects are unreferenced here and safe on the remote.
    try w.repo.git("checkout", "-q", "-b", "tmp")
    try w.dir.write("data/rows/extra.csv", "id,value\n1,2\n")
    try w.ok("add", "data/rows")
    try w.repo.commitAll("tmp")
    try w.ok("push")
    let extra = SHA256.hash(Array("id,value\n1,2\n".utf8))
    try w.repo.git("checkout", "-q", "main")
    try w.ok("checkout")
    try w.repo.git("branch", "-D", "tmp")
    try w.repo.git("reflog", "expire", "--expire=now", "--all")
    #expect(try jsonObject(try w.ok("gc", "--json"))["kept_not_on_remote"] as? Int == 0)
    #expect(!w.store.contains(extra))

    // The remote still has it until gc --remote: a dry run first, then for real (the pack is rewritten).
    let dry = try jsonObject(try w.ok("gc", "--remote", "--dry-run", "--json"))
    #expect((dry["removed"] as? [String])?.contains(extra.description) == true)
    #expect(remote.exists("store/objects") || remote.exists("store/packs"))
    let before = try FileManager.default.contentsOfDirectory(atPath: remote.url("store/packs")).sorted()
    let real = try jsonObject(try w.ok("gc", "--remote", "--json"))
    #expect((real["removed"] as? [String])?.contains(extra.description) == true)
    #expect(try FileManager.default.contentsOfDirectory(atPath: remote.url("store/packs")).sorted() != before)
    #expect(try w.ok("fsck", "--remote").stdout.contains(": 0 corrupt"))
    let clone = try cloneOf(w)
    #expect(try mlv(["pull"], in: clone.url("repo")).status == 0, "what main needs is all still there")
  }

  @Test func thePrePushHookRefusesCommitsWhoseObjectsAreNotOnTheDefaultRemote() throws {
    let w = try remoteWorkspace()
    let remote = TemporaryDirectory(prefix: "mlv-remote")
    let bare = TemporaryDirectory(prefix: "mlv-bare")
    _ = try runProcess("/usr/bin/git", ["init", "-q", "--bare", bare.url("origin.git")], in: "/")
    try w.repo.git("remote", "add", "origin", bare.url("origin.git"))
    try w.ok("remote", "add", "shared", remote.url("store"))
    try w.repo.commitAll("remote")
    try w.ok("hooks", "install")
    let refused = try w.gitWithHooks("push", "-q", "origin", "main")
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("not on remote 'shared'"), "\(refused.stderr)")
    #expect(refused.stderr.contains("hint: run 'mlv push --rev "), "\(refused.stderr)")
    try w.ok("push")
    let accepted = try w.gitWithHooks("push", "-q", "origin", "main")
    #expect(accepted.status == 0, "\(accepted.stderr)")
  }

  @Test func badRemotesAndNamesGetClearErrors() throws {
    let w = try Workspace()
    try w.fails(.invalidInput, "'http://example.com/x' is not a remote URL", "remote", "add", "web", "http://example.com/x")
    try w.fails(.invalidInput, "is not a remote URL", "remote", "add", "scp", "host:path")
    try w.fails(.invalidInput, "is not a bucket name", "remote", "add", "b", "s3://No_Such")
    try w.fails(.invalidInput, "invalid remote name", "remote", "add", "bad/name", "/tmp/x")
    try w.fails(.invalidInput, "apply to s3:// remotes only", "remote", "add", "d", "/tmp/x", "--endpoint", "http://h")
    try w.fails(.invalidInput, "invalid endpoint", "remote", "add", "s", "s3://bucket", "--endpoint", "ftp://h")
    try w.fails(.invalidInput, "no remote given and no default remote is set", "push")
    let missing = TemporaryDirectory(prefix: "mlv-none")
    try w.ok("remote", "add", "gone", missing.url("nowhere"))
    try w.fails(.invalidInput, "already exists", "remote", "add", "gone", "/tmp/y")
    try w.fails(.invalidInput, "no remote named 'other'", "push", "--remote", "other")
    try w.fails(.remoteFailure, "the path of remote 'gone' is not a directory", "fetch")
    try w.fails(.usage, "--rev and --all-commits", "push", "--rev", "HEAD", "--all-commits")
    #expect(try w.ok("remote", "list").stdout.contains("* gone"))
    try w.ok("remote", "remove", "gone")
    #expect(try w.ok("remote", "list").stdout.isEmpty)
    #expect(try w.dir.readText(".mlv/config").contains("remote") == false)
  }

  @Test(.enabled(if: canMount, "needs root to mount a tmpfs")) func aFullDiskDuringFetchLeavesTheStoreConsistent() throws {
    let w = try remoteWorkspace()
    let remote = TemporaryDirectory(prefix: "mlv-remote")
    try w.ok("remote", "add", "shared", remote.url("store"))
    try w.repo.commitAll("remote")
    try w.ok("push")
    let scratch = TemporaryDirectory()
    let mountPoint = scratch.url("disk")
    try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
    let mounted = try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint], in: "/")
    try #require(mounted.status == 0, "mount failed: \(mounted.stderr)")
    defer { _ = try? runProcess("/bin/umount", ["-l", mountPoint], in: "/") }
    let cloned = try runProcess("/usr/bin/git", ["clone", "-q", w.path, mountPoint + "/repo"], in: "/")
    try #require(cloned.status == 0)
    let repo = mountPoint + "/repo"
    let full = try mlv(["fetch"], in: repo)
    #expect(full.status == ExitStatus.ioFailure.rawValue, "\(full.stderr)")
    #expect(full.stderr.contains("no space left on device"))
    let fsck = try mlv(["fsck"], in: repo)
    #expect(fsck.stdout.contains(" 0 corrupt"), "no partial object: \(fsck.stdout)")
  }
}

@Suite(.serialized) struct S3RemoteTests {
  @Test func pushPullStatusAndCheckAgainstARealS3Server() throws {
    let server = try S3Server()
    let w = try remoteWorkspace()
    try w.ok("remote", "add", "s3", "s3://mlv-test/team/project", "--endpoint", server.endpoint)
    try w.repo.commitAll("remote")
    #expect(!(try w.dir.readText(".mlv/config")).contains(server.secretKey))
    let push = try w.run("push", "--json", environment: server.environment)
    #expect(push.status == 0, "\(push.stderr)")
    let sent = try jsonObject(push)
    #expect((sent["objects_sent"] as? Int ?? 0) > 0)
    let again = try jsonObject(try w.run("push", "--json", environment: server.environment))
    #expect(again["objects_sent"] as? Int == 0)

    let clone = try cloneOf(w)
    let repo = clone.url("repo")
    let pull = try mlv(["pull"], in: repo, environment: server.environment)
    #expect(pull.status == 0, "\(pull.stderr)")
    #expect(try sha256sum(repo + "/data/big.bin") == (try w.sha("data/big.bin")))
    #expect(try mlv(["status", "--remote"], in: repo, environment: server.environment).stdout.contains("in sync:  data/big.bin"))
    let check = try mlv(["fsck", "--remote"], in: repo, environment: server.environment)
    #expect(check.status == 0, "\(check.stderr)")
    #expect(check.stdout.contains("1 pack) on remote 's3': 0 corrupt"))
  }

  @Test func wrongCredentialsAMissingBucketAndNoCredentialsAreClearErrors() throws {
    let server = try S3Server()
    let w = try remoteWorkspace()
    try w.ok("remote", "add", "s3", "s3://mlv-test", "--endpoint", server.endpoint)
    try w.ok("remote", "add", "nobucket", "s3://no-such-bucket", "--endpoint", server.endpoint)
    var env = server.environment
    env["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
    let wrong = try w.run("push", environment: env)
    #expect(wrong.status == ExitStatus.remoteFailure.rawValue)
    #expect(wrong.stderr.hasPrefix("error: remote 's3' refused access (403 SignatureDoesNotMatch)"), "\(wrong.stderr)")
    #expect(wrong.stderr.contains("hint: check the credentials"))
    env["AWS_ACCESS_KEY_ID"] = "AKIAUNKNOWNKEY000000"
    let unknown = try w.run("push", environment: env)
    #expect(unknown.stderr.hasPrefix("error: remote 's3' refused access (403 InvalidAccessKeyId)"), "\(unknown.stderr)")
    let bucket = try w.run("push", "-r", "nobucket", environment: server.environment)
    #expect(bucket.status == ExitStatus.remoteFailure.rawValue)
    #expect(bucket.stderr.hasPrefix("error: bucket 'no-such-bucket' of remote 'nobucket' does not exist"), "\(bucket.stderr)")
    var none = server.environment
    none["AWS_ACCESS_KEY_ID"] = ""
    none["AWS_SECRET_ACCESS_KEY"] = ""
    let noCredentials = try w.run("push", environment: none)
    #expect(noCredentials.status == ExitStatus.remoteFailure.rawValue)
    #expect(noCredentials.stderr.hasPrefix("error: no AWS credentials for remote 's3'"), "\(noCredentials.stderr)")
    // A profile in a credentials file works too.
    let home = TemporaryDirectory()
    try home.write("credentials", "[team]\naws_access_key_id = \(server.accessKey)\naws_secret_access_key = \(server.secretKey)\n")
    none["AWS_SHARED_CREDENTIALS_FILE"] = home.url("credentials")
    none["AWS_PROFILE"] = "team"
    let profile = try w.run("push", environment: none)
    #expect(profile.status == 0, "\(profile.stderr)")
  }

  @Test func aKilledServerFailsThePushCleanlyAndTheRerunCompletes() throws {
    var server = try S3Server()
    let w = try Workspace()
    try w.dir.write("big.bin", pseudoRandomBytes(96 << 20, seed: 77))
    try w.ok("add", "big.bin")
    try w.repo.commitAll("big")
    try w.ok("remote", "add", "s3", "s3://mlv-test", "--endpoint", server.endpoint)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: mlvBinaryPath())
    process.arguments = ["push", "--jobs", "1"]
    process.currentDirectoryURL = URL(fileURLWithPath: w.path)
    process.environment = ProcessInfo.processInfo.environment.merging(server.environment) { _, new in new }
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    usleep(600_000)
    server.kill()
    let started = Date()
    process.waitUntilExit()
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(Date().timeIntervalSince(started) < 30, "no hang")
    #expect(process.terminationStatus == ExitStatus.remoteFailure.rawValue, "\(stderr)")
    #expect(stderr.hasPrefix("error: cannot reach remote 's3' at http://127.0.0.1:"), "\(stderr)")
    #expect(stderr.contains("hint: rerun the command"))
    #expect(try w.ok("fsck").stdout.contains("0 corrupt, 0 missing"))

    server = try S3Server()
    try w.ok("remote", "remove", "s3")
    try w.ok("remote", "add", "s3", "s3://mlv-test", "--endpoint", server.endpoint)
    let rerun = try w.run("push", environment: server.environment)
    #expect(rerun.status == 0, "\(rerun.stderr)")
    #expect(try w.run("fsck", "--remote", environment: server.environment).stdout.contains(": 0 corrupt"))
  }

  @Test func aPushKilledMidUploadResumesItsMultipartUploads() throws {
    let server = try S3Server(partMinSize: 1024)
    let w = try remoteWorkspace()
    try w.ok("remote", "add", "s3", "s3://mlv-test/p", "--endpoint", server.endpoint)
    var env = server.environment
    env["MLV_S3_MULTIPART_THRESHOLD"] = "65536"
    env["MLV_S3_PART_SIZE"] = "32768"
    env["MLV_TEST_EXIT_AFTER_PARTS"] = "12"
    let killed = try w.run("push", "--jobs", "2", environment: env)
    #expect(killed.status == 99, "the test hook ends the process mid-upload: \(killed.stderr)")
    env["MLV_TEST_EXIT_AFTER_PARTS"] = nil
    let resumed = try jsonObject(try w.run("push", "--json", environment: env))
    #expect((resumed["resumed_parts"] as? Int ?? 0) >= 1, "\(resumed)")
    let check = try w.run("fsck", "--remote", environment: server.environment)
    #expect(check.status == 0 && check.stdout.contains(": 0 corrupt"), "\(check.stdout)\(check.stderr)")
    let clone = try cloneOf(w)
    let repo = clone.url("repo")
    try FileManager.default.createDirectory(atPath: repo + "/.mlv", withIntermediateDirectories: true)
    _ = try runProcess("/bin/cp", [w.dir.url(".mlv/config"), repo + "/.mlv/config"], in: "/")
    let pull = try mlv(["pull"], in: repo, environment: server.environment)
    #expect(pull.status == 0, "\(pull.stderr)")
    #expect(try sha256sum(repo + "/data/big.bin") == (try w.sha("data/big.bin")))
  }
}
