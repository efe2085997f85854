import Foundation
import Testing

@testable import MLVData

@Suite struct DriftCollectionTests {
  func sample(_ text: String, format: TableFormat = .csv, batch: Int = 1 << 20) throws -> TableSample {
    var reader = TableReader(format: format, name: "t")
    reader.batchBytes = batch
    return try TableSample.read({ source(text) }, reader: reader, wanted: nil)
  }

  @Test func radixSortOrdersLikeComparison() {
    var state: UInt64 = 7
    func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state
    }
    for n in [0, 1, 513, 5000, 100_000] {
      var values: [Double] = (0..<n).map { i in
        switch i % 7 {
        case 0: return Double(Int64(bitPattern: next()) % 1000)
        case 1: return -Double(next() % 1_000_000) / 997
        case 2: return 0
        case 3: return -0.0
        case 4: return Double(bitPattern: next() & 0x7FEF_FFFF_FFFF_FFFF)
        case 5: return -Double(bitPattern: next() & 0x7FEF_FFFF_FFFF_FFFF)
        default: return 1e-310 * Double(next() % 5)
        }
      }
      let segments = NumberSegments()
      values.withUnsafeBufferPointer { segments.append($0) }
      let sorted = RadixSort.sorted(segments)
      values.sort()
      #expect(sorted.count == n)
      #expect(zip(sorted, values).allSatisfy { $0 == $1 }, "n = \(n)")
    }
  }

  @Test func numbersThenTextIsCountedAgainAsText() throws {
    // Small batches: the first hold only numbers, a later one text. pandas reads the whole
    // column as text, so mlv counts every value (with its spelling) as text.
    var csv = "k,x\n"
    for i in 0..<300 { csv += "\(i % 3).0,\(i)\n" }
    csv += "abc,300\n"
    let t = try sample(csv, batch: 64)
    let k = try #require(t.samples["k"])
    #expect(!k.numeric && k.categories.count == 4 && k.present == 301)
    #expect(k.categories.count(of: Array("1.0".utf8)) == 100 && k.categories.count(of: Array("abc".utf8)) == 1)
    let x = try #require(t.samples["x"])
    #expect(x.numeric && x.integer && x.numbers.count == 301 && x.numbers.first == 0 && x.numbers.last == 300)
    // The same in one batch.
    let one = try #require(try sample(csv).samples["k"])
    #expect(one.categories.count == 4 && one.present == 301)
  }

  @Test func missingValuesInfinitiesAndBooleans() throws {
    let t = try sample("a,b,c\n1.5,true,2020-01-01\n,False,2021-05-03\nNaN,TRUE,\ninf,false,2022-01-01\n-2,True,2023-01-01\n")
    let a = try #require(t.samples["a"])
    #expect(a.numeric && !a.integer && a.missing == 2 && a.infinite == 1 && a.numbers == [-2, 1.5])
    let b = try #require(t.samples["b"])
    #expect(b.boolean && b.categories.count == 2 && b.categories.count(of: Array("true".utf8)) == 3)
    let c = try #require(t.samples["c"])
    #expect(c.temporal && c.missing == 1)
    #expect(DriftAnalysis.kind(of: a).kind == .numerical && DriftAnalysis.kind(of: b).kind == .categorical)
    #expect(DriftAnalysis.kind(of: c).kind == .datetime)
  }

  @Test func jsonLinesKeysAbsentInSomeRowsAreMissing() throws {
    let t = try sample("{\"a\":1,\"b\":\"x\"}\n{\"a\":2}\n{\"b\":\"y\",\"c\":true}\n{\"a\":null,\"b\":\"x\"}\n", format: .jsonl, batch: 16)
    #expect(t.rows == 4)
    #expect(t.samples["a"]?.missing == 2 && t.samples["a"]?.numbers == [1, 2])
    #expect(t.samples["b"]?.missing == 1 && t.samples["b"]?.categories.count == 2)
    #expect(t.samples["c"]?.missing == 3 && t.samples["c"]?.boolean == true)
  }

  @Test func absentKeysAreMissingWhenOnlySomeColumnsAreWanted() throws {
    var lines = ""
    for i in 0..<50 { lines += "{\"a\":\(i),\"b\":1}\n" }
    for _ in 0..<200 { lines += "{\"b\":2,\"c\":3}\n" }
    var reader = TableReader(format: .jsonl, name: "t")
    reader.batchBytes = 64
    let t = try TableSample.read({ source(lines) }, reader: reader, wanted: ["a"])
    #expect(t.rows == 250 && t.samples["a"]?.missing == 200 && t.samples["a"]?.numbers.count == 50)
  }

  @Test func integerColumnsFollowPandasAndEvidently() throws {
    var few = "n\n"
    for i in 0..<100 { few += "\(i % 10)\n" }
    #expect(DriftAnalysis.kind(of: try sample(few).samples["n"]!).kind == .categorical)
    var many = "n\n"
    for i in 0..<100 { many += "\(i % 11)\n" }
    #expect(DriftAnalysis.kind(of: try sample(many).samples["n"]!).kind == .numerical)
    // A missing value makes pandas read floats: numerical, whatever the count (a blank line is
    // skipped, not missing).
    #expect(DriftAnalysis.kind(of: try sample(few + "\n").samples["n"]!).kind == .categorical)
    #expect(DriftAnalysis.kind(of: try sample(few + "NA\n").samples["n"]!).kind == .numerical)
  }
}
