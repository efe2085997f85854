import MLVStore
import MLVTestSupport
import Testing

@Suite struct ManifestTests {
  let a = SHA256.hash(Array("a".utf8))
  let b = SHA256.hash(Array("b".utf8))

  @Test func directoryManifestIsCanonical() throws {
    let one = try DirectoryManifest(entries: [
      DirectoryEntry(path: "z/b.txt", id: b, type: .blob, size: 1, executable: true),
      DirectoryEntry(path: "a.txt", id: a, type: .blob, size: 1, executable: false),
    ])
    let two = try DirectoryManifest(entries: one.entries.reversed())
    #expect(one.encoded() == two.encoded())
    let text = String(decoding: one.encoded(), as: UTF8.self)
    #expect(
      text
        == "{\"entries\":[{\"id\":\"\(a)\",\"mode\":\"644\",\"path\":\"a.txt\",\"size\":1,\"type\":\"blob\"},{\"id\":\"\(b)\",\"mode\":\"755\",\"path\":\"z/b.txt\",\"size\":1,\"type\":\"blob\"}],\"format\":1,\"type\":\"directory\"}"
    )
    let id = SHA256.hash(one.encoded())
    #expect(try DirectoryManifest.decode(one.encoded(), id: id) == one)
  }

  @Test func stringsAreEscapedMinimally() {
    let bytes = CanonicalJSON.encode(.object(["k": .string("q\"b\\n\nt\tc\u{1}é/")]))
    #expect(String(decoding: bytes, as: UTF8.self) == "{\"k\":\"q\\\"b\\\\n\\nt\\tc\\u0001é/\"}")
  }

  @Test func fileManifestRoundTrips() throws {
    let m = FileManifest(chunks: [ChunkReference(id: a, size: 10), ChunkReference(id: b, size: 5)])
    #expect(
      String(decoding: m.encoded(), as: UTF8.self)
        == "{\"chunks\":[{\"id\":\"\(a)\",\"size\":10},{\"id\":\"\(b)\",\"size\":5}],\"format\":1,\"size\":15,\"type\":\"chunked\"}")
    #expect(try FileManifest.decode(m.encoded(), id: a) == m)
    let lying = Array("{\"chunks\":[{\"id\":\"\(a)\",\"size\":10}],\"format\":1,\"size\":11,\"type\":\"chunked\"}".utf8)
    #expect(throws: StoreError.self) { try FileManifest.decode(lying, id: a) }
  }

  @Test(arguments: ["../x", "/etc/passwd", "a/../../x", "a//b", "./a", "a/.", "", "a\nb", "a/.."])
  func unsafePathsAreRefused(path: String) {
    #expect(!isSafeRelativePath(path))
    #expect(throws: StoreError.self) {
      try DirectoryManifest(entries: [DirectoryEntry(path: path, id: a, type: .blob, size: 1, executable: false)])
    }
    let hostile = Array(
      "{\"entries\":[{\"id\":\"\(a)\",\"mode\":\"644\",\"path\":\(String(decoding: CanonicalJSON.encode(.string(path)), as: UTF8.self)),\"size\":1,\"type\":\"blob\"}],\"format\":1,\"type\":\"directory\"}"
        .utf8)
    #expect(throws: StoreError.self) { try DirectoryManifest.decode(hostile, id: a) }
  }

  @Test func duplicateEntriesAndWrongTypesAreRefused() {
    let dup = Array(
      "{\"entries\":[{\"id\":\"\(a)\",\"mode\":\"644\",\"path\":\"x\",\"size\":1,\"type\":\"blob\"},{\"id\":\"\(a)\",\"mode\":\"644\",\"path\":\"x\",\"size\":1,\"type\":\"blob\"}],\"format\":1,\"type\":\"directory\"}"
        .utf8)
    #expect(throws: StoreError.self) { try DirectoryManifest.decode(dup, id: a) }
    #expect(throws: StoreError.self) {
      try DirectoryManifest.decode(Array("{\"chunks\":[],\"format\":1,\"size\":0,\"type\":\"chunked\"}".utf8), id: a)
    }
    #expect(throws: StoreError.self) { try DirectoryManifest.decode(Array("not json".utf8), id: a) }
  }

  @Test func safePathsAreAccepted() {
    for p in ["a", "a/b/c.txt", "..a", "a..b/c", ".hidden/x"] { #expect(isSafeRelativePath(p)) }
  }
}

@Suite struct CanonicalJSONTests {
  @Test func numbersHaveOneSpelling() throws {
    #expect(CanonicalJSON.encode(.number(3.0)) == Array("3".utf8))
    #expect(CanonicalJSON.encode(.number(0.1)) == Array("0.1".utf8))
    #expect(CanonicalJSON.encode(.number(1e-05)) == Array("1e-05".utf8))
    #expect(CanonicalJSON.encode(.number(.nan)) == Array("null".utf8))
    let decoded = try CanonicalJSON.decode(Array("{\"a\": [1, 2.5, true, null, \"x\"]}".utf8))
    #expect(decoded == .object(["a": .array([.integer(1), .number(2.5), .bool(true), .null, .string("x")])]))
  }

  @Test func prettyFormIsCanonicalAndLineOriented() throws {
    let v: CanonicalJSON.Value = .object(["b": .array([.integer(1), .integer(2)]), "a": .object(["x": .number(1.0)])])
    #expect(String(decoding: CanonicalJSON.encodePretty(v), as: UTF8.self) == "{\n  \"a\": {\n    \"x\": 1\n  },\n  \"b\": [1, 2]\n}\n")
    // A user's file keeps its floats as floats.
    #expect(String(decoding: CanonicalJSON.encodePretty(v, keepFractions: true), as: UTF8.self).contains("\"x\": 1.0"))
    #expect(try CanonicalJSON.decode(CanonicalJSON.encodePretty(v)) == CanonicalJSON.decode(CanonicalJSON.encode(v)))
  }
}
