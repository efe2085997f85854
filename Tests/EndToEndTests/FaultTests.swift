import Foundation
import MLVStore
import MLVTestSupport
import Testing

/// Interrupted, concurrent and starved commands: the store must stay consistent and say so.
@Suite(.serialized) struct FaultTests {
  /// Starts mlv without waiting for it.
  func start(_ arguments: [String], in directory: String) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: mlvBinaryPath())
    p.arguments = arguments
    p.currentDirectoryURL = URL(fileURLWithPath: directory)
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    return p
  }

  @Test func twoAddsAtOnceBothSucceed() throws {
    let w = try Workspace()
    try w.dir.write("a.bin", pseudoRandomBytes(30 << 20, seed: 1))
    try w.dir.write("b.bin", pseudoRandomBytes(30 << 20, seed: 2))
    for i in 0..<200 { try w.dir.write("many/\(i).txt", "file \(i)\n") }
    let first = try start(["add", "a.bin", "many"], in: w.path)
    let second = try start(["add", "b.bin"], in: w.path)
    first.waitUntilExit()
    second.waitUntilExit()
    #expect(first.terminationStatus == 0)
    #expect(second.terminationStatus == 0)
    #expect(w.dir.exists("a.bin.mlv") && w.dir.exists("b.bin.mlv") && w.dir.exists("many.mlv"))
    #expect(try w.ok("fsck").stdout.contains("0 corrupt, 0 missing"))
    #expect(try w.ok("status").stdout.contains("3 tracked paths match"))
  }

  @Test func killingAddLeavesTheStoreConsistent() throws {
    let w = try Workspace()
    try w.dir.write("huge.bin", pseudoRandomBytes(120 << 20, seed: 3))
    for delay in [30_000, 120_000, 250_000] as [useconds_t] {
      let p = try start(["add", "huge.bin"], in: w.path)
      usleep(delay)
      kill(p.processIdentifier, SIGKILL)
      p.waitUntilExit()
      let fsck = try w.run("fsck")
      #expect(fsck.status == 0, "fsck after kill at \(delay)µs: \(fsck.stdout)")
    }
    try w.ok("add", "huge.bin")
    #expect(try w.ok("fsck").stdout.contains("0 corrupt, 0 missing"))
    try w.repo.commitAll("huge")
    try w.ok("gc")
    #expect(try FileManager.default.contentsOfDirectory(atPath: w.dir.url(".mlv/tmp")).isEmpty)
    try FileManager.default.removeItem(atPath: w.dir.url("huge.bin"))
    try w.ok("checkout")
    #expect(try w.dir.read("huge.bin") == pseudoRandomBytes(120 << 20, seed: 3))
  }

  @Test func killingGCLeavesTheStoreConsistent() throws {
    let w = try Workspace()
    for i in 0..<1500 { try w.dir.write("junk/\(i).txt", "garbage \(i)\n") }
    try w.ok("add", "junk")
    try FileManager.default.removeItem(atPath: w.dir.url("junk.mlv"))
    try w.dir.write("keep.txt", "keep")
    try w.ok("add", "keep.txt")
    try w.repo.commitAll("keep")
    let p = try start(["gc"], in: w.path)
    usleep(40_000)
    kill(p.processIdentifier, SIGKILL)
    p.waitUntilExit()
    #expect(try w.ok("fsck").stdout.contains("0 corrupt, 0 missing"))
    try w.ok("gc")
    #expect(try w.store.allObjects() == [SHA256.hash(Array("keep".utf8))])
  }

  /// A tiny tmpfs makes a real "no space left on device"; remounting it read-only makes a real EROFS.
  @Test(.enabled(if: canMount, "needs root to mount a tmpfs")) func fullAndReadOnlyDisksFailCleanly() throws {
    let scratch = TemporaryDirectory()
    let mountPoint = scratch.url("disk")
    try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
    let mounted = try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint], in: "/")
    try #require(mounted.status == 0, "mount failed: \(mounted.stderr)")
    defer { _ = try? runProcess("/bin/umount", ["-l", mountPoint], in: "/") }
    _ = try runProcess("/usr/bin/git", ["init", "-q", mountPoint], in: "/")
    let r0 = try mlv(["init"], in: mountPoint)
    try #require(r0.status == 0)
    let data = Data(pseudoRandomBytes(5 << 20, seed: 8))
    try data.write(to: URL(fileURLWithPath: mountPoint + "/data.bin"))

    let full = try mlv(["add", "data.bin"], in: mountPoint)
    #expect(full.status == ExitStatus.ioFailure.rawValue, "\(full.stderr)")
    #expect(full.stderr.hasPrefix("error: cannot write"))
    #expect(full.stderr.contains("no space left on device"))
    #expect(full.stderr.contains("hint: free some space"))
    #expect(!FileManager.default.fileExists(atPath: mountPoint + "/data.bin.mlv"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint + "/.mlv/tmp").isEmpty)
    #expect(try mlv(["fsck"], in: mountPoint).status == 0)
    #expect(try Data(contentsOf: URL(fileURLWithPath: mountPoint + "/data.bin")) == data)

    try FileManager.default.removeItem(atPath: mountPoint + "/data.bin")
    try Data("small".utf8).write(to: URL(fileURLWithPath: mountPoint + "/small.txt"))
    let remount = try runProcess("/bin/mount", ["-o", "remount,ro", mountPoint], in: "/")
    try #require(remount.status == 0)
    let readOnly = try mlv(["add", "small.txt"], in: mountPoint)
    #expect(readOnly.status == ExitStatus.ioFailure.rawValue, "\(readOnly.stderr)")
    #expect(readOnly.stderr.contains("read-only file system"))
    #expect(try mlv(["status"], in: mountPoint).status == 0)
  }
}
