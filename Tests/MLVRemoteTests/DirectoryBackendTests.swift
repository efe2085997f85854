import MLVStore
import MLVTestSupport
import Testing

@testable import MLVRemote

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The `RemoteBackend` contract, on a directory.
@Suite struct DirectoryBackendTests {
  let dir = TemporaryDirectory(prefix: "mlv-dirbackend")
  var backend: DirectoryBackend { DirectoryBackend(name: "origin", root: dir.url("remote")) }

  @Test func checkAccess() async throws {
    await #expect(throws: RemoteError.notADirectory(remote: "origin", path: dir.url("remote"))) {
      try await backend.checkAccess(create: false)
    }
    try await backend.checkAccess(create: true)
    #expect(fileStatus(dir.url("remote")).map { $0.st_mode & S_IFMT } == S_IFDIR)
    try await backend.checkAccess(create: false)
    try await backend.checkAccess(create: true)
    // Deeper: parents are created.
    let deep = DirectoryBackend(name: "deep", root: dir.url("a/b/c"))
    try await deep.checkAccess(create: true)
    #expect(dir.exists("a/b/c"))
    // A file is not a directory, with or without create.
    try dir.write("file", "x")
    let file = DirectoryBackend(name: "f", root: dir.url("file"))
    await #expect(throws: RemoteError.notADirectory(remote: "f", path: dir.url("file"))) { try await file.checkAccess(create: false) }
    await #expect(throws: RemoteError.notADirectory(remote: "f", path: dir.url("file"))) { try await file.checkAccess(create: true) }
    #expect(backend.location == dir.url("remote"))
    #expect(backend.name == "origin")
  }

  @Test func putGetDelete() async throws {
    let b = backend
    #expect(try await b.get("objects/ab/cd", range: nil) == nil)
    #expect(try await b.get("objects/ab/cd", range: 0..<4) == nil)
    let content = pseudoRandomBytes(10_000, seed: 1)
    try await b.put("objects/ab/cd", content)
    #expect(try await b.get("objects/ab/cd", range: nil) == content)
    #expect(try await b.get("objects/ab/cd", range: 0..<10) == Array(content[0..<10]))
    #expect(try await b.get("objects/ab/cd", range: 9_990..<10_000) == Array(content[9_990...]))
    #expect(try await b.get("objects/ab/cd", range: 500..<500) == [])
    // A range past the end gives what there is.
    #expect(try await b.get("objects/ab/cd", range: 9_995..<10_100) == Array(content[9_995...]))
    #expect(try await b.get("objects/ab/cd", range: 20_000..<20_010) == [])
    // Files are read-only; put replaces.
    #expect(fileStatus(dir.url("remote/objects/ab/cd")).map { $0.st_mode & 0o777 } == 0o444)
    try await b.put("objects/ab/cd", [1, 2, 3])
    #expect(try await b.get("objects/ab/cd", range: nil) == [1, 2, 3])
    try await b.put("empty", [])
    #expect(try await b.get("empty", range: nil) == [])
    // Delete, including absent keys and keys whose directory does not exist.
    try await b.delete(["objects/ab/cd", "objects/ab/cd", "nope", "no/such/dir"])
    #expect(try await b.get("objects/ab/cd", range: nil) == nil)
    try await b.delete([])
  }

  @Test func listing() async throws {
    let b = backend
    #expect(try await b.list(prefix: "objects/").isEmpty)
    try await b.put("objects/ab/cdef", [UInt8](repeating: 7, count: 20))
    try await b.put("objects/ab/0123", [UInt8](repeating: 7, count: 30))
    try await b.put("objects/ff/ffff", [])
    try await b.put("packs/x.pack", [1])
    try await b.put("mlv-remote.json", [2])
    // A write in progress (dot file) and a dot directory are not listed.
    try dir.write("remote/objects/ab/.cdef.tmp.123", "partial")
    try dir.write("remote/objects/.hidden/x", "x")
    let (entries, complete) = try await b.list(prefix: "objects/", limit: nil)
    #expect(complete)
    #expect(
      entries.sorted { $0.key < $1.key } == [
        RemoteEntry(key: "objects/ab/0123", size: 30), RemoteEntry(key: "objects/ab/cdef", size: 20),
        RemoteEntry(key: "objects/ff/ffff", size: 0),
      ])
    #expect(try await b.list(prefix: "objects/ab/").map(\.key).sorted() == ["objects/ab/0123", "objects/ab/cdef"])
    #expect(try await b.list(prefix: "packs/").map(\.key) == ["packs/x.pack"])
    #expect(try await b.list(prefix: "nothing/").isEmpty)
    #expect(try await b.list(prefix: "mlv-remote.json/").isEmpty)
    #expect(
      try await b.list(prefix: "").map(\.key).sorted() == [
        "mlv-remote.json", "objects/ab/0123", "objects/ab/cdef", "objects/ff/ffff", "packs/x.pack",
      ])
  }

  /// Many writers of one key: a reader always sees one whole version.
  @Test func concurrentPutsAreAtomic() async throws {
    let b = backend
    let versions = (0..<8).map { pseudoRandomBytes(200_000, seed: UInt64($0) + 1) }
    try await withThrowingTaskGroup(of: Void.self) { group in
      for v in versions { group.addTask { try await b.put("packs/same.pack", v) } }
      for _ in 0..<8 {
        group.addTask {
          if let seen = try await b.get("packs/same.pack", range: nil) { #expect(versions.contains(seen)) }
        }
      }
      try await group.waitForAll()
    }
    let final = try await b.get("packs/same.pack", range: nil)
    #expect(final.map { versions.contains($0) } == true)
    #expect(try await b.list(prefix: "packs/").count == 1)
  }
}
