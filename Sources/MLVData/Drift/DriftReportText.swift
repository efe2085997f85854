import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The report's numbers for people, and its JSON document (`"format": "mlv-drift"`) for scripts.
public enum DriftReportText {
  /// The JSON document's version.
  public static let version = 1

  /// A number for the table: 4 significant digits, or scientific for tiny and huge values
  /// (subnormals included); `nan` and `inf` spelled out.
  public static func number(_ x: Double?) -> String {
    guard let x else { return "" }
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == 0 { return "0" }
    // The decimal exponent by scaling, so that no power of ten overflows or underflows.
    var m = abs(x)
    var e = 0
    while m >= 10 {
      m /= 10
      e += 1
    }
    while m < 1 {
      m *= 10
      e -= 1
    }
    if e < -4 || e >= 7 {
      return "\(x < 0 ? "-" : "")\(fixed(m, 2))e\(e < 0 ? "-" : "+")\(abs(e) < 10 ? "0" : "")\(abs(e))"
    }
    return fixed(x, max(0, 3 - e))
  }

  static func pow10(_ e: Int) -> Double {
    var r = 1.0
    for _ in 0..<abs(e) { r *= 10 }
    return e < 0 ? 1 / r : r
  }

  /// `x` with `digits` decimals (no trailing zeros past the first).
  static func fixed(_ x: Double, _ digits: Int) -> String {
    let scale = pow10(digits)
    let scaled = (abs(x) * scale).rounded()
    let whole = (scaled / scale).rounded(.down)
    var frac = String(Int(scaled - whole * scale))
    while frac.count < digits { frac = "0" + frac }
    var text = (x < 0 && scaled != 0 ? "-" : "") + String(Int(whole))
    if digits > 0 {
      while frac.count > 1 && frac.hasSuffix("0") { frac.removeLast() }
      if frac != "0" { text += "." + frac }
    }
    return text
  }

  public static func percent(_ share: Double) -> String { number(share * 100) + "%" }

  /// The JSON document.
  public static func json(_ report: DriftReport, reference: [String: CanonicalJSON.Value]) -> CanonicalJSON.Value {
    var ref = reference
    ref["name"] = .string(report.reference)
    ref["rows"] = .integer(report.referenceRows)
    var doc: [String: CanonicalJSON.Value] = [
      "format": .string("mlv-drift"),
      "version": .integer(version),
      "reference": .object(ref),
      "current": .object(["name": .string(report.current), "rows": .integer(report.currentRows)]),
      "dataset": .object([
        "drifted": .bool(report.datasetDrift), "drifted_columns": .integer(report.driftedCount),
        "tested_columns": .integer(report.tested.count), "share": .number(report.share), "drift_share": .number(report.driftShare),
      ]),
      "columns": .array(report.columns.map(column)),
    ]
    for c in report.columns where c.role != .feature {
      doc[c.role.rawValue] = .object([
        "column": .string(c.name), "drifted": c.skipped == nil ? .bool(c.drifted) : .null,
      ])
    }
    return .object(doc)
  }

  static func value(_ x: Double?) -> CanonicalJSON.Value {
    guard let x else { return .null }
    if x.isInfinite { return .string(x > 0 ? "inf" : "-inf") }
    return .number(x)
  }

  static func column(_ c: ColumnDrift) -> CanonicalJSON.Value {
    var o: [String: CanonicalJSON.Value] = [
      "column": .string(c.name), "role": .string(c.role.rawValue), "type": .string(c.kind.rawValue),
      "drifted": .bool(c.drifted),
      "missing": .object(["reference": .integer(c.referenceMissing), "current": .integer(c.currentMissing)]),
    ]
    if let s = c.skipped {
      o["skipped"] = .string(s)
      return .object(o)
    }
    o["test"] = .string(c.method!.rawValue)
    o["statistic"] = value(c.statistic)
    o["p_value"] = value(c.pValue)
    o["score"] = value(c.score)
    o["threshold"] = value(c.threshold)
    if c.referenceInfinite + c.currentInfinite > 0 {
      o["infinite"] = .object(["reference": .integer(c.referenceInfinite), "current": .integer(c.currentInfinite)])
    }
    o["distinct"] = .object([
      "reference": c.referenceDistinct.map { .integer($0) } ?? .null, "current": c.currentDistinct.map { .integer($0) } ?? .null,
    ])
    func categories(_ list: [CategoryCount], count: Int) -> CanonicalJSON.Value {
      .object(["count": .integer(count), "top": .array(list.map { .object(["value": .string($0.value), "count": .integer($0.count)]) })])
    }
    if c.newCategoryCount > 0 {
      var n = categories(c.newCategories, count: c.newCategoryCount).object!
      n["rows"] = .integer(c.newCategoryRows)
      o["new_values"] = .object(n)
    }
    if c.vanishedCategoryCount > 0 { o["absent_values"] = categories(c.vanishedCategories, count: c.vanishedCategoryCount) }
    func summary(_ s: NumericSummary?) -> CanonicalJSON.Value {
      guard let s else { return .null }
      return .object([
        "count": .integer(s.count), "mean": .number(s.mean), "std": .number(s.std), "min": .number(s.min), "p25": .number(s.p25),
        "median": .number(s.median), "p75": .number(s.p75), "max": .number(s.max),
      ])
    }
    if c.referenceSummary != nil {
      o["reference"] = summary(c.referenceSummary)
      o["current"] = summary(c.currentSummary)
    }
    if !c.notes.isEmpty { o["notes"] = .array(c.notes.map { .string($0) }) }
    return .object(o)
  }
}
