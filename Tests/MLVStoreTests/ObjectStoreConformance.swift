import Dispatch
import MLVStore
import MLVTestSupport
import Testing

/// The contract every `ObjectStore` must meet. A new backend adds one `@Test` that calls
/// `checkObjectStoreConformance` with a factory and a way to damage one of its objects.
func checkObjectStoreConformance(
  _ makeStore: () throws -> any ObjectStore, corrupt: (any ObjectStore, ObjectID) throws -> Void
) throws {
  let store = try makeStore()
  let content = pseudoRandomBytes(100_000, seed: 7)
  let id = SHA256.hash(content)

  // Absent objects.
  #expect(!store.contains(id))
  #expect(throws: StoreError.missing(id)) { try store.read(id) }
  #expect(store.storedSize(id) == nil)

  // Write, then read back verified; a second write of the same object is success and a no-op.
  let first = try content.withUnsafeBytes { try store.write($0, id: id, role: .data) }
  #expect(first)
  #expect(store.contains(id))
  #expect(try store.read(id) == content)
  let second = try content.withUnsafeBytes { try store.write($0, id: id, role: .data) }
  #expect(!second)
  #expect(try store.allObjects() == [id])

  // Metadata (which a store may compress) and empty objects round-trip.
  let manifest = Array(String(repeating: "{\"id\":\"sha256:00\"}", count: 200).utf8)
  let manifestID = try store.write(manifest, role: .metadata)
  #expect(try store.read(manifestID) == manifest)
  let emptyID = try store.write([], role: .data)
  #expect(emptyID.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
  #expect(try store.read(emptyID) == [])

  // Many threads writing the same and different objects at once.
  let pieces = (0..<16).map { pseudoRandomBytes(5_000 + $0, seed: UInt64($0) + 100) }
  DispatchQueue.concurrentPerform(iterations: 32) { i in
    _ = try? store.write(pieces[i % 16], role: .data)
  }
  for piece in pieces { #expect(try store.read(SHA256.hash(piece)) == piece) }
  #expect(Set(try store.allObjects()).count == 19)

  // A damaged object is never returned.
  try corrupt(store, id)
  #expect(throws: StoreError.self) { try store.read(id) }
  do {
    _ = try store.read(id)
  } catch let error as StoreError {
    guard case .corrupt(let damaged, _) = error else {
      Issue.record("expected corrupt, got \(error)")
      return
    }
    #expect(damaged == id)
  }

  // Removal, including of an absent object.
  try store.remove(id)
  try store.remove(id)
  #expect(!store.contains(id))
}

@Suite struct LocalStoreConformance {
  @Test(arguments: CompressionPolicy.allCases, [false, true])
  func localStorePassesTheSuite(compression: CompressionPolicy, durable: Bool) throws {
    let dir = TemporaryDirectory()
    try checkObjectStoreConformance(
      { LocalStore(objectsPath: dir.url("objects"), temporaryPath: dir.url("tmp"), durable: durable, compression: compression) },
      corrupt: { store, id in
        let path = (store as! LocalStore).path(of: id)
        var bytes = try dir.read(String(path.dropFirst(dir.path.count + 1)))
        bytes[bytes.count / 2] ^= 0x01
        _ = try runProcess("/bin/chmod", ["u+w", path], in: "/")
        try dir.write(String(path.dropFirst(dir.path.count + 1)), bytes)
      })
  }
}
