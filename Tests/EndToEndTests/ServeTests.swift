import Foundation
import MLVStore
import MLVTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A numpy model: prediction = a + 2·b (weights in w.npy), with inputs that make it misbehave:
/// a = 666 kills the worker, 777 hangs it, 555 makes it slow, 13 raises. It prints to stdout
/// at import and on every call (the protocol must survive that).
let serveModelSource = """
  import os, time
  import numpy as np
  w = np.load("w.npy")
  print("loading the model")
  def predict(x):
      a = x[:, 0]
      if (a == 666).any(): os.kill(os.getpid(), 9)
      if (a == 777).any(): time.sleep(60)
      if (a == 555).any(): time.sleep(0.7)
      if (a == 13).any(): raise ValueError("unlucky number")
      print("predicting", len(x))
      return x @ w

  """

/// A workspace holding the model directory `m` (weights `w`), added as `demo`.
func modelWorkspace(weights: [Double] = [1, 2], add: Bool = true) throws -> Workspace {
  let ws = try Workspace()
  try writeModel(ws, weights: weights)
  if add { try ws.ok("model", "add", "demo", "m") }
  return ws
}

func writeModel(_ ws: Workspace, weights: [Double], directory: String = "m") throws {
  try ws.dir.write("\(directory)/predict.py", serveModelSource)
  try ws.dir.write(
    "\(directory)/mlv-model.yaml", "runtime: python\nentry_point: predict.py:predict\ninput_format: ndarray\ninput_example: example.json\n")
  try ws.dir.write("\(directory)/example.json", #"{"dataframe_split": {"columns": ["a", "b"], "data": [[1.0, 2.0]]}}"#)
  let r = try runProcess(
    "/usr/bin/env",
    [
      "python3", "-c", "import numpy as np, sys; np.save(sys.argv[1], np.array([\(weights.map { String($0) }.joined(separator: ","))]))",
      "\(directory)/w.npy",
    ],
    in: ws.path)
  #expect(r.status == 0, "\(r.stderr)")
}

@Suite(.serialized) struct ServeTests {
  @Test func everyProtocolAnswers() throws {
    let ws = try modelWorkspace()
    let server = try ServerProcess(["demo", "--workers", "2"], in: ws.path)
    #expect(try server.get("/ping").status == 200)
    #expect(try server.post("/predict", #"{"records": [{"a": 1, "b": 2}]}"#).predictions == [5])
    #expect(try server.post("/predict", #"{"records": [{"a": 1, "b": 2}]}"#).object["version"] as? Int == 1)
    #expect(
      try server.post("/invocations", #"{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2], [3, 4]]}}"#).predictions == [5, 11])
    #expect(try server.post("/invocations", #"{"dataframe_split": {"columns": ["b", "a"], "data": [[1, 2]]}}"#).predictions == [4])
    #expect(try server.post("/invocations", #"{"dataframe_records": [{"a": 1, "b": 2}, {"b": 1, "a": 0}]}"#).predictions == [5, 2])
    #expect(try server.post("/invocations", #"{"instances": [[1, 2], [0, 1]]}"#).predictions == [5, 2])
    #expect(try server.post("/invocations", #"{"instances": [{"a": 1, "b": 2}]}"#).predictions == [5])
    #expect(try server.post("/invocations", #"{"inputs": {"a": [1, 2], "b": [2, 3]}}"#).predictions == [5, 8])
    #expect(try server.post("/invocations", #"{"inputs": [[1, 2]]}"#).predictions == [5])
    let csv = try server.request("POST", "/invocations", body: Array("a,b\n1,2\n\"3\",4\n".utf8), contentType: "text/csv")
    #expect(csv.status == 200 && csv.predictions == [5, 11], "\(csv.body)")
    let utf8 = try server.request(
      "POST", "/invocations", body: Array(#"{"inputs": {"a": [1], "b": [1]}}"#.utf8), contentType: "application/json; charset=utf-8")
    #expect(utf8.predictions == [3])

    // Open Inference Protocol.
    let infer = try server.post(
      "/v2/models/demo/infer", #"{"id": "r1", "inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP64", "data": [1, 2, 3, 4]}]}"#)
    #expect(infer.status == 200, "\(infer.body)")
    #expect(infer.object["model_name"] as? String == "demo" && infer.object["id"] as? String == "r1")
    let output = (infer.object["outputs"] as? [[String: Any]])?.first
    #expect(output?["name"] as? String == "predictions" && output?["datatype"] as? String == "FP64")
    #expect(output?["shape"] as? [Int] == [2] && (output?["data"] as? [NSNumber])?.map(\.doubleValue) == [5, 11])
    let named = try server.post(
      "/v2/models/demo/versions/1/infer",
      #"{"inputs": [{"name": "b", "shape": [1], "datatype": "FP32", "data": [1]}, {"name": "a", "shape": [1], "datatype": "INT64", "data": [7]}]}"#
    )
    #expect(((named.object["outputs"] as? [[String: Any]])?.first?["data"] as? [NSNumber])?.map(\.doubleValue) == [9], "\(named.body)")
    #expect(try server.get("/v2/models/demo").object["name"] as? String == "demo")
    #expect(try server.get("/v2/models/demo/ready").status == 200)
    #expect(try server.get("/v2/health/live").status == 200)
    #expect(try server.get("/v2/health/ready").status == 200)
    #expect(try server.get("/v2").object["name"] as? String == "mlv")

    // Health, metrics, OpenAPI.
    let health = try server.get("/health").object
    #expect(health["model"] as? String == "demo" && (health["workers"] as? [Int])?.count == 2)
    #expect(try server.get("/ready").status == 200)
    let metrics = try server.get("/metrics")
    #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
    #expect(metrics.body.contains(#"mlv_requests_total{route="invocations",status="200"}"#), "\(metrics.body)")
    #expect(metrics.body.contains("mlv_request_duration_seconds_bucket") && metrics.body.contains("mlv_batch_rows_count"))
    let openapi = try server.get("/openapi.json").object
    #expect(openapi["openapi"] as? String == "3.0.3")
    #expect((openapi["paths"] as? [String: Any])?["/invocations"] != nil)
    let record = ((openapi["components"] as? [String: Any])?["schemas"] as? [String: Any])?["Record"] as? [String: Any]
    #expect((record?["properties"] as? [String: Any])?.keys.sorted() == ["a", "b"])
    #expect(server.stop() == 0)
    #expect(server.stderr.contains("loading the model"), "prints go to stderr: \(server.stderr)")
  }

  /// MLflow's own client code (`ScoringServerClient`, `convert_input_example_to_serving_input`)
  /// and Triton's (`tritonclient.http`) against the server, from the test venv setup.sh makes.
  @Test func mlflowAndTritonClientsWork() throws {
    let python = ProcessInfo.processInfo.environment["MLV_TEST_PYTHON"] ?? packageRoot + "/.build/test-venv/bin/python"
    let ws = try modelWorkspace()
    let server = try ServerProcess(["demo", "--workers", "2"], in: ws.path)
    let r = try runProcess(
      python, [packageRoot + "/Tests/EndToEndTests/Fixtures/serve_compat.py", "http://127.0.0.1:\(server.port)", "demo"], in: ws.path)
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(server.stop() == 0)
  }

  @Test func badRequestsGetClearStatuses() throws {
    let ws = try modelWorkspace()
    let server = try ServerProcess(["demo", "--workers", "1", "--max-body-mb", "1"], in: ws.path)
    func expectError(_ reply: HTTPReply, _ status: Int, _ code: String, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
      #expect(reply.status == status, "\(reply.status): \(reply.body)", sourceLocation: sourceLocation)
      #expect(reply.object["error_code"] as? String == code, "\(reply.body)", sourceLocation: sourceLocation)
      #expect((reply.object["message"] as? String)?.contains(text) == true, "\(reply.body)", sourceLocation: sourceLocation)
    }
    expectError(
      try server.post("/invocations", #"{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2"#), 400, "BAD_REQUEST",
      "truncated JSON")
    expectError(try server.post("/invocations", "not json"), 400, "BAD_REQUEST", "not valid JSON")
    expectError(try server.post("/invocations", #"{"rows": []}"#), 400, "BAD_REQUEST", "one of the keys")
    expectError(try server.post("/invocations", #"{"instances": []}"#), 400, "BAD_REQUEST", "no rows")
    expectError(
      try server.post("/invocations", #"{"instances": [[1, 2], [3]]}"#), 400, "BAD_REQUEST", "row 1 has 1 values")
    let wrongType = try server.post("/invocations", #"{"dataframe_records": [{"a": 1, "b": 2}, {"a": "x", "b": true}]}"#)
    expectError(wrongType, 422, "INVALID_PARAMETER_VALUE", "column 'a', row 1: expected a number, got \"x\"")
    let errors = wrongType.object["errors"] as? [[String: Any]]
    #expect(errors?.count == 2 && errors?[1]["column"] as? String == "b" && errors?[1]["row"] as? Int == 1)
    expectError(try server.post("/invocations", #"{"inputs": {"a": [1]}}"#), 422, "INVALID_PARAMETER_VALUE", "column 'b': missing column")
    expectError(
      try server.post("/invocations", #"{"inputs": {"a": [1], "b": [2], "c": [3]}}"#), 422, "INVALID_PARAMETER_VALUE",
      "column 'c': unexpected column")
    expectError(try server.post("/invocations", #"{"inputs": {"a": [NaN], "b": [2]}}"#), 422, "INVALID_PARAMETER_VALUE", "not nullable")
    expectError(try server.post("/invocations", #"{"inputs": {"a": [1], "b": [null]}}"#), 422, "INVALID_PARAMETER_VALUE", "not nullable")
    expectError(
      try server.post("/invocations", #"{"inputs": {"a": [-Infinity], "b": [2]}}"#), 422, "INVALID_PARAMETER_VALUE",
      "-Infinity is not a value the model accepts")
    let big = Array(repeating: UInt8(ascii: " "), count: 2 << 20)
    expectError(try server.request("POST", "/invocations", body: big), 413, "REQUEST_LIMIT_EXCEEDED", "limit")
    expectError(
      try server.request("POST", "/invocations", body: Array("a=1".utf8), contentType: "application/x-www-form-urlencoded"), 415,
      "UNSUPPORTED_MEDIA_TYPE", "application/json or text/csv")
    expectError(
      try server.request("POST", "/predict", body: Array("a,b\n1,2\n".utf8), contentType: "text/csv"), 415, "UNSUPPORTED_MEDIA_TYPE",
      "send application/json")
    expectError(
      try server.request("POST", "/invocations", body: Array("a,b\n1\n".utf8), contentType: "text/csv"), 400, "BAD_REQUEST",
      "CSV row 0 has 1 fields")
    let unknown = try server.post("/v2/models/other/infer", #"{"inputs": []}"#)
    #expect(unknown.status == 404 && (unknown.object["error"] as? String)?.contains("unknown model 'other'") == true)
    #expect(try server.get("/v2/models/demo/versions/9").status == 404)
    let badTensor = try server.post(
      "/v2/models/demo/infer", #"{"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1]}]}"#)
    #expect(badTensor.status == 400 && (badTensor.object["error"] as? String)?.contains("needs 2") == true, "\(badTensor.body)")
    #expect(try server.get("/no/such/route").status == 404)
    // The server is still serving after all that.
    #expect(try server.post("/invocations", #"{"inputs": {"a": [1], "b": [1]}}"#).predictions == [3])
    #expect(server.stop() == 0)
  }

  @Test func workersThatDieHangOrRaiseAreReplaced() throws {
    let ws = try modelWorkspace()
    let server = try ServerProcess(["demo", "--workers", "1", "--timeout", "2"], in: ws.path)
    let started = Date()
    let killed = try server.post("/invocations", #"{"inputs": {"a": [666], "b": [1]}}"#)
    #expect(killed.status == 503 && killed.object["error_code"] as? String == "TEMPORARILY_UNAVAILABLE", "\(killed.body)")
    #expect(Date().timeIntervalSince(started) < 1.9, "a dead worker's request fails fast, not by timeout")
    #expect(try server.post("/invocations", #"{"inputs": {"a": [1], "b": [1]}}"#).predictions == [3])
    #expect(try server.get("/health").object["restarts"] as? Int == 1)

    let hung = try server.post("/invocations", #"{"inputs": {"a": [777], "b": [1]}}"#)
    #expect(hung.status == 504 && hung.object["error_code"] as? String == "DEADLINE_EXCEEDED", "\(hung.body)")
    #expect(try server.post("/invocations", #"{"inputs": {"a": [2], "b": [1]}}"#).predictions == [4])

    let raised = try server.post("/invocations", #"{"inputs": {"a": [13], "b": [1]}}"#)
    #expect(raised.status == 500 && (raised.object["message"] as? String)?.contains("ValueError: unlucky number") == true, "\(raised.body)")
    #expect(try server.post("/invocations", #"{"inputs": {"a": [3], "b": [1]}}"#).predictions == [5])
    #expect(try server.get("/metrics").body.contains("mlv_worker_restarts_total 2"))
    #expect(server.stop() == 0)
  }

  @Test func concurrentRequestsAreBatchedAndSplitBack() throws {
    let ws = try modelWorkspace()
    let server = try ServerProcess(["demo", "--workers", "1", "--max-wait-ms", "50", "--max-batch", "64"], in: ws.path)
    let n = 16
    nonisolated(unsafe) var replies = [HTTPReply?](repeating: nil, count: n)
    let group = DispatchGroup()
    for i in 0..<n {
      group.enter()
      Thread {
        replies[i] = try? server.post("/invocations", #"{"inputs": {"a": [\#(i + 100)], "b": [\#(i * 10)]}}"#)
        group.leave()
      }.start()
    }
    group.wait()
    for i in 0..<n { #expect(replies[i]?.predictions == [Double(i + 100 + 2 * i * 10)], "request \(i): \(replies[i]?.body ?? "-")") }
    let metrics = try server.get("/metrics").body
    let calls = metrics.split(separator: "\n").first { $0.hasPrefix("mlv_batch_requests_count") }.flatMap {
      Int($0.split(separator: " ").last!)
    }
    #expect(calls != nil && calls! < n, "16 concurrent requests took \(calls ?? -1) worker calls")
    #expect(server.stop() == 0)
  }

  @Test func bearerTokenIsRequired() throws {
    let ws = try modelWorkspace()
    let server = try ServerProcess(["demo", "--workers", "1"], in: ws.path, environment: ["MLV_SERVE_TOKEN": "s3cret"])
    let body = #"{"inputs": {"a": [1], "b": [1]}}"#
    let none = try server.post("/invocations", body)
    #expect(none.status == 401 && none.headers["www-authenticate"] == "Bearer")
    #expect(try server.post("/invocations", body, headers: ["Authorization": "Bearer wrong"]).status == 401)
    #expect(try server.post("/v2/models/demo/infer", "{}").status == 401)
    #expect(try server.get("/metrics").status == 401)
    #expect(try server.post("/invocations", body, headers: ["Authorization": "Bearer s3cret"]).predictions == [3])
    #expect(try server.get("/ping").status == 200)
    #expect(try server.get("/v2/health/ready").status == 200)
    #expect(server.stop() == 0)
  }

  @Test func sigtermDrainsRequestsInFlight() throws {
    let ws = try modelWorkspace()
    let server = try ServerProcess(["demo", "--workers", "1"], in: ws.path)
    nonisolated(unsafe) var slow: HTTPReply?
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      slow = try? server.post("/invocations", #"{"inputs": {"a": [555], "b": [1]}}"#)
      done.signal()
    }
    usleep(300_000)
    kill(server.process.processIdentifier, SIGTERM)
    done.wait()
    #expect(slow?.status == 200 && slow?.predictions == [557], "\(slow?.body ?? "no reply")")
    #expect(server.stop() == 0)
    #expect(server.stderr.contains("stopped"), "\(server.stderr)")
  }

  @Test func aliasesVersionsAndRollbackAtAnyCommit() throws {
    let ws = try modelWorkspace()
    #expect(try ws.ok("model", "add", "demo", "m").stdout.contains("unchanged: version 1"))
    try writeModel(ws, weights: [10, 20])
    #expect(try ws.ok("model", "add", "demo", "m").stdout.contains("version 2"))
    try ws.ok("model", "alias", "demo@2", "champion")
    try ws.repo.commitAll("champion is v2")
    // Roll back: one command, the alias moves back.
    #expect(try ws.ok("model", "alias", "demo@1", "champion").stdout.contains("moved: version 2 → 1"))
    try ws.repo.commitAll("roll back to v1")
    let list = try ws.ok("model", "list").stdout
    #expect(list.contains("demo") && list.contains("champion→v1") && list.contains("v2"), "\(list)")
    #expect(try ws.ok("model", "show", "demo@champion").stdout.contains("version 1 (champion)"))
    #expect(try ws.ok("model", "show", "demo@champion", "--rev", "HEAD~1").stdout.contains("version 2 (champion)"))

    let now = try ServerProcess(["demo@champion", "--workers", "1"], in: ws.path)
    #expect(try now.post("/invocations", #"{"inputs": {"a": [1], "b": [1]}}"#).predictions == [3])
    #expect(now.stop() == 0)
    let before = try ServerProcess(["demo@champion", "--rev", "HEAD~1", "--workers", "1"], in: ws.path)
    #expect(try before.post("/invocations", #"{"inputs": {"a": [1], "b": [1]}}"#).predictions == [30])
    #expect(try before.get("/v2/models/demo/versions/champion/ready").status == 200)
    #expect(before.stop() == 0)

    try ws.fails(.invalidInput, "model 'demo' has no version or alias 'staging'", "serve", "demo@staging")
    try ws.fails(.invalidInput, "no model named 'other' at the work tree", "serve", "other")
    try ws.fails(.invalidInput, "is not a valid alias name", "model", "alias", "demo@1", "7")
    // gc keeps every object a version needs; verify proves it.
    try ws.ok("gc")
    #expect(try ws.ok("model", "verify", "demo@2").stdout.contains("intact: 4 files verified"))
  }

  @Test func badModelDirectoriesAndEntryPoints() throws {
    let ws = try modelWorkspace(add: false)
    try ws.dir.write("empty/readme.txt", "nothing")
    try ws.fails(.invalidInput, "'empty' is not a model directory: it has no mlv-model.yaml", "model", "add", "x", "empty")
    try ws.fails(.invalidInput, "is not a valid model name", "model", "add", "bad/name", "m")
    try ws.dir.write("m/mlv-model.yaml", "runtime: python\nentry_point: predict.py\n")
    try ws.fails(.invalidInput, "'entry_point' must be FILE.py:FUNCTION", "model", "add", "x", "m")
    try ws.dir.write("m/mlv-model.yaml", "runtime: python\nentry_point: missing.py:predict\n")
    try ws.fails(.invalidInput, "the entry point's file 'missing.py' is not in the model directory", "model", "add", "x", "m")
    try ws.dir.write("m/mlv-model.yaml", "runtime: java\nentry_point: predict.py:predict\n")
    try ws.fails(.invalidInput, "unsupported runtime 'java'", "model", "add", "x", "m")
    try ws.dir.write("m/mlv-model.yaml", "runtime: python\nentry_point: predict.py:predict\nflavour: x\n")
    try ws.fails(.invalidInput, "unknown key 'flavour'", "model", "add", "x", "m")
    try ws.dir.write("m/mlv-model.yaml", "runtime: python\nentry_point: predict.py:predict\ninput_example: predict.py\n")
    try ws.fails(.invalidInput, "not a usable input example", "model", "add", "x", "m")
    // An entry point that raises at import: serve says why and exits 9.
    try ws.dir.write("b/mlv-model.yaml", "runtime: python\nentry_point: predict.py:predict\n")
    try ws.dir.write("b/predict.py", "import no_such_module_here\ndef predict(x):\n    return x\n")
    try ws.ok("model", "add", "broken", "b")
    let r = try ws.run("serve", "broken", "--port", "0")
    #expect(r.status == MLVStore.ExitStatus.commandFailed.rawValue, "\(r.stderr)")
    #expect(
      r.stderr.contains("error: the model's worker failed to start: ModuleNotFoundError: No module named 'no_such_module_here'"),
      "\(r.stderr)")
    try ws.dir.write("c/mlv-model.yaml", "runtime: python\nentry_point: predict.py:predict\n")
    try ws.dir.write("c/predict.py", "def other(x):\n    return x\n")
    try ws.ok("model", "add", "nofunction", "c")
    #expect(try ws.run("serve", "nofunction", "--port", "0").stderr.contains("predict"))
  }

  @Test func verifyFindsDamagedFiles() throws {
    let ws = try modelWorkspace()
    let id = try runProcess("/usr/bin/env", ["sha256sum", "m/w.npy"], in: ws.path).stdout.prefix(64)
    let object = ws.store.path(of: ObjectID("sha256:" + id)!)
    chmod(object, 0o644)
    try Array("damaged".utf8).withUnsafeBytes { _ = try FileHandle(path: object, flags: O_WRONLY | O_TRUNC).writeAll($0) }
    let r = try ws.run("model", "verify", "demo")
    #expect(r.status == 1 && r.stdout.contains("problem: w.npy:"), "\(r.stdout) \(r.stderr)")
    #expect(r.stderr.contains("error: model 'demo@1' failed verification (1 problem)"))
    // Serving refuses damaged weights rather than running them.
    let served = try ws.run("serve", "demo", "--port", "0")
    #expect(served.status == MLVStore.ExitStatus.storeIntegrity.rawValue, "\(served.stderr)")
  }

  @Test func gcRefusesWhenAModelManifestIsDamaged() throws {
    let ws = try modelWorkspace()
    let registry = try ws.dir.readText("mlv.models.json")
    let hex = registry.split(separator: "\"").first { $0.hasPrefix("sha256:") }!.dropFirst(7)
    let object = ws.store.path(of: ObjectID("sha256:" + hex)!)
    chmod(object, 0o644)
    try Array("damaged".utf8).withUnsafeBytes { _ = try FileHandle(path: object, flags: O_WRONLY | O_TRUNC).writeAll($0) }
    try ws.fails(.storeIntegrity, "gc cannot tell what is still referenced", "gc")
    let weights = try runProcess("/usr/bin/env", ["sha256sum", "m/w.npy"], in: ws.path).stdout.prefix(64)
    #expect(ws.store.contains(ObjectID("sha256:" + weights)!), "the model's weights must survive")
  }

  @Test func servedRequestsFeedDrift() throws {
    let ws = try Workspace()
    // A recorded run reads data.csv and writes the weights: the model links to it.
    var rows = "a,b\n"
    for i in 0..<400 { rows += "\(i % 20),\(Double(i % 7) / 2)\n" }
    try ws.dir.write("data.csv", rows)
    try ws.ok("add", "data.csv")
    try ws.dir.write("train.py", "import numpy as np\nnp.save('m/w.npy', np.array([1.0, 2.0]))\n")
    try writeModel(ws, weights: [1, 2])
    try ws.ok("run", "--name", "train", "-d", "data.csv", "-d", "train.py", "-o", "m/w.npy", "--", "python3", "train.py")
    let added = try ws.ok("model", "add", "demo", "m").stdout
    #expect(added.contains("from run of stage 'train'"), "\(added)")
    let server = try ServerProcess(["demo", "--workers", "1"], in: ws.path)
    for i in 0..<30 {
      #expect(try server.post("/invocations", #"{"inputs": {"a": [\#(i % 20 + 50), 60], "b": [1, 2]}}"#).status == 200)
    }
    #expect(server.stop() == 0)
    let log = try ws.dir.readText(".mlv/logs/predictions/demo/predictions.jsonl")
    #expect(log.split(separator: "\n").count == 30 && log.contains(#""version":1"#) && log.contains(#""latency_ms":"#))
    let drift = try ws.run("drift", "--current-from-log", "demo", "--json", "--fail-on-drift")
    #expect(drift.status == MLVStore.ExitStatus.driftDetected.rawValue, "\(drift.stdout) \(drift.stderr)")
    let report = try JSONSerialization.jsonObject(with: Data(drift.stdout.utf8)) as? [String: Any]
    #expect((report?["current"] as? [String: Any])?["rows"] as? Int == 60, "\(drift.stdout)")
    #expect((report?["reference"] as? [String: Any])?["rows"] as? Int == 400, "\(drift.stdout)")
    #expect(drift.stdout.contains(#""drifted": true"#), "\(drift.stdout)")
    try ws.fails(.invalidInput, "no model named 'other'", "drift", "--current-from-log", "other")
  }
}
