import MLVTestSupport
import Testing

@testable import MLVStore

@Suite struct ChunkerTests {
  func chunks(_ data: [UInt8]) -> [(start: Int, end: Int)] {
    data.withUnsafeBufferPointer { buf in
      var out: [(Int, Int)] = []
      var s = 0
      for c in Chunker.cuts(buf.baseAddress!, start: 0, end: data.count, atEnd: true) {
        out.append((s, c))
        s = c
      }
      return out
    }
  }

  func ids(_ data: [UInt8]) -> [ObjectID] {
    chunks(data).map { c in data[c.start..<c.end].withUnsafeBytes { SHA256.hash($0) } }
  }

  @Test func chunkSizesStayWithinBounds() {
    let data = pseudoRandomBytes(48 << 20, seed: 1)
    let found = chunks(data)
    #expect(found.first?.start == 0)
    #expect(found.last?.end == data.count)
    for (i, c) in found.enumerated() {
      let size = c.end - c.start
      #expect(size <= Chunker.maximumSize)
      if i < found.count - 1 { #expect(size > Chunker.minimumSize) }
    }
    let average = data.count / found.count
    #expect(average > 700 << 10 && average < 2 << 20, "average chunk \(average)")
  }

  @Test func boundariesSurviveAnInsertionNearTheStart() {
    let original = pseudoRandomBytes(48 << 20, seed: 2)
    var edited = original
    edited.insert(contentsOf: pseudoRandomBytes(1_000_000, seed: 3), at: 100_000)
    edited[30 << 20] ^= 0xFF
    let before = Set(ids(original))
    let after = ids(edited)
    let new = after.filter { !before.contains($0) }.count
    // The insertion disturbs the chunks around it and the flipped byte one more: a handful, not all.
    #expect(new <= 8, "\(new) of \(after.count) chunks changed")
  }

  @Test func uniformDataCutsAtTheMaximum() {
    let zeros = [UInt8](repeating: 0, count: 5 * Chunker.maximumSize)
    let found = chunks(zeros)
    #expect(found.count == 5)
    #expect(found.allSatisfy { $0.end - $0.start == Chunker.maximumSize })
  }

  /// The parallel scan with its stitched seam must give exactly the sequential chunks.
  @Test(arguments: [33 << 20, 40 << 20 + 17, 64 << 20])
  func parallelScanEqualsSequentialScan(size: Int) {
    var data = pseudoRandomBytes(size, seed: UInt64(size))
    // A run of zeros across the middle forces maximum-size cuts at the seam.
    for i in (size / 2 - 9_000_000)..<(size / 2 + 3_000_000) { data[i] = 0 }
    let sequential = chunks(data).map(\.end)
    let parallel = data.withUnsafeBufferPointer { FileIngest.scanWindow($0.baseAddress!, start: 0, end: size, atEnd: true).map(\.end) }
    #expect(parallel == sequential)
  }

  /// Guards the format: these parameters and this gear table name every chunked file ever stored.
  @Test func chunkingIsStableAcrossVersions() throws {
    #expect(Chunker.gearTable.count == 256)
    let data = pseudoRandomBytes(20 << 20, seed: 42)
    let dir = TemporaryDirectory()
    try dir.write("f", data)
    let result = try FileIngest.ingest(path: dir.url("f"), store: nil)
    #expect(result.layout == .chunked)
    #expect(result.size == data.count)
    #expect(result.chunkCount == chunks(data).count)
    #expect(result.id.description == ChunkerTests.goldenID, "chunking changed: \(result.id) (\(result.chunkCount) chunks)")
  }

  static let goldenID = "sha256:de4bfeafee03e116453889138cfaaa29543b2aff39103cd5dd735881ed110b40"
}
