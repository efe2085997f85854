import Dispatch
import MLVStore

/// What to compare and how.
public struct DriftOptions: Sendable {
  /// The columns to compare (nil: every column of either table).
  public var columns: [String]?
  /// The target column, reported as target drift.
  public var target: String?
  /// The prediction column, reported as prediction drift.
  public var prediction: String?
  /// One method for every column it applies to (the others keep their default).
  public var method: DriftMethod?
  /// A method per column.
  public var columnMethods: [String: DriftMethod] = [:]
  /// One threshold for every column.
  public var threshold: Double?
  /// A threshold per column.
  public var columnThresholds: [String: Double] = [:]
  /// The dataset drifts when at least this share of the tested columns drifted.
  public var driftShare = 0.5
  /// Whether to bin both sides for plots (the HTML report; two more passes per column).
  public var distributions = false

  public init() {}
}

/// Why a comparison cannot be made at all.
public enum DriftError: UserFacingError, Equatable {
  /// A table without data rows.
  case noRows(table: String, side: String)
  /// A column named on the command line that neither table has.
  case unknownColumn(String, option: String)
  /// A method asked for a column it cannot test.
  case methodNotApplicable(column: String, method: DriftMethod, kind: DriftColumnKind)

  public var message: String {
    switch self {
    case .noRows(let table, let side): return "the \(side) data '\(table)' has no rows"
    case .unknownColumn(let name, let option): return "\(option) names '\(name)', which is in neither table"
    case .methodNotApplicable(let column, let method, let kind):
      return "method '\(method.rawValue)' cannot test '\(column)': it is \(kind.rawValue)"
    }
  }

  public var hint: String? {
    switch self {
    case .noRows: return "drift compares distributions: both sides need at least one row"
    case .unknownColumn: return "column names are case-sensitive; 'head -1' of the files shows them"
    case .methodNotApplicable(_, let method, _):
      let kinds = method.applies(to: .categorical) ? "numerical and categorical" : "numerical"
      return "'\(method.rawValue)' tests \(kinds) columns; see docs/drift.md"
    }
  }

  public var exitStatus: ExitStatus { .invalidInput }
}

/// Count, mean, spread and quartiles of a column's finite numbers.
public struct NumericSummary: Sendable, Equatable {
  public var count: Int
  public var mean: Double
  public var std: Double
  public var min: Double
  public var p25: Double
  public var median: Double
  public var p75: Double
  public var max: Double

  init?(_ sorted: [Double]) {
    guard let first = sorted.first, let last = sorted.last else { return nil }
    count = sorted.count
    var sum = 0.0
    for x in sorted { sum += x }
    mean = sum / Double(count)
    std = DriftStatistics.standardDeviation(sorted)
    min = first
    max = last
    // NumPy's default (linear) percentiles.
    func percentile(_ q: Double) -> Double {
      let h = Double(sorted.count - 1) * q
      let lo = Int(h)
      let hi = Swift.min(lo + 1, sorted.count - 1)
      return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
    p25 = percentile(0.25)
    median = percentile(0.5)
    p75 = percentile(0.75)
  }
}

/// The two distributions of a column, for plots: bins of numbers or shares of values.
public struct DriftDistribution: Sendable, Equatable {
  /// Bin edges (numerical; one more than the counts) or empty.
  public var edges: [Double]
  /// Value labels (categorical; the last may be "other") or empty.
  public var labels: [String]
  public var reference: [Int]
  public var current: [Int]
}

/// A value seen on one side only, with how often.
public struct CategoryCount: Sendable, Equatable {
  public var value: String
  public var count: Int
}

/// One column's comparison.
public struct ColumnDrift: Sendable {
  public var name: String
  public var role: DriftColumnRole
  public var kind: DriftColumnKind
  /// Why the column was not tested (nil when it was).
  public var skipped: String?
  public var method: DriftMethod?
  /// The test's statistic (K-S D, chi-square, z, Anderson–Darling) or the distance.
  public var statistic: Double?
  /// The test's p-value (tests only).
  public var pValue: Double?
  public var threshold: Double?
  public var drifted = false
  /// Values missing on each side (null tokens, `NaN`, absent keys).
  public var referenceMissing = 0
  public var currentMissing = 0
  /// Infinite numbers on each side (left out of the test).
  public var referenceInfinite = 0
  public var currentInfinite = 0
  /// Distinct values present on each side (nil when too many to count).
  public var referenceDistinct: Int?
  public var currentDistinct: Int?
  /// Values of the current data the reference never had, most frequent first (at most 10),
  /// and how many such values there are and rows hold them.
  public var newCategories: [CategoryCount] = []
  public var newCategoryCount = 0
  public var newCategoryRows = 0
  /// Values of the reference that the current data lacks (at most 10), and how many.
  public var vanishedCategories: [CategoryCount] = []
  public var vanishedCategoryCount = 0
  public var referenceSummary: NumericSummary?
  public var currentSummary: NumericSummary?
  public var distribution: DriftDistribution?  // binned only with `DriftOptions.distributions`
  /// Remarks: a constant column, a method replaced by the default, …
  public var notes: [String] = []

  /// The number compared with the threshold: the p-value of a test, else the distance.
  public var score: Double? { method?.isTest == true ? pValue : statistic }

  init(name: String, role: DriftColumnRole) {
    self.name = name
    self.role = role
    kind = .empty
  }
}

/// The whole comparison.
public struct DriftReport: Sendable {
  public var reference: String
  public var current: String
  public var referenceRows: Int
  public var currentRows: Int
  public var columns: [ColumnDrift]
  public var driftShare: Double

  /// The columns that were tested.
  public var tested: [ColumnDrift] { columns.filter { $0.skipped == nil } }
  /// How many tested columns drifted.
  public var driftedCount: Int { columns.count { $0.skipped == nil && $0.drifted } }
  /// The share of tested columns that drifted.
  public var share: Double {
    let n = tested.count
    return n == 0 ? 0 : Double(driftedCount) / Double(n)
  }
  /// Dataset drift: the share of drifted columns reached `driftShare`.
  public var datasetDrift: Bool { !tested.isEmpty && share >= driftShare }
}

/// Compares two tables column by column.
public enum DriftAnalysis {
  /// Integer columns with at most this many values are categorical (Evidently's rule).
  public static let integerCategoryLimit = 10
  /// Reference size up to which the default methods are tests, above it distances.
  public static let smallReference = 1000
  /// Distinct values counted per column and side; beyond, a text column is not tested.
  public static let maxDistinct = 100_000

  /// The report for `reference` against `current`.
  public static func compare(reference: TableSample, current: TableSample, options: DriftOptions) throws -> DriftReport {
    if reference.rows == 0 { throw DriftError.noRows(table: reference.name, side: "reference") }
    if current.rows == 0 { throw DriftError.noRows(table: current.name, side: "current") }
    let known = Set(reference.columns).union(current.columns)
    for (option, names) in [
      ("--columns", options.columns ?? []), ("--target", options.target.map { [$0] } ?? []),
      ("--prediction", options.prediction.map { [$0] } ?? []), ("--method", Array(options.columnMethods.keys)),
      ("--threshold", Array(options.columnThresholds.keys)),
    ] {
      for name in names where !known.contains(name) { throw DriftError.unknownColumn(name, option: option) }
    }
    let inReference = Set(reference.columns)
    let inCurrent = Set(current.columns)
    var names = options.columns ?? (reference.columns + current.columns.filter { !inReference.contains($0) })
    for special in [options.target, options.prediction].compactMap({ $0 }) where !names.contains(special) { names.append(special) }
    var seen = Set<String>()
    let unique = names.filter { seen.insert($0).inserted }

    var results = [Result<ColumnDrift, any Error>?](repeating: nil, count: unique.count)
    results.withUnsafeMutableBufferPointer { out in
      let out = UncheckedBuffer(out)
      DispatchQueue.concurrentPerform(iterations: unique.count) { i in
        let name = unique[i]
        let role: DriftColumnRole = name == options.target ? .target : name == options.prediction ? .prediction : .feature
        do {
          out.buffer[i] = .success(
            try column(
              name, role: role, reference: reference.samples[name], current: current.samples[name],
              referenceHas: inReference.contains(name), currentHas: inCurrent.contains(name), options: options))
        } catch {
          out.buffer[i] = .failure(error)
        }
      }
    }
    let columns = try results.map { try $0!.get() }
    return DriftReport(
      reference: reference.name, current: current.name, referenceRows: reference.rows, currentRows: current.rows,
      columns: columns, driftShare: options.driftShare)
  }

  /// The kind pandas and Evidently would give a column, from the reference's values.
  static func kind(of s: ColumnSample) -> (kind: DriftColumnKind, why: String?) {
    if s.present == 0 { return (.empty, nil) }
    if s.numeric {
      if s.integer && s.missing == 0 && s.distinctNumbers <= integerCategoryLimit { return (.categorical, nil) }
      return (.numerical, nil)
    }
    if s.boolean { return (.categorical, nil) }
    if s.temporal { return (.datetime, "dates and times are not tested") }
    if s.tooManyDistinct { return (.text, "free text (too many distinct values to count) is not tested") }
    if s.categories.count * 2 > s.present {
      return (.text, "free text (\(s.categories.count) distinct value\(s.categories.count == 1 ? "" : "s") in \(s.present)) is not tested")
    }
    return (.categorical, nil)
  }

  static func column(
    _ name: String, role: DriftColumnRole, reference r: ColumnSample?, current c: ColumnSample?, referenceHas: Bool, currentHas: Bool,
    options: DriftOptions
  ) throws -> ColumnDrift {
    var out = ColumnDrift(name: name, role: role)
    guard let r, referenceHas else {
      out.skipped = "missing in the reference data"
      return out
    }
    out.referenceMissing = r.missing
    out.referenceInfinite = r.infinite
    let (kind, why) = kind(of: r)
    out.kind = kind
    guard let c, currentHas else {
      out.skipped = "missing in the current data"
      return out
    }
    out.currentMissing = c.missing
    out.currentInfinite = c.infinite
    if r.present == 0 {
      out.skipped = "every value is missing in the reference data"
      return out
    }
    if c.present == 0 {
      out.skipped = "every value is missing in the current data"
      return out
    }
    if let why {
      out.skipped = why
      return out
    }
    if r.numeric != c.numeric {
      out.skipped =
        r.numeric ? "numeric in the reference data, text in the current data" : "text in the reference data, numeric in the current data"
      return out
    }
    if !r.numeric && r.boolean != c.boolean {
      out.skipped =
        r.boolean ? "boolean in the reference data, text in the current data" : "text in the reference data, boolean in the current data"
      return out
    }
    if r.numeric && (r.numbers.isEmpty || c.numbers.isEmpty) {
      out.skipped = "no finite numbers in the \(r.numbers.isEmpty ? "reference" : "current") data"
      return out
    }
    if r.numeric && !(max(r.numbers.last!, c.numbers.last!) - min(r.numbers[0], c.numbers[0])).isFinite {
      out.skipped = "the numbers span more than the largest double: their differences cannot be computed"
      return out
    }
    if c.tooManyDistinct {
      out.skipped = "more than \(maxDistinct) distinct values in the current data (\(r.categories.count) in the reference)"
      return out
    }
    let values = r.numeric ? nil : Categories(r.categories, c.categories)
    let nRef = r.numeric ? r.numbers.count : r.present
    let nValues = r.numeric ? unionDistinct(r.numbers, c.numbers) : values!.keys.count
    if let method = options.columnMethods[name], !method.applies(to: kind, distinct: nValues) {
      throw DriftError.methodNotApplicable(column: name, method: method, kind: kind)
    }
    var method = options.columnMethods[name] ?? defaultMethod(kind: kind, referenceCount: nRef, distinct: nValues)
    if options.columnMethods[name] == nil, let all = options.method {
      if all.applies(to: kind, distinct: nValues) {
        method = all
      } else {
        out.notes.append("'\(all.rawValue)' cannot test this \(kind.rawValue) column: used '\(method.rawValue)'")
      }
    }
    if method == .anderson && (nValues < 2 || r.numbers.count + c.numbers.count < 4) {
      out.notes.append("Anderson-Darling needs two distinct values and four numbers: used '\(DriftMethod.ks.rawValue)'")
      method = .ks
    }
    out.method = method
    out.threshold = options.columnThresholds[name] ?? options.threshold ?? method.defaultThreshold

    if r.numeric {
      out.referenceSummary = NumericSummary(r.numbers)
      out.currentSummary = NumericSummary(c.numbers)
      out.referenceDistinct = r.distinctNumbers
      out.currentDistinct = c.distinctNumbers
      if out.referenceDistinct == 1 { out.notes.append("constant in the reference data") }
    } else {
      out.referenceDistinct = r.categories.count
      out.currentDistinct = c.categories.count
      if r.categories.count == 1 { out.notes.append("constant in the reference data") }
    }
    // Categories of either side, for the categorical methods, new values and plots.
    var counted = values
    if counted == nil && (kind == .categorical || method.needsCategories(distinct: out.referenceDistinct!)) {
      counted = Categories(numbers: r.numbers, c.numbers)
    }
    if let counted {
      let fresh = counted.keys.indices.filter { counted.reference[$0] == 0 }
      out.newCategoryCount = fresh.count
      out.newCategoryRows = fresh.reduce(0) { $0 + counted.current[$1] }
      out.newCategories = fresh.sorted { counted.current[$0] > counted.current[$1] }.prefix(10).map {
        CategoryCount(value: counted.keys[$0], count: counted.current[$0])
      }
      let gone = counted.keys.indices.filter { counted.current[$0] == 0 }
      out.vanishedCategoryCount = gone.count
      out.vanishedCategories = gone.sorted { counted.reference[$0] > counted.reference[$1] }.prefix(10).map {
        CategoryCount(value: counted.keys[$0], count: counted.reference[$0])
      }
    }
    let (statistic, p) = score(method, kind: kind, r: r, c: c, categories: counted, referenceStd: out.referenceSummary?.std)
    out.statistic = statistic
    out.pValue = method.isTest ? p : nil
    if let s = out.score { out.drifted = method.drifted(score: s, threshold: out.threshold!) }
    if options.distributions { out.distribution = distribution(kind: kind, r: r, c: c, categories: counted) }
    return out
  }

  /// Evidently's default: tests for a small reference, distances for a large one.
  static func defaultMethod(kind: DriftColumnKind, referenceCount: Int, distinct: Int) -> DriftMethod {
    if referenceCount <= smallReference {
      if kind == .numerical && distinct > 5 { return .ks }
      return distinct > 2 ? .chisquare : .z
    }
    if kind == .numerical && distinct > 5 { return .wasserstein }
    return .jensenshannon
  }

  static func unionDistinct(_ a: [Double], _ b: [Double]) -> Int {
    var n = 0
    Categories.forEachDistinct(a, b) { _ in n += 1 }
    return n
  }

  /// The statistic and p-value (tests) of `method`.
  static func score(
    _ method: DriftMethod, kind: DriftColumnKind, r: ColumnSample, c: ColumnSample, categories: Categories?, referenceStd: Double? = nil
  ) -> (Double, Double?) {
    switch method {
    case .ks:
      let t = DriftStatistics.ksTwoSample(r.numbers, c.numbers)
      return (t.statistic, t.pValue)
    case .anderson:
      let t = DriftStatistics.andersonDarling(r.numbers, c.numbers)
      return (t.statistic, t.pValue)
    case .wasserstein:
      let norm = max(referenceStd ?? DriftStatistics.standardDeviation(r.numbers), 0.001)
      return (DriftStatistics.wasserstein(r.numbers, c.numbers) / norm, nil)
    case .chisquare:
      let v = categories!
      let k = Double(v.currentTotal) / Double(v.referenceTotal)
      let expected = v.reference.map { Double($0) * k }
      let observed = v.current.map(Double.init)
      if v.keys.count < 2 {
        // One value on both sides: nothing can differ (SciPy's p-value would be NaN, 0 degrees of freedom).
        return (0, 1)
      }
      if zip(expected, observed).contains(where: { $0 == 0 && $1 > 0 }) {
        // A value the reference never had: SciPy's statistic is infinite, its p-value 0.
        return (.infinity, 0)
      }
      let t = DriftStatistics.chiSquare(observed: observed, expected: expected)
      return (t.statistic, t.pValue)
    case .z:
      let v = categories!
      if v.keys.count == 1 { return (0, 1) }
      // The first value (in sorted order) against all others, as Evidently does.
      let t = DriftStatistics.twoProportionZTest(
        x1: v.referenceTotal - v.reference[0], n1: v.referenceTotal, x2: v.currentTotal - v.current[0], n2: v.currentTotal)
      return (t.statistic, t.pValue)
    case .jensenshannon:
      let (p, q) = binned(kind: kind, r: r, c: c, categories: categories, fill: false)
      return (DriftStatistics.jensenShannon(p, q), nil)
    case .psi:
      let (p, q) = binned(kind: kind, r: r, c: c, categories: categories, fill: true)
      return (DriftStatistics.psi(p, q), nil)
    case .kl_div:
      let (p, q) = binned(kind: kind, r: r, c: c, categories: categories, fill: true)
      return (DriftStatistics.klDivergence(p, q), nil)
    case .hellinger:
      if kind == .numerical {
        let unique = Categories.union(r.numbers, c.numbers)
        return (
          DriftStatistics.hellingerNumeric(reference: r.numbers, current: c.numbers, uniqueValues: unique, integer: pandasIntegers(r, c)),
          nil
        )
      }
      let v = categories!
      return (DriftStatistics.hellinger(v.referenceShares, v.currentShares), nil)
    case .tvd:
      let v = categories!
      let (p, q) = (v.referenceShares, v.currentShares)
      var sum = 0.0
      for i in p.indices { sum += abs(p[i] - q[i]) }
      return (0.5 * sum, nil)
    }
  }

  /// Whether pandas reads both columns as int64 (integers, nothing missing): NumPy then makes bins at least 1 wide.
  static func pandasIntegers(_ r: ColumnSample, _ c: ColumnSample) -> Bool {
    r.integer && c.integer && r.missing == 0 && c.missing == 0
  }

  /// Evidently's binning: Sturges bins over both sides for a numerical column with more than
  /// 20 reference values, else the share of each value; zeros filled for PSI and K-L.
  static func binned(kind: DriftColumnKind, r: ColumnSample, c: ColumnSample, categories: Categories?, fill: Bool) -> ([Double], [Double]) {
    var p: [Double]
    var q: [Double]
    if kind == .numerical && r.distinctNumbers > 20 {
      let edges = DriftStatistics.sturgesEdges(
        count: r.numbers.count + c.numbers.count, min: min(r.numbers[0], c.numbers[0]), max: max(r.numbers.last!, c.numbers.last!),
        integer: pandasIntegers(r, c))
      p = DriftStatistics.histogram(r.numbers, edges: edges).map { Double($0) / Double(r.numbers.count) }
      q = DriftStatistics.histogram(c.numbers, edges: edges).map { Double($0) / Double(c.numbers.count) }
    } else {
      let v = categories ?? Categories(numbers: r.numbers, c.numbers)
      p = v.referenceShares
      q = v.currentShares
    }
    if fill {
      DriftStatistics.fillZeroes(&p)
      DriftStatistics.fillZeroes(&q)
    }
    return (p, q)
  }

  /// Plot data: up to 40 Sturges bins for numbers, the 20 most frequent values (then "other").
  static func distribution(kind: DriftColumnKind, r: ColumnSample, c: ColumnSample, categories: Categories?) -> DriftDistribution {
    if let v = categories, kind == .categorical || r.numbers.isEmpty || r.distinctNumbers <= 20 {
      let (rs, cs) = (v.referenceShares, v.currentShares)  // computed properties: once, not per comparison
      let order = v.keys.indices.sorted {
        let a = max(rs[$0], cs[$0])
        let b = max(rs[$1], cs[$1])
        return a != b ? a > b : v.keys[$0] < v.keys[$1]
      }
      let top = order.prefix(20)
      var labels = top.map { v.keys[$0] }
      var ref = top.map { v.reference[$0] }
      var cur = top.map { v.current[$0] }
      if order.count > 20 {
        labels.append("other (\(order.count - 20))")
        ref.append(order.dropFirst(20).reduce(0) { $0 + v.reference[$1] })
        cur.append(order.dropFirst(20).reduce(0) { $0 + v.current[$1] })
      }
      return DriftDistribution(edges: [], labels: labels, reference: ref, current: cur)
    }
    let lo = min(r.numbers[0], c.numbers[0])
    let hi = max(r.numbers.last!, c.numbers.last!)
    var edges = DriftStatistics.sturgesEdges(count: r.numbers.count + c.numbers.count, min: lo, max: hi)
    if edges.count > 41 {
      let width = (edges.last! - edges[0]) / 40
      edges = (0...40).map { $0 == 40 ? edges.last! : edges[0] + Double($0) * width }
    }
    return DriftDistribution(
      edges: edges, labels: [], reference: DriftStatistics.histogram(r.numbers, edges: edges),
      current: DriftStatistics.histogram(c.numbers, edges: edges))
  }
}

extension DriftMethod {
  /// Whether the method reads value counts rather than the numbers themselves, for a numerical
  /// column with `distinct` reference values.
  func needsCategories(distinct: Int) -> Bool {
    switch self {
    case .chisquare, .z, .tvd: return true
    case .jensenshannon, .psi, .kl_div: return distinct <= 20
    case .ks, .wasserstein, .anderson, .hellinger: return false
    }
  }
}

/// The values of both sides, sorted (numbers by value, text by UTF-8 bytes), with their counts.
struct Categories {
  var keys: [String] = []
  var reference: [Int] = []
  var current: [Int] = []
  var referenceTotal: Int { reference.reduce(0, +) }
  var currentTotal: Int { current.reduce(0, +) }
  var referenceShares: [Double] {
    let n = Double(referenceTotal)
    return reference.map { Double($0) / n }
  }
  var currentShares: [Double] {
    let n = Double(currentTotal)
    return current.map { Double($0) / n }
  }

  init(_ r: CategoryCounts, _ c: CategoryCounts) {
    var all = r.values
    for v in c.values where r.count(of: v) == 0 { all.append(v) }
    all.sort { $0.lexicographicallyPrecedes($1) }
    keys = all.map { String(decoding: $0, as: UTF8.self) }
    reference = all.map { r.count(of: $0) }
    current = all.map { c.count(of: $0) }
  }

  init(numbers r: [Double], _ c: [Double]) {
    var i = 0
    var j = 0
    while i < r.count || j < c.count {
      let x = j == c.count || (i < r.count && r[i] <= c[j]) ? r[i] : c[j]
      var nr = 0
      var nc = 0
      while i < r.count && r[i] == x {
        nr += 1
        i += 1
      }
      while j < c.count && c[j] == x {
        nc += 1
        j += 1
      }
      keys.append(CanonicalJSON.numberText(x) ?? "\(x)")
      reference.append(nr)
      current.append(nc)
    }
  }

  /// The distinct values of two sorted arrays, sorted.
  static func union(_ a: [Double], _ b: [Double]) -> [Double] {
    var out: [Double] = []
    forEachDistinct(a, b) { out.append($0) }
    return out
  }

  /// Calls `body` with each distinct value of two sorted arrays, in order.
  static func forEachDistinct(_ a: [Double], _ b: [Double], _ body: (Double) -> Void) {
    var i = 0
    var j = 0
    var last: Double?
    while i < a.count || j < b.count {
      let x: Double
      if j == b.count || (i < a.count && a[i] <= b[j]) {
        x = a[i]
        i += 1
      } else {
        x = b[j]
        j += 1
      }
      if last != x {
        body(x)
        last = x
      }
    }
  }
}

/// A buffer written at distinct indices from concurrent iterations.
struct UncheckedBuffer<T>: @unchecked Sendable {
  let buffer: UnsafeMutableBufferPointer<T>
  init(_ buffer: UnsafeMutableBufferPointer<T>) { self.buffer = buffer }
}
