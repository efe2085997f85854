import MLVStore
import Testing

@testable import MLVCore

@Suite struct StageFileTests {
  @Test func stageFileRoundTripsThroughItsOwnLayout() throws {
    var file = StageFile()
    var train = StageDefinition(name: "train", command: .argv(["python3", "train.py", "--lr", "0.1", "a b", "true"]), seed: 42)
    train.deps = ["data/train.csv", "train.py"]
    train.outs = ["model.bin"]
    train.params = [ParamsSelection(file: "params.yaml", keys: ["lr", "model.depth"]), ParamsSelection(file: "other.json", keys: [])]
    train.metrics = ["metrics.json"]
    train.threads = 4
    var prep = StageDefinition(name: "prep", command: .shell("cut -d, -f1 raw.csv > clean.csv # \"quoted\""), seed: 0)
    prep.wdir = "sub dir"
    file.stages = ["train": train, "prep": prep]
    let text = file.text()
    #expect(text.contains("cmd: [python3, train.py, \"--lr\", \"0.1\", \"a b\", \"true\"]"))
    #expect(try StageFile.parse(Array(text.utf8)) == file)
    #expect(StageFile(stages: [:]).text().hasSuffix("stages: {}\n"))
  }

  @Test func paramsAndMetricsFlattenNestedKeys() throws {
    let yaml = Array("model:\n  depth: 3\n  lr: 1.0e-3\nname: \"007\"\nflag: yes\nlist: [1, 2]\n".utf8)
    let params = try StructuredFile.params(yaml, name: "p.yaml", keys: ["model", "name", "flag", "list"])
    #expect(
      params == [
        "model.depth": .integer(3), "model.lr": .number(0.001), "name": .string("007"), "flag": .bool(true),
        "list": .array([.integer(1), .integer(2)]),
      ])
    let metrics = try StructuredFile.metrics(Array("{\"a\": {\"b\": 1e-05}, \"c\": [1, 2]}".utf8), name: "m.json")
    #expect(metrics == ["a.b": 1e-05, "c.0": 1, "c.1": 2])
    #expect(throws: RunError.self) { try StructuredFile.metrics(Array("a: NaN-ish\n".utf8), name: "m.yaml") }
    #expect(throws: RunError.self) { try StructuredFile.params(Array("a: [\n".utf8), name: "p.yaml", keys: []) }
  }

  @Test func defaultStageNamesComeFromTheScript() {
    #expect(Repository.defaultStageName(["python3", "-u", "src/train.py"]) == "train")
    #expect(Repository.defaultStageName(["./prepare.sh", "x"]) == "prepare")
    #expect(Repository.defaultStageName(["uv", "run", "eval.py"]) == "eval")
  }
}
