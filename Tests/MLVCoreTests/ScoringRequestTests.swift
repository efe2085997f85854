import MLVCore
import MLVData
import Testing

@Suite struct ScoringRequestTests {
  func parse(_ text: String) throws(JSONSyntaxError) -> JSON { try JSON.parse(Array(text.utf8)) }

  @Test func jsonKeepsKeyOrderIntegersAndEscapes() throws {
    let v = try parse(#"{"b": 1, "a": [2.5, -3, true, null, "x\"\u00e9\ud83d\ude00\n"], "c": NaN, "d": -Infinity}"#)
    guard case .object(let pairs) = v else { throw TestFailure("not an object") }
    #expect(pairs.map(\.0) == ["b", "a", "c", "d"])
    #expect(v["b"] == .integer(1))
    #expect(v["a"] == .array([.number(2.5), .integer(-3), .bool(true), .null, .string("x\"é😀\n")]))
    #expect(v["d"] == .number(-.infinity))
    if case .number(let d)? = v["c"] { #expect(d.isNaN) } else { Issue.record("NaN not read") }
    #expect(try parse("123456789012345678901") == .number(123456789012345678901))
  }

  @Test func jsonErrorsSayWhere() {
    #expect(throws: JSONSyntaxError.self) { try parse(#"{"a": [1"#) }
    do { _ = try parse(#"{"a": [1"#) } catch { #expect(error.description == "truncated JSON: ']' was expected at byte 8") }
    do { _ = try parse("{} x") } catch { #expect(error.description == "unexpected data after the JSON value at byte 3") }
    #expect(throws: JSONSyntaxError.self) { try parse(#"{"a": 01x}"#) }
    #expect(throws: JSONSyntaxError.self) { try parse("\"a\u{01}\"") }
    #expect(throws: JSONSyntaxError.self) { try parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) }
  }

  func table(_ text: String, contract: Contract? = nil) throws -> RawTable {
    try Array(text.utf8).withUnsafeBytes { raw throws(ScoringError) in try ScoringRequest.decodeJSON(raw, contract: contract) }
  }

  @Test func everyInputFormGivesTheSameTable() throws {
    let forms = [
      #"{"dataframe_split": {"columns": ["a", "b"], "data": [[1, "x"], [2, "y"]]}}"#,
      #"{"dataframe_records": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]}"#,
      #"{"instances": [{"a": 1, "b": "x"}, {"b": "y", "a": 2}]}"#,
      #"{"inputs": {"a": [1, 2], "b": ["x", "y"]}}"#,
      #"{"columns": {"a": [1, 2], "b": ["x", "y"]}}"#,
    ]
    for form in forms {
      let (batch, violations) = try table(form).typed(contract: nil)
      #expect(violations.isEmpty, "\(form)")
      #expect(
        batch?.columns == [InputColumn(name: "a", data: .integer([1, 2])), InputColumn(name: "b", data: .text(["x", "y"]))], "\(form)")
    }
    // Positional rows take the contract's names when the widths match.
    var contract = Contract(columns: [ColumnRule(name: "p"), ColumnRule(name: "q")])
    contract.columns[0].type = .float
    contract.columns[1].type = .float
    #expect(try table(#"{"instances": [[1, 2]]}"#, contract: contract).names == ["p", "q"])
    #expect(try table(#"{"instances": [[1, 2, 3]]}"#, contract: contract).names == ["0", "1", "2"])
  }

  @Test func csvQuotingAndTyping() throws {
    let csv = Array("a,b,c\r\n1,\"x, \"\"y\"\"\",true\n2.5,,false".utf8)
    let t = try csv.withUnsafeBytes { raw throws(ScoringError) in try ScoringRequest.decodeCSV(raw) }
    let (batch, _) = t.typed(contract: nil)
    #expect(batch?.columns.map(\.data) == [.float([1, 2.5]), .text(["x, \"y\"", nil]), .boolean([true, false])])
    #expect(throws: ScoringError(status: 400, message: "the CSV body ends inside a quoted field")) {
      try Array("a\n\"x".utf8).withUnsafeBytes { raw throws(ScoringError) in try ScoringRequest.decodeCSV(raw) }
    }
  }

  @Test func contractViolationsNameColumnAndRow() throws {
    var age = ColumnRule(name: "age")
    age.type = .integer
    age.min = Limit("0")
    var city = ColumnRule(name: "city")
    city.type = .category
    city.allowed = ["paris", "nice"]
    city.nullable = true
    var contract = Contract(columns: [age, city])
    contract.extraColumns = false
    let (ok, none) = try table(#"{"inputs": {"age": [1, 2.0], "city": ["nice", null]}}"#).typed(contract: contract)
    #expect(none.isEmpty && ok?.columns.first?.data == .integer([1, 2]))
    let (bad, violations) = try table(#"{"dataframe_records": [{"age": -1, "city": "lyon", "x": 1}, {"age": 1.5}]}"#).typed(
      contract: contract)
    #expect(bad == nil)
    #expect(
      violations.map(\.description) == [
        "column 'x': unexpected column (the model's input contract does not have it)",
        "column 'age', row 0: -1 is below the minimum 0",
        "column 'age', row 1: expected an integer, got 1.5",
        "column 'city', row 0: \"lyon\" is not one of the allowed values (paris, nice)",
      ])
  }
}

struct TestFailure: Error {
  let text: String
  init(_ text: String) { self.text = text }
}
