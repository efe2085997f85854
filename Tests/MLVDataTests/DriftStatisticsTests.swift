import Foundation
import XCTest

@testable import MLVData

/// DriftStatistics against SciPy 1.17.1 / NumPy 2.4.6 (Fixtures/drift/scipy.json, written by
/// Fixtures/drift/make_fixtures.py): every value within 1e-9 relative (1e-300 absolute for underflow).
final class DriftStatisticsTests: XCTestCase {
  // MARK: Fixture model

  /// A sample: explicit values, or {"grid": {"n", "start", "step"}} meaning start + i * step.
  enum Sample: Decodable {
    case values([Double])
    case grid(n: Int, start: Double, step: Double)

    private struct Grid: Decodable {
      let n: Int
      let start: Double
      let step: Double
    }

    private struct Wrapper: Decodable {
      let grid: Grid
    }

    init(from decoder: Decoder) throws {
      let container = try decoder.singleValueContainer()
      if let values = try? container.decode([Double].self) {
        self = .values(values)
      } else {
        let grid = try container.decode(Wrapper.self).grid
        self = .grid(n: grid.n, start: grid.start, step: grid.step)
      }
    }

    var values: [Double] {
      switch self {
      case .values(let values): return values
      case .grid(let n, let start, let step): return (0..<n).map { start + Double($0) * step }
      }
    }
  }

  struct TwoSampleCase: Decodable {
    let name: String
    let a: Sample
    let b: Sample
    let method: String?
    let statistic: Double?
    let pvalue: Double?
    let value: Double?
  }

  struct OneSampleCase: Decodable {
    let name: String
    let a: Sample
    let value: Double?
  }

  struct ChiSquareCase: Decodable {
    let name: String
    let observed: [Double]
    let expected: [Double]
    let statistic: Double?
    let pvalue: Double?
  }

  struct ZTestCase: Decodable {
    let x1: Int
    let n1: Int
    let x2: Int
    let n2: Int
    let statistic: Double?
    let pvalue: Double?
  }

  struct DivergenceCase: Decodable {
    let name: String
    let p: [Double]
    let q: [Double]
    let js: Double?
    let kl: Double?
    let p_filled: [Double]
    let q_filled: [Double]
    let psi: Double?
    let p_share: [Double]
    let q_share: [Double]
    let hellinger: Double?
  }

  struct FillCase: Decodable {
    let p: [Double]
    let filled: [Double]
  }

  struct SturgesCase: Decodable {
    let name: String
    let count: Int
    let min: Double
    let max: Double
    let integer: Bool
    let edges: [Double]
  }

  struct HistogramCase: Decodable {
    let name: String
    let sorted: [Double]
    let edges: [Double]
    let counts: [Int]
  }

  struct HellingerNumericCase: Decodable {
    let name: String
    let reference: [Double]
    let current: [Double]
    let integer: Bool
    let value: Double?
  }

  struct Fixture: Decodable {
    let ks: [TwoSampleCase]
    let ks_exact: [[Double?]]
    let ks_asymp: [[Double?]]
    let wasserstein: [TwoSampleCase]
    let std: [OneSampleCase]
    let anderson: [TwoSampleCase]
    let chisquare: [ChiSquareCase]
    let chi2sf: [[Double?]]
    let normsf: [[Double?]]
    let ztest: [ZTestCase]
    let divergence: [DivergenceCase]
    let fill: [FillCase]
    let sturges: [SturgesCase]
    let histogram: [HistogramCase]
    let hellinger_numeric: [HellingerNumericCase]
  }

  private func loadFixture() throws -> Fixture {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/drift/scipy.json")
    return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
  }

  // MARK: Comparison

  static let relativeTolerance = 1e-9
  static let absoluteTolerance = 1e-300

  /// Relative error of `actual` against SciPy's `expected` (nil: non-finite); 0 when equal.
  static func relativeError(_ actual: Double, _ expected: Double?) -> Double {
    guard let expected else { return actual.isFinite ? .infinity : 0 }
    if actual == expected { return 0 }
    let difference = abs(actual - expected)
    if difference <= absoluteTolerance { return 0 }
    return expected == 0 ? .infinity : difference / abs(expected)
  }

  /// Asserts agreement and returns the relative error (for the summary).
  @discardableResult
  func assertClose(
    _ actual: Double, _ expected: Double?, _ message: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line
  ) -> Double {
    let error = Self.relativeError(actual, expected)
    XCTAssertLessThanOrEqual(
      error, Self.relativeTolerance, "\(message()): got \(actual), SciPy \(expected.map { "\($0)" } ?? "non-finite")", file: file,
      line: line)
    return error
  }

  private func report(_ function: String, _ worst: Double) {
    print("DriftStatisticsTests: \(function) max relative error \(worst)")
  }

  // MARK: Fixture tests

  func testKolmogorovSmirnovSamples() throws {
    var worst = 0.0
    for c in try loadFixture().ks {
      let a = c.a.values
      let b = c.b.values
      let result: (statistic: Double, pValue: Double)
      switch c.method {
      case "exact": result = DriftStatistics.ksTwoSample(a, b, exact: true)
      case "asymp": result = DriftStatistics.ksTwoSample(a, b, exact: false)
      default: result = DriftStatistics.ksTwoSample(a, b)
      }
      worst = max(worst, assertClose(result.statistic, c.statistic, "ks \(c.name) statistic"))
      worst = max(worst, assertClose(result.pValue, c.pvalue, "ks \(c.name) p-value"))
    }
    report("ksTwoSample", worst)
  }

  func testKolmogorovSmirnovExactPValues() throws {
    var worst = 0.0
    for row in try loadFixture().ks_exact {
      let d = row[0]!
      let n1 = Int(row[1]!)
      let n2 = Int(row[2]!)
      let p = DriftStatistics.ksExactPValue(d: d, n1: n1, n2: n2)
      if let expected = row[4] {
        XCTAssertNotNil(p, "ks exact d=\(d) n1=\(n1) n2=\(n2): SciPy succeeds")
        if let p { worst = max(worst, assertClose(p, expected, "ks exact d=\(d) n1=\(n1) n2=\(n2)")) }
      } else {
        XCTAssertNil(p, "ks exact d=\(d) n1=\(n1) n2=\(n2): SciPy's exact method fails")
      }
    }
    report("ksExactPValue", worst)
  }

  func testKolmogorovSmirnovAsymptoticPValues() throws {
    var worst = 0.0
    for row in try loadFixture().ks_asymp {
      let d = row[0]!
      let n1 = Int(row[1]!)
      let n2 = Int(row[2]!)
      let p = DriftStatistics.ksAsymptoticPValue(d: d, n1: n1, n2: n2)
      worst = max(worst, assertClose(p, row[3], "ks asymptotic d=\(d) n1=\(n1) n2=\(n2)"))
    }
    report("ksAsymptoticPValue", worst)
  }

  func testWasserstein() throws {
    var worst = 0.0
    for c in try loadFixture().wasserstein {
      let value = DriftStatistics.wasserstein(c.a.values, c.b.values)
      worst = max(worst, assertClose(value, c.value, "wasserstein \(c.name)"))
    }
    report("wasserstein", worst)
  }

  func testStandardDeviation() throws {
    var worst = 0.0
    for c in try loadFixture().std {
      worst = max(worst, assertClose(DriftStatistics.standardDeviation(c.a.values), c.value, "std \(c.name)"))
    }
    report("standardDeviation", worst)
  }

  func testAndersonDarling() throws {
    var worst = 0.0
    for c in try loadFixture().anderson {
      let result = DriftStatistics.andersonDarling(c.a.values, c.b.values)
      worst = max(worst, assertClose(result.statistic, c.statistic, "anderson \(c.name) statistic"))
      worst = max(worst, assertClose(result.pValue, c.pvalue, "anderson \(c.name) p-value"))
    }
    report("andersonDarling", worst)
  }

  func testChiSquare() throws {
    var worst = 0.0
    for c in try loadFixture().chisquare {
      let result = DriftStatistics.chiSquare(observed: c.observed, expected: c.expected)
      worst = max(worst, assertClose(result.statistic, c.statistic, "chisquare \(c.name) statistic"))
      worst = max(worst, assertClose(result.pValue, c.pvalue, "chisquare \(c.name) p-value"))
    }
    report("chiSquare", worst)
  }

  func testChiSquaredSurvival() throws {
    var worst = 0.0
    for row in try loadFixture().chi2sf {
      let x = row[0]!
      let df = row[1]!
      let p = DriftStatistics.chiSquaredSurvival(x, degreesOfFreedom: df)
      worst = max(worst, assertClose(p, row[2], "chi2.sf(\(x), \(df))"))
    }
    report("chiSquaredSurvival", worst)
  }

  func testNormalSurvival() throws {
    var worst = 0.0
    for row in try loadFixture().normsf {
      let z = row[0]!
      worst = max(worst, assertClose(DriftStatistics.normalSurvival(z), row[1], "norm.sf(\(z))"))
    }
    report("normalSurvival", worst)
  }

  func testTwoProportionZTest() throws {
    var worst = 0.0
    for c in try loadFixture().ztest {
      let result = DriftStatistics.twoProportionZTest(x1: c.x1, n1: c.n1, x2: c.x2, n2: c.n2)
      let name = "z-test \(c.x1)/\(c.n1) vs \(c.x2)/\(c.n2)"
      worst = max(worst, assertClose(result.statistic, c.statistic, "\(name) statistic"))
      worst = max(worst, assertClose(result.pValue, c.pvalue, "\(name) p-value"))
    }
    report("twoProportionZTest", worst)
  }

  func testDivergences() throws {
    var worst: [String: Double] = [:]
    for c in try loadFixture().divergence {
      let js = assertClose(DriftStatistics.jensenShannon(c.p, c.q), c.js, "jensenshannon \(c.name)")
      let kl = assertClose(DriftStatistics.klDivergence(c.p, c.q), c.kl, "entropy \(c.name)")
      var p = c.p
      var q = c.q
      DriftStatistics.fillZeroes(&p)
      DriftStatistics.fillZeroes(&q)
      XCTAssertEqual(p, c.p_filled, "fillZeroes \(c.name) p")
      XCTAssertEqual(q, c.q_filled, "fillZeroes \(c.name) q")
      let psi = assertClose(DriftStatistics.psi(c.p_filled, c.q_filled), c.psi, "psi \(c.name)")
      let hellinger = assertClose(DriftStatistics.hellinger(c.p_share, c.q_share), c.hellinger, "hellinger \(c.name)")
      worst["jensenShannon", default: 0] = max(worst["jensenShannon", default: 0], js)
      worst["klDivergence", default: 0] = max(worst["klDivergence", default: 0], kl)
      worst["psi", default: 0] = max(worst["psi", default: 0], psi)
      worst["hellinger", default: 0] = max(worst["hellinger", default: 0], hellinger)
    }
    for (name, error) in worst.sorted(by: { $0.key < $1.key }) { report(name, error) }
  }

  func testFillZeroes() throws {
    for c in try loadFixture().fill {
      var p = c.p
      DriftStatistics.fillZeroes(&p)
      XCTAssertEqual(p, c.filled, "fillZeroes \(c.p)")
    }
  }

  func testSturgesEdges() throws {
    var worst = 0.0
    for c in try loadFixture().sturges {
      let edges = DriftStatistics.sturgesEdges(count: c.count, min: c.min, max: c.max, integer: c.integer)
      XCTAssertEqual(edges.count, c.edges.count, "sturges \(c.name) bin count")
      for (actual, expected) in zip(edges, c.edges) {
        worst = max(worst, assertClose(actual, expected, "sturges \(c.name) edge"))
      }
      XCTAssertEqual(edges, c.edges, "sturges \(c.name) edges are NumPy's exactly")
    }
    report("sturgesEdges", worst)
  }

  func testHistogram() throws {
    for c in try loadFixture().histogram {
      XCTAssertEqual(DriftStatistics.histogram(c.sorted, edges: c.edges), c.counts, "histogram \(c.name)")
    }
  }

  func testHellingerNumeric() throws {
    var worst = 0.0
    for c in try loadFixture().hellinger_numeric {
      let unique = Array(Set(c.reference + c.current)).sorted()
      let value = DriftStatistics.hellingerNumeric(reference: c.reference, current: c.current, uniqueValues: unique, integer: c.integer)
      worst = max(worst, assertClose(value, c.value, "hellingerNumeric \(c.name)"))
    }
    report("hellingerNumeric", worst)
  }

  // MARK: Properties

  func testProbabilitiesAndSymmetry() throws {
    let fixture = try loadFixture()
    for c in fixture.ks {
      let a = c.a.values
      let b = c.b.values
      let forward = DriftStatistics.ksTwoSample(a, b)
      let backward = DriftStatistics.ksTwoSample(b, a)
      XCTAssertEqual(forward.statistic, backward.statistic, "ks \(c.name) statistic symmetric")
      XCTAssertEqual(forward.pValue, backward.pValue, "ks \(c.name) p-value symmetric")
      XCTAssertTrue((0...1).contains(forward.pValue), "ks \(c.name) p-value in [0, 1]")
    }
    for c in fixture.anderson {
      let a = c.a.values
      let b = c.b.values
      let forward = DriftStatistics.andersonDarling(a, b)
      let backward = DriftStatistics.andersonDarling(b, a)
      XCTAssertEqual(forward.statistic, backward.statistic, "anderson \(c.name) symmetric")
      XCTAssertTrue((0.001...0.25).contains(forward.pValue), "anderson \(c.name) p-value in [0.001, 0.25]")
    }
    for c in fixture.wasserstein {
      let a = c.a.values
      let b = c.b.values
      XCTAssertEqual(DriftStatistics.wasserstein(a, b), DriftStatistics.wasserstein(b, a), "wasserstein \(c.name) symmetric")
    }
    for c in fixture.divergence {
      XCTAssertEqual(DriftStatistics.jensenShannon(c.p, c.q), DriftStatistics.jensenShannon(c.q, c.p), "jensenshannon \(c.name) symmetric")
      XCTAssertEqual(
        DriftStatistics.hellinger(c.p_share, c.q_share), DriftStatistics.hellinger(c.q_share, c.p_share), "hellinger \(c.name)")
      XCTAssertGreaterThanOrEqual(DriftStatistics.psi(c.p_filled, c.q_filled), 0, "psi \(c.name) non-negative")
    }
    for c in fixture.chisquare {
      let p = DriftStatistics.chiSquare(observed: c.observed, expected: c.expected).pValue
      XCTAssertTrue((0...1).contains(p), "chisquare \(c.name) p-value in [0, 1]")
    }
    for z in stride(from: -10.0, through: 10.0, by: 0.5) {
      let sum = DriftStatistics.normalSurvival(z) + DriftStatistics.normalSurvival(-z)
      XCTAssertEqual(sum, 1, accuracy: 1e-15, "norm.sf(z) + norm.sf(-z) = 1 at \(z)")
    }
  }

  func testEdgeCases() {
    // Identical samples: statistic 0, p-value 1; disjoint equal samples: D = 1, exact p = 2 / C(2n, n).
    let a = [1.0, 2.0, 3.0, 4.0]
    XCTAssertEqual(DriftStatistics.ksTwoSample(a, a).statistic, 0)
    XCTAssertEqual(DriftStatistics.ksTwoSample(a, a).pValue, 1)
    let disjoint = DriftStatistics.ksTwoSample(a, [5.0, 6.0, 7.0, 8.0])
    XCTAssertEqual(disjoint.statistic, 1)
    XCTAssertEqual(disjoint.pValue, 2.0 / 70.0, accuracy: 1e-15)
    // P = 0 or 1: no difference between the proportions.
    XCTAssertEqual(DriftStatistics.twoProportionZTest(x1: 0, n1: 10, x2: 0, n2: 20).pValue, 1)
    XCTAssertEqual(DriftStatistics.twoProportionZTest(x1: 10, n1: 10, x2: 20, n2: 20).statistic, 0)
    // Everything zero stays zero.
    var zeros = [0.0, 0.0]
    DriftStatistics.fillZeroes(&zeros)
    XCTAssertEqual(zeros, [0.0, 0.0])
    XCTAssertEqual(DriftStatistics.chiSquaredSurvival(0, degreesOfFreedom: 3), 1)
    XCTAssertEqual(DriftStatistics.chiSquaredSurvival(-1, degreesOfFreedom: 3), 1)  // as scipy.stats.chi2.sf(-1, 3)
  }
}
