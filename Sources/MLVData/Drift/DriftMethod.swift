/// A way to tell whether a column drifted: a statistical test (drifted when its p-value is
/// below the threshold) or a distance (drifted when it reaches the threshold). Names and default
/// thresholds are Evidently's.
public enum DriftMethod: String, Sendable, CaseIterable {
  /// Two-sample Kolmogorov–Smirnov test (SciPy `ks_2samp`), numerical columns.
  case ks
  /// Pearson's chi-square test of the current counts against the reference shares.
  case chisquare
  /// Two-proportion Z-test, for columns with at most two values.
  case z
  /// Wasserstein distance divided by the reference's standard deviation, numerical columns.
  case wasserstein
  /// Jensen–Shannon distance between the binned distributions.
  case jensenshannon
  /// Population stability index over the binned distributions.
  case psi
  /// Kullback–Leibler divergence of the reference from the current binned distribution.
  case kl_div
  /// Hellinger distance.
  case hellinger
  /// Total variation distance between the value shares.
  case tvd
  /// k-sample Anderson–Darling test (SciPy `anderson_ksamp`, midrank), numerical columns.
  case anderson

  /// Whether the score is a p-value (drift below the threshold) rather than a distance.
  public var isTest: Bool {
    switch self {
    case .ks, .chisquare, .z, .anderson: return true
    case .wasserstein, .jensenshannon, .psi, .kl_div, .hellinger, .tvd: return false
    }
  }

  /// Evidently's default threshold.
  public var defaultThreshold: Double {
    switch self {
    case .ks, .chisquare, .z: return 0.05
    case .anderson, .wasserstein, .jensenshannon, .psi, .kl_div, .hellinger, .tvd: return 0.1
    }
  }

  /// Whether a column of `kind` with `distinct` values (both sides together) can be tested
  /// this way. The tests of counts (chi-square, Z, TVD) take categorical columns, and numerical
  /// ones with at most 5 values, which Evidently's defaults give them.
  public func applies(to kind: DriftColumnKind, distinct: Int = .max) -> Bool {
    switch self {
    case .ks, .wasserstein, .anderson: return kind == .numerical
    case .chisquare, .z, .tvd: return kind == .categorical || (kind == .numerical && distinct <= 5)
    default: return kind == .numerical || kind == .categorical
    }
  }

  /// The name in reports.
  public var displayName: String {
    switch self {
    case .ks: return "K-S p-value"
    case .chisquare: return "chi-square p-value"
    case .z: return "Z-test p-value"
    case .wasserstein: return "Wasserstein (normed)"
    case .jensenshannon: return "Jensen-Shannon"
    case .psi: return "PSI"
    case .kl_div: return "K-L divergence"
    case .hellinger: return "Hellinger"
    case .tvd: return "total variation"
    case .anderson: return "Anderson-Darling p-value"
    }
  }

  /// Whether `score` means drift at `threshold` (Evidently's comparisons: K-S drifts at a
  /// p-value equal to the threshold, the other tests below it; distances at or above it).
  public func drifted(score: Double, threshold: Double) -> Bool {
    switch self {
    case .ks: return score <= threshold
    case .chisquare, .z, .anderson: return score < threshold
    default: return score >= threshold
    }
  }
}

/// How a column is treated.
public enum DriftColumnKind: String, Sendable {
  case numerical, categorical, text, datetime, empty
}

/// The role of a column in the report.
public enum DriftColumnRole: String, Sendable {
  case feature, target, prediction
}
