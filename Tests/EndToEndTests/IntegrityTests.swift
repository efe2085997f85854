import Foundation
import MLVStore
import MLVTestSupport
import Testing

@Suite struct IntegrityTests {
  @Test func aCorruptedObjectNeverReachesTheWorkTree() throws {
    let w = try Workspace()
    let content = pseudoRandomBytes(12 << 20, seed: 11)
    try w.dir.write("model.bin", content)
    try w.dir.write("notes.txt", "notes\n")
    try w.ok("add", "model.bin", "notes.txt")
    let manifestID = try w.pointerID("model.bin.mlv")
    let manifest = try FileManifest.decode(w.store.read(manifestID), id: manifestID)
    try w.corrupt(manifest.chunks[1].id, at: ObjectEncoding.headerSize + 100)
    try w.corrupt(try w.pointerID("notes.txt.mlv"))
    try FileManager.default.removeItem(atPath: w.dir.url("model.bin"))
    try FileManager.default.removeItem(atPath: w.dir.url("notes.txt"))

    let r = try w.fails(.storeIntegrity, "is corrupt", "checkout")
    #expect(r.stderr.contains("hint: "))
    #expect(!w.dir.exists("model.bin"))
    #expect(!w.dir.exists("notes.txt"))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: w.path).filter { $0.contains("mlv-tmp") }
    #expect(leftovers.isEmpty)

    let fsck = try w.run("fsck")
    #expect(fsck.status == ExitStatus.problemsFound.rawValue)
    #expect(fsck.stdout.contains("corrupt: \(manifest.chunks[1].id)"))
    #expect(fsck.stdout.contains("2 corrupt"))
    let report = try w.json(try w.run("fsck", "--json")) as! [String: Any]
    #expect((report["corrupt"] as! [Any]).count == 2)
  }

  @Test func aMissingObjectIsReported() throws {
    let w = try Workspace()
    try w.dir.write("data.csv", "x,y\n")
    try w.ok("add", "data.csv")
    try w.repo.commitAll("data")
    let id = try w.pointerID("data.csv.mlv")
    try w.store.remove(id)
    try FileManager.default.removeItem(atPath: w.dir.url("data.csv"))
    let r = try w.fails(.storeIntegrity, "object \(id) is missing from the store", "checkout")
    #expect(r.stderr.contains("hint: "))
    let fsck = try w.run("fsck")
    #expect(fsck.status == 1)
    #expect(fsck.stdout.contains("missing: \(id) (referenced by data.csv.mlv"))
    #expect(try w.ok("status").stdout.contains("(object not in store)"))
  }

  @Test func hostilePointersAndManifestsAreRefused() throws {
    let w = try Workspace()
    try w.dir.write("bad.mlv", "this is not a pointer\n")
    try w.fails(.invalidInput, "malformed pointer 'bad.mlv'", "status")
    try FileManager.default.removeItem(atPath: w.dir.url("bad.mlv"))

    let blob = try w.store.write(Array("owned\n".utf8), role: .data)
    try w.dir.write("escape.mlv", "format: 1\npath: ../../outside\ntype: blob\nid: \(blob)\nsize: 6\n")
    try w.fails(.invalidInput, "must be relative and must not contain '..'", "checkout")
    try w.dir.write("escape.mlv", "format: 1\npath: /tmp/outside\ntype: blob\nid: \(blob)\nsize: 6\n")
    try w.fails(.invalidInput, "must be relative", "checkout")
    try FileManager.default.removeItem(atPath: w.dir.url("escape.mlv"))

    // A directory manifest whose entry climbs out of its directory, stored with a valid hash.
    let evil =
      "{\"entries\":[{\"id\":\"\(blob)\",\"mode\":\"644\",\"path\":\"../../evil\",\"size\":6,\"type\":\"blob\"}],\"format\":1,\"type\":\"directory\"}"
    let manifest = try w.store.write(Array(evil.utf8), role: .metadata)
    try w.dir.write("d.mlv", "format: 1\npath: d\ntype: directory\nid: \(manifest)\nsize: 6\nfiles: 1\n")
    try w.fails(.storeIntegrity, "entry '../../evil' escapes its directory", "checkout")
    #expect(!FileManager.default.fileExists(atPath: w.dir.url("../evil")))
    #expect(!w.dir.exists("d"))
    #expect(try w.run("fsck").status == 1)
  }

  @Test func garbageCollectionKeepsEverythingReachable() throws {
    let w = try Workspace()
    try w.dir.write("m.bin", pseudoRandomBytes(10 << 20, seed: 1))
    try w.ok("add", "m.bin")
    try w.repo.commitAll("v1")
    try w.dir.write("m.bin", pseudoRandomBytes(10 << 20, seed: 2))
    try w.ok("add", "m.bin")  // never committed: garbage once replaced
    try w.dir.write("m.bin", pseudoRandomBytes(10 << 20, seed: 3))
    try w.ok("add", "m.bin")
    try w.repo.commitAll("v3")
    try w.repo.git("checkout", "-q", "-b", "side")
    try w.dir.write("s.txt", "side only")
    try w.ok("add", "s.txt")
    try w.repo.commitAll("side")
    try w.repo.git("checkout", "-q", "main")
    try w.dir.write("staged.txt", "staged only")
    try w.ok("add", "staged.txt")
    try w.repo.git("add", "staged.txt.mlv")
    try FileManager.default.removeItem(atPath: w.dir.url("staged.txt.mlv"))

    let before = try w.store.allObjects().count
    let dry = try w.json(try w.ok("gc", "--dry-run", "--json")) as! [String: Any]
    #expect(try w.store.allObjects().count == before)
    let removed = (dry["removed"] as! [String]).count
    #expect(removed >= 5)  // the uncommitted version's chunks and manifest
    let gc = try w.ok("gc")
    #expect(gc.stdout.contains("removed \(removed) objects"))
    #expect(try w.store.allObjects().count == before - removed)
    #expect(try w.ok("fsck").stdout.contains("0 corrupt, 0 missing"))
    // Every committed version, the other branch and the staged pointer still check out.
    try w.ok("checkout", "--rev", "HEAD~1", "--force")
    #expect(try w.dir.read("m.bin") == pseudoRandomBytes(10 << 20, seed: 1))
    try w.ok("checkout", "--rev", "side")
    #expect(try w.dir.readText("s.txt") == "side only")
    #expect(w.store.contains(SHA256.hash(Array("staged only".utf8))))
  }

  @Test func gcRefusesWhenItCannotSeeEverything() throws {
    let w = try Workspace()
    try w.dir.write("d/a", "a")
    try w.ok("add", "d")
    try w.repo.commitAll("d")
    try w.store.remove(try w.pointerID("d.mlv"))
    try w.fails(.storeIntegrity, "gc cannot tell what is still referenced", "gc")
    try w.ok("gc", "--force")
  }

  /// A crash can leave an object as an empty stub; the next `add` of the data repairs it, even
  /// when the stat cache says the file is unchanged.
  @Test func addRepairsAStubChunk() throws {
    let w = try Workspace()
    try w.dir.write("model.bin", pseudoRandomBytes(12 << 20, seed: 21))
    w.settle()
    try w.ok("add", "model.bin")
    let manifestID = try w.pointerID("model.bin.mlv")
    let chunk = try FileManifest.decode(w.store.read(manifestID), id: manifestID).chunks[2].id
    let path = w.store.path(of: chunk)
    try runProcess("/bin/chmod", ["u+w", path], in: "/")
    try w.dir.write(String(path.dropFirst(w.path.count + 1)), [])
    #expect(try w.run("fsck").status == 1)
    let again = try w.run("add", "model.bin", environment: ["MLV_TRACE": "1"])
    #expect(again.status == 0)
    #expect(w.hashedFiles(again) == 1)
    #expect(try w.ok("fsck").stdout.contains("0 corrupt, 0 missing"))
  }
}

/// Findings of a review: each was a way to lose data or get a wrong answer.
@Suite struct HostileInputTests {
  @Test func checkoutNeverWritesThroughASymbolicLink() throws {
    let w = try Workspace()
    try w.dir.write("d/sub/f", "v1")
    try w.ok("add", "d")
    try w.repo.commitAll("d")
    let outside = TemporaryDirectory()
    try outside.write("f", "precious")
    try FileManager.default.removeItem(atPath: w.dir.url("d/sub"))
    try FileManager.default.createSymbolicLink(atPath: w.dir.url("d/sub"), withDestinationPath: outside.path)
    try w.fails(.wouldOverwrite, "refusing to check out through the symbolic link 'd/sub'", "checkout")
    #expect(try outside.readText("f") == "precious")
    try w.ok("checkout", "--force")
    #expect(try outside.readText("f") == "precious")
    #expect(try w.dir.readText("d/sub/f") == "v1")
  }

  @Test func aPointerCannotAimIntoGitOrElsewhere() throws {
    let w = try Workspace()
    let blob = try w.store.write(Array("#!/bin/sh\necho owned\n".utf8), role: .data)
    for path in [".git/hooks/pre-commit", "sub/file", ".git", ".mlv"] {
      try w.dir.write("evil.mlv", "format: 1\npath: \(path)\ntype: blob\nid: \(blob)\nsize: 21\nmode: 755\n")
      try w.fails(.invalidInput, "malformed pointer 'evil.mlv'", "checkout")
    }
    #expect(!w.dir.exists(".git/hooks/pre-commit"))
  }

  @Test func identicalDirectoriesAtARevisionAreAllListedAndRestored() throws {
    let w = try Workspace()
    try w.dir.write("a/data", "same")
    try w.dir.write("b/data", "same")
    try w.ok("add", "a/data", "b/data")
    try w.repo.commitAll("twins")
    let listed = try w.json(try w.ok("ls", "--rev", "HEAD", "--json")) as! [[String: Any]]
    #expect(listed.count == 2)
    try FileManager.default.removeItem(atPath: w.dir.url("a/data"))
    try FileManager.default.removeItem(atPath: w.dir.url("b/data"))
    try w.ok("checkout", "--rev", "HEAD")
    #expect(try w.dir.readText("b/data") == "same")
  }

  @Test func aManifestWithoutItsChunksDoesNotCountAsSaved() throws {
    let w = try Workspace()
    try w.dir.write("big.bin", pseudoRandomBytes(9 << 20, seed: 31))
    try w.ok("add", "big.bin")
    try w.repo.commitAll("x")
    try w.dir.write("big.bin", pseudoRandomBytes(9 << 20, seed: 32))
    try w.ok("add", "big.bin")
    let id = try w.pointerID("big.bin.mlv")
    try w.store.remove(try FileManifest.decode(w.store.read(id), id: id).chunks[0].id)
    try w.repo.git("checkout", "--", "big.bin.mlv")
    try w.fails(.wouldOverwrite, "would be overwritten", "checkout")
    #expect(try w.dir.read("big.bin") == pseudoRandomBytes(9 << 20, seed: 32))
  }

  @Test func damagedHeadersAndCachesAreReportedNotCrashed() throws {
    let w = try Workspace()
    try w.dir.write("a.txt", "hello")
    try w.ok("add", "a.txt")
    let id = try w.pointerID("a.txt.mlv")
    let relative = String(w.store.path(of: id).dropFirst(w.path.count + 1))
    var bytes = try w.dir.read(relative)
    for k in 8..<16 { bytes[k] = 0xFF }
    bytes[15] = 0x7F
    try runProcess("/bin/chmod", ["u+w", w.store.path(of: id)], in: "/")
    try w.dir.write(relative, bytes)
    let fsck = try w.run("fsck")
    #expect(fsck.status == 1)
    #expect(fsck.stdout.contains("corrupt: \(id)"))
    bytes[5] = 1  // zlib, with an absurd length
    try w.dir.write(relative, bytes)
    #expect(try w.run("fsck").status == 1)
    try w.dir.write(".mlv/cache/stat", Array("MLVSTAT1".utf8) + [0xFF, 0xFF, 0xFF, 0xFF])
    #expect(try w.run("status").status == 0)
  }

  @Test func nestedPathsInOneAddAreRefused() throws {
    let w = try Workspace()
    try w.dir.write("d/x", "x")
    try w.fails(.invalidInput, "cannot track 'd/x': it is inside 'd', which this command also tracks", "add", "d", "d/x")
    #expect(!w.dir.exists("d.mlv") && !w.dir.exists("d/x.mlv"))
  }

  @Test(.enabled(if: getuid() != 0, "root reads every directory")) func gcRefusesWhenPartOfTheWorkTreeIsUnreadable() throws {
    let w = try Workspace()
    try w.dir.write("secret/data.txt", "pending")
    try w.ok("add", "secret/data.txt")
    chmod(w.dir.url("secret"), 0o000)
    defer { chmod(w.dir.url("secret"), 0o755) }
    try w.fails(.ioFailure, "cannot read directory", "gc")
  }
}
