import Foundation
import MLVStore
import MLVTestSupport
import Testing

/// Seeded numbers for generated tables: SplitMix64, normals by Box–Muller.
struct Draws {
  var state: UInt64
  init(_ seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

  mutating func normal(mean: Double = 0, std: Double = 1) -> Double {
    let u = max(uniform(), 1e-300)
    return mean + std * (-2 * log(u)).squareRoot() * cos(2 * .pi * uniform())
  }

  /// One of `values`, drawn with `weights`.
  mutating func pick(_ values: [String], _ weights: [Double]) -> String {
    var u = uniform() * weights.reduce(0, +)
    for (v, w) in zip(values, weights) {
      if u < w { return v }
      u -= w
    }
    return values.last!
  }
}

/// A table with known distributions; `shifted` moves `b` (mean), `c` (spread) and `d` (frequencies).
func driftTable(rows: Int, seed: UInt64, shifted: Bool) -> String {
  var d = Draws(seed)
  var out = "a,b,c,d,e,f,g\n"
  for _ in 0..<rows {
    let a = d.normal()
    let b = d.normal(mean: shifted ? 0.6 : 0)
    let c = d.normal(std: shifted ? 2 : 1)
    let cat = d.pick(["red", "green", "blue"], shifted ? [0.2, 0.3, 0.5] : [0.5, 0.3, 0.2])
    let e = d.pick(["x", "y", "z", "w"], [0.4, 0.3, 0.2, 0.1])
    let f = Int(d.uniform() * 100)
    let g = d.uniform() < 0.3 ? "True" : "False"
    out += "\(String(format: "%.6f", a)),\(String(format: "%.6f", b)),\(String(format: "%.6f", c)),\(cat),\(e),\(f),\(g)\n"
  }
  return out
}

extension Workspace {
  func driftJSON(_ arguments: String...) throws -> [String: Any] {
    let r = try run(["drift", "--json"] + arguments)
    #expect(r.status == 0, "mlv drift exited \(r.status): \(r.stderr)")
    return try #require(try json(r) as? [String: Any])
  }

  func run(_ arguments: [String]) throws -> ProcessResult { try mlv(arguments, in: path) }
}

func columns(_ doc: [String: Any]) -> [String: [String: Any]] {
  var out: [String: [String: Any]] = [:]
  for c in doc["columns"] as? [[String: Any]] ?? [] { out[c["column"] as! String] = c }
  return out
}

func flagged(_ doc: [String: Any]) -> Set<String> {
  Set(columns(doc).filter { $0.value["drifted"] as? Bool == true }.keys)
}

@Suite struct DriftCommandTests {
  @Test func largeTablesFlagExactlyTheShiftedColumns() throws {
    let w = try Workspace()
    try w.dir.write("ref.csv", driftTable(rows: 5000, seed: 1, shifted: false))
    try w.dir.write("cur.csv", driftTable(rows: 4000, seed: 2, shifted: true))
    try w.dir.write("same.csv", driftTable(rows: 4000, seed: 3, shifted: false))
    let doc = try w.driftJSON("--reference", "ref.csv", "--current", "cur.csv")
    #expect(flagged(doc) == ["b", "c", "d"])
    let cols = columns(doc)
    // Evidently's defaults above 1000 reference rows: normed Wasserstein for numbers, Jensen-Shannon otherwise.
    #expect(cols["a"]?["test"] as? String == "wasserstein" && cols["a"]?["type"] as? String == "numerical")
    #expect(cols["d"]?["test"] as? String == "jensenshannon" && cols["d"]?["type"] as? String == "categorical")
    #expect(cols["f"]?["test"] as? String == "wasserstein")
    #expect(cols["g"]?["test"] as? String == "jensenshannon" && cols["g"]?["type"] as? String == "categorical")
    let dataset = try #require(doc["dataset"] as? [String: Any])
    #expect(dataset["drifted_columns"] as? Int == 3 && dataset["tested_columns"] as? Int == 7 && dataset["drifted"] as? Bool == false)

    // The same distributions: nothing is flagged.
    #expect(flagged(try w.driftJSON("--reference", "ref.csv", "--current", "same.csv")).isEmpty)
    // A table against itself: every distance is 0.
    let selfDoc = try w.driftJSON("--reference", "ref.csv", "--current", "ref.csv")
    #expect(columns(selfDoc).values.allSatisfy { ($0["statistic"] as? Double) == 0 })

    // CI gate: exit 10 only when the verdict says drift.
    try w.ok("drift", "--reference", "ref.csv", "--current", "cur.csv", "--fail-on-drift")
    try w.fails(
      .driftDetected, "drift detected: 3 of 7 columns", "drift", "--reference", "ref.csv", "--current", "cur.csv", "--fail-on-drift",
      "--drift-share", "0.4")
    // The target's drift is reported (and gates) on its own.
    let r = try w.fails(
      .driftDetected, "drift detected: target 'b'", "drift", "--reference", "ref.csv", "--current", "cur.csv", "--target", "b",
      "--fail-on-drift")
    #expect(r.stdout.contains("target drift ('b'): yes"))
    #expect(r.stdout.contains("dataset drift: no: 3 of 7 columns drifted"))
  }

  @Test func smallReferenceUsesTestsWithPValues() throws {
    let w = try Workspace()
    // Tests at the 5% level flag about one unshifted column in twenty by chance: these seeds
    // draw samples where none is (the data is the same on every run).
    try w.dir.write("ref.csv", driftTable(rows: 600, seed: 41, shifted: false))
    try w.dir.write("cur.csv", driftTable(rows: 700, seed: 42, shifted: true))
    try w.dir.write("same.csv", driftTable(rows: 700, seed: 52, shifted: false))
    let doc = try w.driftJSON("--reference", "ref.csv", "--current", "cur.csv")
    let cols = columns(doc)
    #expect(cols["a"]?["test"] as? String == "ks" && cols["d"]?["test"] as? String == "chisquare" && cols["g"]?["test"] as? String == "z")
    #expect(flagged(doc) == ["b", "c", "d"])
    let p = try #require(cols["b"]?["p_value"] as? Double)
    #expect(p < 1e-6 && cols["b"]?["score"] as? Double == p)
    #expect(flagged(try w.driftJSON("--reference", "ref.csv", "--current", "same.csv")).isEmpty)
    // Another method for every column it applies to; a per-column threshold.
    let psi = columns(try w.driftJSON("--reference", "ref.csv", "--current", "cur.csv", "--method", "psi", "--threshold", "a=0.5"))
    #expect(psi.values.allSatisfy { $0["test"] as? String == "psi" })
    #expect(psi["a"]?["threshold"] as? Double == 0.5 && psi["b"]?["threshold"] as? Double == 0.1)
    let ks = columns(try w.driftJSON("--reference", "ref.csv", "--current", "cur.csv", "--method", "ks"))
    #expect(ks["a"]?["test"] as? String == "ks" && ks["d"]?["test"] as? String == "chisquare")
    #expect((ks["d"]?["notes"] as? [String])?.first?.contains("'ks' cannot test this categorical column") == true)
  }

  /// Statistics equal SciPy's on the same data (values computed with SciPy 1.17.1 and kept here).
  @Test func statisticsEqualSciPy() throws {
    let w = try Workspace()
    let ref = [0.12, 1.5, -0.3, 2.2, 0.9, 1.1, -1.4, 0.05, 0.7, 3.1, -0.8, 1.9]
    let cur = [0.5, 2.4, 1.8, 3.3, 0.2, 2.9, 1.7, 2.2, 4.0, 1.2]
    try w.dir.write("ref.csv", "x,k\n" + ref.enumerated().map { "\($1),\(["a", "b", "c"][$0 % 3])" }.joined(separator: "\n") + "\n")
    try w.dir.write("cur.csv", "x,k\n" + cur.enumerated().map { "\($1),\(["a", "b", "c", "c"][$0 % 4])" }.joined(separator: "\n") + "\n")
    func stat(_ method: String, _ key: String, column: String = "x") throws -> Double {
      let doc = try w.driftJSON("--reference", "ref.csv", "--current", "cur.csv", "--method", "\(column)=\(method)", "--columns", column)
      return try #require(columns(doc)[column]?[key] as? Double)
    }
    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(abs(a), abs(b)) }
    // scipy.stats.ks_2samp(ref, cur)
    #expect(close(try stat("ks", "statistic"), 0.4666666666666667))
    #expect(close(try stat("ks", "p_value"), 0.13424346551281538))
    // scipy.stats.wasserstein_distance(ref, cur) / numpy.std(ref)
    #expect(close(try stat("wasserstein", "statistic"), 1.013457288110031))
    // scipy.stats.anderson_ksamp([ref, cur]) (midrank)
    #expect(close(try stat("anderson", "statistic"), 2.3010624344812944))
    #expect(close(try stat("anderson", "p_value"), 0.036831358105824955))
    // scipy.stats.chisquare(f_obs=[3, 3, 4] (current a, b, c), f_exp=[4, 4, 4] * 10/12)
    #expect(close(try stat("chisquare", "statistic", column: "k"), 0.2))
    #expect(close(try stat("chisquare", "p_value", column: "k"), 0.9048374180359595))
  }

  @Test func referenceIsTheTableTheRunAtARevisionRead() throws {
    let w = try Workspace()
    try w.dir.write("train.csv", driftTable(rows: 1500, seed: 5, shifted: false))
    try w.ok("add", "train.csv")
    try w.repo.commitAll("data, no run yet")
    _ = try w.repo.git("tag", "norun")
    try w.ok("run", "--name", "train", "-d", "train.csv", "-o", "model.txt", "--", "sh", "-c", "wc -l train.csv > model.txt")
    try w.repo.commitAll("train")
    // The work tree moves on: new data replaces the training table, then it is deleted.
    try w.dir.write("train.csv", driftTable(rows: 1500, seed: 6, shifted: true))
    try w.ok("add", "train.csv")
    try FileManager.default.removeItem(atPath: w.dir.url("train.csv"))
    try w.dir.write("cur.csv", driftTable(rows: 1200, seed: 7, shifted: true))
    let doc = try w.driftJSON("--rev", "HEAD", "--current", "cur.csv")
    #expect(flagged(doc) == ["b", "c", "d"])
    let reference = try #require(doc["reference"] as? [String: Any])
    #expect(
      reference["name"] as? String == "train.csv@HEAD" && reference["stage"] as? String == "train" && reference["rows"] as? Int == 1500)
    let text = try w.ok("drift", "--rev", "HEAD", "--stage", "train", "--current", "cur.csv").stdout
    #expect(text.contains("from 'train.csv@HEAD' (read by stage 'train') (1500 rows)"))
    // A tracked dataset at a revision, from the store.
    #expect(flagged(try w.driftJSON("--rev", "HEAD", "--reference", "train.csv", "--current", "cur.csv")) == ["b", "c", "d"])

    // A revision without a recorded run, an unknown stage, an unknown revision.
    try w.fails(.invalidInput, "'norun' has no recorded run", "drift", "--rev", "norun", "--current", "cur.csv")
    try w.fails(.invalidInput, "no stage named 'nope'", "drift", "--rev", "HEAD", "--stage", "nope", "--current", "cur.csv")
    try w.fails(.invalidInput, "nosuch", "drift", "--rev", "nosuch", "--current", "cur.csv")
  }

  @Test func badColumnsAreSkippedWithReasons() throws {
    let w = try Workspace()
    var ref = "id,num,mixed,empty,const,onlyref,note\n"
    var cur = "id,num,mixed,empty,const,onlycur,note\n"
    for i in 0..<50 {
      ref += "\(i),\(Double(i) * 0.5),\(i),,7,\(i),text number \(i)\n"
      cur += "\(i),\(Double(i) * 0.5 + 1),\(i % 2 == 0 ? "a\(i)" : "b"),,7,\(i),text number \(i + 100)\n"
    }
    try w.dir.write("ref.csv", ref)
    try w.dir.write("cur.csv", cur)
    let doc = try w.driftJSON("--reference", "ref.csv", "--current", "cur.csv")
    let cols = columns(doc)
    #expect(cols["mixed"]?["skipped"] as? String == "numeric in the reference data, text in the current data")
    #expect(cols["empty"]?["skipped"] as? String == "every value is missing in the reference data")
    #expect(cols["onlyref"]?["skipped"] as? String == "missing in the current data")
    #expect(cols["onlycur"]?["skipped"] as? String == "missing in the reference data")
    #expect((cols["note"]?["skipped"] as? String)?.hasPrefix("free text") == true)
    // A constant column is tested (and is the same on both sides) and noted.
    #expect(
      cols["const"]?["drifted"] as? Bool == false
        && (cols["const"]?["notes"] as? [String])?.contains("constant in the reference data") == true)
    #expect((cols["empty"]?["missing"] as? [String: Any])?["current"] as? Int == 50)
    let text = try w.ok("drift", "--reference", "ref.csv", "--current", "cur.csv").stdout
    #expect(text.contains("skipped:\n"))
    #expect(text.contains("  mixed: numeric in the reference data, text in the current data\n"))

    // New values are reported.
    try w.dir.write("r2.csv", "k\n" + String(repeating: "a\nb\n", count: 20))
    try w.dir.write("c2.csv", "k\n" + String(repeating: "a\nb\nzz\n", count: 10))
    let k = try #require(columns(try w.driftJSON("--reference", "r2.csv", "--current", "c2.csv"))["k"])
    let fresh = try #require(k["new_values"] as? [String: Any])
    #expect(fresh["count"] as? Int == 1 && fresh["rows"] as? Int == 10 && k["drifted"] as? Bool == true)

    // Whole-command errors.
    try w.dir.write("header.csv", "id,num\n")
    try w.fails(.invalidInput, "the current data 'header.csv' has no rows", "drift", "--reference", "ref.csv", "--current", "header.csv")
    try w.fails(
      .invalidInput, "--columns names 'nope', which is in neither table", "drift", "--reference", "ref.csv", "--current", "cur.csv",
      "--columns", "nope")
    try w.fails(.usage, "unknown method 'magic'", "drift", "--reference", "ref.csv", "--current", "cur.csv", "--method", "magic")
    try w.fails(
      .invalidInput, "method 'ks' cannot test 'k': it is categorical", "drift", "--reference", "r2.csv", "--current", "c2.csv", "--method",
      "k=ks")
    try w.fails(
      .usage, "--stage and --reference cannot be combined", "drift", "--reference", "ref.csv", "--stage", "x", "--current", "cur.csv")
    try w.fails(.invalidInput, "missing.csv", "drift", "--reference", "ref.csv", "--current", "missing.csv")
  }

  /// Inputs that once crashed or misled the report.
  @Test func degenerateColumnsNeitherCrashNorMislead() throws {
    let w = try Workspace()
    // One value on both sides under chi-square; three numbers under Anderson-Darling.
    try w.dir.write("c1.csv", "k,x\na,1.5\na,2\na,3\n")
    try w.dir.write("c2.csv", "k,x\na,2.5\na,3.5\n")
    let chi = try #require(columns(try w.driftJSON("--reference", "c1.csv", "--current", "c2.csv", "--method", "k=chisquare"))["k"])
    #expect(chi["p_value"] as? Double == 1 && chi["drifted"] as? Bool == false)
    try w.dir.write("a1.csv", "x\n1.5\n")
    let ad = try #require(
      columns(try w.driftJSON("--reference", "a1.csv", "--current", "c2.csv", "--method", "x=anderson", "--columns", "x"))["x"])
    #expect(ad["test"] as? String == "ks" && (ad["notes"] as? [String])?.first?.contains("Anderson-Darling needs") == true)
    // A p-value below the smallest normal double is printed, not trapped on.
    var zr = "y\n"
    var zc = "y\n"
    for i in 0..<1000 {
      zr += i == 0 ? "b\n" : "a\n"
      zc += i % 6 == 0 ? "a\n" : "b\n"
    }
    try w.dir.write("zr.csv", zr)
    try w.dir.write("zc.csv", zc)
    let z = try w.ok("drift", "--reference", "zr.csv", "--current", "zc.csv").stdout
    #expect(z.contains("categorical  z") && z.contains("e-311") && z.contains("DRIFT"))
    // Numbers whose range overflows a double are skipped, with the reason.
    try w.dir.write("h1.csv", "x\n1.7e308\n-1.7e308\n1\n")
    try w.dir.write("h2.csv", "x\n1.6e308\n-1.6e308\n2\n")
    let huge = try #require(columns(try w.driftJSON("--reference", "h1.csv", "--current", "h2.csv"))["x"])
    #expect((huge["skipped"] as? String)?.hasPrefix("the numbers span more than the largest double") == true)
    // Tests of counts do not run on continuous numbers: the default is kept, with a note.
    let ref = driftTable(rows: 1500, seed: 8, shifted: false)
    try w.dir.write("r.csv", ref)
    let tvd = columns(try w.driftJSON("--reference", "r.csv", "--current", "r.csv", "--method", "tvd"))
    #expect(tvd["a"]?["test"] as? String == "wasserstein" && tvd["d"]?["test"] as? String == "tvd")
    try w.fails(
      .invalidInput, "method 'chisquare' cannot test 'a': it is numerical", "drift", "--reference", "r.csv", "--current", "r.csv",
      "--method", "a=chisquare")
    // A column whose values explode in the current data is not called missing.
    var lo = "id\n"
    var hi = "id\n"
    for i in 0..<120_000 {
      lo += "v\(i % 5)\n"
      hi += "v\(i)\n"
    }
    try w.dir.write("lo.csv", lo)
    try w.dir.write("hi.csv", hi)
    let id = try #require(columns(try w.driftJSON("--reference", "lo.csv", "--current", "hi.csv"))["id"])
    #expect(id["skipped"] as? String == "more than 100000 distinct values in the current data (5 in the reference)")
    #expect((id["missing"] as? [String: Any])?["current"] as? Int == 0)
  }

  @Test func htmlReportIsOneSelfContainedFile() throws {
    let w = try Workspace()
    try w.dir.write("ref.csv", driftTable(rows: 1200, seed: 21, shifted: false))
    try w.dir.write("cur.jsonl", jsonLines(driftTable(rows: 800, seed: 22, shifted: true)))
    let r = try w.ok("drift", "--reference", "ref.csv", "--current", "cur.jsonl", "--html", "report.html")
    #expect(r.stdout.contains("wrote 'report.html'"))
    let html = try w.dir.readText("report.html")
    #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg") && html.contains("Dataset drift detected") == false)
    #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://") && !html.contains("<link"))
    #expect(html.components(separatedBy: "<svg").count - 1 == 7)
  }
}

/// The rows of a CSV table (no quoting) as JSON Lines, numbers and booleans as JSON's.
func jsonLines(_ csv: String) -> String {
  let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
  let header = lines[0]
  return lines.dropFirst().map { row in
    "{"
      + zip(header, row).map { k, v in
        "\"\(k)\":" + (Double(v) != nil ? v : v == "True" ? "true" : v == "False" ? "false" : "\"\(v)\"")
      }.joined(separator: ",") + "}"
  }.joined(separator: "\n") + "\n"
}
