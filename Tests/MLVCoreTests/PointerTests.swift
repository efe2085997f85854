import Glibc
import MLVCore
import MLVStore
import MLVTestSupport
import Testing

@Suite struct PointerTests {
  let id = SHA256.hash(Array("x".utf8))

  @Test func pointerTextIsCanonicalAndRoundTrips() throws {
    let p = Pointer(path: "train.csv", kind: .chunked, id: id, size: 123, count: 4)
    #expect(
      p.text() == """
        # mlv pointer: commit this file with git; the data lives in the mlv store
        format: 1
        path: train.csv
        type: chunked
        id: \(id)
        size: 123
        chunks: 4

        """)
    #expect(try Pointer.parse(Array(p.text().utf8), name: "x.mlv") == p)
    let d = Pointer(path: "images", kind: .directory, id: id, size: 9, count: 3)
    #expect(d.text().hasSuffix("files: 3\n"))
    #expect(try Pointer.parse(Array(d.text().utf8), name: "x.mlv") == d)
    let b = Pointer(path: "a b: c", kind: .blob, id: id, size: 1, count: 1)
    #expect(try Pointer.parse(Array(b.text().utf8), name: "x.mlv") == b)
  }

  @Test(arguments: [
    ("format: 1\npath: ../x\ntype: blob\nid: ID\nsize: 1\n", "must be relative"),
    ("format: 1\npath: /etc/passwd\ntype: blob\nid: ID\nsize: 1\n", "must be relative"),
    ("format: 1\npath: a/../../b\ntype: blob\nid: ID\nsize: 1\n", "must be relative"),
    ("format: 2\npath: x\ntype: blob\nid: ID\nsize: 1\n", "unsupported format"),
    ("format: 1\npath: x\ntype: tree\nid: ID\nsize: 1\n", "'type'"),
    ("format: 1\npath: x\ntype: blob\nid: sha256:abc\nsize: 1\n", "'id'"),
    ("format: 1\npath: x\ntype: blob\nid: ID\nsize: -1\n", "'size'"),
    ("format: 1\npath: x\ntype: chunked\nid: ID\nsize: 1\n", "'chunks'"),
    ("format: 1\npath: x\ntype: blob\nid: ID\nsize: 1\ncolour: red\n", "unknown key"),
    ("format: 1\npath: x\npath: y\ntype: blob\nid: ID\nsize: 1\n", "twice"),
    ("<<<<<<< HEAD\n", "not 'key: value'"),
    ("", "'format' is missing"),
  ])
  func malformedPointersAreRefused(text: String, reason: String) {
    let bytes = Array(text.replacingOccurrences(of: "ID", with: id.description).utf8)
    do {
      _ = try Pointer.parse(bytes, name: "data.mlv")
      Issue.record("accepted \(text)")
    } catch let error as CoreError {
      #expect(error.message.contains(reason), "\(error.message)")
      #expect(error.message.hasPrefix("malformed pointer 'data.mlv'"))
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test func configParsesAndPrintsCanonically() throws {
    let c = try Config.parse("# comment\n[core]\n  fsync = true\n\tformat = 1\n", path: "c")
    #expect(c.fsync)
    #expect(c.compression == .auto)
    #expect(c.text() == "[core]\n\tformat = 1\n\tfsync = true\n")
    #expect(throws: CoreError.self) { try Config.parse("[core]\nformat = 1\nfsnyc = true\n", path: "c") }
    #expect(throws: CoreError.self) { try Config.parse("format = 1\n", path: "c") }
    #expect(throws: CoreError.self) { try Config.parse("[core]\ncompression = lz4\nformat = 1\n", path: "c") }
    var d = Config()
    #expect(throws: CoreError.self) { try d.set("core.fsync", "yes") }
    try d.set("core.compression", "zlib")
    #expect(d.compression == .zlib)
  }
}

@Suite struct StatCacheTests {
  @Test func cacheRoundTripsAndIgnoresDamage() throws {
    let dir = TemporaryDirectory()
    try dir.write("f", "hello")
    var st = stat()
    lstat(dir.url("f"), &st)
    st.st_mtim.tv_sec -= 10  // old enough not to be racy
    st.st_ctim.tv_sec -= 10
    let id = SHA256.hash(Array("hello".utf8))
    var cache = StatCache()
    cache.record("f", StatEntry(st, kind: .blob, count: 1, id: id))
    cache.record("d", StatEntry(directory: id, files: 3))
    try cache.save(dir.url("cache"))
    let loaded = StatCache.load(dir.url("cache"))
    #expect(loaded.lookup("f", st)?.id == id)
    #expect(loaded.directoryRecord("d")?.count == 3)
    var changed = st
    changed.st_size += 1
    #expect(loaded.lookup("f", changed) == nil)
    var moved = st
    moved.st_ino += 1
    #expect(loaded.lookup("f", moved) == nil)

    var bytes = try dir.read("cache")
    bytes.removeLast()
    try dir.write("cache", bytes)
    #expect(StatCache.load(dir.url("cache")).entries.isEmpty)
  }

  @Test func racyEntriesAreNotRecorded() throws {
    let dir = TemporaryDirectory()
    try dir.write("f", "now")
    var st = stat()
    lstat(dir.url("f"), &st)
    // Modified "now" as far as the cache can tell, however long the test waits to record it:
    // a timestamp a second ahead is inside the racy window whatever the machine's load.
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    ts.tv_sec += 1
    st.st_mtim = ts
    st.st_ctim = ts
    var cache = StatCache()
    cache.record("f", StatEntry(st, kind: .blob, count: 1, id: SHA256.hash(Array("now".utf8))))
    #expect(cache.lookup("f", st) == nil)
    // Well before the window, the same entry is recorded.
    st.st_mtim.tv_sec -= 10
    st.st_ctim.tv_sec -= 10
    cache.record("f", StatEntry(st, kind: .blob, count: 1, id: SHA256.hash(Array("now".utf8))))
    #expect(cache.lookup("f", st) != nil)
  }
}
