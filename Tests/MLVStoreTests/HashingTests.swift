import MLVStore
import MLVTestSupport
import Testing

@Suite struct HashingTests {
  @Test(arguments: [0, 1, 55, 56, 64, 1000, 1 << 20, 3_000_001])
  func sha256EqualsSha256sum(size: Int) throws {
    let dir = TemporaryDirectory()
    let bytes = pseudoRandomBytes(size, seed: UInt64(size) + 1)
    try dir.write("f", bytes)
    #expect(SHA256.hash(bytes).hex == (try sha256sum(dir.url("f"))))
  }

  @Test func incrementalHasherMatchesOneShot() {
    let bytes = pseudoRandomBytes(100_003, seed: 9)
    let hasher = SHA256.Hasher()
    bytes.withUnsafeBytes { buf in
      hasher.update(UnsafeRawBufferPointer(rebasing: buf[0..<7]))
      hasher.update(UnsafeRawBufferPointer(rebasing: buf[7...]))
    }
    #expect(hasher.finish() == SHA256.hash(bytes))
  }

  @Test func objectIDTextRoundTrips() throws {
    let id = SHA256.hash(Array("abc".utf8))
    #expect(id.description == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(ObjectID(id.description) == id)
    #expect(ObjectID(hex: id.hex) == id)
    #expect(id.bytes.count == 32)
  }

  @Test(arguments: [
    "", "sha256:", "sha1:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",
    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015adz",
  ])
  func objectIDRejectsMalformedText(text: String) {
    #expect(ObjectID(text) == nil)
  }

  @Test func zlibRoundTripsAndRejectsDamage() throws {
    let text = Array(String(repeating: "column_a,column_b\n1,2\n", count: 1000).utf8)
    let packed = text.withUnsafeBytes { Zlib.compress($0, level: 6) }
    #expect(packed.count < text.count / 10)
    #expect(packed.withUnsafeBytes { Zlib.decompress($0, expectedCount: text.count) } == text)
    #expect(packed.withUnsafeBytes { Zlib.decompress($0, expectedCount: text.count - 1) } == nil)
    var damaged = packed
    damaged[damaged.count / 2] ^= 0xFF
    #expect(damaged.withUnsafeBytes { Zlib.decompress($0, expectedCount: text.count) } != text)
  }

  @Test func objectFilesAreVerifiedOnDecode() throws {
    let content = Array("hello\n".utf8)
    let id = SHA256.hash(content)
    let stored = ObjectEncoding.raw.header(contentLength: content.count) + content
    #expect(try LocalStore.decode(stored, id: id) == content)
    #expect(Array(stored[0..<8]) == [0x6d, 0x6c, 0x76, 0x6f, 1, 0, 0, 0])
    var flipped = stored
    flipped[ObjectEncoding.headerSize] ^= 1
    #expect(throws: StoreError.self) { try LocalStore.decode(flipped, id: id) }
    #expect(throws: StoreError.self) { try LocalStore.decode(Array(stored.dropLast()), id: id) }
    #expect(throws: StoreError.self) { try LocalStore.decode(Array(stored[0..<10]), id: id) }
  }
}
