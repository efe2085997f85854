import MLVCore
import MLVStore

/// How `mlv repro --rev` shows its comparison.
enum RebuildOutput {
  static func print(_ report: RebuildReport, json: Bool) throws {
    if json {
      let stages: [Value] = report.stages.map { s in
        var o: [String: Value] = [
          "stage": .string(s.stage), "record": .string(s.record.description),
          "inputMismatches": .array(s.inputMismatches.map { .string($0) }),
          "metricDifferences": .array(s.metricDifferences.map { .string($0) }),
          "outputs": .array(
            s.outputs.map { out in
              var v: [String: Value] = [
                "path": .string(out.path), "verdict": .string(out.verdict.rawValue), "recordedId": .string(out.recorded.id.description),
                "recordedSize": .integer(out.recorded.size),
              ]
              v["size"] = out.size.map { .integer($0) } ?? .null
              v["detail"] = out.detail.map { .string($0) } ?? .null
              return .object(v)
            }),
        ]
        o["failure"] = s.failure.map { .string($0) } ?? .null
        return .object(o)
      }
      let env: [Value] = report.environmentChanges.map {
        .object(["key": .string($0.key), "recorded": $0.old.map { .string($0) } ?? .null, "now": $0.new.map { .string($0) } ?? .null])
      }
      var top: [String: Value] = [
        "revision": .string(report.revision), "commit": .string(report.commit), "identical": .bool(report.identical),
        "stages": .array(stages), "environmentChanges": .array(env),
      ]
      top["scratch"] = report.scratch.map { .string($0) } ?? .null
      Output.canonical(.object(top))
      return
    }
    Swift.print("rebuilt \(report.revision) (\(report.commit.prefix(10))) in a scratch workspace")
    for s in report.stages {
      Swift.print("stage '\(s.stage)'\(s.failure.map { ": failed: \($0)" } ?? "")")
      for m in s.inputMismatches { Swift.print("  input     \(m)") }
      for m in s.metricDifferences { Swift.print("  metric    \(m)") }
      for out in s.outputs {
        var line = "  \(out.verdict.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))\(out.path)"
        if out.verdict == .differs {
          line += "  (recorded \(Output.size(out.recorded.size)), rebuilt \(out.size.map(Output.size) ?? "-"))"
        }
        Swift.print(line)
        if let d = out.detail, out.verdict != .identical { Swift.print("           \(d)") }
      }
    }
    if report.environmentChanges.isEmpty {
      Swift.print("environment: same as recorded")
    } else {
      Swift.print("environment differs from the recording:")
      for c in report.environmentChanges.prefix(40) { Swift.print("  \(c.key): \(c.old ?? "-") -> \(c.new ?? "-")") }
      if report.environmentChanges.count > 40 { Swift.print("  … and \(report.environmentChanges.count - 40) more") }
    }
    if let scratch = report.scratch { Swift.print("scratch workspace kept at \(scratch)") }
    Swift.print(report.identical ? "every output is identical" : "NOT identical")
  }
}
