import Foundation
import MLVStore
import MLVTestSupport
import Testing

@Suite struct TrackingTests {
  @Test func helpAndVersionWork() throws {
    let w = try Workspace(initialise: false)
    let help = try w.ok("--help")
    for verb in ["init", "add", "status", "checkout", "ls", "show", "log", "fsck", "gc"] { #expect(help.stdout.contains(verb)) }
    #expect(try w.ok("add", "--help").stdout.contains("--json"))
    #expect(try w.ok("--version").stdout.contains("0.1.0"))
    try w.fails(.usage, "error: ", "checkout", "--bogus")
  }

  @Test func initCreatesTheStoreAndIsIdempotent() throws {
    let w = try Workspace(initialise: false)
    #expect(try w.ok("init").stdout.contains("initialised mlv"))
    #expect(w.dir.exists(".mlv/objects"))
    #expect(try w.dir.readText(".mlv/config") == "[core]\n\tformat = 1\n")
    #expect(try w.dir.readText(".mlv/.gitignore").contains("/objects/"))
    #expect(try w.ok("init").stdout.contains("already initialised"))
    // git sees the config and ignore file, never the store.
    try w.dir.write(".mlv/objects/zz", "x")
    let status = try w.repo.git("status", "--porcelain", "--untracked-files=all")
    #expect(status.contains(".mlv/config"))
    #expect(!status.contains("objects"))
  }

  @Test func refusesOutsideGitAndBeforeInit() throws {
    let plain = TemporaryDirectory()
    let r = try mlv(["init"], in: plain.path)
    #expect(r.status == MLVStore.ExitStatus.notARepository.rawValue)
    #expect(r.stderr.hasPrefix("error: not a git repository"))
    #expect(r.stderr.contains("hint: "))
    let w = try Workspace(initialise: false)
    try w.dir.write("a.txt", "a")
    let s = try w.fails(.notARepository, "mlv is not initialised", "add", "a.txt")
    #expect(s.stderr.contains("hint: run 'mlv init'"))
    try w.fails(.notARepository, "not initialised", "status")
  }

  @Test func addWritesAPointerAndIgnoresTheData() throws {
    let w = try Workspace()
    try w.dir.write("data/train.csv", "a,b\n1,2\n")
    let r = try w.ok("add", "data/train.csv")
    #expect(r.stdout.contains("added 'data/train.csv'"))
    let pointer = try w.dir.readText("data/train.csv.mlv")
    #expect(pointer.contains("id: sha256:\(try w.sha("data/train.csv"))"))
    #expect(pointer.contains("type: blob\n"))
    #expect(try w.dir.readText("data/.gitignore") == "/train.csv\n")
    try w.ok("add", "data/train.csv")
    #expect(try w.dir.readText("data/.gitignore") == "/train.csv\n")
    let untracked = try w.repo.git("status", "--porcelain", "--untracked-files=all")
    #expect(untracked.contains("data/train.csv.mlv"))
    #expect(!untracked.contains("data/train.csv\n") && !untracked.hasSuffix("data/train.csv"))
  }

  @Test func reAddingUnchangedDataHashesNothing() throws {
    let w = try Workspace()
    for i in 0..<40 { try w.dir.write("images/\(i % 4)/\(i).bin", pseudoRandomBytes(3000 + i, seed: UInt64(i))) }
    try w.dir.write("big.bin", pseudoRandomBytes(9 << 20, seed: 5))
    w.settle()
    let first = try w.run("add", "images", "big.bin", environment: ["MLV_TRACE": "1"])
    #expect(first.status == 0)
    #expect(w.hashedFiles(first) == 41)
    let again = try w.run("add", "images", "big.bin", environment: ["MLV_TRACE": "1"])
    #expect(w.hashedFiles(again) == 0)
    #expect(again.stdout.contains("unchanged 'images'"))
    let status = try w.run("status", environment: ["MLV_TRACE": "1"])
    #expect(w.hashedFiles(status) == 0)
    #expect(status.stdout.contains("2 tracked paths match their pointers"))
    // A touched file is rehashed, found equal, and cached again.
    try w.dir.write("images/0/0.bin", pseudoRandomBytes(3000, seed: 0))
    w.settle()
    let touched = try w.run("status", environment: ["MLV_TRACE": "1"])
    #expect(w.hashedFiles(touched) == 1)
    #expect(touched.stdout.contains("match their pointers"))
    #expect(w.hashedFiles(try w.run("status", environment: ["MLV_TRACE": "1"])) == 0)
  }

  @Test func statusReportsModifiedMissingAndAbsentObjects() throws {
    let w = try Workspace()
    try w.dir.write("a.txt", "a")
    try w.dir.write("b.txt", "b")
    try w.dir.write("c.txt", "c")
    try w.dir.write("d/1.txt", "1")
    try w.dir.write("d/2.txt", "2")
    try w.ok("add", "a.txt", "b.txt", "c.txt", "d")
    try w.dir.write("a.txt", "changed")
    try FileManager.default.removeItem(atPath: w.dir.url("b.txt"))
    try w.store.remove(try w.pointerID("c.txt.mlv"))
    try w.dir.write("d/3.txt", "3")
    try FileManager.default.removeItem(atPath: w.dir.url("d/1.txt"))
    let r = try w.ok("status")
    #expect(r.stdout.contains("modified:") && r.stdout.contains("a.txt"))
    #expect(r.stdout.contains("missing:") && r.stdout.contains("b.txt"))
    #expect(r.stdout.contains("not in store:") && r.stdout.contains("c.txt"))
    #expect(r.stdout.contains("0 modified, 1 added, 1 removed"))
    let items = try w.json(try w.ok("status", "--json")) as! [[String: Any]]
    let byPath = Dictionary(uniqueKeysWithValues: items.map { ($0["path"] as! String, $0) })
    #expect(byPath["a.txt"]?["state"] as? String == "modified")
    #expect(byPath["b.txt"]?["state"] as? String == "missing")
    #expect(byPath["c.txt"]?["state"] as? String == "unchanged")
    #expect(byPath["c.txt"]?["in_store"] as? Bool == false)
    #expect(byPath["d"]?["added"] as? [String] == ["3.txt"])
    #expect(byPath["d"]?["removed"] as? [String] == ["1.txt"])
  }

  @Test func refusesPathsItCannotTrack() throws {
    let w = try Workspace()
    let outside = TemporaryDirectory()
    try outside.write("x", "x")
    try w.fails(.invalidInput, "is outside the repository", "add", outside.url("x"))
    try w.fails(.invalidInput, "is outside the repository", "add", "../")
    try w.fails(.invalidInput, "'nope.csv' does not exist", "add", "nope.csv")
    try w.fails(.invalidInput, "inside '.git' or '.mlv'", "add", ".git/config")
    try w.dir.write("d/x.txt", "x")
    try w.ok("add", "d")
    try w.fails(.invalidInput, "inside the tracked directory 'd'", "add", "d/x.txt")
    try w.dir.write("e/f.txt", "f")
    try w.ok("add", "e/f.txt")
    try w.fails(.invalidInput, "contains the mlv pointer 'f.txt.mlv'", "add", "e")
  }

  @Test func logShowsEveryVersion() throws {
    let w = try Workspace()
    try w.dir.write("m.bin", pseudoRandomBytes(1000, seed: 1))
    try w.ok("add", "m.bin")
    try w.repo.commitAll("v1")
    try w.dir.write("other.txt", "unrelated")
    try w.repo.commitAll("unrelated")
    try w.dir.write("m.bin", pseudoRandomBytes(1500, seed: 2))
    try w.ok("add", "m.bin")
    try w.repo.commitAll("v2")
    let entries = try w.json(try w.ok("log", "m.bin", "--json")) as! [[String: Any]]
    #expect(entries.count == 2)
    #expect(entries[0]["summary"] as? String == "v2")
    #expect(entries[0]["size_change"] as? Int == 500)
    #expect(entries[1]["summary"] as? String == "v1")
    #expect(entries[0]["id"] as? String == (try w.pointerID("m.bin.mlv")).description)
    #expect(try w.ok("log", "m.bin.mlv").stdout.contains("+500 B"))
    try w.fails(.invalidInput, "is not tracked", "log", "never.bin")
  }

  @Test func lsAndShowWorkAtAnyRevision() throws {
    let w = try Workspace()
    try w.dir.write("big.bin", pseudoRandomBytes(12 << 20, seed: 4))
    try w.dir.write("dir/a", "a")
    try w.ok("add", "big.bin", "dir")
    try w.repo.commitAll("one")
    try w.dir.write("c.txt", "c")
    try w.ok("add", "c.txt")
    let now = try w.json(try w.ok("ls", "--json")) as! [[String: Any]]
    #expect(now.count == 3)
    let then = try w.json(try w.ok("ls", "--rev", "HEAD", "--json")) as! [[String: Any]]
    #expect(then.count == 2)
    let big = (then.first { ($0["artifact"] as! [String: Any])["path"] as? String == "big.bin" }!["artifact"]) as! [String: Any]
    #expect(big["type"] as? String == "chunked")
    #expect((big["chunks"] as? Int ?? 0) >= 3)
    let shown = try w.json(try w.ok("show", "dir", "--rev", "HEAD", "--json")) as! [String: Any]
    #expect((shown["entries"] as? [[String: Any]])?.first?["path"] as? String == "a")
    try w.fails(.invalidInput, "unknown revision 'nope'", "ls", "--rev", "nope")
    try w.fails(.invalidInput, "is not tracked", "show", "c.txt", "--rev", "HEAD")
  }
}

@Suite struct TrackingDetailsTests {
  @Test func executableSingleFilesKeepTheirMode() throws {
    let w = try Workspace()
    try w.dir.write("train.sh", "#!/bin/sh\n")
    chmod(w.dir.url("train.sh"), 0o755)
    try w.ok("add", "train.sh")
    #expect(try w.dir.readText("train.sh.mlv").hasSuffix("mode: 755\n"))
    try FileManager.default.removeItem(atPath: w.dir.url("train.sh"))
    try w.ok("checkout")
    #expect(FileManager.default.isExecutableFile(atPath: w.dir.url("train.sh")))
    chmod(w.dir.url("train.sh"), 0o644)
    #expect(try w.ok("status").stdout.contains("modified:"))
    #expect(try w.run("status", "--exit-code").status == 1)
    try w.ok("checkout", "--force")
    #expect(FileManager.default.isExecutableFile(atPath: w.dir.url("train.sh")))
    #expect(try w.run("status", "--exit-code").status == 0)
  }

  @Test func pointersWithWindowsLineEndsAreRead() throws {
    let w = try Workspace()
    try w.dir.write("a.txt", "a")
    try w.ok("add", "a.txt")
    let text = try w.dir.readText("a.txt.mlv").replacingOccurrences(of: "\n", with: "\r\n")
    try w.dir.write("a.txt.mlv", text)
    #expect(try w.ok("status").stdout.contains("matches its pointer"))
  }

  @Test func theAddHintNamesPathsFromTheCurrentDirectory() throws {
    let w = try Workspace()
    try w.dir.write("data/sub/x.csv", "x")
    let r = try w.ok("add", "x.csv", in: "data/sub")
    #expect(r.stderr.contains("hint: to record this version with git, run: git add x.csv.mlv .gitignore"))
    #expect(w.dir.exists("data/sub/x.csv.mlv"))
  }

  @Test func gcKeepsWhatOnlyTheReflogStillReaches() throws {
    let w = try Workspace()
    try w.dir.write("m.bin", "first version")
    try w.ok("add", "m.bin")
    try w.repo.commitAll("v1")
    try w.dir.write("m.bin", "second version")
    try w.ok("add", "m.bin")
    try w.repo.commitAll("v2")
    try w.repo.git("reset", "-q", "--hard", "HEAD~1")
    try w.ok("checkout", "--force")
    try w.ok("gc")
    #expect(w.store.contains(SHA256.hash(Array("second version".utf8))))
  }

  @Test func configRejectsUnknownKeysAndValues() throws {
    let w = try Workspace()
    try w.fails(.invalidInput, "unknown configuration key 'core.colour'", "config", "core.colour", "red")
    try w.fails(.invalidInput, "invalid value 'maybe' for 'core.fsync'", "config", "core.fsync", "maybe")
    try w.ok("config", "core.fsync", "true")
    #expect(try w.ok("config", "core.fsync").stdout == "true\n")
    try w.dir.write(".mlv/config", "[core]\n\tformat = 9\n")
    try w.fails(.notARepository, "repository format 9 is newer", "status")
  }

  @Test func oddNamesStayOnOneLineAndInOneGitignoreEntry() throws {
    let w = try Workspace()
    let odd = "a\u{2028}b\u{0B}c.bin"
    try w.dir.write(odd, "odd")
    try w.ok("add", odd)
    try w.ok("add", odd)
    let ignore = try w.dir.read(".gitignore")
    #expect(ignore == Array("/\(odd)\n".utf8))
    try w.dir.write("bad\nname.bin", "x")
    let r = try w.fails(.invalidInput, "cannot track 'bad\\nname.bin'", "add", "bad\nname.bin")
    #expect(r.stderr.split(separator: "\n").count <= 2)
  }

  @Test func dataGitAlreadyTracksIsRefusedWithTheFix() throws {
    let w = try Workspace()
    try w.dir.write("data/a.csv", "a")
    try w.dir.write("model.bin", "m")
    try w.repo.commitAll("oops, data in git")
    let r = try w.fails(.invalidInput, "'data' is already tracked by git", "add", "data")
    #expect(r.stderr.contains("hint: stop tracking it in git first: git rm -r --cached 'data'"))
    try w.fails(.invalidInput, "'model.bin' is already tracked by git", "add", "model.bin")
    try w.repo.git("rm", "-r", "-q", "--cached", "data", "model.bin")
    try w.ok("add", "data", "model.bin")
  }
}
