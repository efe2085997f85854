import MLVStore
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a remote keeps an object.
public enum ObjectLocation: Sendable, Equatable {
  /// Its own file, `objects/xx/yyyy…`, of this many bytes.
  case loose(size: Int)
  /// Inside a pack, at this offset and length.
  case packed(pack: ObjectID, offset: Int, length: Int)

  /// The object file's size.
  public var storedSize: Int {
    switch self {
    case .loose(let size): return size
    case .packed(_, _, let length): return length
    }
  }
}

/// What a remote holds.
public struct RemoteInventory: Sendable {
  /// Every object found, with where it is (a loose copy wins over a packed one).
  public var locations: [ObjectID: ObjectLocation] = [:]
  /// The pack indexes read.
  public var packs: [PackIndex] = []
  /// Keys of packs that have no index (an upload cut short before its index was written).
  public var orphanPacks: [String] = []
  /// Indexes that could not be read, with why: their objects are unknown.
  public var damagedIndexes: [(key: String, reason: String)] = []
  /// Whether the remote has its format marker (false for a remote nothing was pushed to).
  public var initialized = false

  public func contains(_ id: ObjectID) -> Bool { locations[id] != nil }
}

/// What a push or fetch did.
public struct TransferReport: Sendable {
  /// Objects sent (push) or received (fetch).
  public var objects = 0
  /// Bytes sent or received: object files, and pack indexes.
  public var bytes = 0
  /// Objects the other side already had.
  public var present = 0
  /// Their bytes: what deduplication saved.
  public var bytesPresent = 0
  /// Packs uploaded or read from.
  public var packs = 0
  /// Parts of interrupted uploads found complete on the server and not sent again.
  public var resumedParts = 0
  /// Objects the source lacks (push: the local store; fetch: the remote).
  public var missing: [ObjectID] = []
  /// Objects that did not verify, with why; none of them was written.
  public var corrupt: [(id: ObjectID, reason: String)] = []

  public init() {}

  /// Adds the counts and lists of another transfer (a later level of the same fetch).
  public mutating func add(_ other: TransferReport) {
    objects += other.objects
    bytes += other.bytes
    present += other.present
    bytesPresent += other.bytesPresent
    packs += other.packs
    resumedParts += other.resumedParts
    missing += other.missing
    corrupt += other.corrupt
  }
}

/// Why an object file does not verify against its id, or nil when it does.
func verificationProblem(_ stored: ArraySlice<UInt8>, _ id: ObjectID) -> String? {
  do {
    try stored.withUnsafeBytes { try LocalStore.verify($0, id: id) }
    return nil
  } catch let error as StoreError {
    return error.message
  } catch {
    return "\(error)"
  }
}

/// What `fsck --remote` found.
public struct RemoteCheckReport: Sendable {
  public var objectsChecked = 0
  public var bytesChecked = 0
  public var packsChecked = 0
  /// Objects or packs that do not verify: an id or a key, and why.
  public var corrupt: [(what: String, reason: String)] = []
}

/// What `gc --remote` removed (or would).
public struct RemoteGCReport: Sendable {
  public var removed: [ObjectID] = []
  public var bytesFreed = 0
  public var kept = 0
  public var packsDeleted = 0
  public var packsRewritten = 0
  public var orphansDeleted = 0
}

/// A store on a remote: the same object files as a local store, under `objects/`, plus packs
/// of small objects under `packs/` (see `docs/format.md`, "Remotes").
///
/// Small objects travel in packs because one request per object is what makes pushing many
/// small files slow (each PUT costs a round trip and, on S3, a fee). Objects of
/// `packThreshold` bytes or more travel alone.
public final class RemoteStore: Sendable {
  public let backend: any RemoteBackend
  /// Transfers in flight.
  public let concurrency: Int
  /// Where pack indexes are cached (they never change: a pack's name is its hash).
  let indexCache: String?

  /// The key of the format marker.
  public static let markerKey = "mlv-remote.json"
  /// The remote format this mlv writes and reads.
  public static let formatVersion = 1
  static let marker = Array("{\"format\":\"mlv-remote\",\"version\":1}\n".utf8)
  /// Object files smaller than this go into packs.
  public static let packThreshold = 512 << 10
  /// Packs are closed once they reach this size.
  public let packTarget: Int

  public init(backend: any RemoteBackend, concurrency: Int? = nil, indexCache: String?, environment: [String: String] = [:]) {
    self.backend = backend
    self.concurrency = max(1, min(256, concurrency ?? backend.defaultConcurrency))
    self.indexCache = indexCache
    self.packTarget = max(1 << 16, environment["MLV_PACK_TARGET"].flatMap { Int($0) } ?? (16 << 20))
  }

  public var name: String { backend.name }

  /// The key of a loose object.
  public static func objectKey(_ id: ObjectID) -> String {
    let hex = id.hex
    return "objects/\(hex.prefix(2))/\(hex.dropFirst(2))"
  }

  // MARK: Format

  /// Whether the marker is there; throws when it is not mlv's or is of a newer format.
  func readMarker() async throws -> Bool {
    guard let bytes = try await backend.get(Self.markerKey, range: nil) else { return false }
    if bytes == Self.marker { return true }
    let text = String(decoding: bytes, as: UTF8.self)
    guard text.contains("\"format\":\"mlv-remote\""), let v = text.firstRange(of: "\"version\":") else {
      throw RemoteError.badLayout(remote: name, reason: "'\(Self.markerKey)' is not an mlv remote marker")
    }
    let digits = text[v.upperBound...].prefix(while: \.isNumber)
    guard let version = Int(digits) else {
      throw RemoteError.badLayout(remote: name, reason: "'\(Self.markerKey)' has no format version")
    }
    guard version <= Self.formatVersion else {
      throw RemoteError.badLayout(
        remote: name, reason: "its format version \(version) is newer than this mlv supports (\(Self.formatVersion))")
    }
    return true
  }

  // MARK: Inventory

  /// What the remote holds: every object, or at least every one of `wanted` that it has.
  public func inventory(wanted: Set<ObjectID>? = nil) async throws -> RemoteInventory {
    var inventory = RemoteInventory()
    inventory.initialized = try await readMarker()
    guard inventory.initialized else {
      // Nothing was ever pushed here: no objects, but a stray directory is still an error to report.
      return inventory
    }
    async let packs = loadPacks()
    let loose = try await listLoose(wanted: wanted)
    let (indexes, orphans, damaged) = try await packs
    for index in indexes {
      for e in index.entries { inventory.locations[e.id] = .packed(pack: index.pack, offset: e.offset, length: e.length) }
    }
    for (id, size) in loose { inventory.locations[id] = .loose(size: size) }
    inventory.packs = indexes
    inventory.orphanPacks = orphans
    inventory.damagedIndexes = damaged
    return inventory
  }

  /// Loose objects: one listing if the remote is small, else a listing per needed 2-hex prefix, in parallel.
  func listLoose(wanted: Set<ObjectID>?) async throws -> [(ObjectID, Int)] {
    let first = try await backend.list(prefix: "objects/", limit: 1000)
    var entries = first.entries
    if !first.complete {
      let prefixes =
        wanted.map { Set($0.map { String($0.hex.prefix(2)) }).sorted() }
        ?? (0..<256).map { String(Crypto.hex([UInt8($0)])) }
      let found = Mutex<[RemoteEntry]>([])
      try await concurrently(prefixes, limit: concurrency) { prefix in
        let listed = try await self.backend.list(prefix: "objects/\(prefix)/")
        found.withLock { $0 += listed }
      }
      entries = found.withLock { $0 }
    }
    var out: [(ObjectID, Int)] = []
    out.reserveCapacity(entries.count)
    for e in entries {
      let parts = e.key.split(separator: "/")
      guard parts.count == 3, parts[1].utf8.count == 2, let id = ObjectID(hex: parts[1] + parts[2]),
        e.size >= ObjectEncoding.headerSize
      else { continue }
      out.append((id, e.size))
    }
    return out
  }

  /// Every pack index (from the cache when there), packs without one, and indexes that do not parse.
  func loadPacks() async throws -> ([PackIndex], [String], [(key: String, reason: String)]) {
    let listed = try await backend.list(prefix: "packs/")
    var indexNames = Set<String>()
    var packNames: [String] = []
    for e in listed.map(\.key) {
      if e.hasSuffix(".idx") {
        indexNames.insert(String(e.dropLast(4)))
      } else if e.hasSuffix(".pack") {
        packNames.append(String(e.dropLast(5)))
      }
    }
    let orphans = packNames.filter { !indexNames.contains($0) }.map { $0 + ".pack" }
    let loaded = Mutex<([PackIndex], [(key: String, reason: String)])>(([], []))
    try await concurrently(indexNames.sorted(), limit: concurrency) { stem in
      let key = stem + ".idx"
      guard let pack = ObjectID(hex: stem.dropFirst("packs/".count)) else {
        loaded.withLock { $0.1.append((key, "its name is not a pack id")) }
        return
      }
      do {
        if let index = try await self.loadIndex(pack) { loaded.withLock { $0.0.append(index) } }
      } catch let error as StoreError {
        loaded.withLock { $0.1.append((key, error.message)) }
      }
    }
    let (indexes, damaged) = loaded.withLock { $0 }
    return (indexes.sorted { $0.pack < $1.pack }, orphans.sorted(), damaged.sorted { $0.key < $1.key })
  }

  /// One pack's index, from the local cache or the remote (then cached); nil if it vanished.
  func loadIndex(_ pack: ObjectID) async throws -> PackIndex? {
    let cached = indexCache.map { "\($0)/\(pack.hex).idx" }
    if let cached, let bytes = try? FileHandle(path: cached, flags: O_RDONLY).readAll(),
      let index = try? PackIndex.decode(bytes, expectedPack: pack)
    {
      return index
    }
    guard let bytes = try await backend.get(PackIndex.indexKey(pack), range: nil) else { return nil }
    let index = try PackIndex.decode(bytes, expectedPack: pack)
    cacheIndex(bytes, pack: pack)
    return index
  }

  func cacheIndex(_ bytes: [UInt8], pack: ObjectID) {
    guard let indexCache else { return }
    // A cache: failing to write it only costs a download next time.
    try? makeDirectories(indexCache)
    try? writeFileAtomically("\(indexCache)/\(pack.hex).idx", bytes, durable: false)
  }

  /// Uploads verified object files as one pack, in the order given, then its index (so an
  /// index on the remote always describes a complete pack); returns the pack's and the index's sizes.
  func uploadPack(_ files: [(id: ObjectID, stored: ArraySlice<UInt8>)]) async throws -> (pack: Int, index: Int) {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(files.reduce(0) { $0 + $1.stored.count })
    var entries: [PackIndex.Entry] = []
    for f in files {
      entries.append(PackIndex.Entry(id: f.id, offset: bytes.count, length: f.stored.count))
      bytes += f.stored
    }
    let pack = SHA256.hash(bytes)
    let index = PackIndex(pack: pack, packSize: bytes.count, entries: entries).encoded()
    try await backend.put(PackIndex.packKey(pack), bytes)
    try await backend.put(PackIndex.indexKey(pack), index)
    cacheIndex(index, pack: pack)
    return (bytes.count, index.count)
  }

  // MARK: Push

  enum Upload: Sendable {
    case loose(ObjectID, Int)
    case pack([(ObjectID, Int)])
  }

  /// Sends the objects of `ids` the remote lacks, reading them from `local` and verifying each
  /// before it leaves. Returns what was sent; objects missing locally or damaged are listed, not sent.
  public func push(_ ids: [ObjectID], from local: LocalStore, inventory: RemoteInventory) async throws -> TransferReport {
    var report = TransferReport()
    var loose: [Upload] = []
    var small: [(ObjectID, Int)] = []
    var toSend = 0
    for id in Set(ids).sorted() {
      if let location = inventory.locations[id] {
        report.present += 1
        report.bytesPresent += location.storedSize
        continue
      }
      guard let size = local.storedSize(id), size >= ObjectEncoding.headerSize else {
        report.missing.append(id)
        continue
      }
      toSend += size
      if size >= Self.packThreshold { loose.append(.loose(id, size)) } else { small.append((id, size)) }
    }
    var packs: [Upload] = []
    var current: [(ObjectID, Int)] = []
    var currentSize = 0
    for (id, size) in small {
      if currentSize + size > packTarget && !current.isEmpty {
        packs.append(.pack(current))
        current = []
        currentSize = 0
      }
      current.append((id, size))
      currentSize += size
    }
    if !current.isEmpty { packs.append(.pack(current)) }
    TransferProgress.begin(objects: loose.count + small.count, bytes: toSend, saved: report.bytesPresent)
    defer { TransferProgress.end() }
    guard !loose.isEmpty || !packs.isEmpty else { return report }
    if !inventory.initialized { try await backend.put(Self.markerKey, Self.marker) }

    let shared = Mutex(report)
    let send: @Sendable (Upload) async throws -> Void = { work in
      switch work {
      case .loose(let id, _):
        let stored = try await blocking { try local.readStored(id) }
        if let problem = verificationProblem(stored[...], id) {
          shared.withLock { $0.corrupt.append((id, problem)) }
          return
        }
        try await self.backend.put(Self.objectKey(id), stored)
        shared.withLock {
          $0.objects += 1
          $0.bytes += stored.count
        }
        TransferProgress.advance(objects: 1, bytes: stored.count)
      case .pack(let members):
        let (files, damaged) = try await blocking { () -> ([(id: ObjectID, stored: ArraySlice<UInt8>)], [(ObjectID, String)]) in
          var files: [(id: ObjectID, stored: ArraySlice<UInt8>)] = []
          var damaged: [(ObjectID, String)] = []
          for (id, _) in members {
            let stored = try local.readStored(id)[...]
            if let problem = verificationProblem(stored, id) { damaged.append((id, problem)) } else { files.append((id, stored)) }
          }
          return (files, damaged)
        }
        if !damaged.isEmpty { shared.withLock { $0.corrupt += damaged.map { (id: $0.0, reason: $0.1) } } }
        guard !files.isEmpty else { return }
        let sent = try await self.uploadPack(files)
        shared.withLock {
          $0.objects += files.count
          $0.bytes += sent.pack + sent.index
          $0.packs += 1
        }
        TransferProgress.advance(objects: members.count, bytes: sent.pack)
      }
    }
    // Packs (up to 16 MiB each in memory) two or four at a time, loose objects on every slot.
    async let packing: Void = concurrently(packs, limit: min(4, max(2, concurrency / 4)), send)
    try await concurrently(loose, limit: concurrency, send)
    try await packing
    report = shared.withLock { $0 }
    if let s3 = backend as? S3Backend { report.resumedParts = s3.resumedParts.load(ordering: .relaxed) }
    return report
  }

  // MARK: Fetch

  enum Download: Sendable {
    case loose(ObjectID)
    /// A byte range of a pack and the objects inside it.
    case span(pack: ObjectID, range: Range<Int>, entries: [PackIndex.Entry])
  }

  /// Downloads the objects of `ids` that `local` lacks; each is verified against its id before it
  /// is written, and one that does not verify is reported and not written.
  public func fetch(_ ids: [ObjectID], into local: LocalStore, inventory: RemoteInventory) async throws -> TransferReport {
    var report = TransferReport()
    var work: [Download] = []
    var byPack: [ObjectID: [PackIndex.Entry]] = [:]
    var toReceive = 0
    var objectCount = 0
    for id in Set(ids).sorted() {
      if local.contains(id) {
        report.present += 1
        report.bytesPresent += local.storedSize(id) ?? 0
        continue
      }
      switch inventory.locations[id] {
      case nil: report.missing.append(id)
      case .loose(let size)?:
        work.append(.loose(id))
        toReceive += size
        objectCount += 1
      case .packed(let pack, let offset, let length)?:
        byPack[pack, default: []].append(PackIndex.Entry(id: id, offset: offset, length: length))
        toReceive += length
        objectCount += 1
      }
    }
    // Neighbouring objects of a pack come down in one ranged GET (gaps up to 1 MiB are read
    // and dropped; a span stops growing at 16 MiB).
    for (pack, entries) in byPack.sorted(by: { $0.key < $1.key }) {
      var span: [PackIndex.Entry] = []
      for e in entries.sorted(by: { $0.offset < $1.offset }) {
        if let first = span.first, let last = span.last,
          e.offset - (last.offset + last.length) > (1 << 20) || e.offset + e.length - first.offset > (16 << 20)
        {
          work.append(.span(pack: pack, range: first.offset..<(last.offset + last.length), entries: span))
          span = []
        }
        span.append(e)
      }
      if let first = span.first, let last = span.last {
        work.append(.span(pack: pack, range: first.offset..<(last.offset + last.length), entries: span))
      }
    }
    report.packs = byPack.count
    TransferProgress.begin(objects: objectCount, bytes: toReceive, saved: report.bytesPresent)
    defer { TransferProgress.end() }
    let shared = Mutex(report)
    /// Verifies one object file and stores it.
    let accept: @Sendable (ObjectID, ArraySlice<UInt8>) throws -> Void = { id, stored in
      if let problem = verificationProblem(stored, id) {
        shared.withLock { $0.corrupt.append((id, problem)) }
        return
      }
      try stored.withUnsafeBytes { _ = try local.writeStored($0, id: id) }
      shared.withLock {
        $0.objects += 1
        $0.bytes += stored.count
      }
      TransferProgress.advance(objects: 1, bytes: stored.count)
    }
    try await concurrently(work, limit: concurrency) { item in
      switch item {
      case .loose(let id):
        guard let stored = try await self.backend.get(Self.objectKey(id), range: nil) else {
          shared.withLock { $0.missing.append(id) }
          return
        }
        try await blocking { try accept(id, stored[...]) }
      case .span(let pack, let range, let entries):
        let bytes = try await self.backend.get(PackIndex.packKey(pack), range: range) ?? []
        try await blocking {
          for e in entries {
            let start = e.offset - range.lowerBound
            guard start + e.length <= bytes.count else {
              shared.withLock { $0.corrupt.append((e.id, "pack \(pack.short) is shorter than its index says")) }
              continue
            }
            try accept(e.id, bytes[start..<start + e.length])
          }
        }
      }
    }
    report = shared.withLock { $0 }
    report.corrupt.sort { $0.id < $1.id }
    report.missing.sort()
    return report
  }

  /// One object's content from the remote, verified; nil when the remote lacks it.
  public func read(_ id: ObjectID, inventory: RemoteInventory) async throws -> [UInt8]? {
    let stored: [UInt8]?
    switch inventory.locations[id] {
    case nil: return nil
    case .loose?: stored = try await backend.get(Self.objectKey(id), range: nil)
    case .packed(let pack, let offset, let length)?:
      stored = try await backend.get(PackIndex.packKey(pack), range: offset..<(offset + length))
    }
    guard let stored else { return nil }
    return try LocalStore.decode(stored, id: id)
  }

  // MARK: Check and collect

  /// Downloads and verifies every object on the remote, and every pack against its name.
  public func check(inventory: RemoteInventory) async throws -> RemoteCheckReport {
    let shared = Mutex(RemoteCheckReport())
    for damaged in inventory.damagedIndexes { shared.withLock { $0.corrupt.append((damaged.key, damaged.reason)) } }
    let loose = inventory.locations.compactMap { id, location -> ObjectID? in
      if case .loose = location { return id }
      return nil
    }.sorted()
    let total = inventory.locations.values.reduce(0) { $0 + $1.storedSize }
    TransferProgress.begin(objects: inventory.locations.count, bytes: total, saved: 0)
    defer { TransferProgress.end() }
    async let packsChecked: Void = concurrently(inventory.packs, limit: max(1, min(4, concurrency))) { index in
      guard let bytes = try await self.backend.get(PackIndex.packKey(index.pack), range: nil) else {
        shared.withLock { $0.corrupt.append((PackIndex.packKey(index.pack), "its index is there but the pack is gone")) }
        return
      }
      let problems =
        await
        (try? blocking { () -> [(String, String)] in
          var problems: [(String, String)] = []
          if SHA256.hash(bytes) != index.pack || bytes.count != index.packSize {
            problems.append((PackIndex.packKey(index.pack), "its content does not match its name"))
          }
          for e in index.entries {
            guard e.offset + e.length <= bytes.count else {
              problems.append((e.id.description, "pack \(index.pack.short) is shorter than its index says"))
              continue
            }
            if let problem = verificationProblem(bytes[e.offset..<e.offset + e.length], e.id) {
              problems.append((e.id.description, problem))
            }
          }
          return problems
        }) ?? []
      shared.withLock {
        $0.packsChecked += 1
        $0.objectsChecked += index.entries.count
        $0.bytesChecked += bytes.count
        $0.corrupt += problems.map { (what: $0.0, reason: $0.1) }
      }
      TransferProgress.advance(objects: index.entries.count, bytes: bytes.count)
    }
    try await concurrently(loose, limit: concurrency) { id in
      let stored = try await self.backend.get(Self.objectKey(id), range: nil)
      let problem = stored.map { verificationProblem($0[...], id) } ?? "it was listed but could not be read"
      shared.withLock {
        $0.objectsChecked += 1
        $0.bytesChecked += stored?.count ?? 0
        if let problem { $0.corrupt.append((id.description, problem)) }
      }
      TransferProgress.advance(objects: 1, bytes: stored?.count ?? 0)
    }
    try await packsChecked
    var report = shared.withLock { $0 }
    report.corrupt.sort { $0.what < $1.what }
    return report
  }

  /// Removes every object not in `keep`: loose files are deleted, packs with nothing to keep
  /// are deleted (index first), and packs with some objects to keep are rewritten with only
  /// those (the new pack and index are written before the old ones are deleted).
  public func collect(keeping keep: Set<ObjectID>, inventory: RemoteInventory, dryRun: Bool) async throws -> RemoteGCReport {
    var report = RemoteGCReport()
    var looseKeys: [String] = []
    for (id, location) in inventory.locations.sorted(by: { $0.key < $1.key }) {
      if keep.contains(id) {
        report.kept += 1
        continue
      }
      report.removed.append(id)
      report.bytesFreed += location.storedSize
      if case .loose = location { looseKeys.append(Self.objectKey(id)) }
    }
    var rewrite: [(PackIndex, [PackIndex.Entry])] = []
    var deletePacks: [PackIndex] = []
    for index in inventory.packs {
      let live = index.entries.filter { keep.contains($0.id) }
      if live.isEmpty { deletePacks.append(index) } else if live.count < index.entries.count { rewrite.append((index, live)) }
    }
    report.packsDeleted = deletePacks.count
    report.packsRewritten = rewrite.count
    report.orphansDeleted = inventory.orphanPacks.count
    guard !dryRun else { return report }
    for (index, live) in rewrite {
      let rangeStart = live.map(\.offset).min()!
      let rangeEnd = live.map { $0.offset + $0.length }.max()!
      guard let span = try await backend.get(PackIndex.packKey(index.pack), range: rangeStart..<rangeEnd) else { continue }
      var files: [(id: ObjectID, stored: ArraySlice<UInt8>)] = []
      for e in live.sorted(by: { $0.id < $1.id }) {
        let start = e.offset - rangeStart
        // Never carry a damaged (or cut short) object into a new pack.
        guard start + e.length <= span.count, verificationProblem(span[start..<(start + e.length)], e.id) == nil else {
          throw RemoteError.corruptObjects(remote: name, count: 1, first: e.id.description)
        }
        files.append((e.id, span[start..<(start + e.length)]))
      }
      _ = try await uploadPack(files)
      try await backend.delete([PackIndex.indexKey(index.pack)])
      try await backend.delete([PackIndex.packKey(index.pack)])
    }
    try await backend.delete(deletePacks.map { PackIndex.indexKey($0.pack) })
    try await backend.delete(deletePacks.map { PackIndex.packKey($0.pack) } + inventory.orphanPacks + looseKeys)
    return report
  }
}

/// Runs `body` on every item, at most `limit` at a time; the first error cancels the rest.
func concurrently<T: Sendable>(_ items: [T], limit: Int, _ body: @escaping @Sendable (T) async throws -> Void) async throws {
  guard !items.isEmpty else { return }
  try await withThrowingTaskGroup(of: Void.self) { group in
    var next = 0
    for _ in 0..<min(max(1, limit), items.count) {
      let item = items[next]
      next += 1
      group.addTask { try await body(item) }
    }
    while try await group.next() != nil {
      if next < items.count {
        let item = items[next]
        next += 1
        group.addTask { try await body(item) }
      }
    }
  }
}
