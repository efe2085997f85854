import Foundation
import MLVStore
import MLVTestSupport
import Testing

@Suite struct CheckoutTests {
  /// Two committed versions of a chunked file, a small file and a directory.
  func twoVersions() throws -> (Workspace, v1: [String: String], v2: [String: String]) {
    let w = try Workspace()
    try w.dir.write("big.bin", pseudoRandomBytes(12 << 20, seed: 1))
    try w.dir.write("small.txt", "version one\n")
    try w.dir.write("images/a.png", pseudoRandomBytes(5000, seed: 2))
    try w.dir.write("images/sub/b.png", pseudoRandomBytes(6000, seed: 3))
    try w.dir.write("images/gone.png", "gone")
    try w.ok("add", "big.bin", "small.txt", "images")
    try w.repo.commitAll("v1")
    let v1 = try ["big.bin", "small.txt", "images/a.png", "images/gone.png"].reduce(into: [String: String]()) { $0[$1] = try w.sha($1) }
    var big = pseudoRandomBytes(12 << 20, seed: 1)
    big.insert(contentsOf: pseudoRandomBytes(100_000, seed: 9), at: 1_000_000)
    try w.dir.write("big.bin", big)
    try w.dir.write("small.txt", "version two\n")
    try w.dir.write("images/a.png", pseudoRandomBytes(5000, seed: 20))
    try w.dir.write("images/new/c.png", "new")
    try FileManager.default.removeItem(atPath: w.dir.url("images/gone.png"))
    try w.ok("add", "big.bin", "small.txt", "images")
    try w.repo.commitAll("v2")
    let v2 = try ["big.bin", "small.txt", "images/a.png", "images/new/c.png"].reduce(into: [String: String]()) { $0[$1] = try w.sha($1) }
    return (w, v1, v2)
  }

  @Test func checkoutAtARevisionRestoresItWithoutMovingHEADOrTheIndex() throws {
    let (w, v1, v2) = try twoVersions()
    let head = try w.repo.git("rev-parse", "HEAD")
    let index = try w.dir.read(".git/index")
    let r = try w.ok("checkout", "--rev", "HEAD~1")
    #expect(r.stdout.contains("3 updated"))
    for (path, sha) in v1 { #expect(try w.sha(path) == sha, "\(path)") }
    #expect(!w.dir.exists("images/new/c.png"))
    #expect(try w.repo.git("rev-parse", "HEAD") == head)
    #expect(try w.dir.read(".git/index") == index)
    #expect(try w.repo.git("status", "--porcelain") == "")
    // The work tree's pointers still name v2, so status says the data differs; checkout brings it back.
    #expect(try w.ok("status").stdout.contains("modified:"))
    try w.ok("checkout")
    for (path, sha) in v2 { #expect(try w.sha(path) == sha, "\(path)") }
    #expect(!w.dir.exists("images/gone.png"))
    #expect(try w.ok("status").stdout.contains("3 tracked paths match"))
    #expect(try w.ok("checkout").stdout.contains("0 updated, 3 up to date"))
  }

  @Test func checkoutOfChosenPathsLeavesTheRestAlone() throws {
    let (w, v1, v2) = try twoVersions()
    try w.ok("checkout", "small.txt", "--rev", "HEAD~1")
    #expect(try w.sha("small.txt") == v1["small.txt"])
    #expect(try w.sha("big.bin") == v2["big.bin"])
    try w.ok("checkout", "small.txt.mlv")
    #expect(try w.sha("small.txt") == v2["small.txt"])
    try w.fails(.invalidInput, "'other' is not tracked", "checkout", "other")
  }

  @Test func missingDataIsRestored() throws {
    let (w, _, v2) = try twoVersions()
    try FileManager.default.removeItem(atPath: w.dir.url("big.bin"))
    try FileManager.default.removeItem(atPath: w.dir.url("images"))
    #expect(try w.ok("status").stdout.contains("missing:"))
    try w.ok("checkout")
    for (path, sha) in v2 { #expect(try w.sha(path) == sha) }
  }

  @Test func refusesToOverwriteChangesThatAreNotInTheStore() throws {
    let (w, v1, _) = try twoVersions()
    try w.dir.write("small.txt", "precious local edit\n")
    try w.dir.write("images/a.png", "edited")
    let r = try w.fails(.wouldOverwrite, "would be overwritten by checkout", "checkout", "--rev", "HEAD~1")
    #expect(r.stderr.contains("'small.txt'") && r.stderr.contains("'images/a.png'"))
    #expect(r.stderr.contains("hint: run 'mlv add'"))
    #expect(try w.dir.readText("small.txt") == "precious local edit\n")
    #expect(try w.dir.readText("images/a.png") == "edited")
    // Nothing was written at all, not even the paths that were safe.
    #expect(try w.sha("big.bin") != v1["big.bin"])
    try w.ok("checkout", "--rev", "HEAD~1", "--force")
    for (path, sha) in v1 { #expect(try w.sha(path) == sha) }
  }

  @Test func aDirectoryReplacedByAFileIsNotClobbered() throws {
    let (w, _, _) = try twoVersions()
    try FileManager.default.removeItem(atPath: w.dir.url("images"))
    try w.dir.write("images", "a file where the directory was")
    try w.fails(.wouldOverwrite, "'images'", "checkout")
    try w.ok("checkout", "--force")
    #expect(w.dir.exists("images/a.png"))
  }

  @Test func executableBitsSurviveACheckout() throws {
    let w = try Workspace()
    try w.dir.write("tools/run.sh", "#!/bin/sh\necho hi\n")
    chmod(w.dir.url("tools/run.sh"), 0o755)
    try w.ok("add", "tools")
    try FileManager.default.removeItem(atPath: w.dir.url("tools"))
    try w.ok("checkout")
    #expect(FileManager.default.isExecutableFile(atPath: w.dir.url("tools/run.sh")))
  }

  @Test func aFileCanBecomeADirectoryInsideATrackedDirectory() throws {
    let w = try Workspace()
    try w.dir.write("d/x", "x is a file")
    try w.dir.write("d/keep", "k")
    try w.ok("add", "d")
    try w.repo.commitAll("file")
    try FileManager.default.removeItem(atPath: w.dir.url("d/x"))
    try w.dir.write("d/x/y", "x is a directory")
    try w.ok("add", "d")
    try w.repo.commitAll("directory")
    try w.ok("checkout", "--rev", "HEAD~1")
    #expect(try w.dir.readText("d/x") == "x is a file")
    try w.ok("checkout")
    #expect(try w.dir.readText("d/x/y") == "x is a directory")
    #expect(try w.ok("status").stdout.contains("matches its pointer"))
  }

  /// NFC and NFD spellings of one name are two files on Linux: both are kept, apart.
  @Test func namesAreComparedByTheirBytes() throws {
    let w = try Workspace()
    let nfc = "caf\u{E9}.txt"
    let nfd = "cafe\u{301}.txt"
    try w.dir.write("d/" + nfc, "composed")
    try w.dir.write("d/" + nfd, "decomposed")
    let r = try w.ok("add", "d")
    #expect(r.stdout.contains("2 files"))
    try FileManager.default.removeItem(atPath: w.dir.url("d"))
    try w.ok("checkout")
    #expect(try Data(contentsOf: URL(fileURLWithPath: w.dir.url("d/" + nfc))) == Data("composed".utf8))
    #expect(try Data(contentsOf: URL(fileURLWithPath: w.dir.url("d/" + nfd))) == Data("decomposed".utf8))
    try w.dir.write("d/" + nfd, "changed")
    w.settle()
    let status = try w.json(try w.ok("status", "--json")) as! [[String: Any]]
    #expect(status.first?["modified"] as? [String] == [nfd])
  }

  @Test func aNameThatIsNotUTF8IsRefused() throws {
    let w = try Workspace()
    try w.dir.write("d/ok.txt", "ok")
    let bad = w.dir.url("d/") + "bad\u{FF}"
    var bytes = Array(w.dir.url("d/").utf8) + [0x62, 0xFF, 0x00]
    let fd = bytes.withUnsafeMutableBufferPointer { buf in
      buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { open($0, O_CREAT | O_WRONLY, 0o644) }
    }
    #expect(fd >= 0)
    close(fd)
    _ = bad
    try w.fails(.invalidInput, "is not valid UTF-8", "add", "d")
    #expect(!w.dir.exists("d.mlv"))
  }

  /// Switching back to the version a checkout just replaced is a rename from `.mlv/cache/parked`.
  @Test func switchingBackRestoresTheParkedFile() throws {
    let (w, v1, v2) = try twoVersions()
    try w.ok("checkout", "--rev", "HEAD~1")
    #expect(try w.sha("big.bin") == v1["big.bin"])
    let back = try w.json(try w.ok("checkout", "--json")) as! [String: Any]
    #expect(back["files_restored"] as? Int == 2)
    #expect(try w.sha("big.bin") == v2["big.bin"])
    #expect(try w.sha("small.txt") == v2["small.txt"])
    let again = try w.json(try w.ok("checkout", "--rev", "HEAD~1", "--json")) as! [String: Any]
    #expect(again["files_restored"] as? Int == 2)
    #expect(try w.sha("big.bin") == v1["big.bin"])
    #expect(try w.ok("status").stdout.contains("modified:"))
    // A parked file that changed is not trusted: the store is read instead.
    let parked = w.dir.url(".mlv/cache/parked/" + (try w.pointerID("big.bin.mlv")).hex)
    chmod(parked, 0o644)
    try w.dir.write(".mlv/cache/parked/" + (try w.pointerID("big.bin.mlv")).hex, "tampered")
    let third = try w.json(try w.ok("checkout", "--json")) as! [String: Any]
    #expect(third["files_restored"] as? Int == 1)
    #expect(try w.sha("big.bin") == v2["big.bin"])
    #expect(try w.ok("status").stdout.contains("3 tracked paths match"))
    #expect(try w.ok("gc").stdout.contains("parked file"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: w.dir.url(".mlv/cache/parked")).isEmpty)
  }
}
