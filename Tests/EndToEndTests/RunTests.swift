import Foundation
import MLVStore
import MLVTestSupport
import Testing

/// A seeded "training" script (stdlib only): reads params.json and data.csv, writes model.txt
/// and metrics.json, and what mlv exported into env.txt.
let trainScript = """
  import json, os, random
  p = json.load(open("params.json"))
  rows = open("data.csv").read().split()
  rng = random.Random(int(os.environ["MLV_SEED"]))
  w = [rng.random() * p["lr"] for _ in range(3)]
  open("model.txt", "w").write("\\n".join(f"{x:.12f}" for x in w) + "\\n")
  json.dump({"acc": round(sum(w) + len(rows) / 1000, 9), "train": {"loss": round(1 - p["lr"], 9)}, "rows": len(rows)},
            open("metrics.json", "w"))
  keys = ["MLV_SEED", "PYTHONHASHSEED", "TZ", "LC_ALL", "OMP_NUM_THREADS", "SOURCE_DATE_EPOCH", "MLV_STAGE"]
  open("env.txt", "w").write("".join(f"{k}={os.environ.get(k)}\\n" for k in keys))
  """

extension Workspace {
  /// data.csv tracked, train.py and params.json committed.
  func prepareTraining(lr: Double = 0.1) throws {
    try dir.write("data.csv", (0..<500).map { "\($0),\($0 % 7)" }.joined(separator: "\n") + "\n")
    try dir.write("train.py", trainScript)
    try dir.write("params.json", "{\"lr\": \(lr), \"epochs\": 3}\n")
    try ok("add", "data.csv")
    try repo.commitAll("data and code")
  }

  static let trainArgs = [
    "run", "--name", "train", "--seed", "7", "-d", "data.csv", "-d", "train.py", "-p", "params.json", "-o", "model.txt", "-o", "env.txt",
    "-m", "metrics.json", "--", "python3", "train.py",
  ]

  @discardableResult
  func train(sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult {
    let r = try mlv(Self.trainArgs, in: path)
    #expect(r.status == 0, "mlv run exited \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
    return r
  }

  /// Like `fails`, for commands that announce the stage they run on stderr before failing.
  @discardableResult
  func failsRunning(
    _ status: MLVStore.ExitStatus, _ message: String, _ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation
  )
    throws -> ProcessResult
  {
    let r = try mlv(arguments, in: path)
    #expect(r.status == status.rawValue, "exited \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
    let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
    #expect(errors.count == 1 && errors[0].contains(message), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
    return r
  }

  func lockJSON() throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(try dir.read("mlv.lock"))) as! [String: Any]
  }
}

@Suite struct RunTests {
  @Test func runRecordsTheStageItsInputsOutputsAndMetrics() throws {
    let w = try Workspace()
    try w.prepareTraining()
    let r = try w.run(
      "run", "--json", "--name", "train", "--seed", "7", "-d", "data.csv", "-d", "train.py", "-p", "params.json:lr", "-o", "model.txt",
      "-o", "env.txt", "-m", "metrics.json", "--", "python3", "train.py")
    #expect(r.status == 0, "\(r.stderr)")
    let record = try w.json(r) as! [String: Any]
    #expect(record["format"] as? String == "mlv-run")
    #expect(record["seed"] as? Int == 7)
    #expect(record["exitCode"] as? Int == 0)
    #expect((record["git"] as? [String: Any])?["commit"] as? String == (try w.repo.git("rev-parse", "HEAD")))
    let deps = record["deps"] as! [[String: Any]]
    // Tracked data is recorded with its pointer's id; code with its content hash.
    #expect(deps.first { $0["path"] as? String == "data.csv" }?["id"] as? String == (try w.pointerID("data.csv.mlv")).description)
    #expect(deps.first { $0["path"] as? String == "train.py" }?["id"] as? String == "sha256:" + (try w.sha("train.py")))
    #expect((record["params"] as? [String: Any])?["params.json"] as? [String: Double] == ["lr": 0.1])
    let metrics = (record["metrics"] as? [String: Any])?["metrics.json"] as? [String: Double]
    #expect(metrics?["train.loss"] == 0.9)
    #expect(metrics?["rows"] == 500)
    // The command saw the seed and the pinned environment.
    let env = try w.dir.readText("env.txt")
    for line in ["MLV_SEED=7", "PYTHONHASHSEED=7", "TZ=UTC", "LC_ALL=C", "OMP_NUM_THREADS=1", "MLV_STAGE=train"] {
      #expect(env.contains(line + "\n"), "\(env)")
    }
    let epoch = try w.repo.git("log", "-1", "--format=%ct")
    #expect(env.contains("SOURCE_DATE_EPOCH=\(epoch)\n"))
    // Outputs are tracked like `mlv add`; the lock names the record; the stage is defined.
    #expect(w.dir.exists("model.txt.mlv"))
    #expect(try w.pointerID("model.txt.mlv").description == ((record["outs"] as! [[String: Any]]).first?["id"] as? String))
    let lock = try w.lockJSON()
    let stage = (lock["stages"] as! [String: Any])["train"] as! [String: Any]
    #expect(stage["record"] as? String == record["id"] as? String)
    #expect(try w.dir.readText("mlv.lock").hasSuffix("}\n"))
    let yaml = try w.dir.readText("mlv.yaml")
    #expect(yaml.contains("cmd: [python3, train.py]") && yaml.contains("seed: 7") && yaml.contains("- params.json: [lr]"))
    // The environment lock describes this machine.
    let envLock = try w.json(try w.ok("env", "show", stage["env"] as! String, "--json")) as! [String: Any]
    #expect((envLock["os"] as? [String: Any])?["arch"] != nil)
    #expect((envLock["python"] as? [String: Any])?["version"] != nil)
    #if arch(x86_64)
      #expect(((envLock["cpu"] as? [String: Any])?["flags"] as? [String])?.contains("sse2") == true)
    #endif
    #expect(try w.ok("env", "check").stdout.contains("environment matches"))
    #expect(try w.ok("fsck").stdout.contains("0 missing"))
  }

  @Test func reproRunsStagesInOrderAndSkipsWhatIsUpToDate() throws {
    let w = try Workspace()
    try w.prepareTraining()
    try w.dir.write("prep.py", "open('clean.csv','w').write(open('data.csv').read().upper())\n")
    try w.ok("run", "--name", "prep", "--seed", "1", "-d", "data.csv", "-d", "prep.py", "-o", "clean.csv", "--", "python3", "prep.py")
    try w.dir.write("train.py", trainScript.replacingOccurrences(of: "\"data.csv\"", with: "\"clean.csv\""))
    try w.ok(
      "run", "--name", "train", "--seed", "7", "-d", "clean.csv", "-d", "train.py", "-p", "params.json", "-o", "model.txt", "-m",
      "metrics.json", "--", "python3", "train.py")
    #expect(try w.ok("repro").stdout == "stage 'prep' is up to date\nstage 'train' is up to date\n")
    try w.dir.write("params.json", "{\"lr\": 0.2, \"epochs\": 3}\n")
    #expect(try w.ok("repro", "--dry-run").stdout.contains("stage 'train' would run: params changed"))
    var out = try w.ok("repro").stdout
    #expect(out.contains("stage 'prep' is up to date") && out.contains("stage 'train' recorded"))
    // Changed data reruns both, upstream first.
    try w.dir.write("data.csv", "9,9\n")
    try w.ok("add", "data.csv")
    let r = try w.ok("repro", "train")
    out = r.stdout
    #expect(out.range(of: "stage 'prep' recorded")!.lowerBound < out.range(of: "stage 'train' recorded")!.lowerBound)
    #expect(try w.dir.readText("clean.csv") == "9,9\n")
    #expect(try w.ok("repro", "--force", "prep").stdout.contains("stage 'prep' recorded"))
    // A deleted output makes its stage stale.
    try FileManager.default.removeItem(atPath: w.dir.url("model.txt"))
    #expect(try w.ok("repro", "--dry-run").stdout.contains("'model.txt' is missing"))
  }

  @Test func aFailingCommandRecordsNothingAndKeepsPriorOutputs() throws {
    let w = try Workspace()
    try w.prepareTraining()
    try w.train()
    let lock = try w.dir.read("mlv.lock")
    let model = try w.dir.read("model.txt")
    // Exits non-zero after overwriting its output.
    try w.dir.write("train.py", "open('model.txt','w').write('half')\nraise SystemExit(3)\n")
    var r = try w.run("run", "--name", "train")
    #expect(r.status == 9, "\(r.stderr)")
    #expect(r.stderr.contains("error: stage 'train' failed: its command exited with status 3"))
    #expect(try w.dir.read("model.txt") == model)
    #expect(try w.dir.read("mlv.lock") == lock)
    // Killed by a signal.
    try w.dir.write("train.py", "import os, signal\nopen('model.txt','w').write('x')\nos.kill(os.getpid(), signal.SIGKILL)\n")
    r = try w.run("run", "--name", "train")
    #expect(r.status == 9 && r.stderr.contains("killed by signal 9"), "\(r.stderr)")
    #expect(try w.dir.read("model.txt") == model)
    // Succeeds without writing a declared output.
    try w.dir.write("train.py", "import json\njson.dump({'acc': 1}, open('metrics.json', 'w'))\n")
    try w.failsRunning(.commandFailed, "did not produce its output 'model.txt'", "run", "--name", "train")
    #expect(try w.dir.read("model.txt") == model)
    // Writes a metric that is not a number.
    try w.dir.write("train.py", trainScript + "\njson.dump({'acc': 'high'}, open('metrics.json', 'w'))\n")
    try w.failsRunning(.invalidInput, "metric 'acc' in 'metrics.json' is not a number", "run", "--name", "train")
    #expect(try w.dir.read("model.txt") == model)
    #expect(try w.dir.read("mlv.lock") == lock)
    // A command that does not exist.
    let n = try w.failsRunning(.commandFailed, "command not found: 'no-such-tool'", "run", "--name", "x", "--", "no-such-tool", "--flag")
    #expect(n.stderr.contains("hint: "))
    #expect(!(try w.dir.readText("mlv.yaml")).contains("no-such-tool"))
    #expect(try w.dir.read("mlv.lock") == lock)
  }

  @Test func badInputGetsClearErrors() throws {
    let w = try Workspace()
    try w.prepareTraining()
    try w.fails(.invalidInput, "dependency 'nope.csv' of stage 'x' does not exist", "run", "--name", "x", "-d", "nope.csv", "--", "true")
    try w.fails(.usage, "give a command", "run")
    try w.fails(.invalidInput, "invalid stage name 'a b'", "run", "--name", "a b", "--", "true")
    try w.fails(.invalidInput, "is both a dependency and an output", "run", "--name", "x", "-d", "data.csv", "-o", "data.csv", "--", "true")
    try w.fails(.invalidInput, "already tracked by git", "run", "--name", "x", "-o", "train.py", "--", "true")
    try w.dir.write("params.json", "{\"lr\": ")
    try w.fails(.invalidInput, "malformed 'params.json'", "run", "--name", "x", "-p", "params.json", "--", "true")
    try w.dir.write("params.json", "{\"lr\": 1}")
    try w.fails(.invalidInput, "param 'depth' is not in 'params.json'", "run", "--name", "x", "-p", "params.json:depth", "--", "true")
    try w.fails(.invalidInput, "no stage named 'ghost'", "repro", "ghost")
    try w.fails(.invalidInput, "unknown revision 'nope'", "repro", "--rev", "nope")
    try w.fails(.invalidInput, "'HEAD' has no recorded run", "repro", "--rev", "HEAD", "--check")
    try w.fails(.invalidInput, "unknown revision 'HEAD~5'", "metrics", "diff", "HEAD~5", "HEAD")
    // A cycle between stages.
    try w.dir.write(
      "mlv.yaml",
      "stages:\n  a:\n    cmd: cp b.txt a.txt\n    deps: [b.txt]\n    outs: [a.txt]\n  b:\n    cmd: cp a.txt b.txt\n    deps: [a.txt]\n    outs: [b.txt]\n"
    )
    try w.fails(.invalidInput, "stages depend on each other in a cycle", "repro")
    try w.dir.write("mlv.yaml", "stages:\n  a:\n    cmd: [\"true\"]\n    seed: -1\n")
    try w.fails(.invalidInput, "malformed 'mlv.yaml': stage 'a': 'seed' must be a non-negative integer", "repro")
    try w.dir.write("mlv.yaml", "stages: [\n")
    try w.fails(.invalidInput, "malformed 'mlv.yaml'", "repro")
    try w.dir.write("mlv.lock", "{\"format\": \"nope\"}")
    try w.fails(.invalidInput, "malformed 'mlv.lock'", "metrics", "show")
  }

  @Test func reproRevCheckRebuildsAnOlderCommitBitForBit() throws {
    let w = try Workspace()
    try w.prepareTraining()
    try w.train()
    try w.repo.commitAll("trained")
    // New data on HEAD, retrained and committed.
    try w.dir.write("data.csv", (0..<900).map { "\($0),1" }.joined(separator: "\n") + "\n")
    try w.ok("add", "data.csv")
    try w.train()
    try w.repo.commitAll("more data")
    try w.dir.write("scratch-note.txt", "uncommitted\n")
    let head = try w.repo.git("rev-parse", "HEAD")
    let status = try w.repo.git("status", "--porcelain")
    let data = try w.sha("data.csv")
    let r = try w.run("repro", "--rev", "HEAD~1", "--check")
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains("identical model.txt") && r.stdout.contains("every output is identical"))
    // Nothing of the user's changed.
    #expect(try w.repo.git("rev-parse", "HEAD") == head)
    #expect(try w.repo.git("status", "--porcelain") == status)
    #expect(try w.sha("data.csv") == data)
    #expect(!(try w.dir.readText("model.txt")).isEmpty)
    let j = try w.json(try w.ok("repro", "--rev", "HEAD", "--json")) as! [String: Any]
    #expect(j["identical"] as? Bool == true)
    #expect(FileManager.default.fileExists(atPath: w.dir.url(".mlv/tmp")))
    #expect(try FileManager.default.contentsOfDirectory(atPath: w.dir.url(".mlv/tmp")).filter { $0.hasPrefix("rebuild-") }.isEmpty)
  }

  @Test func reproRevCheckNamesAnOutputThatIsNotReproducible() throws {
    let w = try Workspace()
    try w.dir.write("clock.py", "import time, random\nopen('stamp.txt','w').write('fixed\\n%d\\n' % time.time_ns())\n")
    try w.ok("run", "--name", "clock", "-d", "clock.py", "-o", "stamp.txt", "--", "python3", "clock.py")
    try w.dir.write("score.py", "import json, random\njson.dump({'v': random.random()}, open('m.json', 'w'))\n")
    try w.ok("run", "--name", "score", "-d", "score.py", "-m", "m.json", "--", "python3", "score.py")
    try w.repo.commitAll("clock")
    let r = try w.run("repro", "--rev", "HEAD", "--check")
    #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains("differs   stamp.txt"))
    #expect(r.stdout.contains("line 2: recorded"))
    #expect(r.stdout.contains("metric    m.json: v recorded"))
    #expect(r.stdout.contains("NOT identical"))
  }

  @Test func metricsAndParamsDiffShowExactlyWhatChanged() throws {
    let w = try Workspace()
    try w.prepareTraining()
    try w.train()
    try w.repo.commitAll("lr 0.1")
    try w.dir.write("params.json", "{\"lr\": 0.3, \"epochs\": 3}\n")
    try w.ok("repro")
    try w.repo.commitAll("lr 0.3")
    let md = try w.ok("metrics", "diff", "HEAD~1", "HEAD", "--md").stdout
    #expect(md.hasPrefix("| file | metric | HEAD~1 | HEAD | change | % |\n| --- |"))
    #expect(md.contains("| metrics.json | train.loss | 0.9 | 0.7 | -0.2 | -22.22% |"))
    #expect(md.contains("| metrics.json | acc |"))
    #expect(!md.contains("rows"))  // unchanged
    #expect(try w.ok("metrics", "diff", "HEAD~1", "HEAD", "--all").stdout.contains("rows"))
    let j = try w.json(try w.ok("metrics", "diff", "HEAD~1", "HEAD", "--json")) as! [String: Any]
    #expect((j["changes"] as! [[String: Any]]).count == 2)
    let params = try w.ok("params", "diff", "HEAD~1", "HEAD").stdout
    #expect(params.contains("lr") && params.contains("0.1") && params.contains("0.3") && !params.contains("epochs"))
    #expect(try w.ok("metrics", "diff").stdout.contains("no metrics changed"))
    let history = try w.ok("metrics", "show", "--all-commits").stdout
    #expect(history.split(separator: "\n").count == 3)
  }

  @Test func experimentsLeaveTheBranchAndIndexAlone() throws {
    let w = try Workspace()
    try w.prepareTraining()
    try w.train()
    try w.repo.commitAll("baseline")
    let head = try w.repo.git("rev-parse", "HEAD")
    let r = try w.ok("exp", "run", "-S", "params.json:lr=0.5", "--name", "lr05")
    #expect(r.stdout.contains("experiment 'lr05' saved"))
    #expect(try w.repo.git("rev-parse", "HEAD") == head)
    #expect(try w.repo.git("status", "--porcelain") == "")
    #expect(try w.dir.readText("params.json").contains("0.1"))
    let list = try w.ok("exp", "list", "--sort", "acc", "--desc").stdout
    #expect(list.contains("lr05") && list.contains("0.5"))
    #expect(try w.ok("exp", "diff", "lr05").stdout.contains("+400.00%"))
    try w.fails(.invalidInput, "'lr05' already exists", "exp", "run", "--name", "lr05")
    try w.fails(.invalidInput, "no experiment named 'nope'", "exp", "apply", "nope")
    // gc keeps what experiments reference; apply brings them into the work tree.
    try w.ok("gc")
    #expect(try w.ok("fsck").stdout.contains("0 missing"))
    try w.dir.write("params.json", "{\"lr\": 9}\n")
    try w.fails(.wouldOverwrite, "params.json", "exp", "apply", "lr05")
    try w.repo.git("checkout", "--", "params.json")
    #expect(try w.ok("exp", "apply", "lr05").stdout.contains("applied  params.json"))
    #expect(try w.dir.readText("params.json").contains("0.5"))
    #expect(try w.ok("status", "--exit-code").status == 0)
    #expect(try w.ok("repro").stdout.contains("stage 'train' is up to date"))
    try w.ok("exp", "branch", "lr05", "try-lr05")
    #expect(try w.repo.git("rev-parse", "try-lr05") == (try w.repo.git("rev-parse", "refs/mlv/exps/lr05")))
    try w.ok("exp", "remove", "lr05")
    #expect(try w.ok("exp", "list").stdout.contains("no experiments"))
  }

  @Test func envCheckListsEveryMismatch() throws {
    let w = try Workspace()
    try w.dir.write("s.py", "open('o.txt','w').write('1')\n")
    let r = try w.run(
      "run", "--name", "s", "-d", "s.py", "-o", "o.txt", "--", "python3", "s.py", environment: ["XLA_FLAGS": "--xla_cpu_fast_math=false"])
    #expect(r.status == 0, "\(r.stderr)")
    let check = try w.run("env", "check", "s")
    #expect(check.status == 1)
    #expect(check.stdout.contains("variables.XLA_FLAGS") && check.stdout.contains("--xla_cpu_fast_math=false"))
    let id = try w.ok("env", "capture").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(id.hasPrefix("sha256:"))
    #expect(try w.ok("env", "diff", id, id).stdout.contains("no differences"))
  }

  @Test func aKilledRunLeavesTheLockAndPriorOutputsRecoverable() throws {
    let w = try Workspace()
    try w.dir.write("s.py", "import sys, time\nopen('o.txt','w').write(sys.argv[1])\n")
    try w.ok("run", "--name", "s", "-d", "s.py", "-o", "o.txt", "--", "python3", "s.py", "first")
    let lock = try w.dir.read("mlv.lock")
    try w.dir.write("s.py", "import sys, time\nopen('started','w').write('')\ntime.sleep(8)\n")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: mlvBinaryPath())
    process.arguments = ["run", "--name", "s"]
    process.currentDirectoryURL = URL(fileURLWithPath: w.path)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    for _ in 0..<200 where !w.dir.exists("started") { usleep(50_000) }
    #expect(w.dir.exists("started"))
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    _ = try runProcess("/usr/bin/pkill", ["-9", "-f", "python3 s.py"], in: "/")
    #expect(try w.dir.read("mlv.lock") == lock)
    // The next run puts the prior output back before anything else.
    try w.dir.write("s.py", "import sys, time\nopen('o.txt','w').write(sys.argv[1])\n")
    let r = try w.run("run", "--name", "s", "-d", "s.py", "-o", "o.txt", "--", "python3", "s.py", "second")
    #expect(r.stderr.contains("restored 'o.txt'"), "\(r.stderr)")
    #expect(try w.dir.readText("o.txt") == "second")
  }
}

@Suite struct RunEdgeTests {
  @Test func commandsResolveLikeAShellWould() throws {
    let w = try Workspace()
    // `sh` is a symbolic link on Debian; a relative program is found from where it runs.
    try w.ok("run", "--name", "viash", "-o", "a.txt", "--", "sh", "-c", "echo 1 > a.txt")
    try w.dir.write("sub/s.sh", "#!/bin/sh\necho 2 > out.txt\n")
    chmod(w.dir.url("sub/s.sh"), 0o755)
    let r = try mlv(["run", "--name", "rel", "-o", "out.txt", "--", "./s.sh"], in: w.dir.url("sub"))
    #expect(r.status == 0, "\(r.stderr)")
    #expect(try w.ok("repro", "--force").stdout.contains("stage 'rel' recorded"))
    #expect(try w.dir.readText("sub/out.txt") == "2\n")
    try w.dir.write("mlv.yaml", try w.dir.readText("mlv.yaml").replacingOccurrences(of: "wdir: sub", with: "wdir: gone"))
    try w.failsRunning(.commandFailed, "its working directory", "repro", "rel", "--force")
  }

  @Test func reproNoticesWhatTheLockRecordsAndIgnoresSpelling() throws {
    let w = try Workspace()
    try w.dir.write("params.yaml", "lr: 1.0\n")
    try w.dir.write("s.py", "import json\njson.dump({'x': 1}, open('m.json', 'w'))\nopen('o.txt', 'w').write('o')\n")
    try w.ok("run", "--name", "s", "--seed", "3", "-d", "s.py", "-p", "params.yaml", "-o", "o.txt", "-m", "m.json", "--", "python3", "s.py")
    #expect(try w.ok("repro", "--dry-run").stdout == "stage 's' is up to date\n")
    try w.dir.write("mlv.yaml", try w.dir.readText("mlv.yaml").replacingOccurrences(of: "seed: 3\n", with: "seed: 3\n    threads: 4\n"))
    #expect(try w.ok("repro", "--dry-run").stdout.contains("threads changed"))
    try w.ok("repro")
    #expect(try w.ok("repro", "--dry-run").stdout == "stage 's' is up to date\n")
    // A metrics file the command no longer writes is not taken from the last run.
    try w.dir.write("s.py", "open('o.txt', 'w').write('o')\n")
    try w.failsRunning(.commandFailed, "did not produce its output 'm.json'", "repro", "--force")
    #expect(try w.dir.readText("m.json") == "{\"x\": 1}")
    // Overlapping outputs of two stages are refused before anything runs.
    try w.fails(.invalidInput, "overlaps 'o.txt'", "run", "--name", "t", "-o", "o.txt/x", "--", "true")
  }

  @Test func jsonReportsStayValidAndOddArgumentsRoundTrip() throws {
    let w = try Workspace()
    // The command's own output must not end up inside the JSON on stdout.
    let r = try w.ok("run", "--json", "--name", "chatty", "-o", "o.txt", "--", "sh", "-c", "echo hello; echo x > o.txt; printf '\\177'")
    #expect((try w.json(r) as? [String: Any])?["stage"] as? String == "chatty")
    #expect(r.stderr.contains("hello"))
    // An argument with DEL and a C1 control is written to mlv.yaml in a form YAML reads back.
    try w.ok("run", "--name", "odd", "--", "printf", "a\u{7F}b\u{85}c")
    #expect(try w.ok("repro", "--dry-run").stdout.contains("stage 'odd' is up to date"))
    try w.repo.commitAll("base")
    try w.ok("exp", "run", "--name", "e1")
    let diff = try w.json(try w.ok("exp", "diff", "e1", "--json")) as? [String: Any]
    #expect(diff?["params"] != nil && diff?["metrics"] != nil)
    #expect((try w.json(try w.ok("env", "check", "--json")) as? [String: Any])?["chatty"] != nil)
  }

  @Test func anExperimentCannotWriteIntoGit() throws {
    let w = try Workspace()
    try w.dir.write("params.yaml", "lr: 1\n")
    try w.repo.commitAll("base")
    let blob = try runProcess("/bin/sh", ["-c", "echo 'touch pwned' | git hash-object -w --stdin"], in: w.path).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    func mktree(_ line: String) throws -> String {
      try runProcess("/bin/sh", ["-c", "printf '\(line)\\n' | git mktree"], in: w.path).stdout.trimmingCharacters(
        in: .whitespacesAndNewlines)
    }
    let hooks = try mktree("100755 blob \(blob)\\tpre-commit")
    let dotgit = try mktree("040000 tree \(hooks)\\thooks")
    let top = try mktree("040000 tree \(dotgit)\\t.git")
    let commit = try w.repo.git("commit-tree", top, "-p", "HEAD", "-m", "evil")
    try w.repo.git("update-ref", "refs/mlv/exps/evil", commit)
    try w.fails(.invalidInput, "'.git/hooks/pre-commit'", "exp", "apply", "evil")
    #expect(!w.dir.exists(".git/hooks/pre-commit"))
  }

  @Test func gcWaitsForNoRunButRefusesWhileOneWrites() throws {
    let w = try Workspace()
    try w.dir.write(
      "s.py",
      "import time, os\nopen('started', 'w').write('')\nwhile os.path.exists('started'): time.sleep(0.05)\nopen('o.txt', 'w').write('o')\n")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: mlvBinaryPath())
    process.arguments = ["run", "--name", "s", "-o", "o.txt", "--", "python3", "s.py"]
    process.currentDirectoryURL = URL(fileURLWithPath: w.path)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    for _ in 0..<200 where !w.dir.exists("started") { usleep(50_000) }
    try w.fails(.wouldOverwrite, "a run, rebuild or experiment is in progress", "gc")
    try FileManager.default.removeItem(atPath: w.dir.url("started"))
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(try w.ok("gc").stdout.contains("removed 0 objects"))
    #expect(try w.ok("fsck").stdout.contains("0 missing"))
  }
}
