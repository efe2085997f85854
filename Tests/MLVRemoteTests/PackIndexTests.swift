import MLVStore
import Testing

@testable import MLVRemote

@Suite struct PackIndexTests {
  static func id(_ n: Int) -> ObjectID { SHA256.hash(Array("object \(n)".utf8)) }

  /// An index of `count` objects of 16 + n bytes laid end to end, in a pack named after `seed`.
  static func sample(count: Int = 5, seed: Int = 0) -> PackIndex {
    var entries: [PackIndex.Entry] = []
    var offset = 0
    for n in 0..<count {
      let length = ObjectEncoding.headerSize + n * 7
      entries.append(PackIndex.Entry(id: id(seed * 1000 + n), offset: offset, length: length))
      offset += length
    }
    return PackIndex(pack: SHA256.hash(Array("pack \(seed)".utf8)), packSize: offset, entries: entries)
  }

  /// Index bytes written by hand: `entries` in the order given, the checksum made right.
  static func rawIndex(
    pack: ObjectID, packSize: UInt64, entries: [(ObjectID, UInt64, UInt64)], count: UInt64? = nil, version: UInt8 = 1,
    reserved: [UInt8] = [0, 0, 0], magic: String = "mlvx"
  ) -> [UInt8] {
    var out = Array(magic.utf8) + [version] + reserved
    appendLE(&out, count ?? UInt64(entries.count))
    appendLE(&out, packSize)
    out += pack.bytes
    for (id, offset, length) in entries {
      out += id.bytes
      appendLE(&out, offset)
      appendLE(&out, length)
    }
    out += SHA256.hash(out).bytes
    return out
  }

  func expectRefused(_ bytes: [UInt8], pack: ObjectID, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
      let index = try PackIndex.decode(bytes, expectedPack: pack)
      Issue.record("accepted (\(reason)): \(index.entries.count) entries", sourceLocation: sourceLocation)
    } catch let error as StoreError {
      guard case .malformedManifest(let named, let message) = error else {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return
      }
      #expect(named == pack, sourceLocation: sourceLocation)
      #expect(message.hasPrefix("pack index: "), sourceLocation: sourceLocation)
      #expect(message.contains(reason), "\(message)", sourceLocation: sourceLocation)
    } catch {
      Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
  }

  @Test func layoutIsAsDocumented() {
    let index = Self.sample(count: 3)
    let bytes = index.encoded()
    #expect(bytes.count == 56 + 3 * 48 + 32)
    #expect(Array(bytes[0..<8]) == Array("mlvx".utf8) + [1, 0, 0, 0])
    #expect(readLE(bytes, 8) == 3)
    #expect(readLE(bytes, 16) == UInt64(index.packSize))
    #expect(Array(bytes[24..<56]) == index.pack.bytes)
    for (k, e) in index.entries.enumerated() {
      let at = 56 + k * 48
      #expect(Array(bytes[at..<at + 32]) == e.id.bytes)
      #expect(readLE(bytes, at + 32) == UInt64(e.offset))
      #expect(readLE(bytes, at + 40) == UInt64(e.length))
    }
    #expect(Array(bytes[(bytes.count - 32)...]) == SHA256.hash(Array(bytes[..<(bytes.count - 32)])).bytes)
    #expect(PackIndex.packKey(index.pack) == "packs/\(index.pack.hex).pack")
    #expect(PackIndex.indexKey(index.pack) == "packs/\(index.pack.hex).idx")
  }

  @Test func littleEndianHelpers() {
    var out: [UInt8] = []
    appendLE(&out, 0x0102_0304_0506_0708)
    #expect(out == [8, 7, 6, 5, 4, 3, 2, 1])
    #expect(readLE(out, 0) == 0x0102_0304_0506_0708)
    appendLE(&out, UInt64.max)
    #expect(readLE(out, 8) == UInt64.max)
  }

  @Test(arguments: [0, 1, 2, 5, 100])
  func roundTrip(count: Int) throws {
    let index = Self.sample(count: count, seed: count)
    let bytes = index.encoded()
    let decoded = try PackIndex.decode(bytes, expectedPack: index.pack)
    #expect(decoded == index)
    #expect(decoded.encoded() == bytes)
    #expect(decoded.entries.map(\.id) == decoded.entries.map(\.id).sorted())
  }

  @Test func initSortsEntriesById() throws {
    let a = PackIndex.Entry(id: Self.id(1), offset: 0, length: 20)
    let b = PackIndex.Entry(id: Self.id(2), offset: 20, length: 30)
    let c = PackIndex.Entry(id: Self.id(3), offset: 50, length: 16)
    let pack = Self.id(99)
    let index = PackIndex(pack: pack, packSize: 66, entries: [c, a, b])
    #expect(index.entries.map(\.id) == [a.id, b.id, c.id].sorted())
    #expect(index == PackIndex(pack: pack, packSize: 66, entries: [b, c, a]))
    #expect(try PackIndex.decode(index.encoded(), expectedPack: pack) == index)
  }

  /// Flipping any bit pattern of any single byte is noticed.
  @Test func everySingleByteCorruptionIsRefused() {
    let index = Self.sample(count: 4)
    let bytes = index.encoded()
    for position in bytes.indices {
      for mask: UInt8 in [0x01, 0x80, 0xFF] {
        var damaged = bytes
        damaged[position] ^= mask
        #expect(throws: StoreError.self, "byte \(position) ^ \(mask)") { try PackIndex.decode(damaged, expectedPack: index.pack) }
      }
    }
  }

  @Test func truncationAndExtensionAreRefused() {
    let index = Self.sample(count: 3)
    let bytes = index.encoded()
    for length in [0, 1, 4, 55, 56, 87, bytes.count - 48, bytes.count - 1] {
      #expect(throws: StoreError.self, "length \(length)") { try PackIndex.decode(Array(bytes[..<length]), expectedPack: index.pack) }
    }
    #expect(throws: StoreError.self) { try PackIndex.decode(bytes + [0], expectedPack: index.pack) }
    #expect(throws: StoreError.self) { try PackIndex.decode(bytes + bytes, expectedPack: index.pack) }
    #expect(throws: StoreError.self) { try PackIndex.decode([], expectedPack: index.pack) }
  }

  @Test func wrongPackIsRefused() {
    let index = Self.sample(count: 2)
    expectRefused(index.encoded(), pack: Self.id(12345), "describes pack \(index.pack)")
    // The index of another pack, renamed.
    let other = Self.sample(count: 2, seed: 7)
    expectRefused(other.encoded(), pack: index.pack, "describes pack \(other.pack)")
  }

  @Test func badHeaderIsRefused() {
    let pack = Self.id(500)
    let entries = [(Self.id(1), UInt64(0), UInt64(16))]
    #expect(throws: Never.self) { try PackIndex.decode(Self.rawIndex(pack: pack, packSize: 16, entries: entries), expectedPack: pack) }
    expectRefused(Self.rawIndex(pack: pack, packSize: 16, entries: entries, magic: "mlvo"), pack: pack, "not a pack index")
    expectRefused(Self.rawIndex(pack: pack, packSize: 16, entries: entries, version: 2), pack: pack, "version 2 is not supported")
    expectRefused(Self.rawIndex(pack: pack, packSize: 16, entries: entries, version: 0), pack: pack, "version 0 is not supported")
    expectRefused(Self.rawIndex(pack: pack, packSize: 16, entries: entries, reserved: [0, 1, 0]), pack: pack, "reserved bytes")
    // The count says more (or fewer) entries than there are.
    expectRefused(Self.rawIndex(pack: pack, packSize: 16, entries: entries, count: 2), pack: pack, "does not match its object count")
    expectRefused(Self.rawIndex(pack: pack, packSize: 16, entries: entries, count: 0), pack: pack, "does not match its object count")
    expectRefused(
      Self.rawIndex(pack: pack, packSize: 16, entries: entries, count: UInt64.max), pack: pack, "does not match its object count")
    expectRefused(
      Self.rawIndex(pack: pack, packSize: 16, entries: entries, count: UInt64(Int.max / 48) + 1), pack: pack,
      "does not match its object count")
    // A pack size beyond Int.
    expectRefused(Self.rawIndex(pack: pack, packSize: UInt64.max, entries: entries), pack: pack, "does not match its object count")
  }

  @Test func unsortedOrDuplicateEntriesAreRefused() {
    let pack = Self.id(600)
    let (a, b) = (min(Self.id(1), Self.id(2)), max(Self.id(1), Self.id(2)))
    #expect(throws: Never.self) {
      try PackIndex.decode(Self.rawIndex(pack: pack, packSize: 32, entries: [(a, 0, 16), (b, 16, 16)]), expectedPack: pack)
    }
    expectRefused(Self.rawIndex(pack: pack, packSize: 32, entries: [(b, 0, 16), (a, 16, 16)]), pack: pack, "not sorted and unique")
    expectRefused(Self.rawIndex(pack: pack, packSize: 32, entries: [(a, 0, 16), (a, 16, 16)]), pack: pack, "not sorted and unique")
  }

  @Test func entriesOutsideThePackAreRefused() {
    let pack = Self.id(700)
    let a = Self.id(1)
    let outside: [(UInt64, UInt64, UInt64)] = [
      (100, 90, 16),  // ends past the end
      (100, 85, 16),  // one byte past the end
      (100, 101, 16),  // starts past the end
      (100, 0, 101),  // longer than the pack
      (100, 0, 15),  // too short to hold an object header
      (100, 0, 0),  // empty
      (100, 16, UInt64.max),  // offset + length overflows
      (100, UInt64.max, 16),
      (100, UInt64.max - 8, 16),
    ]
    for (size, offset, length) in outside {
      expectRefused(
        Self.rawIndex(pack: pack, packSize: size, entries: [(a, offset, length)]), pack: pack, "lies outside the pack")
    }
    // Exactly at the end is inside; overlapping entries are not checked (each still verifies).
    #expect(throws: Never.self) {
      try PackIndex.decode(Self.rawIndex(pack: pack, packSize: 100, entries: [(a, 84, 16)]), expectedPack: pack)
    }
  }

  /// An object count of exactly `Int.max / 48` must be refused like any other wrong count,
  /// not overflow `56 + count * 48` (an index is remote input; its checksum is no defence
  /// against one written on purpose). Runs in a child process because the overflow traps.
  @Test func hugeObjectCountDoesNotTrap() async {
    await #expect(processExitsWith: .success) {
      let pack = SHA256.hash(Array("pack".utf8))
      var bytes = Array("mlvx".utf8) + [1, 0, 0, 0]
      appendLE(&bytes, UInt64(Int.max / 48))
      appendLE(&bytes, 16)
      bytes += pack.bytes
      bytes += SHA256.hash(bytes).bytes
      do {
        _ = try PackIndex.decode(bytes, expectedPack: pack)
        fatalError("a pack index with a wrong object count was accepted")
      } catch {}
    }
  }
}
