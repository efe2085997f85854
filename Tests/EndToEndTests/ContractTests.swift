import Foundation
import MLVStore
import MLVTestSupport
import Testing

/// The source checkout (for templates/ and .pre-commit-hooks.yaml) and the test tools set-up installed.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

let people = "id,name,age,city\n1,Ann,34,Paris\n2,\"Bob \"\"B\"\"\",45,Lyon\n3,\"Cy\nTwo\",23,Paris\n4,Dee,51,Lyon\n"

extension Workspace {
  /// PATH with the mlv binary first, as a user's shell would have it.
  var pathWithMLV: String {
    URL(fileURLWithPath: mlvBinaryPath()).deletingLastPathComponent().path + ":"
      + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
  }

  /// Runs git with mlv on PATH (hooks call `mlv`).
  func gitWithHooks(_ arguments: String..., environment: [String: String] = [:]) throws -> ProcessResult {
    var env = environment
    env["PATH"] = pathWithMLV
    return try runProcess("/usr/bin/git", arguments, in: path, environment: env)
  }

  /// people.csv tracked with an inferred contract attached, committed.
  func trackPeople() throws {
    try dir.write("people.csv", people)
    try ok("contract", "infer", "people.csv", "--out", "people.contract.yaml")
    try ok("add", "people.csv", "--contract", "people.contract.yaml")
    try repo.commitAll("people")
  }
}

@Suite struct ContractCommandTests {
  @Test func inferThenCheckAndOneBadValue() throws {
    let w = try Workspace()
    try w.dir.write("people.csv", people)
    try w.ok("contract", "infer", "people.csv", "--out", "c.yaml")
    let contract = try w.dir.readText("c.yaml")
    #expect(contract.contains("  age:\n    type: integer\n    nullable: false\n    min: 23\n    max: 51\n"))
    #expect(contract.contains("allowed: [Lyon, Paris]"))
    #expect(try w.ok("contract", "check", "people.csv", "--contract", "c.yaml").stdout.contains("meets 'c.yaml' (4 rows)"))
    // Refuses to overwrite without --force.
    try w.fails(.wouldOverwrite, "'c.yaml' exists", "contract", "infer", "people.csv", "--out", "c.yaml")

    try w.dir.write("bad.csv", people.replacingOccurrences(of: "4,Dee,51", with: "4,Dee,151"))
    let r = try w.fails(
      .contractViolation, "'bad.csv' breaks its contract 'c.yaml' (1 violation)", "contract", "check", "bad.csv", "--contract", "c.yaml")
    #expect(r.stdout.contains("row 4 (line 6)  age  max  151 is above the maximum 51"))
    let json = try w.run("contract", "check", "bad.csv", "--contract", "c.yaml", "--json")
    #expect(json.status == 3)
    let doc = try #require(try w.json(json) as? [String: Any])
    let first = try #require((doc["violations"] as? [[String: Any]])?.first)
    #expect(
      first["row"] as? Int == 4 && first["line"] as? Int == 6 && first["column"] as? String == "age" && first["rule"] as? String == "max")
    #expect(first["value"] as? String == "151" && doc["valid"] as? Bool == false && doc["violation_count"] as? Int == 1)
  }

  @Test func badInputGetsOneClearLine() throws {
    let w = try Workspace()
    try w.dir.write("c.yaml", "mlv-contract: 1\ncolumns:\n  a: {type: integer}\n")
    try w.dir.write("ragged.csv", "a,b\n1,2\n3\n")
    try w.fails(
      .invalidInput, "ragged.csv:3:1: row has 1 field, the header has 2", "contract", "check", "ragged.csv", "--contract", "c.yaml")
    try w.dir.write("quote.csv", "a\n\"open\n2\n")
    try w.fails(.invalidInput, "quote.csv:2:1: a quoted field is not closed", "contract", "check", "quote.csv", "--contract", "c.yaml")
    try w.dir.write("empty.csv", "")
    try w.fails(.invalidInput, "'empty.csv' is empty", "contract", "infer", "empty.csv")
    try w.dir.write("garbage.csv", pseudoRandomBytes(4096, seed: 3))
    try w.fails(.invalidInput, "garbage.csv:", "contract", "infer", "garbage.csv")
    try w.dir.write("data.txt", "a\n1\n")
    try w.fails(.invalidInput, "cannot tell the format of 'data.txt'", "contract", "infer", "data.txt")
    #expect(try w.ok("contract", "infer", "data.txt", "--format", "csv").stdout.contains("type: integer"))
    try w.dir.write("bad.yaml", "mlv-contract: 1\ncolumns:\n  a: {type: number}\n")
    try w.fails(.invalidInput, "contract 'bad.yaml':3:", "contract", "check", "ragged.csv", "--contract", "bad.yaml")
    try w.dir.write("broken.yaml", "mlv-contract: 1\ncolumns: {a: [\n")
    try w.fails(.invalidInput, "not valid YAML", "contract", "check", "ragged.csv", "--contract", "broken.yaml")
    try w.fails(.usage, "'ragged.csv' has no contract", "contract", "check", "ragged.csv")
    try w.fails(.invalidInput, "does not exist", "contract", "check", "nope.csv", "--contract", "c.yaml")
  }

  @Test func worksOutsideARepositoryOnGzip() throws {
    let dir = TemporaryDirectory()
    try dir.write("t.csv", "a,b\n1,x\n2,y\n")
    _ = try runProcess("/bin/sh", ["-c", "gzip t.csv"], in: dir.path)
    let r = try mlv(["contract", "infer", "t.csv.gz"], in: dir.path)
    #expect(r.status == 0, "\(r.stderr)")
    try dir.write("c.yaml", r.stdout)
    #expect(try mlv(["contract", "check", "t.csv.gz", "--contract", "c.yaml"], in: dir.path).status == 0)
    #expect(try mlv(["contract", "check", "t.csv.gz", "--contract", "c.yaml", "--rev", "HEAD"], in: dir.path).status == 4)
  }

  @Test func attachedContractAtARevisionFromTheStore() throws {
    let w = try Workspace()
    try w.trackPeople()
    #expect(try w.dir.readText("people.csv.mlv").hasSuffix("contract: people.contract.yaml\n"))
    // The data is gone from the work tree: --rev reads the committed version from the store.
    try FileManager.default.removeItem(atPath: w.dir.url("people.csv"))
    #expect(try w.ok("contract", "check", "people.csv", "--rev", "HEAD").stdout.contains("meets 'people.contract.yaml@HEAD' (4 rows)"))
    // A later, broken version: the old revision still passes, the new one fails, read from the store.
    try w.dir.write("people.csv", people.replacingOccurrences(of: "Lyon", with: "Berlin"))
    let added = try w.run("add", "people.csv")
    #expect(added.status == 0 && added.stderr.contains("warning: 'people.csv' breaks its contract 'people.contract.yaml' (2 violations)"))
    #expect(try w.dir.readText("people.csv.mlv").hasSuffix("contract: people.contract.yaml\n"), "re-adding keeps the contract")
    try w.repo.commitAll("berlin")
    let status = try w.run("status", "--exit-code")
    #expect(status.status == 1 && status.stdout.contains("breaks contract:  people.csv  (2 violations of people.contract.yaml)"))
    #expect(try w.run("contract", "check", "people.csv", "--rev", "HEAD~1").status == 0)
    try FileManager.default.removeItem(atPath: w.dir.url("people.csv"))
    let r = try w.run("contract", "check", "people.csv", "--rev", "HEAD")
    #expect(r.status == 3 && r.stdout.contains("'Berlin' is not one of the allowed values (Lyon, Paris)"))
    try w.ok("contract", "detach", "people.csv")
    #expect(try !w.dir.readText("people.csv.mlv").contains("contract:"))
  }
}

@Suite struct HookTests {
  @Test func gitCommitIsRefusedUntilTheDataIsFixed() throws {
    let w = try Workspace()
    try w.trackPeople()
    let install = try w.ok("hooks", "install")
    #expect(install.stdout.contains("pre-commit: installed"))
    // The installed hooks are the templates, byte for byte.
    for name in ["pre-commit", "pre-push"] {
      let installed = try w.dir.readText(".git/hooks/\(name)")
      #expect(installed == (try String(contentsOfFile: packageRoot + "/templates/hooks/\(name)", encoding: .utf8)))
    }
    try w.dir.write("people.csv", people.replacingOccurrences(of: "4,Dee,51", with: "4,Dee,-1"))
    _ = try w.run("add", "people.csv")
    try w.repo.git("add", "-A")
    let refused = try w.gitWithHooks("commit", "-q", "-m", "bad")
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("row 4 (line 6)  age  min  -1 is below the minimum 23"), "\(refused.stderr)")
    #expect(refused.stderr.contains("error: pre-commit: the commit is refused"))
    #expect(try w.repo.git("log", "--oneline").split(separator: "\n").count == 1)
    // `git commit -a` and `git commit PATH` commit a temporary index (GIT_INDEX_FILE): checked too.
    try w.repo.git("reset", "-q")
    #expect(try w.gitWithHooks("commit", "-q", "-a", "-m", "bad").status != 0)
    #expect(try w.gitWithHooks("commit", "-q", "-m", "bad", "people.csv.mlv").status != 0)
    #expect(try w.repo.git("log", "--oneline").split(separator: "\n").count == 1)
    try w.dir.write("people.csv", people.replacingOccurrences(of: "4,Dee,51", with: "4,Dee,50"))
    try w.ok("add", "people.csv")
    let accepted = try w.gitWithHooks("commit", "-q", "-a", "-m", "fixed")
    #expect(accepted.status == 0, "\(accepted.stderr)")
  }

  @Test func aStagedPointerWithoutItsObjectIsRefused() throws {
    let w = try Workspace()
    try w.dir.write("blob.bin", pseudoRandomBytes(1000, seed: 1))
    try w.ok("add", "blob.bin")
    try w.ok("hooks", "install")
    try FileManager.default.removeItem(atPath: w.store.path(of: try w.pointerID("blob.bin.mlv")))
    try w.repo.git("add", "-A")
    let r = try w.gitWithHooks("commit", "-q", "-m", "x")
    #expect(r.status != 0 && r.stderr.contains("'blob.bin': 1 of its objects is not in the store"), "\(r.stderr)")
  }

  @Test func prePushRefusesCommitsWhoseDataIsNotStored() throws {
    let w = try Workspace()
    let remote = TemporaryDirectory()
    _ = try runProcess("/usr/bin/git", ["init", "-q", "--bare", remote.path], in: "/")
    try w.repo.git("remote", "add", "origin", remote.path)
    try w.dir.write("a.bin", pseudoRandomBytes(500, seed: 2))
    try w.ok("add", "a.bin")
    try w.repo.commitAll("a")
    try w.ok("hooks", "install")
    #expect(try w.gitWithHooks("push", "-q", "origin", "main").status == 0)
    try w.dir.write("b.bin", pseudoRandomBytes(500, seed: 3))
    try w.ok("add", "b.bin")
    try w.repo.git("add", "-A")
    #expect(try w.gitWithHooks("commit", "-q", "-m", "b").status == 0)
    try FileManager.default.removeItem(atPath: w.store.path(of: try w.pointerID("b.bin.mlv")))
    let r = try w.gitWithHooks("push", "-q", "origin", "main")
    #expect(r.status != 0 && r.stderr.contains("'b.bin (commit "), "\(r.stderr)")
    #expect(!r.stderr.contains("a.bin"), "commits the remote has are not checked again")
    // A fresh clone has no objects, yet pushes a change that adds no data.
    let clone = TemporaryDirectory()
    _ = try runProcess("/usr/bin/git", ["clone", "-q", "-b", "main", remote.path, clone.path + "/c"], in: "/")
    let c = clone.path + "/c"
    for args in [["config", "user.email", "t@e.com"], ["config", "user.name", "T"]] { _ = try runProcess("/usr/bin/git", args, in: c) }
    #expect(try mlv(["hooks", "install"], in: c).status == 0)
    try "readme\n".write(toFile: c + "/README", atomically: true, encoding: .utf8)
    var env = ["PATH": w.pathWithMLV]
    env["GIT_DIR"] = nil
    _ = try runProcess("/usr/bin/git", ["add", "README"], in: c)
    #expect(try runProcess("/usr/bin/git", ["commit", "-q", "-m", "readme"], in: c, environment: env).status == 0)
    let pushed = try runProcess("/usr/bin/git", ["push", "-q", "origin", "main"], in: c, environment: env)
    #expect(pushed.status == 0, "\(pushed.stderr)")
  }

  @Test func installChainsExistingHooksHonoursHooksPathAndUninstallRestores() throws {
    let w = try Workspace()
    try w.repo.git("config", "core.hooksPath", "githooks")
    try w.dir.write("githooks/pre-commit", "#!/bin/sh\necho previous-hook-ran >&2\nexit 0\n")
    chmod(w.dir.url("githooks/pre-commit"), 0o755)
    let r = try w.ok("hooks", "install")
    #expect(r.stdout.contains("githooks/pre-commit: installed, running the previous hook first"))
    #expect(w.dir.exists("githooks/pre-commit.pre-mlv") && w.dir.exists("githooks/pre-push"))
    try w.ok("hooks", "install")
    try w.dir.write("x.txt", "x")
    try w.repo.git("add", "-A")
    let commit = try w.gitWithHooks("commit", "-q", "-m", "x")
    #expect(commit.status == 0 && commit.stderr.contains("previous-hook-ran"), "\(commit.stderr)")
    try w.ok("hooks", "uninstall")
    #expect(try w.dir.readText("githooks/pre-commit").contains("previous-hook-ran"))
    #expect(!w.dir.exists("githooks/pre-push") && !w.dir.exists("githooks/pre-commit.pre-mlv"))
    // A hook someone edited is left alone.
    try w.ok("hooks", "install")
    try w.dir.write("githooks/pre-push", (try w.dir.readText("githooks/pre-push")) + "echo edited\n")
    try w.fails(.wouldOverwrite, "was changed after mlv installed it", "hooks", "uninstall")
  }

  @Test func thePreCommitFrameworkRunsTheHooksFromThisRepository() throws {
    let tool = ProcessInfo.processInfo.environment["MLV_TEST_PRE_COMMIT"] ?? packageRoot + "/.build/test-venv/bin/pre-commit"
    try #require(FileManager.default.isExecutableFile(atPath: tool), "pre-commit is not installed: run scripts/setup.sh")
    // A hook repository holding this checkout's .pre-commit-hooks.yaml, committed.
    let hooks = try TemporaryGitRepository()
    try hooks.directory.write(
      ".pre-commit-hooks.yaml", try String(contentsOfFile: packageRoot + "/.pre-commit-hooks.yaml", encoding: .utf8))
    try hooks.commitAll("hooks")
    let rev = try hooks.git("rev-parse", "HEAD")

    let w = try Workspace()
    try w.trackPeople()
    try w.dir.write(
      ".pre-commit-config.yaml",
      "repos:\n  - repo: \(hooks.path)\n    rev: \(rev)\n    hooks:\n      - id: mlv-contracts\n      - id: mlv-pre-push\n")
    try w.repo.commitAll("pre-commit config")
    let cache = TemporaryDirectory()
    let env = ["PRE_COMMIT_HOME": cache.path]
    var installEnv = env
    installEnv["PATH"] = w.pathWithMLV
    let installed = try runProcess(
      tool, ["install", "--hook-type", "pre-commit", "--hook-type", "pre-push"], in: w.path, environment: installEnv)
    #expect(installed.status == 0, "\(installed.stderr)")

    try w.dir.write("people.csv", people.replacingOccurrences(of: "Paris", with: "Rome"))
    _ = try w.run("add", "people.csv")
    try w.repo.git("add", "-A")
    let refused = try w.gitWithHooks("commit", "-q", "-m", "rome", environment: env)
    #expect(refused.status != 0)
    #expect((refused.stdout + refused.stderr).contains("'Rome' is not one of the allowed values"), "\(refused.stdout)\(refused.stderr)")
    try w.dir.write("people.csv", people)
    try w.ok("add", "people.csv")
    try w.repo.git("add", "-A")
    try w.dir.write("note.txt", "fixed\n")
    try w.repo.git("add", "note.txt")
    let accepted = try w.gitWithHooks("commit", "-q", "-m", "fixed", environment: env)
    #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")
  }
}
