#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Two-sample Kolmogorov-Smirnov test as scipy.stats.ks_2samp (two-sided) computes it: the statistic
// from the two empirical CDFs, the exact p-value of Hodges / Viehmann for small samples and
// kstwo.sf(d, round(n1 n2 / (n1 + n2))) (Simard & L'Ecuyer's choice of algorithm) otherwise.

extension DriftStatistics {
  /// scipy.stats.ks_2samp(a, b) (two-sided, method='auto') on sorted samples: exact p-value when
  /// max(n1, n2) <= 10000, else kstwo.sf(d, round(n1 n2 / (n1 + n2))); falls back to the asymptotic
  /// p-value when the exact computation fails. In exact mode the statistic is SciPy's h / lcm(n1, n2).
  public static func ksTwoSample(_ a: [Double], _ b: [Double]) -> (statistic: Double, pValue: Double) {
    ksTwoSample(a, b, mode: .auto)
  }

  /// scipy.stats.ks_2samp(a, b, method='exact' or 'asymp') on sorted samples.
  public static func ksTwoSample(_ a: [Double], _ b: [Double], exact: Bool) -> (statistic: Double, pValue: Double) {
    ksTwoSample(a, b, mode: exact ? .exact : .asymptotic)
  }

  /// SciPy's exact two-sided p-value for statistic `d` (rounded to h / lcm(n1, n2)), or nil when SciPy's
  /// `_attempt_exact_2kssamp` fails (result outside [0, 1]).
  public static func ksExactPValue(d: Double, n1: Int, n2: Int) -> Double? {
    guard n1 > 0, n2 > 0 else { return nil }
    return attemptExactKS(n1, n2, greatestCommonDivisor(n1, n2), d).pValue
  }

  /// kstwo.sf(d, round(n1 n2 / (n1 + n2))) clipped to [0, 1]: ks_2samp's asymptotic p-value.
  public static func ksAsymptoticPValue(d: Double, n1: Int, n2: Int) -> Double {
    let (m, n) = n1 >= n2 ? (Double(n1), Double(n2)) : (Double(n2), Double(n1))
    let en = m * n / (m + n)
    return clipProbability(KolmogorovDistribution.survival(d, n: en.rounded(.toNearestOrEven)))
  }

  private enum KSMode {
    case auto, exact, asymptotic
  }

  private static func ksTwoSample(_ a: [Double], _ b: [Double], mode: KSMode) -> (statistic: Double, pValue: Double) {
    let n1 = a.count
    let n2 = b.count
    guard n1 > 0, n2 > 0 else { return (.nan, .nan) }
    var d = ksStatistic(a, b)
    let g = greatestCommonDivisor(n1, n2)
    var useExact: Bool
    switch mode {
    case .auto: useExact = Swift.max(n1, n2) <= 10_000
    case .exact: useExact = !(Double(n1 / g) >= Double(Int32.max) / Double(n2 / g))
    case .asymptotic: useExact = false
    }
    var prob = -Double.infinity
    if useExact {
      let attempt = attemptExactKS(n1, n2, g, d)
      d = attempt.statistic
      if let p = attempt.pValue {
        prob = p
      } else {
        useExact = false
      }
    }
    if !useExact { prob = ksAsymptoticPValue(d: d, n1: n1, n2: n2) }
    return (d, clipProbability(prob))
  }

  /// max |F_a - F_b| over the pooled values, with F = searchsorted(side='right') / n, in one merge.
  static func ksStatistic(_ a: [Double], _ b: [Double]) -> Double {
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        let n1 = pa.count
        let n2 = pb.count
        let d1 = Double(n1)
        let d2 = Double(n2)
        var i = 0
        var j = 0
        var maxDiff = -Double.infinity
        var minDiff = Double.infinity
        while i < n1 || j < n2 {
          let value: Double
          if j >= n2 {
            value = pa[i]
          } else if i >= n1 {
            value = pb[j]
          } else {
            value = Swift.min(pa[i], pb[j])
          }
          while i < n1 && pa[i] <= value { i += 1 }
          while j < n2 && pb[j] <= value { j += 1 }
          let diff = Double(i) / d1 - Double(j) / d2
          if diff > maxDiff { maxDiff = diff }
          if diff < minDiff { minDiff = diff }
        }
        let minS = Swift.min(Swift.max(-minDiff, 0), 1)
        return minS > maxDiff ? minS : maxDiff
      }
    }
  }

  static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
    var x = a
    var y = b
    while y != 0 { (x, y) = (y, x % y) }
    return x
  }

  /// np.clip(p, 0, 1), keeping NaN.
  static func clipProbability(_ p: Double) -> Double {
    p.isNaN ? p : Swift.min(Swift.max(p, 0), 1)
  }

  /// SciPy's `_attempt_exact_2kssamp` (two-sided): the statistic rounded to h / lcm and the p-value, nil on failure.
  private static func attemptExactKS(_ n1: Int, _ n2: Int, _ g: Int, _ d: Double) -> (statistic: Double, pValue: Double?) {
    let lcm = (n1 / g) * n2
    let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
    let statistic = Double(h) * 1.0 / Double(lcm)
    if h == 0 { return (statistic, 1.0) }
    let prob = n1 == n2 ? probabilityOutsideSquare(n1, h) : outerProbabilityInsideMethod(n1, n2, g, h)
    guard prob >= 0 && prob <= 1 else { return (statistic, nil) }
    return (statistic, prob)
  }

  /// Pr(D_{n,n} >= h/n) = 2 (A0 (1 - A1 (1 - A2 (...)))), SciPy's `_compute_prob_outside_square`.
  private static func probabilityOutsideSquare(_ n: Int, _ h: Int) -> Double {
    var total = 0.0
    var k = Int((Double(n) / Double(h)).rounded(.down))
    while k >= 0 {
      var p1 = 1.0
      for j in 0..<h {
        p1 = Double(n - k * h - j) * p1 / Double(n + k * h + j + 1)
      }
      total = p1 * (1.0 - total)
      k -= 1
    }
    return 2 * total
  }

  /// Proportion of lattice paths leaving |x/m - y/n| < h/lcm, SciPy's `_compute_outer_prob_inside_method`
  /// (Hodges' inside method with Viehmann's recursion for 1 - p).
  private static func outerProbabilityInsideMethod(_ n1: Int, _ n2: Int, _ g: Int, _ h: Int) -> Double {
    let (m, n) = n1 < n2 ? (n2, n1) : (n1, n2)
    let mg = m / g
    let ng = n / g
    var minj = 0
    var maxj = Swift.min(Int((Double(h) / Double(mg)).rounded(.up)), n + 1)
    var curlen = maxj - minj
    let lenA = Swift.min(2 * maxj + 2, n + 1)
    var column = [Double](repeating: 1, count: lenA)
    return column.withUnsafeMutableBufferPointer { a in
      for index in minj..<maxj { a[index] = 0 }
      let mgD = Double(mg)
      for i in 1...m {
        let lastminj = minj
        let lastlen = curlen
        minj = Swift.max(Int((Double(ng * i - h) / mgD).rounded(.down)) + 1, 0)
        minj = Swift.min(minj, n)
        maxj = Swift.min(Int((Double(ng * i + h) / mgD).rounded(.up)), n + 1)
        if maxj <= minj { return 1.0 }
        var value = minj == 0 ? 0.0 : 1.0
        let di = Double(i)
        let shift = minj - lastminj
        for jj in 0..<(maxj - minj) {
          let j = jj + minj
          value = (a[jj + shift] * di + value * Double(j)) / Double(i + j)
          a[jj] = value
        }
        curlen = maxj - minj
        if lastlen > curlen {
          let upper = Swift.min(curlen + (lastlen - curlen), lenA)
          if curlen < upper {
            for index in curlen..<upper { a[index] = 1 }
          }
        }
      }
      return a[maxj - minj - 1]
    }
  }
}

/// The two-sided one-sample Kolmogorov-Smirnov distribution of D_n (scipy.stats.kstwo), survival function.
enum KolmogorovDistribution {
  private static let e128 = 128
  private static let ep128 = 0x1p128
  private static let em128 = 0x1p-128
  private static let piSquared = pow(Double.pi, 2)
  private static let piFour = pow(Double.pi, 4)
  private static let piSix = pow(Double.pi, 6)
  private static let sqrt2Pi = (2 * Double.pi).squareRoot()
  private static let sqrt3 = Double(3).squareRoot()
  private static let log2Pi = log(2 * Double.pi)

  /// kstwo.sf(x, n) for a float shape n, with rv_continuous's support handling (x <= 0.5/n gives 1).
  static func survival(_ x: Double, n: Double) -> Double {
    if x.isNaN || n.isNaN { return .nan }
    guard n >= 1, n == n.rounded(), n < 0x1p62 else { return .nan }
    if x <= 0.5 / n { return 1 }
    if x >= 1 { return 0 }
    return kolmogornSurvival(Int(n), x)
  }

  /// SciPy's `_kolmogn(n, x, cdf=False)`: Simard & L'Ecuyer's choice among Ruben-Gambino, Durbin
  /// (Marsaglia-Tsang-Wang), Pomeranz, Pelz-Good and 2 * smirnov.
  static func kolmogornSurvival(_ n: Int, _ x: Double) -> Double {
    if x >= 1 { return 0 }
    if x <= 0 { return 1 }
    let nd = Double(n)
    let t = nd * x
    if t <= 1 {
      if t <= 0.5 { return 1 }
      let prob: Double
      if n <= 140 {
        let inverse = 1.0 / nd
        let factor = 2 * t - 1
        var product = 1.0
        for i in 1...n { product *= (Double(i) * inverse) * factor }
        prob = product
      } else {
        prob = exp(logFactorialOverPower(n) + nd * log(2 * t - 1))
      }
      return DriftStatistics.clipProbability(1.0 - prob)
    }
    if t >= Double(n - 1) {
      return DriftStatistics.clipProbability(2 * pow(1.0 - x, nd))
    }
    if x >= 0.5 {
      return DriftStatistics.clipProbability(2 * Smirnov.survival(n, x))
    }
    let nxSquared = t * x
    if n <= 140 {
      if nxSquared <= 0.754693 { return complement(durbinCDF(n, x)) }
      if nxSquared <= 4 { return complement(pomeranzCDF(n, x)) }
      return DriftStatistics.clipProbability(2 * Smirnov.survival(n, x))
    }
    if nxSquared >= 370.0 { return 0 }
    if nxSquared >= 2.2 { return DriftStatistics.clipProbability(2 * Smirnov.survival(n, x)) }
    if n <= 100_000 && nd * pow(x, 1.5) <= 1.4 { return complement(durbinCDF(n, x)) }
    return DriftStatistics.clipProbability(1.0 - pelzGoodCDF(n, x))
  }

  /// clip(1 - clip(cdf)); the CDF may carry extra precision (SciPy's long double after rescaling).
  private static func complement(_ cdf: DoubleDouble) -> Double {
    var p = cdf
    if p.hi < 0 { p = DoubleDouble(0) }
    if p.hi > 1 { p = DoubleDouble(1) }
    return DriftStatistics.clipProbability((DoubleDouble(1) - p).hi)
  }

  /// log(n! / n^n) by Stirling's series.
  private static func logFactorialOverPower(_ n: Int) -> Double {
    let nd = Double(n)
    let rn = 1.0 / nd
    return log(nd) / 2 - nd + log2Pi / 2 + rn * polyval(NumericConstants.stirlingCoefficients, rn / nd)
  }

  /// Multiplies `p` by `factor(i)` for i in 1...n with SciPy's 2^±128 rescaling; once SciPy's scalar turns
  /// into a NumPy long double, continues in double-double.
  private struct ScaledProduct {
    var value: Double
    var extended: DoubleDouble?
    var exponent: Int

    var result: DoubleDouble {
      let p = extended ?? DoubleDouble(value)
      return exponent == 0 ? p : p.scaled(by: exponent)
    }
  }

  /// Pr(D_n <= d) by Durbin's matrix method as organised by Marsaglia, Tsang and Wang.
  private static func durbinCDF(_ n: Int, _ d: Double) -> DoubleDouble {
    if d >= 1.0 { return DoubleDouble(1) }
    let nd = Double(n) * d
    if nd <= 0.5 { return DoubleDouble(0) }
    let k = Int(nd.rounded(.up))
    let h = Double(k) - nd
    let m = 2 * k - 1

    var v = [Double](repeating: 0, count: m)
    var w = [Double](repeating: 0, count: m)
    for j in 0..<m { v[j] = 1.0 - pow(h, Double(j + 1)) }
    var fac = 1.0
    for j in 1...m {
      w[j - 1] = fac
      fac /= Double(j)
      v[j - 1] *= fac
    }
    let tt = pow(Swift.max(2 * h - 1.0, 0), Double(m)) - 2 * pow(h, Double(m))
    v[m - 1] = (1.0 + tt) * fac

    var hMatrix = [Double](repeating: 0, count: m * m)
    for i in 1..<Swift.max(m, 1) {
      for r in (i - 1)..<m { hMatrix[r * m + i] = w[r - (i - 1)] }
    }
    for r in 0..<m { hMatrix[r * m] = v[r] }
    for c in 0..<m { hMatrix[(m - 1) * m + c] = v[m - 1 - c] }

    var power = [Double](repeating: 0, count: m * m)
    for i in 0..<m { power[i * m + i] = 1 }
    var scratch = [Double](repeating: 0, count: m * m)
    var nn = n
    var expnt = 0
    var hExpnt = 0
    let diagonal = (k - 1) * m + (k - 1)
    while nn > 0 {
      if nn % 2 == 1 {
        multiply(power, hMatrix, into: &scratch, m)
        swap(&power, &scratch)
        expnt += hExpnt
      }
      nn /= 2
      if nn == 0 { break }  // SciPy squares once more here, but the result is unused.
      multiply(hMatrix, hMatrix, into: &scratch, m)
      swap(&hMatrix, &scratch)
      hExpnt *= 2
      if abs(hMatrix[diagonal]) > ep128 {
        for index in 0..<(m * m) { hMatrix[index] /= ep128 }
        hExpnt += e128
      }
    }

    var product = ScaledProduct(value: power[diagonal], extended: nil, exponent: expnt)
    let nD = Double(n)
    for i in 1...n {
      let di = Double(i)
      if var e = product.extended {
        e = (e * di) / nD
        if abs(e.hi) < em128 {
          e = e * ep128
          product.exponent -= e128
        }
        product.extended = e
      } else {
        product.value = di * product.value / nD
        if abs(product.value) < em128 {
          product.extended = DoubleDouble(product.value) * ep128
          product.exponent -= e128
        }
      }
    }
    return product.result
  }

  /// c = a b for m x m row-major matrices.
  private static func multiply(_ a: [Double], _ b: [Double], into c: inout [Double], _ m: Int) {
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        c.withUnsafeMutableBufferPointer { pc in
          for index in 0..<(m * m) { pc[index] = 0 }
          for i in 0..<m {
            let row = i * m
            for l in 0..<m {
              let factor = pa[row + l]
              if factor == 0 { continue }
              let bRow = l * m
              for j in 0..<m { pc[row + j] += factor * pb[bRow + j] }
            }
          }
        }
      }
    }
  }

  private static func pomeranzBounds(_ i: Int, _ n: Int, _ ll: Int, _ ceilf: Int, _ roundf: Int) -> (Int, Int) {
    var j1: Int
    var j2: Int
    if i == 0 {
      j1 = -ll - ceilf - 1
      j2 = ll + ceilf - 1
    } else {
      let ip1div2 = (i + 1) / 2
      let ip1mod2 = (i + 1) % 2
      if ip1mod2 == 0 {
        if ip1div2 == n + 1 {
          j1 = n - ll - ceilf - 1
          j2 = n + ll + ceilf - 1
        } else {
          j1 = ip1div2 - 1 - ll - roundf - 1
          j2 = ip1div2 + ll - 1 + ceilf - 1
        }
      } else {
        j1 = ip1div2 - 1 - ll - 1
        j2 = ip1div2 + ll + roundf - 1
      }
    }
    return (Swift.max(j1 + 2, 0), Swift.min(j2, n))
  }

  /// Pr(D_n <= x) by the Pomeranz recursion.
  private static func pomeranzCDF(_ n: Int, _ x: Double) -> DoubleDouble {
    let nd = Double(n)
    let t = nd * x
    let ll = Int(t.rounded(.down))
    let f = 1.0 * (t - Double(ll))
    let g = Swift.min(f, 1.0 - f)
    let ceilf = f > 0 ? 1 : 0
    let roundf = f > 0.5 ? 1 : 0
    let npwrs = 2 * (ll + 1)
    var gpower = [Double](repeating: 1, count: npwrs)
    var twogpower = [Double](repeating: 1, count: npwrs)
    var onem2gpower = [Double](repeating: 1, count: npwrs)
    let gOverN = g / nd
    let twoGOverN = 2 * g / nd
    let oneMinusTwoGOverN = (1 - 2 * g) / nd
    for m in 1..<npwrs {
      gpower[m] = gpower[m - 1] * gOverN / Double(m)
      twogpower[m] = twogpower[m - 1] * twoGOverN / Double(m)
      onem2gpower[m] = onem2gpower[m - 1] * oneMinusTwoGOverN / Double(m)
    }
    var v0 = [Double](repeating: 0, count: npwrs)
    var v1 = [Double](repeating: 0, count: npwrs)
    v1[0] = 1
    var v0s = 0
    var v1s = 0
    var expnt = 0
    var (j1, j2) = pomeranzBounds(0, n, ll, ceilf, roundf)
    for i in 1..<(2 * n + 2) {
      let k1 = j1
      swap(&v0, &v1)
      swap(&v0s, &v1s)
      for index in 0..<npwrs { v1[index] = 0 }
      (j1, j2) = pomeranzBounds(i, n, ll, ceilf, roundf)
      let powers: [Double]
      if i == 1 || i == 2 * n + 1 {
        powers = gpower
      } else {
        powers = i % 2 == 1 ? twogpower : onem2gpower
      }
      let ln2 = j2 - k1 + 1
      if ln2 > 0 {
        // np.convolve(V0[k1 - V0s : k1 - V0s + ln2], powers[:ln2]), entries conv_start ..< conv_start + conv_len.
        let aStart = k1 - v0s
        let aCount = Swift.max(0, Swift.min(aStart + ln2, npwrs) - aStart)
        let bCount = Swift.min(ln2, npwrs)
        let convStart = j1 - k1
        let convLen = j2 - j1 + 1
        var largest = 0.0
        for index in 0..<Swift.max(convLen, 0) {
          let k = convStart + index
          var sum = 0.0
          let lower = Swift.max(0, k - bCount + 1)
          let upper = Swift.min(k, aCount - 1)
          if lower <= upper {
            for l in lower...upper { sum += v0[aStart + l] * powers[k - l] }
          }
          v1[index] = sum
          if sum > largest { largest = sum }
        }
        if largest > 0 && largest < em128 {
          for index in 0..<npwrs { v1[index] *= ep128 }
          expnt -= e128
        }
        v1s = v0s + j1 - k1
      }
    }
    var product = ScaledProduct(value: v1[n - v1s], extended: nil, exponent: expnt)
    for m in 1...n {
      let dm = Double(m)
      if var e = product.extended {
        if abs(e.hi) > ep128 {
          e = e * em128
          product.exponent += e128
        }
        product.extended = e * dm
      } else if abs(product.value) > ep128 {
        product.extended = (DoubleDouble(product.value) * em128) * dm
        product.exponent += e128
      } else {
        product.value *= dm
      }
    }
    return product.result
  }

  /// Pelz-Good approximation to Pr(D_n <= x).
  private static func pelzGoodCDF(_ n: Int, _ x: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let nd = Double(n)
    let z = nd.squareRoot() * x
    let zSquared = z * z
    let zThree = pow(z, 3)
    let zFour = pow(z, 4)
    let zSix = pow(z, 6)
    let qlog = -piSquared / 8 / zSquared
    if qlog < -708 { return 0 }
    let q = exp(qlog)

    let k1a = -zSquared
    let k1b = piSquared / 4
    let k2a = 6 * zSix + 2 * zFour
    let k2b = (2 * zFour - 5 * zSquared) * piSquared / 4
    let k2c = piFour * (1 - 2 * zSquared) / 16
    let k3d = piSix * (5 - 30 * zSquared) / 64
    let k3c = piFour * (-60 * zSquared + 212 * zFour) / 16
    let k3b = piSquared * (135 * zFour - 96 * zSix) / 4
    let k3a = -30 * zSix - 90 * pow(z, 8)

    var k0 = 0.0
    var k1 = 0.0
    var k2 = 0.0
    var k3 = 0.0
    let maxk = Int((16 * z / Double.pi).rounded(.up))
    var k = maxk
    while k > 0 {
      let m = 2 * k - 1
      let mSquared = Double(m * m)
      let mFour = Double(m * m * m * m)
      let mSix = Double(m * m * m * m * m * m)
      let qPower = pow(q, Double(8 * k))
      k0 = k0 * qPower + 1.0
      k1 = k1 * qPower + (k1a + k1b * mSquared)
      k2 = k2 * qPower + (k2a + k2b * mSquared + k2c * mFour)
      k3 = k3 * qPower + (k3a + k3b * mSquared + k3c * mFour + k3d * mSix)
      k -= 1
    }
    k0 = k0 * q * sqrt2Pi / z
    k1 = k1 * q * sqrt2Pi / (6 * zFour)
    k2 = k2 * q * sqrt2Pi / (72 * pow(z, 7))
    k3 = k3 * q * sqrt2Pi / (6480 * pow(z, 10))

    let qTheta = exp(-piSquared / 2 / zSquared)
    let sqrt3z = sqrt3 * z
    let extra = numpyPairs(count: maxk) { index in
      let kk = maxk - index
      let kSquared = Double(kk * kk)
      let kPi = Double.pi * Double(kk)
      let qPower = pow(qTheta, kSquared)
      return SIMD2(kSquared * qPower, (sqrt3z + kPi) * (sqrt3z - kPi) * kSquared * qPower)
    }
    k2 += extra[0] * (piSquared * sqrt2Pi / (-36 * zThree))
    k3 += extra[1] * (piSquared * sqrt2Pi / (216 * zSix))
    k1 /= pow(nd, 0.5)
    k2 /= pow(nd, 1.0)
    k3 /= pow(nd, 1.5)
    return 0 + k0 + k1 + k2 + k3
  }

}
