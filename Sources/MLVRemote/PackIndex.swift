import MLVStore

/// The index of a pack: which objects a pack holds and where (see `docs/format.md`, "Packs").
///
/// A pack is object files (the same bytes as in a store's `objects/`) laid end to end; its
/// name is the SHA-256 of its bytes. Its index is written after it, so an index on a remote
/// always describes a complete pack. Binary, little-endian:
///
///     0   4   magic "mlvx"
///     4   1   version 1
///     5   3   reserved, zero
///     8   8   object count N
///     16  8   pack size in bytes
///     24  32  pack id (SHA-256 of the pack)
///     56  48N entries sorted by id: id (32), offset (8), length (8)
///     …   32  SHA-256 of every byte before it
public struct PackIndex: Sendable, Equatable {
  public struct Entry: Sendable, Equatable {
    public let id: ObjectID
    public let offset: Int
    public let length: Int
  }

  public static let version: UInt8 = 1
  static let magic = Array("mlvx".utf8)
  static let headerSize = 56
  static let entrySize = 48

  /// The pack's name: the SHA-256 of its bytes.
  public let pack: ObjectID
  /// The pack's size in bytes.
  public let packSize: Int
  /// The objects, sorted by id.
  public let entries: [Entry]

  public init(pack: ObjectID, packSize: Int, entries: [Entry]) {
    self.pack = pack
    self.packSize = packSize
    self.entries = entries.sorted { $0.id < $1.id }
  }

  /// Remote keys of a pack and its index.
  public static func packKey(_ pack: ObjectID) -> String { "packs/\(pack.hex).pack" }
  public static func indexKey(_ pack: ObjectID) -> String { "packs/\(pack.hex).idx" }

  /// The canonical bytes.
  public func encoded() -> [UInt8] {
    var out = Self.magic + [Self.version, 0, 0, 0]
    out.reserveCapacity(Self.headerSize + entries.count * Self.entrySize + 32)
    appendLE(&out, UInt64(entries.count))
    appendLE(&out, UInt64(packSize))
    out += pack.bytes
    for e in entries {
      out += e.id.bytes
      appendLE(&out, UInt64(e.offset))
      appendLE(&out, UInt64(e.length))
    }
    out += SHA256.hash(out).bytes
    return out
  }

  /// Parses and checks an index: its checksum, its name, and that every entry lies inside the
  /// pack in sorted order.
  public static func decode(_ bytes: [UInt8], expectedPack: ObjectID) throws -> PackIndex {
    func bad(_ reason: String) -> StoreError { .malformedManifest(expectedPack, reason: "pack index: \(reason)") }
    guard bytes.count >= headerSize + 32, Array(bytes[0..<4]) == magic else { throw bad("not a pack index") }
    guard bytes[4] == version else { throw bad("version \(bytes[4]) is not supported (this mlv reads \(version))") }
    guard bytes[5] == 0, bytes[6] == 0, bytes[7] == 0 else { throw bad("reserved bytes are not zero") }
    let body = bytes.count - 32
    guard SHA256.hash(Array(bytes[..<body])).bytes == Array(bytes[body...]) else { throw bad("checksum does not match") }
    let count = readLE(bytes, 8)
    let packSize = readLE(bytes, 16)
    guard (body - headerSize) % entrySize == 0, count == UInt64((body - headerSize) / entrySize), packSize <= UInt64(Int.max) else {
      throw bad("its length does not match its object count")
    }
    let pack = objectID(bytes[24..<56])
    guard pack == expectedPack else { throw bad("it describes pack \(pack), not \(expectedPack)") }
    var entries: [Entry] = []
    entries.reserveCapacity(Int(count))
    var position = headerSize
    for _ in 0..<Int(count) {
      let id = objectID(bytes[position..<position + 32])
      let offset = readLE(bytes, position + 32)
      let length = readLE(bytes, position + 40)
      guard length >= UInt64(ObjectEncoding.headerSize), offset <= packSize, length <= packSize - offset else {
        throw bad("object \(id) lies outside the pack")
      }
      if let last = entries.last, !(last.id < id) { throw bad("entries are not sorted and unique") }
      entries.append(Entry(id: id, offset: Int(offset), length: Int(length)))
      position += entrySize
    }
    return PackIndex(pack: pack, packSize: Int(packSize), entries: entries)
  }
}

func appendLE(_ out: inout [UInt8], _ value: UInt64) {
  for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: value >> (UInt64(k) * 8))) }
}

func readLE(_ bytes: [UInt8], _ at: Int) -> UInt64 {
  var v: UInt64 = 0
  for k in (0..<8).reversed() { v = (v << 8) | UInt64(bytes[at + k]) }
  return v
}

func objectID(_ bytes: ArraySlice<UInt8>) -> ObjectID { bytes.withUnsafeBytes { ObjectID(digest: $0) } }
