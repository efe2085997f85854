#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The statistics of drift, each equal to SciPy's (or NumPy's) on the same data. Samples are
/// sorted ascending, finite and non-empty; shares are non-negative.
public enum DriftStatistics {
  // MARK: Kolmogorov–Smirnov

  /// `scipy.stats.ks_2samp(a, b)`: two-sided, exact when both sizes are at most 10,000, else asymptotic.
  public static func ksTwoSample(_ a: [Double], _ b: [Double]) -> (statistic: Double, pValue: Double) {
    ksTwoSample(a, b, exact: max(a.count, b.count) <= 10_000)
  }

  /// `ks_2samp` with the method forced.
  public static func ksTwoSample(_ a: [Double], _ b: [Double], exact: Bool) -> (statistic: Double, pValue: Double) {
    let (n1, n2) = (a.count, b.count)
    var maxS = 0.0
    var minS = 0.0
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        var i = 0
        var j = 0
        while i < n1 || j < n2 {
          let x = j == n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j]
          while i < n1 && a[i] == x { i += 1 }
          while j < n2 && b[j] == x { j += 1 }
          let d = Double(i) / Double(n1) - Double(j) / Double(n2)
          if d > maxS { maxS = d }
          if -d > minS { minS = -d }
        }
      }
    }
    var d = minS > maxS ? minS : maxS
    if exact, let (exactD, p) = ksExact(d: d, n1: n1, n2: n2) {
      d = exactD
      return (d, min(max(p, 0), 1))
    }
    return (d, ksAsymptoticPValue(d: d, n1: n1, n2: n2))
  }

  /// SciPy's exact two-sided p-value (`_attempt_exact_2kssamp`): nil when it cannot be computed.
  public static func ksExactPValue(d: Double, n1: Int, n2: Int) -> Double? { ksExact(d: d, n1: n1, n2: n2)?.p }

  static func ksExact(d: Double, n1: Int, n2: Int) -> (d: Double, p: Double)? {
    let g = gcd(n1, n2)
    let lcm = (n1 / g) * n2
    let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
    let dd = Double(h) / Double(lcm)
    if h == 0 { return (dd, 1) }
    let p = n1 == n2 ? probabilityOutsideSquare(n1, h) : outsideProbabilityInside(n1, n2, g, h)
    guard p.isFinite, p >= 0, p <= 1 else { return nil }
    return (dd, p)
  }

  static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

  /// Pr(D_{n,n} >= h/n): the alternating sum of binomial ratios, in Horner form.
  static func probabilityOutsideSquare(_ n: Int, _ h: Int) -> Double {
    var p = 0.0
    var k = n / h
    while k >= 0 {
      var p1 = 1.0
      for j in 0..<h { p1 = Double(n - k * h - j) * p1 / Double(n + k * h + j + 1) }
      p = p1 * (1 - p)
      k -= 1
    }
    return 2 * p
  }

  /// 1 − the share of lattice paths from (0,0) to (m,n) staying strictly inside |x/m − y/n| < h/lcm,
  /// computed directly (Hodges' inside method in Viehmann's form), column by column.
  static func outsideProbabilityInside(_ m0: Int, _ n0: Int, _ g: Int, _ h: Int) -> Double {
    let (m, n) = m0 >= n0 ? (m0, n0) : (n0, m0)
    let mg = m / g
    let ng = n / g
    var minj = 0
    var maxj = min(Int((Double(h) / Double(mg)).rounded(.up)), n + 1)
    var curlen = maxj - minj
    let lenA = min(2 * maxj + 2, n + 1)
    var a = [Double](repeating: 1, count: lenA)
    for k in minj..<maxj { a[k] = 0 }
    for i in 1...m {
      let lastminj = minj
      let lastlen = curlen
      minj = min(max(Int((Double(ng * i - h) / Double(mg)).rounded(.down)) + 1, 0), n)
      maxj = min(Int((Double(ng * i + h) / Double(mg)).rounded(.up)), n + 1)
      if maxj <= minj { return 1 }
      var val = minj == 0 ? 0.0 : 1.0
      for jj in 0..<(maxj - minj) {
        let j = jj + minj
        val = (a[jj + minj - lastminj] * Double(i) + val * Double(j)) / Double(i + j)
        a[jj] = val
      }
      curlen = maxj - minj
      if lastlen > curlen { for k in (maxj - minj)..<(maxj - minj + lastlen - curlen) where k < lenA { a[k] = 1 } }
    }
    return a[maxj - minj - 1]
  }

  /// SciPy's asymptotic p-value: `kstwo.sf(d, round(m n / (m + n)))`.
  public static func ksAsymptoticPValue(d: Double, n1: Int, n2: Int) -> Double {
    let (m, n) = (Double(max(n1, n2)), Double(min(n1, n2)))
    let en = m * n / (m + n)
    return min(max(kolmogorovSF(Int(en.rounded(.toNearestOrEven)), d), 0), 1)
  }

  /// Pr(D_n > x) for the one-sample two-sided statistic (SciPy's `_kolmogn`, Simard and L'Ecuyer's choices).
  static func kolmogorovSF(_ n: Int, _ x: Double) -> Double {
    if x >= 1 { return 0 }
    if x <= 0 { return 1 }
    let nd = Double(n)
    let t = nd * x
    if t <= 1 {
      if t <= 0.5 { return 1 }
      let prob: Double
      if n <= 140 {
        var p = 1.0
        for i in 1...n { p *= Double(i) * (1.0 / nd) * (2 * t - 1) }
        prob = p
      } else {
        prob = exp(logFactorialOverPower(nd) + nd * log(2 * t - 1))
      }
      return clip(1 - prob)
    }
    if t >= nd - 1 { return clip(2 * pow(1 - x, nd)) }
    if x >= 0.5 { return clip(2 * smirnov(n, x)) }
    let nxx = t * x
    if n <= 140 {
      if nxx <= 0.754693 { return clip(1 - durbinMatrix(n, x)) }
      if nxx <= 4 { return clip(1 - pomeranz(n, x)) }
      return clip(2 * smirnov(n, x))
    }
    if nxx >= 370 { return 0 }
    if nxx >= 2.2 { return clip(2 * smirnov(n, x)) }
    let cdf = n <= 100_000 && nd * pow(x, 1.5) <= 1.4 ? durbinMatrix(n, x) : pelzGood(n, x)
    return clip(1 - cdf)
  }

  static func clip(_ p: Double) -> Double { min(max(p, 0), 1) }

  /// log(n! / n^n) by Stirling's series with n log n removed.
  static func logFactorialOverPower(_ n: Double) -> Double {
    let c = [
      -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
      -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
    ]
    let rn = 1 / n
    var poly = 0.0
    for k in c { poly = poly * (rn / n) + k }
    return log(n) / 2 - n + log(2 * Double.pi) / 2 + rn * poly
  }

  /// Pr(D_n^+ >= x), the one-sided statistic: the Birnbaum–Tingey sum, terms in logarithms.
  static func smirnov(_ n: Int, _ x: Double) -> Double {
    if x >= 1 { return 0 }
    if x <= 0 { return 1 }
    let nd = Double(n)
    let last = Int((nd * (1 - x)).rounded(.down))
    var sum = 0.0
    var comp = 0.0
    var logBinomial = 0.0  // log C(n, j), by the ratio of consecutive binomials
    for j in 0...last {
      let jd = Double(j)
      if j > 0 { logBinomial += log((nd - jd + 1) / jd) }
      let p = 1 - x - jd / nd
      let q = x + jd / nd
      if p <= 0 && n - j > 0 { continue }
      var logTerm = logBinomial + (jd - 1) * log(q)
      if n - j > 0 { logTerm += (nd - jd) * log(p) }
      let term = exp(logTerm)
      // Neumaier summation: the terms are positive, but there can be very many.
      let s = sum + term
      comp += abs(sum) >= abs(term) ? (sum - s) + term : (term - s) + sum
      sum = s
    }
    return x * (sum + comp)
  }

  /// Pr(D_n <= d) by the Durbin matrix (Marsaglia, Tsang and Wang): the k-th diagonal entry of H^n, scaled.
  static func durbinMatrix(_ n: Int, _ d: Double) -> Double {
    if d >= 1 { return 1 }
    let nd = Double(n) * d
    if nd <= 0.5 { return 0 }
    let k = Int(nd.rounded(.up))
    let h = Double(k) - nd
    let m = 2 * k - 1
    var hm = [Double](repeating: 0, count: m * m)
    var v = [Double](repeating: 0, count: m)
    var w = [Double](repeating: 0, count: m)
    var fac = 1.0
    for j in 1...m {
      v[j - 1] = 1 - pow(h, Double(j))
      w[j - 1] = fac
      fac /= Double(j)
      v[j - 1] *= fac
    }
    let tt = pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))
    v[m - 1] = (1 + tt) * fac
    for i in 1..<m { for r in (i - 1)..<m { hm[r * m + i] = w[r - i + 1] } }
    for r in 0..<m { hm[r * m] = v[r] }
    for c in 0..<m { hm[(m - 1) * m + c] = v[m - 1 - c] }
    func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
      var out = [Double](repeating: 0, count: m * m)
      for i in 0..<m {
        for l in 0..<m {
          let x = a[i * m + l]
          if x == 0 { continue }
          for j in 0..<m { out[i * m + j] += x * b[l * m + j] }
        }
      }
      return out
    }
    var power = [Double](repeating: 0, count: m * m)
    for i in 0..<m { power[i * m + i] = 1 }
    var nn = n
    var exponent = 0
    var hExponent = 0
    let big = 0x1p128
    while nn > 0 {
      if nn % 2 == 1 {
        power = multiply(power, hm)
        exponent += hExponent
      }
      hm = multiply(hm, hm)
      hExponent *= 2
      if abs(hm[(k - 1) * m + (k - 1)]) > big {
        for i in hm.indices { hm[i] /= big }
        hExponent += 128
      }
      nn /= 2
    }
    var p = power[(k - 1) * m + (k - 1)]
    for i in 1...n {
      p = Double(i) * p / Double(n)
      if abs(p) < 0x1p-128 {
        p *= big
        exponent -= 128
      }
    }
    if exponent != 0 { p = scalbn(p, Int32(exponent)) }
    return clip(p)
  }

  /// Pr(D_n <= x) by Pomeranz's recursion (two rows, Poisson-like convolutions, scaled).
  static func pomeranz(_ n: Int, _ x: Double) -> Double {
    let t = Double(n) * x
    let ll = Int(t.rounded(.down))
    let f = t - Double(ll)
    let g = min(f, 1 - f)
    let ceilf = f > 0 ? 1 : 0
    let roundf = f > 0.5 ? 1 : 0
    let npwrs = 2 * (ll + 1)
    var gpower = [Double](repeating: 1, count: npwrs)
    var twogpower = [Double](repeating: 1, count: npwrs)
    var onem2gpower = [Double](repeating: 1, count: npwrs)
    let (gn, g2n, g12n) = (g / Double(n), 2 * g / Double(n), (1 - 2 * g) / Double(n))
    for k in 1..<npwrs {
      gpower[k] = gpower[k - 1] * gn / Double(k)
      twogpower[k] = twogpower[k - 1] * g2n / Double(k)
      onem2gpower[k] = onem2gpower[k - 1] * g12n / Double(k)
    }
    func bounds(_ i: Int) -> (Int, Int) {
      var j1: Int
      var j2: Int
      if i == 0 {
        (j1, j2) = (-ll - ceilf - 1, ll + ceilf - 1)
      } else {
        let (half, odd) = ((i + 1) / 2, (i + 1) % 2)
        if odd == 0 {
          if half == n + 1 {
            (j1, j2) = (n - ll - ceilf - 1, n + ll + ceilf - 1)
          } else {
            (j1, j2) = (half - 1 - ll - roundf - 1, half + ll - 1 + ceilf - 1)
          }
        } else {
          (j1, j2) = (half - 1 - ll - 1, half + ll + roundf - 1)
        }
      }
      return (max(j1 + 2, 0), min(j2, n))
    }
    var v0 = [Double](repeating: 0, count: npwrs)
    var v1 = [Double](repeating: 0, count: npwrs)
    v1[0] = 1
    var (v0s, v1s) = (0, 0)
    var exponent = 0
    var (j1, j2) = bounds(0)
    for i in 1..<(2 * n + 2) {
      let k1 = j1
      swap(&v0, &v1)
      swap(&v0s, &v1s)
      for q in v1.indices { v1[q] = 0 }
      (j1, j2) = bounds(i)
      let powers = i == 1 || i == 2 * n + 1 ? gpower : (i % 2 == 1 ? twogpower : onem2gpower)
      let ln2 = j2 - k1 + 1
      if ln2 > 0 {
        let start = j1 - k1
        let count = j2 - j1 + 1
        // The full convolution of V0[k1-V0s ..< +ln2] (cut at the row's end, as a slice is)
        // with powers[..<ln2]; entries start ..< start+count of it.
        let from = k1 - v0s
        let aLen = max(0, min(ln2, npwrs - from))
        for q in 0..<count {
          let idx = start + q
          guard idx < aLen + ln2 - 1 else { break }
          var s = 0.0
          let lo = max(0, idx - ln2 + 1)
          let hi = min(idx, aLen - 1)
          if lo <= hi { for r in lo...hi { s += v0[from + r] * powers[idx - r] } }
          v1[q] = s
        }
        let top = v1.max() ?? 0
        if top > 0 && top < 0x1p-128 {
          for q in v1.indices { v1[q] *= 0x1p128 }
          exponent -= 128
        }
        v1s = v0s + j1 - k1
      }
    }
    var answer = v1[n - v1s]
    for k in 1...n {
      if abs(answer) > 0x1p128 {
        answer *= 0x1p-128
        exponent += 128
      }
      answer *= Double(k)
    }
    if exponent != 0 { answer = scalbn(answer, Int32(exponent)) }
    return clip(answer)
  }

  /// Pr(D_n <= x) by the Pelz–Good asymptotic series.
  static func pelzGood(_ n: Int, _ x: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let nd = Double(n)
    let z = nd.squareRoot() * x
    let (z2, z3, z4, z6) = (z * z, z * z * z, z * z * z * z, pow(z, 6))
    let pi2 = Double.pi * Double.pi
    let pi4 = pi2 * pi2
    let pi6 = pi4 * pi2
    let qlog = -pi2 / 8 / z2
    if qlog < -708 { return 0 }
    var q = exp(qlog)
    let k1a = -z2
    let k1b = pi2 / 4
    let k2a = 6 * z6 + 2 * z4
    let k2b = (2 * z4 - 5 * z2) * pi2 / 4
    let k2c = pi4 * (1 - 2 * z2) / 16
    let k3d = pi6 * (5 - 30 * z2) / 64
    let k3c = pi4 * (-60 * z2 + 212 * z4) / 16
    let k3b = pi2 * (135 * z4 - 96 * z6) / 4
    let k3a = -30 * z6 - 90 * pow(z, 8)
    var k = [0.0, 0.0, 0.0, 0.0]
    let maxk = Int((16 * z / Double.pi).rounded(.up))
    for kk in stride(from: maxk, to: 0, by: -1) {
      let m = Double(2 * kk - 1)
      let (m2, m4, m6) = (m * m, pow(m, 4), pow(m, 6))
      let qp = pow(q, Double(8 * kk))
      let coeffs = [1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6]
      for i in 0..<4 { k[i] = k[i] * qp + coeffs[i] }
    }
    let sqrt2pi = (2 * Double.pi).squareRoot()
    let div = [z, 6 * z4, 72 * pow(z, 7), 6480 * pow(z, 10)]
    for i in 0..<4 { k[i] = k[i] * q * sqrt2pi / div[i] }
    q = exp(-pi2 / 2 / z2)
    var k2extra = 0.0
    var k3extra = 0.0
    let sqrt3z = 3.0.squareRoot() * z
    for kk in stride(from: maxk, to: 0, by: -1) {
      let ks = Double(kk)
      let ks2 = ks * ks
      let qp = pow(q, ks2)
      k2extra += ks2 * qp
      let kspi = Double.pi * ks
      k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp
    }
    k[2] += k2extra * pi2 * sqrt2pi / (-36 * z3)
    k[3] += k3extra * pi2 * sqrt2pi / (216 * z6)
    for i in 0..<4 { k[i] /= pow(nd, Double(i) / 2) }
    return k[0] + k[1] + k[2] + k[3]
  }

  // MARK: Distances on samples

  /// `scipy.stats.wasserstein_distance(a, b)`: the area between the two empirical distribution functions.
  public static func wasserstein(_ a: [Double], _ b: [Double]) -> Double {
    let (n1, n2) = (a.count, b.count)
    var sum = Compensated()
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        var i = 0
        var j = 0
        while i < n1 || j < n2 {
          let x = j == n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j]
          while i < n1 && a[i] == x { i += 1 }
          while j < n2 && b[j] == x { j += 1 }
          guard i < n1 || j < n2 else { break }
          let next = j == n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j]
          sum.add(abs(Double(i) / Double(n1) - Double(j) / Double(n2)) * (next - x))
        }
      }
    }
    return sum.value
  }

  /// `numpy.std(a)` (ddof 0).
  public static func standardDeviation(_ a: [Double]) -> Double {
    guard !a.isEmpty else { return 0 }
    var s = Compensated()
    for x in a { s.add(x) }
    let mean = s.value / Double(a.count)
    var v = Compensated()
    for x in a { v.add((x - mean) * (x - mean)) }
    return (v.value / Double(a.count)).squareRoot()
  }

  /// `scipy.stats.anderson_ksamp([a, b])` (midrank): the normalized statistic and SciPy's
  /// interpolated p-value, capped to [0.001, 0.25].
  public static func andersonDarling(_ a: [Double], _ b: [Double]) -> (statistic: Double, pValue: Double) {
    let samples = [a, b]
    let n = samples.map { Double($0.count) }
    let total = a.count + b.count
    let bigN = Double(total)
    // Walk the distinct values of both samples in order.
    var pos = [0, 0]
    var below = 0.0
    var sums = [Compensated(), Compensated()]
    while pos[0] < a.count || pos[1] < b.count {
      let x = pos[1] == b.count || (pos[0] < a.count && a[pos[0]] <= b[pos[1]]) ? a[pos[0]] : b[pos[1]]
      var f = [0.0, 0.0]
      for s in 0..<2 {
        while pos[s] < samples[s].count && samples[s][pos[s]] == x {
          f[s] += 1
          pos[s] += 1
        }
      }
      let lj = f[0] + f[1]
      let bj = below + lj / 2
      for s in 0..<2 {
        let mij = Double(pos[s]) - f[s] / 2
        let num = bigN * mij - bj * n[s]
        sums[s].add(lj / bigN * num * num / (bj * (bigN - bj) - bigN * lj / 4))
      }
      below += lj
    }
    var a2 = (sums[0].value / n[0] + sums[1].value / n[1]) * (bigN - 1) / bigN
    let k = 2.0
    let hH = 1 / n[0] + 1 / n[1]
    var hs = Compensated()
    var g = Compensated()
    if total >= 3 {
      var t = 0
      for i in stride(from: total - 1, through: 2, by: -1) {
        hs.add(1 / Double(i))
        g.add(hs.value / Double(t + 2))
        t += 1
      }
    }
    let h = hs.value + 1
    let gv = g.value
    let ca = (4 * gv - 6) * (k - 1) + (10 - 6 * gv) * hH
    let cb = (2 * gv - 4) * k * k + 8 * h * k + (2 * gv - 14 * h - 4) * hH - 8 * h + 4 * gv - 6
    let cc = (6 * h + 2 * gv - 2) * k * k + (4 * h - 4 * gv + 6) * k + (2 * h - 6) * hH + 4 * h
    let cd = (2 * h + 6) * k * k - 4 * h * k
    let sigmasq = (ca * bigN * bigN * bigN + cb * bigN * bigN + cc * bigN + cd) / ((bigN - 1) * (bigN - 2) * (bigN - 3))
    a2 = (a2 - (k - 1)) / sigmasq.squareRoot()
    // Scholz and Stephens' critical values for two samples, and NumPy's quadratic fit of
    // log(significance) on them (np.polyfit, computed once: the table does not depend on the data).
    let critical = [0.32500000000000007, 1.226, 1.9609999999999999, 2.718, 3.752, 4.592, 6.546]
    let fit = [0.01819809457411147, -1.0082265644652515, -1.077770279820484]
    let p: Double
    if a2 < critical[0] {
      p = 0.25
    } else if a2 > critical[6] {
      p = 0.001
    } else {
      p = exp((fit[0] * a2 + fit[1]) * a2 + fit[2])
    }
    return (a2, p)
  }

  // MARK: Tests on counts

  /// `scipy.stats.chisquare(observed, expected)`: the statistic and chi2.sf(statistic, k − 1).
  public static func chiSquare(observed: [Double], expected: [Double]) -> (statistic: Double, pValue: Double) {
    var s = Compensated()
    for (o, e) in zip(observed, expected) { s.add((o - e) * (o - e) / e) }
    let stat = s.value
    return (stat, chiSquaredSurvival(stat, degreesOfFreedom: Double(observed.count - 1)))
  }

  /// chi2.sf(x, k) = Q(k/2, x/2).
  public static func chiSquaredSurvival(_ x: Double, degreesOfFreedom k: Double) -> Double {
    if x.isInfinite { return 0 }
    if k <= 0 { return .nan }
    return regularizedGammaQ(k / 2, x / 2)
  }

  /// The regularized upper incomplete gamma function Q(a, x): a series below a + 1, Lentz's
  /// continued fraction above.
  static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
    if x <= 0 { return 1 }
    let logPrefix = a * log(x) - x - lgamma(a)
    if x < a + 1 {
      var term = 1 / a
      var sum = term
      var ap = a
      for _ in 0..<100_000 {
        ap += 1
        term *= x / ap
        sum += term
        if abs(term) < abs(sum) * 1e-17 { break }
      }
      return clip(1 - sum * exp(logPrefix))
    }
    let tiny = 1e-300
    var b = x + 1 - a
    var c = 1 / tiny
    var d = 1 / b
    var h = d
    for i in 1..<100_000 {
      let an = -Double(i) * (Double(i) - a)
      b += 2
      d = an * d + b
      if abs(d) < tiny { d = tiny }
      c = b + an / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let delta = d * c
      h *= delta
      if abs(delta - 1) < 1e-17 { break }
    }
    return clip(exp(logPrefix) * h)
  }

  /// `scipy.stats.norm.sf(z)`.
  public static func normalSurvival(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }

  /// The two-proportion Z-test as Evidently computes it, with the accurate two-sided p-value
  /// 2·sf(|z|). When one side's value never varies on both sides (P is 0 or 1), z is 0 and p 1.
  public static func twoProportionZTest(x1: Int, n1: Int, x2: Int, n2: Int) -> (statistic: Double, pValue: Double) {
    let p1 = Double(x1) / Double(n1)
    let p2 = Double(x2) / Double(n2)
    let pooled = (p1 * Double(n1) + p2 * Double(n2)) / Double(n1 + n2)
    let spread = (pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
    guard spread > 0 else { return (0, 1) }
    let z = (p1 - p2) / spread
    return (z, min(1, 2 * normalSurvival(abs(z))))
  }

  // MARK: Distances on shares

  static func normalized(_ p: [Double]) -> [Double] {
    var s = Compensated()
    for x in p { s.add(x) }
    return p.map { $0 / s.value }
  }

  static func relativeEntropy(_ x: Double, _ y: Double) -> Double {
    if x > 0 && y > 0 { return x * log(x / y) }
    if x == 0 && y >= 0 { return 0 }
    return .infinity
  }

  /// `scipy.spatial.distance.jensenshannon(p, q)` (natural logarithm).
  public static func jensenShannon(_ p: [Double], _ q: [Double]) -> Double {
    let (p, q) = (normalized(p), normalized(q))
    var left = Compensated()
    var right = Compensated()
    for i in p.indices {
      let m = (p[i] + q[i]) / 2
      left.add(relativeEntropy(p[i], m))
      right.add(relativeEntropy(q[i], m))
    }
    return ((left.value + right.value) / 2).squareRoot()
  }

  /// `scipy.stats.entropy(p, q)`: the Kullback–Leibler divergence (natural logarithm).
  public static func klDivergence(_ p: [Double], _ q: [Double]) -> Double {
    let (p, q) = (normalized(p), normalized(q))
    var s = Compensated()
    for i in p.indices { s.add(relativeEntropy(p[i], q[i])) }
    return s.value
  }

  /// Evidently's PSI: Σ (p − q) ln(p / q).
  public static func psi(_ p: [Double], _ q: [Double]) -> Double {
    var s = Compensated()
    for i in p.indices { s.add((p[i] - q[i]) * log(p[i] / q[i])) }
    return s.value
  }

  /// Evidently's categorical Hellinger distance: √(1 − clip(Σ √(p q), 0, 1)).
  public static func hellinger(_ p: [Double], _ q: [Double]) -> Double {
    var s = 0.0
    for i in p.indices { s += (p[i] * q[i]).squareRoot() }
    return (1 - clip(s)).squareRoot()
  }

  /// Evidently's numeric Hellinger distance over Sturges bins of the distinct values.
  public static func hellingerNumeric(reference: [Double], current: [Double], uniqueValues: [Double], integer: Bool = false) -> Double {
    let edges = sturgesEdges(count: uniqueValues.count, min: uniqueValues.first!, max: uniqueValues.last!, integer: integer)
    func density(_ counts: [Int]) -> [Double] {
      let total = Double(counts.reduce(0, +))
      return counts.indices.map { Double(counts[$0]) / (edges[$0 + 1] - edges[$0]) / total }
    }
    let h1 = density(histogram(reference, edges: edges))
    let h2 = density(histogram(current, edges: edges))
    let width = (edges.last! - edges[0]) / Double(edges.count - 1)
    var s = 0.0
    for i in h1.indices { s += (h1[i] * h2[i]).squareRoot() * width }
    return (1 - clip(s)).squareRoot()
  }

  // MARK: Bins

  /// `np.histogram_bin_edges(x, bins='sturges')` for `count` values between `min` and `max`
  /// (`integer`: the values are integers, whose bins NumPy makes at least 1 wide).
  public static func sturgesEdges(count: Int, min lo: Double, max hi: Double, integer: Bool = false) -> [Double] {
    var first = lo
    var last = hi
    if first == last {
      first -= 0.5
      last += 0.5
    }
    var width = (hi - lo) / (log2(Double(count)) + 1)
    var bins = 1
    if width != 0 {
      if integer && width < 1 { width = 1 }
      bins = Int(((last - first) / width).rounded(.up))
    }
    let step = (last - first) / Double(bins)
    var edges = (0...bins).map { Double($0) * step + first }
    edges[bins] = last
    return edges
  }

  /// `np.histogram(sorted, edges)[0]`: bin i holds edges[i] <= x < edges[i+1], the last bin closed.
  public static func histogram(_ sorted: [Double], edges: [Double]) -> [Int] {
    let bins = edges.count - 1
    var counts = [Int](repeating: 0, count: bins)
    var i = 0
    // Values below the first edge are outside.
    while i < sorted.count && sorted[i] < edges[0] { i += 1 }
    for b in 0..<bins {
      let upper = edges[b + 1]
      let start = i
      if b == bins - 1 {
        while i < sorted.count && sorted[i] <= upper { i += 1 }
      } else {
        while i < sorted.count && sorted[i] < upper { i += 1 }
      }
      counts[b] = i - start
    }
    return counts
  }

  /// Evidently's zero filling: a zero share becomes min(non-zero)/10⁶ when that minimum is at
  /// most 0.0001, else 0.0001.
  public static func fillZeroes(_ p: inout [Double]) {
    guard let least = p.filter({ $0 != 0 }).min() else { return }
    let fill = least <= 0.0001 ? least / 1e6 : 0.0001
    for i in p.indices where p[i] == 0 { p[i] = fill }
  }
}

/// Neumaier's compensated sum: as exact as NumPy's pairwise sums, in one pass.
struct Compensated {
  private var sum = 0.0
  private var compensation = 0.0

  mutating func add(_ x: Double) {
    let t = sum + x
    if abs(sum) >= abs(x) { compensation += (sum - t) + x } else { compensation += (x - t) + sum }
    sum = t
  }

  var value: Double { sum + compensation }
}
