import Foundation
import MLVStore
import Testing

@testable import MLVData

func contract(_ yaml: String) throws -> Contract { try Contract.parse(Array(yaml.utf8), name: "c.yaml") }

func check(_ data: String, _ yaml: String, format: TableFormat = .csv, maxErrors: Int = 100, batchBytes: Int = 32) throws -> CheckReport {
  var reader = TableReader(format: format, name: "d")
  reader.batchBytes = batchBytes
  return try ContractChecker.check(source(data), reader: reader, contract: contract(yaml), contractName: "c.yaml", maxErrors: maxErrors)
}

func infer(_ data: String, format: TableFormat = .csv) throws -> Contract {
  var reader = TableReader(format: format, name: "d")
  reader.batchBytes = 64
  return try ContractInference.infer(source(data), reader: reader).contract
}

let sample = """
  id,name,age,score,ok,when,city,note
  1,Ann,34,1.5,true,2024-01-02,Paris,
  2,Bob,45,,false,2024-02-03T10:00:00,Lyon,"a, b"
  3,Cy,23,2.25,TRUE,2024-03-04,Paris,x
  4,Dee,51,-0.5,False,2024-04-05,Lyon,
  5,Eve,38,3e0,true,2024-05-06,Paris,y

  """

@Suite struct ContractTests {
  @Test func inferredContractPassesAndRoundTrips() throws {
    let inferred = try infer(sample)
    let yaml = inferred.yaml()
    #expect(try contract(yaml) == inferred)
    let byName = Dictionary(uniqueKeysWithValues: inferred.columns.map { ($0.name, $0) })
    #expect(byName["id"]?.type == .integer && byName["id"]?.min?.text == "1" && byName["id"]?.max?.text == "5")
    #expect(byName["score"]?.type == .float && byName["score"]?.nullable == true && byName["score"]?.max?.text == "3.0")
    #expect(byName["ok"]?.type == .boolean)
    #expect(byName["when"]?.type == .datetime && byName["when"]?.min?.text == "2024-01-02T00:00:00")
    #expect(byName["city"]?.type == .category && byName["city"]?.allowed == ["Lyon", "Paris"])
    #expect(byName["name"]?.type == .string)
    #expect(inferred.extraColumns == false && inferred.minRows == 1)
    let report = try check(sample, yaml)
    #expect(report.valid && report.rows == 5)
  }

  @Test func inferredContractsPassTheirOwnData() throws {
    for (data, format) in [
      ("a,b\n", TableFormat.csv), ("", .jsonl), ("{\"a\": [1, 2], \"b\": 1}\n{\"a\": {\"x\": 1}, \"b\": \"x\"}\n", .jsonl),
      ("c\nNO\nyes\nNO\nyes\n\"a: b\"\n\"a: b\"\n\"\u{2028}\"\n\"\u{2028}\"\n", .csv), ("x\nnan\n1.5\n", .csv),
    ] {
      let yaml = try infer(data, format: format).yaml(comment: "from a\rb\u{2028}c")
      #expect(try check(data, yaml, format: format).valid, "\(data): \(yaml)")
      #expect(try contract(yaml) == infer(data, format: format))
    }
  }

  @Test func aSingleBadValueIsFoundWithItsRow() throws {
    let yaml = try infer(sample).yaml()
    let bad = sample.replacingOccurrences(of: "4,Dee,51", with: "4,Dee,151")
    let report = try check(bad, yaml)
    #expect(report.total == 1)
    #expect(
      report.violations == [Violation(row: 4, line: 5, column: "age", rule: .max, value: "151", message: "151 is above the maximum 51")])
  }

  @Test func everyRule() throws {
    let yaml = """
      mlv-contract: 1
      columns:
        id: {type: integer, unique: true, min: 1}
        tag: {type: category, allowed: [a, b], nullable: true, max_null_share: 0.25}
        mail: {type: string, pattern: '[a-z]+@[a-z]+\\.org', min_length: 5, max_length: 12}
        f: {type: float, max: 1.5, forbidden: [0.5]}
        t: {type: datetime, min: '2024-01-01', max: '2024-12-31T23:59:59Z'}
        must: {type: integer, required: true}
      table:
        extra_columns: false
        rows: {max: 3}
      """
    let data =
      "id,tag,mail,f,t,extra\n1,a,ab@cd.org,1.0,2024-05-05,\n1,c,nope,0.5,2023-12-31,\n0,,ab@cd.orgxxxxxx,x,2025-01-01T00:00:00+01:00,\n2,,x@y.org,inf,nope,\n"
    let report = try check(data, yaml)
    let found = Set(report.violations.map { "\($0.row.map(String.init) ?? "-"):\($0.column ?? "-"):\($0.rule.rawValue)" })
    let expected: Set<String> = [
      "-:extra:extra_columns", "-:must:required", "2:id:unique", "2:tag:allowed", "2:mail:pattern", "2:mail:min_length", "2:f:forbidden",
      "2:t:min", "3:id:min", "3:mail:max_length", "3:mail:pattern", "3:f:type", "4:f:max", "4:t:type", "-:tag:max_null_share", "-:-:rows",
    ]
    #expect(found == expected, "\(found.symmetricDifference(expected))")
    #expect(report.total == expected.count)
    // Row violations come in row order after the table's.
    let rows = report.violations.compactMap(\.row)
    #expect(rows == rows.sorted())
  }

  @Test func uniqueAcrossBatchesAndTheErrorLimit() throws {
    let data = "k\n" + (1...200).map { String($0 % 150) }.joined(separator: "\n") + "\n"
    let report = try check(data, "mlv-contract: 1\ncolumns:\n  k: {type: integer, unique: true}\n", maxErrors: 10, batchBytes: 16)
    #expect(report.total == 50)
    #expect(report.violations.count == 10)
    #expect(report.violations.first?.row == 151)
    #expect(report.violations.first?.value == "1")
    #expect(report.summary.map(\.count) == [50])
  }

  @Test func jsonLinesKindsAndAbsentKeys() throws {
    let yaml = "mlv-contract: 1\ncolumns:\n  a: {type: integer}\n  b: {type: string}\n  c: {type: boolean, nullable: true}\n"
    let data = "{\"a\": 1, \"b\": \"x\", \"c\": true}\n{\"a\": \"2\", \"b\": \"y\"}\n{\"b\": 3, \"c\": null, \"z\": 1}\n"
    let report = try check(data, yaml, format: .jsonl)
    let found = report.violations.map { "\($0.row.map(String.init) ?? "-"):\($0.column ?? "-"):\($0.rule.rawValue)" }
    #expect(found == ["2:a:type", "3:b:type", "3:a:nullable"])
  }

  @Test func badContractsNameTheirLine() {
    func message(_ yaml: String) -> String? {
      do {
        _ = try contract(yaml)
        return nil
      } catch let error as DataError {
        return error.message
      } catch {
        return "\(error)"
      }
    }
    #expect(message("mlv-contract: 1\ncolumns:\n  a: {type: intger}\n")?.hasPrefix("contract 'c.yaml':3:") == true)
    #expect(message("mlv-contract: 1\ncolumns:\n  a:\n    type: integer\n    mn: 1\n")?.contains("unknown key 'mn'") == true)
    #expect(message("mlv-contract: 2\n")?.contains("unsupported contract format") == true)
    #expect(message("columns: {}\n")?.contains("not a contract") == true)
    #expect(message("mlv-contract: 1\ncolumns: [\n")?.contains("not valid YAML") == true)
    #expect(message("mlv-contract: 1\ncolumns:\n  a: {type: string, min: 3}\n")?.contains("min and max apply to") == true)
    #expect(message("mlv-contract: 1\ncolumns:\n  a: {type: string, pattern: '(['}\n")?.contains("not a valid regular expression") == true)
    #expect(message("mlv-contract: 1\ncolumns:\n  a: {type: category}\n")?.contains("needs 'allowed'") == true)
    #expect(message("mlv-contract: 1\ncolumns:\n  a: {type: integer, allowed: [1, x]}\n")?.contains("not a integer") == true)
  }

  @Test func panderaSchemasInEveryShape() throws {
    // pandera ≥ 0.2x: checks as keys of the column.
    let flat = """
      schema_type: dataframe
      api: pandas
      columns:
        age:
          dtype: int64
          greater_than_or_equal_to: 0
          less_than_or_equal_to: 120
        score:
          dtype: float64
          nullable: true
          in_range: {min_value: -1.5, max_value: 2.0, include_min: true, include_max: false}
        city:
          dtype: string[python]
          isin: [Lyon, Paris]
          str_matches: ^[A-Z]
        when:
          dtype: datetime64[ns]
          greater_than: '2020-01-01 00:00:00'
      strict: true
      """
    // pandera 0.20: a `checks` mapping.
    let mapping = """
      schema_type: dataframe
      version: 0.20.4
      columns:
        age:
          dtype: int64
          nullable: false
          checks:
            greater_than_or_equal_to: 0
            less_than_or_equal_to: 120
          unique: false
          coerce: false
          required: true
          regex: false
        score:
          dtype: float64
          nullable: true
          checks:
            in_range: {min_value: -1.5, max_value: 2.0, include_min: true, include_max: false}
        city:
          dtype: str
          checks: {isin: [Lyon, Paris], str_matches: '^[A-Z]'}
        when:
          dtype: datetime64[ns]
          checks: {greater_than: '2020-01-01 00:00:00'}
      checks: null
      index: null
      strict: true
      unique: null
      """
    // Around pandera 0.26: a list with options.check_name.
    let list = """
      schema_type: dataframe
      columns:
        age:
          dtype: int64
          checks:
          - value: 0
            options: {check_name: greater_than_or_equal_to, raise_warning: false, ignore_na: true}
          - {max_value: 120, options: {check_name: less_than_or_equal_to}}
        score:
          dtype: float64
          nullable: true
          checks:
          - {min_value: -1.5, max_value: 2.0, include_min: true, include_max: false, options: {check_name: in_range}}
        city:
          dtype: object
          checks:
          - {value: [Lyon, Paris], options: {check_name: isin}}
          - {value: '^[A-Z]', options: {check_name: str_matches}}
        when:
          dtype: datetime64[ns]
          checks:
          - {value: '2020-01-01 00:00:00', options: {check_name: greater_than}}
      strict: true
      """
    let data = "age,score,city,when\n30,1.9,Paris,2021-01-01\n-1,2.0,lyon,2020-01-01 00:00:00\n121,,Lyonnais,2022-01-01\n"
    for yaml in [flat, mapping, list] {
      let c = try contract(yaml)
      #expect(c.dialect == .pandera && c.extraColumns == false)
      let report = try check(data, yaml)
      let found = report.violations.map { "\($0.row!):\($0.column!):\($0.rule.rawValue)" }
      #expect(
        found == ["2:age:min", "2:score:max", "2:city:allowed", "2:city:pattern", "2:when:min", "3:age:max", "3:city:allowed"], "\(yaml)")
    }
    // Several checks on a column all apply (pandera ANDs them).
    let combined =
      "schema_type: dataframe\ncolumns:\n  a:\n    dtype: int64\n    greater_than: 0\n    in_range: {min_value: 0, max_value: 5}\n    isin: [0, 1, 2]\n    notin: [2]\n"
    let both = try contract(combined)
    #expect(both.columns[0].min == Limit("0", exclusive: true) && both.columns[0].max?.text == "5")
    #expect(try check("a\n0\n1\n2\n", combined).violations.map(\.rule) == [.min, .forbidden])
    #expect(throws: DataError.self) { try contract("schema_type: dataframe\ncolumns:\n  a:\n    dtype: int64\n    custom_check: 3\n") }
    #expect(throws: DataError.self) { try contract("schema_type: dataframe\ncolumns:\n  a: {dtype: complex128}\n") }
    #expect(throws: DataError.self) { try contract("schema_type: dataframe\nunique: [a, b]\ncolumns:\n  a: {dtype: int64}\n") }
  }
}
