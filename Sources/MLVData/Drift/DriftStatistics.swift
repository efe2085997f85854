#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Drift statistics computed as SciPy 1.17 / NumPy 2.4 (and Evidently on top of them) compute them.
/// Functions taking sorted samples expect ascending, finite, non-empty arrays; they never copy them.
public enum DriftStatistics {
  /// scipy.stats.wasserstein_distance(a, b) (1-D, unweighted) on sorted samples, in O(n + m).
  /// The sum is compensated, so it agrees with SciPy's BLAS dot product to rounding.
  public static func wasserstein(_ a: [Double], _ b: [Double]) -> Double {
    guard !a.isEmpty, !b.isEmpty else { return .nan }
    return a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        let n1 = pa.count
        let n2 = pb.count
        let d1 = Double(n1)
        let d2 = Double(n2)
        var i = 0
        var j = 0
        var sum = 0.0
        var compensation = 0.0
        var value = Swift.min(pa[0], pb[0])
        while true {
          while i < n1 && pa[i] <= value { i += 1 }
          while j < n2 && pb[j] <= value { j += 1 }
          let next: Double
          if i < n1 && j < n2 {
            next = Swift.min(pa[i], pb[j])
          } else if i < n1 {
            next = pa[i]
          } else if j < n2 {
            next = pb[j]
          } else {
            break
          }
          let term = abs(Double(i) / d1 - Double(j) / d2) * (next - value)
          let t = sum + term
          if abs(sum) >= abs(term) {
            compensation += (sum - t) + term
          } else {
            compensation += (term - t) + sum
          }
          sum = t
          value = next
        }
        return sum + compensation
      }
    }
  }

  /// numpy.std(a) (ddof 0), with NumPy's pairwise sums.
  public static func standardDeviation(_ a: [Double]) -> Double {
    guard !a.isEmpty else { return .nan }
    return a.withUnsafeBufferPointer { buffer in
      var terms = BufferTerms(buffer)
      let mean = numpyPairwiseSum(&terms, count: buffer.count)[0] / Double(buffer.count)
      var squares = SquaredDeviationTerms(base: buffer, mean: mean)
      let sum = numpyPairwiseSum(&squares, count: buffer.count)[0]
      return (sum / Double(buffer.count)).squareRoot()
    }
  }

  private struct SquaredDeviationTerms: PairwiseTerms {
    let base: UnsafeBufferPointer<Double>
    let mean: Double
    var index = 0

    @inline(__always)
    mutating func next() -> SIMD2<Double> {
      let deviation = base[index] - mean
      index += 1
      return SIMD2(deviation * deviation, 0)
    }
  }

  // MARK: Anderson-Darling

  /// scipy.stats.anderson_ksamp([a, b], variant='midrank') on sorted samples: the normalized statistic and
  /// SciPy's p-value interpolated from Scholz & Stephens' table (capped to [0.001, 0.25] as SciPy does).
  /// Requires at least 2 distinct values overall (the caller checks); NaN when a sample is empty or n1 + n2 < 3.
  public static func andersonDarling(_ a: [Double], _ b: [Double]) -> (statistic: Double, pValue: Double) {
    let n1 = a.count
    let n2 = b.count
    let bigN = n1 + n2
    guard n1 > 0, n2 > 0, bigN >= 3 else { return (.nan, .nan) }
    let nD = Double(bigN)
    let a2kN = a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        var distinct = 0
        var i = 0
        var j = 0
        while i < n1 || j < n2 {
          let value = nextValue(pa, i, pb, j)
          while i < n1 && pa[i] <= value { i += 1 }
          while j < n2 && pb[j] <= value { j += 1 }
          distinct += 1
        }
        var terms = AndersonTerms(a: pa, b: pb, n1: Double(n1), n2: Double(n2), bigN: bigN)
        let sums = numpyPairwiseSum(&terms, count: distinct)
        var total = 0.0
        total += sums[0] / Double(n1)
        total += sums[1] / Double(n2)
        total *= (nD - 1.0) / nD
        return total
      }
    }

    let harmonicH = 0.0 + 1.0 / Double(n1) + 1.0 / Double(n2)
    var harmonic = HarmonicTerms(bigN: bigN)
    let g = numpyPairwiseSum(&harmonic, count: bigN - 2)[0]
    let h = harmonic.cumulative + 1
    let k = 2.0
    let termA = (4 * g - 6) * (k - 1) + (10 - 6 * g) * harmonicH
    let termB = (2 * g - 4) * (k * k) + 8 * h * k + (2 * g - 14 * h - 4) * harmonicH - 8 * h + 4 * g - 6
    let termC = (6 * h + 2 * g - 2) * (k * k) + (4 * h - 4 * g + 6) * k + (2 * h - 6) * harmonicH + 4 * h
    let termD = (2 * h + 6) * (k * k) - 4 * h * k
    let nSquared = Double(bigN * bigN)
    let nCubed = nD * nSquared
    let sigmaSquared = (termA * nCubed + termB * nSquared + termC * nD + termD) / ((nD - 1.0) * (nD - 2.0) * (nD - 3.0))
    let statistic = (a2kN - 1) / sigmaSquared.squareRoot()

    let critical = andersonCritical
    let p: Double
    if statistic < critical.min()! {
      p = 0.25
    } else if statistic > critical.max()! {
      p = 0.001
    } else {
      p = exp(polyval(andersonFit, statistic))
    }
    return (statistic, p)
  }

  @inline(__always)
  private static func nextValue(_ a: UnsafeBufferPointer<Double>, _ i: Int, _ b: UnsafeBufferPointer<Double>, _ j: Int) -> Double {
    if i >= a.count { return b[j] }
    if j >= b.count { return a[i] }
    return Swift.min(a[i], b[j])
  }

  /// Per distinct pooled value z_j, the midrank terms of Scholz & Stephens' eq. 7 for each sample (two lanes).
  private struct AndersonTerms: PairwiseTerms {
    let a: UnsafeBufferPointer<Double>
    let b: UnsafeBufferPointer<Double>
    let n1: Double
    let n2: Double
    let bigN: Int
    var i = 0
    var j = 0

    mutating func next() -> SIMD2<Double> {
      let value = DriftStatistics.nextValue(a, i, b, j)
      let i0 = i
      let j0 = j
      while i < a.count && a[i] <= value { i += 1 }
      while j < b.count && b[j] <= value { j += 1 }
      let fa = i - i0
      let fb = j - j0
      let lj = fa + fb
      let nD = Double(bigN)
      let bj = Double(i0 + j0) + Double(lj) / 2.0
      let ma = Double(i) - Double(fa) / 2.0
      let mb = Double(j) - Double(fb) / 2.0
      let weight = Double(lj) / nD
      let denominator = bj * (nD - bj) - Double(bigN * lj) / 4.0
      let da = nD * ma - bj * n1
      let db = nD * mb - bj * n2
      return SIMD2(weight * (da * da) / denominator, weight * (db * db) / denominator)
    }
  }

  /// hs_cs[t] / (t + 2) with hs_cs the running sum of 1/(N-1), 1/(N-2), ..., 1/2.
  private struct HarmonicTerms: PairwiseTerms {
    let bigN: Int
    var t = 0
    var cumulative = 0.0

    mutating func next() -> SIMD2<Double> {
      cumulative += 1.0 / Double(bigN - 1 - t)
      let value = cumulative / Double(t + 2)
      t += 1
      return SIMD2(value, 0)
    }
  }

  /// Scholz & Stephens' critical values for k = 2 samples (m = 1) at significance 0.25 ... 0.001.
  private static let andersonCritical: [Double] = {
    let b0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085]
    let b1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615]
    let b2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154]
    return (0..<7).map { (b0[$0] + b1[$0] / 1.0) + b2[$0] / 1.0 }
  }()

  /// np.polyfit(critical, log(significance), 2), highest order first.
  private static let andersonFit: [Double] = {
    let significance = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001]
    return leastSquaresPolynomial(x: andersonCritical, y: significance.map { log($0) }, degree: 2)
  }()

  /// Least-squares polynomial fit like np.polyfit: columns of the Vandermonde matrix scaled to unit norm,
  /// solved by Householder QR.
  static func leastSquaresPolynomial(x: [Double], y: [Double], degree: Int) -> [Double] {
    let rows = x.count
    let cols = degree + 1
    var matrix = [Double](repeating: 0, count: rows * cols)
    for r in 0..<rows {
      for c in 0..<cols { matrix[r * cols + c] = pow(x[r], Double(degree - c)) }
    }
    var scale = [Double](repeating: 0, count: cols)
    for c in 0..<cols {
      var s = 0.0
      for r in 0..<rows { s += matrix[r * cols + c] * matrix[r * cols + c] }
      scale[c] = s.squareRoot()
      for r in 0..<rows { matrix[r * cols + c] /= scale[c] }
    }
    var rhs = y
    for c in 0..<cols {
      var norm = 0.0
      for r in c..<rows { norm += matrix[r * cols + c] * matrix[r * cols + c] }
      norm = norm.squareRoot()
      let alpha = matrix[c * cols + c] > 0 ? -norm : norm
      var v = [Double](repeating: 0, count: rows)
      for r in c..<rows { v[r] = matrix[r * cols + c] }
      v[c] -= alpha
      var vNorm = 0.0
      for r in c..<rows { vNorm += v[r] * v[r] }
      if vNorm == 0 { continue }
      for cc in c..<cols {
        var dot = 0.0
        for r in c..<rows { dot += v[r] * matrix[r * cols + cc] }
        let f = 2 * dot / vNorm
        for r in c..<rows { matrix[r * cols + cc] -= f * v[r] }
      }
      var dot = 0.0
      for r in c..<rows { dot += v[r] * rhs[r] }
      let f = 2 * dot / vNorm
      for r in c..<rows { rhs[r] -= f * v[r] }
    }
    var coefficients = [Double](repeating: 0, count: cols)
    for c in stride(from: cols - 1, through: 0, by: -1) {
      var s = rhs[c]
      for cc in (c + 1)..<cols { s -= matrix[c * cols + cc] * coefficients[cc] }
      coefficients[c] = s / matrix[c * cols + c]
    }
    return (0..<cols).map { coefficients[$0] / scale[$0] }
  }

  // MARK: Chi-square and normal tests

  /// scipy.stats.chisquare(observed, expected) with ddof 0: statistic and chi2.sf(statistic, k - 1).
  public static func chiSquare(observed: [Double], expected: [Double]) -> (statistic: Double, pValue: Double) {
    let count = Swift.min(observed.count, expected.count)
    let statistic = numpySum(count: count) { index in
      let difference = observed[index] - expected[index]
      return difference * difference / expected[index]
    }
    return (statistic, chiSquaredSurvival(statistic, degreesOfFreedom: Double(count - 1)))
  }

  /// chi2.sf(x, k) = gammaincc(k/2, x/2) (scipy.special.chdtrc); NaN for x < 0.
  public static func chiSquaredSurvival(_ x: Double, degreesOfFreedom: Double) -> Double {
    if x < 0 { return 1 }  // SciPy: chi2.sf of a negative value is 1
    return IncompleteGamma.upper(degreesOfFreedom / 2.0, x / 2.0)
  }

  /// scipy.stats.norm.sf(z) = ndtr(-z).
  public static func normalSurvival(_ z: Double) -> Double {
    normalCDF(-z)
  }

  /// Two-proportion z-test as Evidently computes it: p1 = x1/n1, p2 = x2/n2, P = (x1+x2)/(n1+n2),
  /// z = (p1 - p2) / sqrt(P (1 - P) (1/n1 + 1/n2)), p-value 2 norm.sf(|z|). When P is 0 or 1 (both samples
  /// all-false or all-true) the proportions are equal: z is 0 and the p-value 1.
  public static func twoProportionZTest(x1: Int, n1: Int, x2: Int, n2: Int) -> (statistic: Double, pValue: Double) {
    let p1 = Double(x1) / Double(n1)
    let p2 = Double(x2) / Double(n2)
    let pooled = Double(x1 + x2) / Double(n1 + n2)
    if pooled == 0 || pooled == 1 { return (0, 1) }
    let z = (p1 - p2) / (pooled * (1 - pooled) * (1.0 / Double(n1) + 1.0 / Double(n2))).squareRoot()
    return (z, 2 * normalSurvival(abs(z)))
  }

  // MARK: Divergences

  /// scipy.special.rel_entr(x, y): x log(x / y), through log1p when x / y is near 1.
  static func relativeEntropy(_ x: Double, _ y: Double) -> Double {
    if x.isNaN || y.isNaN { return .nan }
    if x <= 0 || y <= 0 { return x == 0 && y >= 0 ? 0 : .infinity }
    let ratio = x / y
    if 0.5 < ratio && ratio < 2 { return x * log1p((x - y) / y) }
    if Double.leastNormalMagnitude < ratio && ratio < .infinity { return x * log(ratio) }
    return x * (log(x) - log(y))
  }

  /// scipy.spatial.distance.jensenshannon(p, q) (natural log; normalizes p and q).
  public static func jensenShannon(_ p: [Double], _ q: [Double]) -> Double {
    let count = Swift.min(p.count, q.count)
    let sumP = numpySum(p)
    let sumQ = numpySum(q)
    let sums = numpyPairs(count: count) { index in
      let pi = p[index] / sumP
      let qi = q[index] / sumQ
      let mi = (pi + qi) / 2.0
      return SIMD2(relativeEntropy(pi, mi), relativeEntropy(qi, mi))
    }
    let js = sums[0] + sums[1]
    return (js / 2.0).squareRoot()
  }

  /// scipy.stats.entropy(p, q): KL divergence in nats after normalizing p and q.
  public static func klDivergence(_ p: [Double], _ q: [Double]) -> Double {
    let count = Swift.min(p.count, q.count)
    let sumQ = numpySum(q)
    let sumP = numpySum(p)
    return numpySum(count: count) { relativeEntropy(p[$0] / sumP, q[$0] / sumQ) }
  }

  /// Population stability index: sum((p - q) * ln(p / q)) (Evidently's PSI on its binned percents).
  public static func psi(_ p: [Double], _ q: [Double]) -> Double {
    let count = Swift.min(p.count, q.count)
    return numpySum(count: count) { (p[$0] - q[$0]) * log(p[$0] / q[$0]) }
  }

  /// Evidently's categorical Hellinger distance: sqrt(1 - clipProbability(sum(sqrt(p_i q_i)), 0, 1)), p and q the shares
  /// of each value (summed in the given order).
  public static func hellinger(_ p: [Double], _ q: [Double]) -> Double {
    var sum = 0.0
    for index in 0..<Swift.min(p.count, q.count) { sum += (p[index] * q[index]).squareRoot() }
    return (1 - clipProbability(sum)).squareRoot()
  }

  /// Evidently's numeric Hellinger distance on sorted samples: edges = sturges edges of `uniqueValues`;
  /// h1, h2 = np.histogram(reference / current, edges, density=True); sum of sqrt(h1 h2) * binWidth with
  /// binWidth = (max(edges) - min(edges)) / (len(edges) - 1), then sqrt(1 - clipProbability(sum, 0, 1)).
  /// `integer`: the values are an integer column (see `sturgesEdges`).
  public static func hellingerNumeric(
    reference: [Double], current: [Double], uniqueValues: [Double], integer: Bool = false
  ) -> Double {
    guard let low = uniqueValues.min(), let high = uniqueValues.max() else { return .nan }
    let edges = sturgesEdges(count: uniqueValues.count, min: low, max: high, integer: integer)
    let h1 = density(histogram(reference, edges: edges), edges: edges)
    let h2 = density(histogram(current, edges: edges), edges: edges)
    let binWidth = (edges[edges.count - 1] - edges[0]) / Double(edges.count - 1)
    var sum = 0.0
    for index in 0..<h1.count { sum += (h1[index] * h2[index]).squareRoot() * binWidth }
    return (1 - clipProbability(sum)).squareRoot()
  }

  /// np.histogram(..., density=True)[0]: counts / bin widths / total count.
  private static func density(_ counts: [Int], edges: [Double]) -> [Double] {
    let total = Double(counts.reduce(0, +))
    return (0..<counts.count).map { Double(counts[$0]) / (edges[$0 + 1] - edges[$0]) / total }
  }

  // MARK: Histograms

  /// np.histogram_bin_edges(x, bins='sturges') for `count` values with the given min and max: width =
  /// ptp / (log2(count) + 1), ceil(ptp / width) bins (1 when ptp is 0), np.linspace edges; min == max
  /// widens the range by 0.5 on each side. `integer`: x is an integer array, for which NumPy makes the
  /// width at least 1.
  public static func sturgesEdges(count: Int, min: Double, max: Double, integer: Bool = false) -> [Double] {
    var first = min
    var last = max
    if first == last {
      first -= 0.5
      last += 0.5
    }
    var width = (max - min) / (log2(Double(count)) + 1.0)
    var bins = 1
    if width != 0 {
      if integer && width < 1 { width = 1 }
      bins = Int(((last - first) / width).rounded(.up))
    }
    let delta = last - first
    let step = delta / Double(bins)
    var edges = [Double](repeating: 0, count: bins + 1)
    for i in 0...bins {
      if step == 0 {
        edges[i] = Double(i) / Double(bins) * delta + first
      } else {
        edges[i] = Double(i) * step + first
      }
    }
    edges[bins] = last
    return edges
  }

  /// np.histogram(sorted, edges)[0]: bin i holds edges[i] <= x < edges[i+1], the last bin is closed and
  /// values outside are ignored (NumPy's searchsorted assignment), in one pass.
  public static func histogram(_ sorted: [Double], edges: [Double]) -> [Int] {
    guard edges.count >= 2 else { return [] }
    var cumulative = [Int](repeating: 0, count: edges.count)
    sorted.withUnsafeBufferPointer { values in
      var index = 0
      let n = values.count
      for k in 0..<(edges.count - 1) {
        let edge = edges[k]
        while index < n && values[index] < edge { index += 1 }
        cumulative[k] = index
      }
      let lastEdge = edges[edges.count - 1]
      while index < n && values[index] <= lastEdge { index += 1 }
      cumulative[edges.count - 1] = index
    }
    return (0..<(edges.count - 1)).map { cumulative[$0 + 1] - cumulative[$0] }
  }

  /// Evidently's get_binned_data zero filling ("feel_zeroes"): zeros become min(nonzero) / 1e6 when
  /// min(nonzero) <= 0.0001, else 0.0001. Left unchanged when every entry is zero.
  public static func fillZeroes(_ p: inout [Double]) {
    var smallest = Double.infinity
    for value in p where value != 0 { smallest = Swift.min(smallest, value) }
    guard smallest.isFinite else { return }
    let fill = smallest <= 0.0001 ? smallest / 1_000_000 : 0.0001
    for index in p.indices where p[index] == 0 { p[index] = fill }
  }
}
