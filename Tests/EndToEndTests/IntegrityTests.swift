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
