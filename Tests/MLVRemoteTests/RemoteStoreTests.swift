import MLVStore
import MLVTestSupport
import Synchronization
import Testing

@testable import MLVRemote

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A local store, a directory remote and a second local store to fetch into, all in one
/// temporary directory.
final class RemoteFixture: Sendable {
  let dir = TemporaryDirectory(prefix: "mlv-remote")
  var remoteRoot: String { dir.url("remote") }

  func store(_ name: String) -> LocalStore {
    LocalStore(objectsPath: dir.url("\(name)/objects"), temporaryPath: dir.url("\(name)/tmp"))
  }

  func remote(environment: [String: String] = [:], indexCache: String? = nil) -> RemoteStore {
    RemoteStore(backend: DirectoryBackend(name: "origin", root: remoteRoot), indexCache: indexCache, environment: environment)
  }

  /// The path of a key on the remote.
  func path(_ key: String) -> String { remoteRoot + "/" + key }

  /// Writes `contents` into `store`, returning their ids in order.
  @discardableResult
  func write(_ contents: [[UInt8]], into store: LocalStore, role: ObjectRole = .data) throws -> [ObjectID] {
    try contents.map { try store.write($0, role: role) }
  }

  /// Every key on the remote, sorted.
  func remoteKeys() async throws -> [String] {
    try await DirectoryBackend(name: "origin", root: remoteRoot).list(prefix: "").map(\.key).sorted()
  }
}

/// XORs one byte of a file (made writable first: remote files are read-only).
func flipByte(_ path: String, at offset: Int, mask: UInt8 = 0x5A) throws {
  chmod(path, 0o644)
  let fd = open(path, O_RDWR)
  guard fd >= 0 else { throw TestFailure("cannot open \(path)") }
  defer { close(fd) }
  var byte: UInt8 = 0
  guard pread(fd, &byte, 1, off_t(offset)) == 1 else { throw TestFailure("cannot read byte \(offset) of \(path)") }
  byte ^= mask
  guard pwrite(fd, &byte, 1, off_t(offset)) == 1 else { throw TestFailure("cannot write \(path)") }
}

func truncateFile(_ path: String, to length: Int) throws {
  chmod(path, 0o644)
  guard truncate(path, off_t(length)) == 0 else { throw TestFailure("cannot truncate \(path)") }
}

func sizeOf(_ path: String) -> Int? { fileStatus(path).map { Int($0.st_size) } }

/// A directory backend whose limited listings stop after `page` entries, the way a bucket
/// listing does after 1000 keys; it records the prefixes listed.
final class PagedBackend: RemoteBackend {
  let inner: DirectoryBackend
  let page: Int
  let listed = Mutex<[String]>([])

  init(root: String, page: Int) {
    inner = DirectoryBackend(name: "origin", root: root)
    self.page = page
  }

  var name: String { inner.name }
  var location: String { inner.location }
  var defaultConcurrency: Int { 4 }
  func checkAccess(create: Bool) async throws { try await inner.checkAccess(create: create) }
  func list(prefix: String, limit: Int?) async throws -> (entries: [RemoteEntry], complete: Bool) {
    listed.withLock { $0.append(prefix) }
    let all = try await inner.list(prefix: prefix, limit: nil).entries
    if let limit, all.count > min(limit, page) { return (Array(all.prefix(min(limit, page))), false) }
    return (all, true)
  }
  func get(_ key: String, range: Range<Int>?) async throws -> [UInt8]? { try await inner.get(key, range: range) }
  func put(_ key: String, _ bytes: [UInt8]) async throws { try await inner.put(key, bytes) }
  func delete(_ keys: [String]) async throws { try await inner.delete(keys) }
  func close() async {}
}

@Suite struct RemoteStoreTests {
  /// Contents of stored sizes on both sides of the pack threshold, empty, compressible…
  static func contents() -> (small: [[UInt8]], large: [[UInt8]]) {
    let threshold = RemoteStore.packThreshold
    let header = ObjectEncoding.headerSize
    var small: [[UInt8]] = [[], [42], Array("hello\n".utf8)]
    for (k, size) in [100, 1_000, 4_096, 20_000, 100_000].enumerated() { small.append(pseudoRandomBytes(size, seed: UInt64(k) + 10)) }
    // Stored size one byte under the threshold: packed.
    small.append(pseudoRandomBytes(threshold - header - 1, seed: 77))
    let large = [
      // Stored size exactly the threshold: loose.
      pseudoRandomBytes(threshold - header, seed: 78),
      pseudoRandomBytes(600_000, seed: 79),
      pseudoRandomBytes(1_500_000, seed: 80),
    ]
    return (small, large)
  }

  @Test func pushInventoryFetchRoundTrip() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let (small, large) = Self.contents()
    let smallIDs = try f.write(small, into: local)
    let largeIDs = try f.write(large, into: local)
    // Metadata is compressed in the store: it travels compressed.
    let manifest = Array(String(repeating: "{\"path\":\"data/file.csv\",\"size\":123}\n", count: 300).utf8)
    let manifestID = try local.write(manifest, role: .metadata)
    #expect(local.storedSize(manifestID)! < manifest.count)
    let all = smallIDs + largeIDs + [manifestID]
    let contents = Dictionary(uniqueKeysWithValues: zip(all, small + large + [manifest]))
    let storedTotal = all.reduce(0) { $0 + local.storedSize($1)! }

    let remote = f.remote()
    let empty = try await remote.inventory()
    #expect(!empty.initialized)
    #expect(empty.locations.isEmpty && empty.packs.isEmpty)

    // Duplicates in the request are sent once.
    let pushed = try await remote.push(all + all.prefix(3), from: local, inventory: empty)
    #expect(pushed.objects == all.count)
    #expect(pushed.packs == 1)
    #expect(pushed.present == 0 && pushed.bytesPresent == 0)
    #expect(pushed.missing.isEmpty && pushed.corrupt.isEmpty)
    let marker = try f.dir.readText("remote/mlv-remote.json")
    #expect(marker == "{\"format\":\"mlv-remote\",\"version\":1}\n")

    let inventory = try await remote.inventory()
    #expect(inventory.initialized)
    #expect(Set(inventory.locations.keys) == Set(all))
    #expect(inventory.packs.count == 1 && inventory.orphanPacks.isEmpty && inventory.damagedIndexes.isEmpty)
    let pack = try #require(inventory.packs.first)
    #expect(pushed.bytes == storedTotal + pack.encoded().count)
    for id in smallIDs + [manifestID] {
      guard case .packed(let p, _, let length)? = inventory.locations[id] else {
        Issue.record("\(id) is not packed: \(String(describing: inventory.locations[id]))")
        continue
      }
      #expect(p == pack.pack)
      #expect(length == local.storedSize(id))
    }
    for id in largeIDs {
      #expect(inventory.locations[id] == .loose(size: local.storedSize(id)!))
      #expect(sizeOf(f.path(RemoteStore.objectKey(id))) == local.storedSize(id))
    }
    #expect(sizeOf(f.path(PackIndex.packKey(pack.pack))) == pack.packSize)
    #expect(pack.packSize == (smallIDs + [manifestID]).reduce(0) { $0 + local.storedSize($1)! })
    // The pack's name is its hash, and its index is the one on the remote.
    #expect(SHA256.hash(try f.dir.read("remote/" + PackIndex.packKey(pack.pack))) == pack.pack)
    #expect(try f.dir.read("remote/" + PackIndex.indexKey(pack.pack)) == pack.encoded())

    // A second push sends nothing.
    let keysBefore = try await f.remoteKeys()
    let again = try await remote.push(all, from: local, inventory: inventory)
    #expect(again.objects == 0 && again.bytes == 0 && again.packs == 0)
    #expect(again.present == all.count)
    #expect(again.bytesPresent == storedTotal)
    #expect(try await f.remoteKeys() == keysBefore)

    // Fetch into a fresh store: everything arrives verified and byte-identical.
    let other = f.store("other")
    let fetched = try await remote.fetch(all, into: other, inventory: inventory)
    #expect(fetched.objects == all.count)
    #expect(fetched.bytes == storedTotal)
    #expect(fetched.packs == 1)
    #expect(fetched.missing.isEmpty && fetched.corrupt.isEmpty && fetched.present == 0)
    for id in all {
      #expect(try other.read(id) == contents[id])
      #expect(try other.readStored(id) == local.readStored(id))
    }
    #expect(Set(try other.allObjects()) == Set(all))

    // A second fetch finds everything present.
    let refetched = try await remote.fetch(all, into: other, inventory: inventory)
    #expect(refetched.objects == 0 && refetched.present == all.count && refetched.bytesPresent == storedTotal)

    // Single reads, packed and loose.
    for id in [smallIDs[3], largeIDs[1], manifestID] { #expect(try await remote.read(id, inventory: inventory) == contents[id]) }
    #expect(try await remote.read(SHA256.hash([1, 2, 3]), inventory: inventory) == nil)

    // check verifies all of it.
    let check = try await remote.check(inventory: inventory)
    #expect(check.corrupt.isEmpty)
    #expect(check.objectsChecked == all.count)
    #expect(check.packsChecked == 1)
    #expect(check.bytesChecked == storedTotal)
  }

  @Test func incrementalPushSendsOnlyNewObjects() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let first = try f.write((0..<5).map { pseudoRandomBytes(1_000 + $0, seed: UInt64($0) + 1) }, into: local)
    let remote = f.remote()
    _ = try await remote.push(first, from: local, inventory: try await remote.inventory())
    let second = try f.write((5..<9).map { pseudoRandomBytes(1_000 + $0, seed: UInt64($0) + 1) }, into: local)
    let report = try await remote.push(first + second, from: local, inventory: try await remote.inventory())
    #expect(report.objects == second.count)
    #expect(report.present == first.count)
    #expect(report.packs == 1)
    let inventory = try await remote.inventory()
    #expect(inventory.packs.count == 2)
    #expect(Set(inventory.locations.keys) == Set(first + second))
    // `wanted` narrows nothing for a small remote: every object is still listed.
    #expect(Set(try await remote.inventory(wanted: Set(first.prefix(1))).locations.keys) == Set(first + second))
  }

  @Test func missingObjectsAreReportedNotSent() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let remote = f.remote()
    let absent = SHA256.hash(Array("never written".utf8))
    let report = try await remote.push([absent], from: local, inventory: try await remote.inventory())
    #expect(report.missing == [absent])
    #expect(report.objects == 0)
    // Nothing to send: the remote is not even initialized.
    #expect(!(try await remote.inventory()).initialized)
    #expect(try await f.remoteKeys().isEmpty)

    let present = try local.write(Array("present".utf8), role: .data)
    let pushed = try await remote.push([absent, present], from: local, inventory: try await remote.inventory())
    #expect(pushed.missing == [absent] && pushed.objects == 1)
    let fetched = try await remote.fetch([absent, present], into: f.store("other"), inventory: try await remote.inventory())
    #expect(fetched.missing == [absent])
    #expect(fetched.objects == 1)
  }

  /// A local object that does not verify is reported and never leaves.
  @Test func pushRefusesDamagedLocalObjects() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let small = try local.write(pseudoRandomBytes(3_000, seed: 1), role: .data)
    let good = try local.write(pseudoRandomBytes(3_000, seed: 2), role: .data)
    let large = try local.write(pseudoRandomBytes(700_000, seed: 3), role: .data)
    try flipByte(local.path(of: small), at: 100)
    try flipByte(local.path(of: large), at: 100)
    let remote = f.remote()
    let report = try await remote.push([small, good, large], from: local, inventory: try await remote.inventory())
    #expect(Set(report.corrupt.map(\.id)) == [small, large])
    #expect(report.objects == 1)
    let inventory = try await remote.inventory()
    #expect(Set(inventory.locations.keys) == [good])
  }

  @Test func smallPackTargetSplitsPacks() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let contents = (0..<40).map { pseudoRandomBytes(5_000 + 37 * $0, seed: UInt64($0) + 500) }
    let ids = try f.write(contents, into: local)
    let remote = f.remote(environment: ["MLV_PACK_TARGET": "1000"])
    #expect(remote.packTarget == 1 << 16, "the target is at least 64 KiB")
    let pushed = try await remote.push(ids, from: local, inventory: try await remote.inventory())
    let inventory = try await remote.inventory()
    #expect(pushed.packs == inventory.packs.count)
    #expect(inventory.packs.count >= 3)
    for index in inventory.packs { #expect(index.packSize <= 1 << 16) }
    #expect(inventory.packs.reduce(0) { $0 + $1.entries.count } == ids.count)
    let other = f.store("other")
    let fetched = try await remote.fetch(ids, into: other, inventory: inventory)
    #expect(fetched.objects == ids.count && fetched.corrupt.isEmpty)
    #expect(fetched.packs == inventory.packs.count)
    for (id, content) in zip(ids, contents) { #expect(try other.read(id) == content) }
    // A fetch of some objects reads only their packs.
    let third = f.store("third")
    let some = [ids[0], ids[39]]
    let partial = try await remote.fetch(some, into: third, inventory: inventory)
    #expect(partial.objects == 2)
    #expect(Set(try third.allObjects()) == Set(some))
  }

  /// A remote too big to list in one request: loose objects are listed per 2-hex prefix, only
  /// the prefixes of the wanted objects when given.
  @Test func largeRemoteIsListedPerPrefix() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let contents = (0..<40).map { pseudoRandomBytes(100 + $0, seed: UInt64($0) + 1_000) }
    let ids = try f.write(contents, into: local)
    let backend = PagedBackend(root: f.remoteRoot, page: 10)
    for id in ids { try await backend.put(RemoteStore.objectKey(id), try local.readStored(id)) }
    try await backend.put(RemoteStore.markerKey, RemoteStore.marker)
    let remote = RemoteStore(backend: backend, indexCache: nil)

    let inventory = try await remote.inventory()
    #expect(Set(inventory.locations.keys) == Set(ids))
    for id in ids { #expect(inventory.locations[id] == .loose(size: local.storedSize(id)!)) }
    let everyPrefix = backend.listed.withLock { $0 }.filter { $0.hasPrefix("objects/") && $0 != "objects/" }
    #expect(everyPrefix.count == 256)

    backend.listed.withLock { $0 = [] }
    let wanted = Set(ids.prefix(3))
    let narrowed = try await remote.inventory(wanted: wanted)
    #expect(wanted.isSubset(of: Set(narrowed.locations.keys)))
    let listed = Set(backend.listed.withLock { $0 }.filter { $0.hasPrefix("objects/") && $0 != "objects/" })
    #expect(listed == Set(wanted.map { "objects/\($0.hex.prefix(2))/" }))

    let other = f.store("other")
    let fetched = try await remote.fetch(ids, into: other, inventory: inventory)
    #expect(fetched.objects == ids.count && fetched.corrupt.isEmpty)
    for (id, content) in zip(ids, contents) { #expect(try other.read(id) == content) }
  }

  /// Objects far apart in one pack come down in separate ranged reads; all verify.
  @Test func fetchAcrossGapsInAPack() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let contents = (0..<6).map { pseudoRandomBytes(400_000 + $0, seed: UInt64($0) + 60) }
    let ids = try f.write(contents, into: local)
    let remote = f.remote()
    _ = try await remote.push(ids, from: local, inventory: try await remote.inventory())
    let inventory = try await remote.inventory()
    let pack = try #require(inventory.packs.first)
    #expect(inventory.packs.count == 1 && pack.entries.count == 6)
    let byOffset = pack.entries.sorted { $0.offset < $1.offset }.map(\.id)
    let other = f.store("other")
    let fetched = try await remote.fetch([byOffset[0], byOffset[5], byOffset[2]], into: other, inventory: inventory)
    #expect(fetched.objects == 3 && fetched.corrupt.isEmpty && fetched.packs == 1)
    for id in [byOffset[0], byOffset[2], byOffset[5]] {
      #expect(try other.read(id) == contents[ids.firstIndex(of: id)!])
    }
    #expect(Set(try other.allObjects()) == [byOffset[0], byOffset[2], byOffset[5]])
  }

  @Test func concurrencyIsClamped() {
    let backend = DirectoryBackend(name: "origin", root: "/nonexistent")
    #expect(RemoteStore(backend: backend, indexCache: nil).concurrency == backend.defaultConcurrency)
    #expect(RemoteStore(backend: backend, concurrency: 0, indexCache: nil).concurrency == 1)
    #expect(RemoteStore(backend: backend, concurrency: -5, indexCache: nil).concurrency == 1)
    #expect(RemoteStore(backend: backend, concurrency: 10_000, indexCache: nil).concurrency == 256)
    #expect(RemoteStore(backend: backend, indexCache: nil).packTarget == 16 << 20)
    #expect(RemoteStore(backend: backend, indexCache: nil, environment: ["MLV_PACK_TARGET": "x"]).packTarget == 16 << 20)
    #expect(RemoteStore(backend: backend, indexCache: nil, environment: ["MLV_PACK_TARGET": "1048576"]).packTarget == 1 << 20)
    #expect(ObjectLocation.loose(size: 7).storedSize == 7)
    #expect(ObjectLocation.packed(pack: SHA256.hash([]), offset: 3, length: 9).storedSize == 9)
  }

  @Test func looseCopyWinsOverPackedCopy() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let id = try local.write(pseudoRandomBytes(2_000, seed: 9), role: .data)
    let remote = f.remote()
    _ = try await remote.push([id], from: local, inventory: try await remote.inventory())
    guard case .packed? = try await remote.inventory().locations[id] else {
      Issue.record("not packed")
      return
    }
    try await remote.backend.put(RemoteStore.objectKey(id), try local.readStored(id))
    #expect(try await remote.inventory().locations[id] == .loose(size: local.storedSize(id)!))
    #expect(RemoteStore.objectKey(id) == "objects/\(id.hex.prefix(2))/\(id.hex.dropFirst(2))")
  }

  /// Loose files that are not objects (bad names, too short) are not in the inventory.
  @Test func strayFilesAreIgnored() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let id = try local.write(pseudoRandomBytes(600_000, seed: 4), role: .data)
    let remote = f.remote()
    _ = try await remote.push([id], from: local, inventory: try await remote.inventory())
    let other = SHA256.hash([9])
    try f.dir.write("remote/" + RemoteStore.objectKey(other), [1, 2, 3])
    try f.dir.write("remote/objects/zz/" + String(repeating: "0", count: 62), [UInt8](repeating: 0, count: 32))
    try f.dir.write("remote/objects/README", "hi")
    try f.dir.write("remote/packs/notes.txt", "hi")
    let inventory = try await remote.inventory()
    #expect(Array(inventory.locations.keys) == [id])
  }

  // MARK: Damage on the remote

  @Test func corruptPackedObjectIsReportedAndNotStored() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let contents = (0..<6).map { pseudoRandomBytes(3_000 + $0, seed: UInt64($0) + 40) }
    let ids = try f.write(contents, into: local)
    let remote = f.remote()
    _ = try await remote.push(ids, from: local, inventory: try await remote.inventory())
    let inventory = try await remote.inventory()
    let victim = ids[2]
    guard case .packed(let pack, let offset, _)? = inventory.locations[victim] else {
      Issue.record("not packed")
      return
    }
    try flipByte(f.path(PackIndex.packKey(pack)), at: offset + ObjectEncoding.headerSize + 500)

    let other = f.store("other")
    let fetched = try await remote.fetch(ids, into: other, inventory: try await remote.inventory())
    #expect(fetched.corrupt.map(\.id) == [victim])
    #expect(fetched.corrupt.first?.reason.contains("does not match") == true)
    #expect(fetched.objects == ids.count - 1)
    #expect(!other.contains(victim))
    #expect(other.storedSize(victim) == nil)
    for (id, content) in zip(ids, contents) where id != victim { #expect(try other.read(id) == content) }
    await #expect(throws: StoreError.self) { try await remote.read(victim, inventory: inventory) }

    let check = try await remote.check(inventory: try await remote.inventory())
    let what = Set(check.corrupt.map(\.what))
    #expect(what == [PackIndex.packKey(pack), victim.description])
    #expect(check.corrupt.first { $0.what == PackIndex.packKey(pack) }?.reason == "its content does not match its name")
    #expect(check.packsChecked == 1 && check.objectsChecked == ids.count)
  }

  @Test func corruptLooseObjectIsReportedAndNotStored() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let big = [pseudoRandomBytes(700_000, seed: 1), pseudoRandomBytes(800_000, seed: 2), pseudoRandomBytes(900_000, seed: 3)]
    let ids = try f.write(big, into: local)
    let remote = f.remote()
    _ = try await remote.push(ids, from: local, inventory: try await remote.inventory())
    try flipByte(f.path(RemoteStore.objectKey(ids[0])), at: 123_456)
    // A header that lies about the length.
    try flipByte(f.path(RemoteStore.objectKey(ids[1])), at: 8, mask: 0x01)
    let inventory = try await remote.inventory()
    let other = f.store("other")
    let fetched = try await remote.fetch(ids, into: other, inventory: inventory)
    #expect(Set(fetched.corrupt.map(\.id)) == Set(ids[0...1]))
    #expect(fetched.objects == 1)
    #expect(!other.contains(ids[0]) && !other.contains(ids[1]))
    #expect(try other.read(ids[2]) == big[2])

    let check = try await remote.check(inventory: inventory)
    #expect(Set(check.corrupt.map(\.what)) == Set(ids[0...1].map(\.description)))
    #expect(check.objectsChecked == 3 && check.packsChecked == 0)
  }

  @Test func truncatedRemoteFilesAreCorrupt() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let contents = [pseudoRandomBytes(700_000, seed: 1)] + (0..<3).map { pseudoRandomBytes(2_000, seed: UInt64($0) + 9) }
    let ids = try f.write(contents, into: local)
    let remote = f.remote()
    _ = try await remote.push(ids, from: local, inventory: try await remote.inventory())
    let inventory = try await remote.inventory()
    let pack = try #require(inventory.packs.first)
    let last = try #require(pack.entries.max { $0.offset < $1.offset })
    try truncateFile(f.path(PackIndex.packKey(pack.pack)), to: pack.packSize - 10)
    try truncateFile(f.path(RemoteStore.objectKey(ids[0])), to: 1_000)
    let other = f.store("other")
    let fetched = try await remote.fetch(ids, into: other, inventory: try await remote.inventory())
    #expect(Set(fetched.corrupt.map(\.id)) == [ids[0], last.id])
    #expect(fetched.objects == 2)
    #expect(!other.contains(ids[0]) && !other.contains(last.id))
    let check = try await remote.check(inventory: try await remote.inventory())
    #expect(Set(check.corrupt.map(\.what)) == [ids[0].description, last.id.description, PackIndex.packKey(pack.pack)])
  }

  @Test func missingPackIsReported() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let ids = try f.write((0..<3).map { pseudoRandomBytes(2_000, seed: UInt64($0) + 1) }, into: local)
    let remote = f.remote()
    _ = try await remote.push(ids, from: local, inventory: try await remote.inventory())
    let inventory = try await remote.inventory()
    let pack = try #require(inventory.packs.first)
    #expect(unlink(f.path(PackIndex.packKey(pack.pack))) == 0)
    let other = f.store("other")
    let fetched = try await remote.fetch(ids, into: other, inventory: inventory)
    #expect(Set(fetched.corrupt.map(\.id)) == Set(ids))
    #expect(try other.allObjects().isEmpty)
    let check = try await remote.check(inventory: inventory)
    #expect(check.corrupt.map(\.what) == [PackIndex.packKey(pack.pack)])
    #expect(check.corrupt.first?.reason == "its index is there but the pack is gone")
  }

  @Test func damagedIndexIsReported() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let ids = try f.write((0..<3).map { pseudoRandomBytes(2_000, seed: UInt64($0) + 1) }, into: local)
    let remote = f.remote()
    _ = try await remote.push(ids, from: local, inventory: try await remote.inventory())
    let pack = try #require(try await remote.inventory().packs.first)
    try flipByte(f.path(PackIndex.indexKey(pack.pack)), at: 60)
    let inventory = try await remote.inventory()
    #expect(inventory.packs.isEmpty)
    #expect(inventory.locations.isEmpty)
    #expect(inventory.damagedIndexes.map(\.key) == [PackIndex.indexKey(pack.pack)])
    #expect(inventory.damagedIndexes.first?.reason.contains("checksum does not match") == true)
    let check = try await remote.check(inventory: inventory)
    #expect(check.corrupt.map(\.what) == [PackIndex.indexKey(pack.pack)])
    let fetched = try await remote.fetch(ids, into: f.store("other"), inventory: inventory)
    #expect(Set(fetched.missing) == Set(ids))
    // An index whose name is not a pack id.
    try f.dir.write("remote/packs/not-a-pack.idx", "x")
    #expect(try await remote.inventory().damagedIndexes.map(\.key) == [PackIndex.indexKey(pack.pack), "packs/not-a-pack.idx"])
  }

  /// Pack indexes are cached by name; a damaged cached copy is replaced from the remote.
  @Test func indexCache() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let ids = try f.write((0..<3).map { pseudoRandomBytes(2_000, seed: UInt64($0) + 1) }, into: local)
    let cache = f.dir.url("cache")
    let remote = f.remote(indexCache: cache)
    _ = try await remote.push(ids, from: local, inventory: try await remote.inventory())
    let pack = try #require(try await remote.inventory().packs.first)
    let cached = cache + "/\(pack.pack.hex).idx"
    #expect(try f.dir.read("cache/\(pack.pack.hex).idx") == pack.encoded())
    // The remote's copy is damaged: the cached one is used.
    try flipByte(f.path(PackIndex.indexKey(pack.pack)), at: 60)
    #expect(Set(try await remote.inventory().locations.keys) == Set(ids))
    // The cached copy is damaged too: the remote's is read, and refused.
    try flipByte(cached, at: 60)
    #expect(try await remote.inventory().damagedIndexes.count == 1)
    // The remote's copy is good again: it is read and cached again.
    try flipByte(f.path(PackIndex.indexKey(pack.pack)), at: 60)
    #expect(Set(try await remote.inventory().locations.keys) == Set(ids))
    #expect(try f.dir.read("cache/\(pack.pack.hex).idx") == pack.encoded())
  }

  // MARK: Format marker

  @Test func formatMarker() async throws {
    let f = RemoteFixture()
    let remote = f.remote()
    func inventoryWith(_ marker: String) async throws -> RemoteInventory {
      try f.dir.write("remote/mlv-remote.json", marker)
      return try await remote.inventory()
    }
    #expect(try await inventoryWith("{\"format\":\"mlv-remote\",\"version\":1}\n").initialized)
    #expect(try await inventoryWith("{\"format\":\"mlv-remote\",\"version\":1,\"note\":\"x\"}").initialized)
    await #expect(
      throws: RemoteError.badLayout(remote: "origin", reason: "its format version 2 is newer than this mlv supports (1)")
    ) { try await inventoryWith("{\"format\":\"mlv-remote\",\"version\":2}\n") }
    await #expect(
      throws: RemoteError.badLayout(remote: "origin", reason: "its format version 10 is newer than this mlv supports (1)")
    ) { try await inventoryWith("{\"format\":\"mlv-remote\",\"version\":10}\n") }
    await #expect(throws: RemoteError.badLayout(remote: "origin", reason: "'mlv-remote.json' is not an mlv remote marker")) {
      try await inventoryWith("{\"format\":\"other\",\"version\":1}")
    }
    await #expect(throws: RemoteError.badLayout(remote: "origin", reason: "'mlv-remote.json' is not an mlv remote marker")) {
      try await inventoryWith("")
    }
    await #expect(throws: RemoteError.badLayout(remote: "origin", reason: "'mlv-remote.json' has no format version")) {
      try await inventoryWith("{\"format\":\"mlv-remote\",\"version\":\"x\"}")
    }
  }

  /// A newer remote is refused before anything is written to it.
  @Test func newerRemoteIsNotWritten() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let id = try local.write(Array("x".utf8), role: .data)
    try f.dir.write("remote/mlv-remote.json", "{\"format\":\"mlv-remote\",\"version\":2}\n")
    let remote = f.remote()
    await #expect(throws: RemoteError.self) {
      let inventory = try await remote.inventory()
      _ = try await remote.push([id], from: local, inventory: inventory)
    }
    #expect(try await f.remoteKeys() == ["mlv-remote.json"])
  }

  // MARK: Collect

  /// Two packs (one becomes fully dead, one partly) and three loose objects (one kept).
  @Test func collectDeletesAndRewrites() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let remote = f.remote()
    let batch1 = try f.write((0..<5).map { pseudoRandomBytes(2_000 + $0, seed: UInt64($0) + 100) }, into: local)
    _ = try await remote.push(batch1, from: local, inventory: try await remote.inventory())
    let batch2Contents = (0..<6).map { pseudoRandomBytes(3_000 + $0, seed: UInt64($0) + 200) }
    let batch2 = try f.write(batch2Contents, into: local)
    let looseContents = (0..<3).map { pseudoRandomBytes(600_000 + $0, seed: UInt64($0) + 300) }
    let loose = try f.write(looseContents, into: local)
    _ = try await remote.push(batch2 + loose, from: local, inventory: try await remote.inventory())
    let inventory = try await remote.inventory()
    #expect(inventory.packs.count == 2)
    let pack1 = try #require(inventory.packs.first { $0.entries.contains { $0.id == batch1[0] } })
    let pack2 = try #require(inventory.packs.first { $0.entries.contains { $0.id == batch2[0] } })

    // Keep the first, third and last of batch 2 (a gap in the middle), and one loose object.
    let keep: Set<ObjectID> = [batch2[0], batch2[2], batch2[5], loose[1]]
    let removed = Set(batch1 + batch2 + loose).subtracting(keep)
    let freed = removed.reduce(0) { $0 + local.storedSize($1)! }

    let keysBefore = try await f.remoteKeys()
    let dry = try await remote.collect(keeping: keep, inventory: inventory, dryRun: true)
    #expect(try await f.remoteKeys() == keysBefore)
    #expect(dry.removed == removed.sorted())
    #expect(dry.kept == keep.count && dry.bytesFreed == freed)
    #expect(dry.packsDeleted == 1 && dry.packsRewritten == 1 && dry.orphansDeleted == 0)

    let report = try await remote.collect(keeping: keep, inventory: inventory, dryRun: false)
    #expect(report.removed == removed.sorted())
    #expect(report.kept == keep.count && report.bytesFreed == freed)
    #expect(report.packsDeleted == 1 && report.packsRewritten == 1)
    for key in [
      PackIndex.packKey(pack1.pack), PackIndex.indexKey(pack1.pack), PackIndex.packKey(pack2.pack), PackIndex.indexKey(pack2.pack),
    ] {
      #expect(!f.dir.exists("remote/" + key), "\(key)")
    }
    #expect(!f.dir.exists("remote/" + RemoteStore.objectKey(loose[0])))
    #expect(!f.dir.exists("remote/" + RemoteStore.objectKey(loose[2])))
    #expect(f.dir.exists("remote/" + RemoteStore.objectKey(loose[1])))

    let after = try await remote.inventory()
    #expect(Set(after.locations.keys) == keep)
    #expect(after.packs.count == 1)
    let newPack = try #require(after.packs.first)
    #expect(Set(newPack.entries.map(\.id)) == [batch2[0], batch2[2], batch2[5]])
    #expect(newPack.packSize == [batch2[0], batch2[2], batch2[5]].reduce(0) { $0 + local.storedSize($1)! })
    #expect(try await remote.check(inventory: after).corrupt.isEmpty)

    // What was kept is still fetchable; what was removed is missing.
    let other = f.store("other")
    let fetched = try await remote.fetch(Array(keep) + Array(removed), into: other, inventory: after)
    #expect(fetched.objects == keep.count && fetched.corrupt.isEmpty)
    #expect(Set(fetched.missing) == removed)
    for (id, content) in zip(batch2, batch2Contents) where keep.contains(id) { #expect(try other.read(id) == content) }
    #expect(try other.read(loose[1]) == looseContents[1])

    // Collecting again changes nothing.
    let again = try await remote.collect(keeping: keep, inventory: after, dryRun: false)
    #expect(again.removed.isEmpty && again.packsDeleted == 0 && again.packsRewritten == 0 && again.kept == keep.count)
    #expect(Set(try await remote.inventory().locations.keys) == keep)

    // Keeping nothing empties the remote but for its marker.
    let all = try await remote.collect(keeping: [], inventory: try await remote.inventory(), dryRun: false)
    #expect(all.removed.count == keep.count && all.packsDeleted == 1)
    let emptied = try await remote.inventory()
    #expect(emptied.initialized && emptied.locations.isEmpty && emptied.packs.isEmpty)
    #expect(try await f.remoteKeys() == ["mlv-remote.json"])
  }

  @Test func collectDeletesOrphanPacks() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let remote = f.remote()
    let ids = try f.write((0..<3).map { pseudoRandomBytes(2_000, seed: UInt64($0) + 1) }, into: local)
    _ = try await remote.push(ids, from: local, inventory: try await remote.inventory())
    let pack = try #require(try await remote.inventory().packs.first)
    #expect(unlink(f.path(PackIndex.indexKey(pack.pack))) == 0)
    let inventory = try await remote.inventory()
    #expect(inventory.orphanPacks == [PackIndex.packKey(pack.pack)])
    #expect(inventory.locations.isEmpty)
    let dry = try await remote.collect(keeping: Set(ids), inventory: inventory, dryRun: true)
    #expect(dry.orphansDeleted == 1)
    #expect(f.dir.exists("remote/" + PackIndex.packKey(pack.pack)))
    let report = try await remote.collect(keeping: Set(ids), inventory: inventory, dryRun: false)
    #expect(report.orphansDeleted == 1 && report.removed.isEmpty)
    #expect(try await f.remoteKeys() == ["mlv-remote.json"])
  }

  /// A kept object that does not verify is never copied into a new pack, and nothing is deleted.
  @Test func collectRefusesToRewriteCorruptObjects() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let remote = f.remote()
    let ids = try f.write((0..<4).map { pseudoRandomBytes(2_000 + $0, seed: UInt64($0) + 1) }, into: local)
    _ = try await remote.push(ids, from: local, inventory: try await remote.inventory())
    let inventory = try await remote.inventory()
    guard case .packed(let pack, let offset, _)? = inventory.locations[ids[1]] else {
      Issue.record("not packed")
      return
    }
    try flipByte(f.path(PackIndex.packKey(pack)), at: offset + 100)
    let keysBefore = try await f.remoteKeys()
    await #expect(throws: RemoteError.corruptObjects(remote: "origin", count: 1, first: ids[1].description)) {
      try await remote.collect(keeping: [ids[0], ids[1]], inventory: inventory, dryRun: false)
    }
    #expect(try await f.remoteKeys() == keysBefore)
  }

  /// A pack shorter than its index says (cut short on the remote) while gc rewrites it: the
  /// rewrite must fail with an error (or skip the pack), not trap on an out-of-range slice.
  /// Runs in a child process because the bug traps.
  @Test func collectOfTruncatedPackDoesNotTrap() async {
    await #expect(processExitsWith: .success) {
      try await RemoteStoreTests.collectTruncatedPack()
    }
  }

  static func collectTruncatedPack() async throws {
    let f = RemoteFixture()
    let local = f.store("local")
    let remote = f.remote()
    let ids = try f.write((0..<4).map { pseudoRandomBytes(2_000 + $0, seed: UInt64($0) + 1) }, into: local)
    _ = try await remote.push(ids, from: local, inventory: try await remote.inventory())
    let inventory = try await remote.inventory()
    guard let pack = inventory.packs.first else { throw TestFailure("no pack") }
    let byOffset = pack.entries.sorted { $0.offset < $1.offset }
    // Keep the first and the last object of the pack, drop one in between, and cut the pack
    // short inside the last object.
    try truncateFile(f.path(PackIndex.packKey(pack.pack)), to: pack.packSize - 100)
    do {
      _ = try await remote.collect(keeping: [byOffset[0].id, byOffset[3].id], inventory: inventory, dryRun: false)
    } catch {
      return
    }
    // Not refused: then the damaged object must not have been carried into a new pack.
    let after = try await remote.inventory()
    if let location = after.locations[byOffset[3].id], case .packed(let p, _, _) = location, p != pack.pack {
      fatalError("a truncated object was copied into a new pack")
    }
  }
}
