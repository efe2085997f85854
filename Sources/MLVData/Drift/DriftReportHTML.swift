/// The report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched.
public enum DriftReportHTML {
  static let referenceColor = "#4c78a8"
  static let currentColor = "#f58518"

  public static func render(_ report: DriftReport, referenceDescription: String) -> String {
    let tested = report.tested.count
    var h = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>mlv drift: \(escape(report.current))</title>
      <style>
      body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
      h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.15em;margin:0 0 .3em}
      .sub{color:#666;margin-top:0} .verdict{padding:.8em 1em;border-radius:6px;margin:1em 0;font-size:1.1em}
      .drift{background:#fde2e1;border:1px solid #f5a5a2} .ok{background:#e3f4e1;border:1px solid #a9d8a3}
      table{border-collapse:collapse;width:100%;margin:1em 0} th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #e5e5e5}
      th{background:#f6f6f6} td.num{text-align:right;font-variant-numeric:tabular-nums} tr.d td{background:#fff3f2}
      .card{border:1px solid #ddd;border-radius:6px;padding:1em;margin:1em 0} .tag{font-size:.8em;padding:.1em .5em;border-radius:3px}
      .tag.d{background:#d62728;color:#fff} .tag.n{background:#2ca02c;color:#fff} .tag.s{background:#999;color:#fff}
      .legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;vertical-align:-.1em}
      ul.notes{color:#555;margin:.4em 0}
      </style></head><body>
      <h1>Data drift</h1>
      <p class="sub">current <b>\(escape(report.current))</b> (\(report.currentRows) rows) against reference <b>\(escape(referenceDescription))</b> (\(report.referenceRows) rows)</p>
      <div class="verdict \(report.datasetDrift ? "drift" : "ok")"><b>\(report.datasetDrift ? "Dataset drift detected" : "No dataset drift")</b>:
      \(report.driftedCount) of \(tested) tested column\(tested == 1 ? "" : "s") drifted (\(DriftReportText.percent(report.share))); the verdict needs \(DriftReportText.percent(report.driftShare)).</div>

      """
    for c in report.columns where c.role != .feature && c.skipped == nil {
      h += "<p><b>\(c.role.rawValue.capitalized) drift</b> (\(escape(c.name))): \(c.drifted ? "yes" : "no")</p>\n"
    }
    h += "<table><tr><th>column</th><th>type</th><th>test</th><th>statistic</th><th>p-value</th><th>threshold</th><th>drifted</th></tr>\n"
    for (i, c) in report.columns.enumerated() {
      let tag =
        c.skipped != nil
        ? "<span class=\"tag s\">skipped</span>" : c.drifted ? "<span class=\"tag d\">drift</span>" : "<span class=\"tag n\">no</span>"
      h +=
        "<tr\(c.drifted ? " class=\"d\"" : "")><td><a href=\"#c\(i)\">\(escape(c.name))</a>\(c.role == .feature ? "" : " (\(c.role.rawValue))")</td>"
      h += "<td>\(c.kind.rawValue)</td><td>\(escape(c.method?.displayName ?? ""))</td>"
      h += "<td class=\"num\">\(DriftReportText.number(c.statistic))</td><td class=\"num\">\(DriftReportText.number(c.pValue))</td>"
      h += "<td class=\"num\">\(DriftReportText.number(c.threshold))</td><td>\(tag)</td></tr>\n"
    }
    h +=
      "</table>\n<p class=\"legend\">bars:<span style=\"background:\(referenceColor)\"></span>reference<span style=\"background:\(currentColor)\"></span>current</p>\n"
    for (i, c) in report.columns.enumerated() {
      h += "<div class=\"card\" id=\"c\(i)\"><h2>\(escape(c.name)) <span class=\"tag \(c.skipped != nil ? "s" : c.drifted ? "d" : "n")\">"
      h += "\(c.skipped != nil ? "skipped" : c.drifted ? "drift" : "no drift")</span></h2>\n"
      var notes: [String] = []
      if let s = c.skipped { notes.append("not tested: " + s) }
      if let m = c.method {
        notes.append(
          "\(m.displayName): \(m.isTest ? "p-value \(DriftReportText.number(c.pValue)), statistic \(DriftReportText.number(c.statistic))" : DriftReportText.number(c.statistic)); threshold \(DriftReportText.number(c.threshold))"
        )
      }
      notes.append("missing: \(c.referenceMissing) in the reference, \(c.currentMissing) in the current data")
      if let r = c.referenceSummary, let k = c.currentSummary {
        notes.append(
          "mean \(DriftReportText.number(r.mean)) → \(DriftReportText.number(k.mean)), std \(DriftReportText.number(r.std)) → \(DriftReportText.number(k.std)), median \(DriftReportText.number(r.median)) → \(DriftReportText.number(k.median))"
        )
      }
      if c.newCategoryCount > 0 {
        notes.append(
          "\(c.newCategoryCount) new value(s) in \(c.newCategoryRows) rows: "
            + c.newCategories.map { "'\($0.value)' (\($0.count))" }.joined(separator: ", "))
      }
      if c.vanishedCategoryCount > 0 {
        notes.append(
          "\(c.vanishedCategoryCount) reference value(s) absent: " + c.vanishedCategories.map { "'\($0.value)'" }.joined(separator: ", "))
      }
      notes += c.notes
      h += "<ul class=\"notes\">" + notes.map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n"
      if let d = c.distribution { h += d.edges.isEmpty ? bars(d) : histogram(d) }
      h += "</div>\n"
    }
    h += "<p class=\"sub\">Written by mlv drift. Methods and formulas: docs/drift.md.</p>\n</body></html>\n"
    return h
  }

  static func shares(_ counts: [Int]) -> [Double] {
    let n = Double(max(1, counts.reduce(0, +)))
    return counts.map { Double($0) / n }
  }

  /// Side-by-side bins of the two shares.
  static func histogram(_ d: DriftDistribution) -> String {
    let ref = shares(d.reference)
    let cur = shares(d.current)
    let top = max(ref.max() ?? 0, cur.max() ?? 0, 1e-12)
    let (w, hgt, left, bottom) = (760.0, 220.0, 50.0, 30.0)
    let bins = ref.count
    let bw = (w - left - 10) / Double(max(1, bins))
    var s = "<svg width=\"\(Int(w))\" height=\"\(Int(hgt))\" viewBox=\"0 0 \(Int(w)) \(Int(hgt))\" role=\"img\">"
    s += "<line x1=\"\(left)\" y1=\"\(hgt - bottom)\" x2=\"\(w - 10)\" y2=\"\(hgt - bottom)\" stroke=\"#999\"/>"
    let plot = hgt - bottom - 10
    for i in 0..<bins {
      let x = left + Double(i) * bw
      for (k, (v, color)) in [(ref[i], referenceColor), (cur[i], currentColor)].enumerated() {
        let bh = v / top * plot
        let title =
          "\(k == 0 ? "reference" : "current") [\(DriftReportText.number(d.edges[i])), \(DriftReportText.number(d.edges[i + 1]))): \(DriftReportText.percent(v))"
        s +=
          "<rect x=\"\(fmt(x + Double(k) * bw / 2 + 0.5))\" y=\"\(fmt(hgt - bottom - bh))\" width=\"\(fmt(max(0.5, bw / 2 - 1)))\" height=\"\(fmt(bh))\" fill=\"\(color)\" fill-opacity=\".85\"><title>\(escape(title))</title></rect>"
      }
    }
    for i in stride(from: 0, through: bins, by: max(1, bins / 6)) {
      let x = left + Double(i) * bw
      s +=
        "<text x=\"\(fmt(x))\" y=\"\(hgt - bottom + 16)\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">\(escape(DriftReportText.number(d.edges[i])))</text>"
    }
    s += "<text x=\"\(left - 6)\" y=\"18\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">\(DriftReportText.percent(top))</text>"
    return s + "</svg>\n"
  }

  /// Horizontal bars: each value's share on both sides.
  static func bars(_ d: DriftDistribution) -> String {
    let ref = shares(d.reference)
    let cur = shares(d.current)
    let top = max(ref.max() ?? 0, cur.max() ?? 0, 1e-12)
    let row = 22.0
    let (w, label) = (760.0, 180.0)
    let hgt = Double(d.labels.count) * row + 10
    var s = "<svg width=\"\(Int(w))\" height=\"\(Int(hgt))\" viewBox=\"0 0 \(Int(w)) \(Int(hgt))\" role=\"img\">"
    for (i, name) in d.labels.enumerated() {
      let y = 5 + Double(i) * row
      let shown = name.count > 28 ? String(name.prefix(27)) + "…" : name
      s +=
        "<text x=\"\(label - 6)\" y=\"\(fmt(y + 14))\" font-size=\"12\" text-anchor=\"end\" fill=\"#333\">\(escape(shown))<title>\(escape(name))</title></text>"
      for (k, (v, color)) in [(ref[i], referenceColor), (cur[i], currentColor)].enumerated() {
        let bw = v / top * (w - label - 80)
        s +=
          "<rect x=\"\(label)\" y=\"\(fmt(y + Double(k) * 9 + 1))\" width=\"\(fmt(max(0.5, bw)))\" height=\"8\" fill=\"\(color)\"><title>\(k == 0 ? "reference" : "current"): \(DriftReportText.percent(v))</title></rect>"
      }
      s +=
        "<text x=\"\(fmt(label + max(ref[i], cur[i]) / top * (w - label - 80) + 6))\" y=\"\(fmt(y + 14))\" font-size=\"11\" fill=\"#555\">\(DriftReportText.percent(ref[i])) → \(DriftReportText.percent(cur[i]))</text>"
    }
    return s + "</svg>\n"
  }

  static func fmt(_ x: Double) -> String { DriftReportText.fixed(x, 1) }

  /// Text safe in HTML content and attribute values.
  public static func escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for ch in s {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(ch)
      }
    }
    return out
  }
}
