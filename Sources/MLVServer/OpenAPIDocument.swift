import MLVCore
import MLVData

/// The OpenAPI 3.0 document of a server's routes, with the model's input columns as the
/// request schema.
enum OpenAPIDocument {
  static func make(for model: ServedModel) -> JSON {
    func schema(_ type: ColumnType?, nullable: Bool) -> JSON {
      var pairs: [(String, JSON)]
      switch type {
      case .integer?: pairs = [("type", .string("integer"))]
      case .float?: pairs = [("type", .string("number"))]
      case .boolean?: pairs = [("type", .string("boolean"))]
      default: pairs = [("type", .string("string"))]
      }
      if nullable { pairs.append(("nullable", .bool(true))) }
      return .object(pairs)
    }
    let columns = model.contract?.columns ?? []
    let record: JSON = .object([
      ("type", .string("object")),
      ("properties", .object(columns.map { ($0.name, schema($0.type, nullable: $0.nullable)) })),
      ("required", .array(columns.filter(\.required).map { .string($0.name) })),
    ])
    let split: JSON = .object([
      ("type", .string("object")),
      (
        "properties",
        .object([
          ("columns", .object([("type", .string("array")), ("items", .object([("type", .string("string"))]))])),
          ("data", .object([("type", .string("array")), ("items", .object([("type", .string("array")), ("items", .object([]))]))])),
        ])
      ),
      ("required", .array([.string("data")])),
    ])
    let request: JSON = .object([
      ("type", .string("object")),
      ("description", .string("exactly one of the properties")),
      (
        "properties",
        .object([
          ("dataframe_split", split),
          (
            "dataframe_records",
            .object([("type", .string("array")), ("items", .object([("$ref", .string("#/components/schemas/Record"))]))])
          ),
          ("instances", .object([("type", .string("array")), ("items", .object([]))])),
          ("inputs", .object([])),
        ])
      ),
    ])
    let error: JSON = .object([
      ("type", .string("object")),
      (
        "properties",
        .object([
          ("error_code", .object([("type", .string("string"))])), ("message", .object([("type", .string("string"))])),
          ("errors", .object([("type", .string("array")), ("items", .object([("type", .string("object"))]))])),
        ])
      ),
    ])
    func response(_ description: String, _ ref: String? = nil) -> JSON {
      guard let ref else { return .object([("description", .string(description))]) }
      return .object([
        ("description", .string(description)),
        ("content", .object([("application/json", .object([("schema", .object([("$ref", .string("#/components/schemas/\(ref)"))]))]))])),
      ])
    }
    let errors: [(String, JSON)] = [
      ("400", response("malformed request", "Error")), ("401", response("missing or wrong bearer token", "Error")),
      ("413", response("body too large", "Error")), ("415", response("unsupported content type", "Error")),
      ("422", response("the input breaks the model's contract", "Error")), ("500", response("the model raised", "Error")),
      ("503", response("a worker died; retry", "Error")), ("504", response("the model did not answer in time", "Error")),
    ]
    func scoring(_ summary: String, csv: Bool) -> JSON {
      var content: [(String, JSON)] = [
        ("application/json", .object([("schema", .object([("$ref", .string("#/components/schemas/ScoringRequest"))]))]))
      ]
      if csv { content.append(("text/csv", .object([("schema", .object([("type", .string("string"))]))]))) }
      return .object([
        (
          "post",
          .object([
            ("summary", .string(summary)),
            ("requestBody", .object([("required", .bool(true)), ("content", .object(content))])),
            ("responses", .object([("200", response("predictions", "Predictions"))] + errors)),
          ])
        )
      ])
    }
    func get(_ summary: String) -> JSON {
      .object([("get", .object([("summary", .string(summary)), ("responses", .object([("200", response("ok"))]))]))])
    }
    return .object([
      ("openapi", .string("3.0.3")),
      (
        "info",
        .object([
          ("title", .string("mlv serve: \(model.name)")), ("version", .string(String(model.version))),
          ("description", .string(model.spec.description ?? "model '\(model.name)' version \(model.version) at \(model.revision)")),
        ])
      ),
      (
        "paths",
        .object([
          ("/predict", scoring("predict (mlv's JSON: the same inputs as /invocations, plus 'columns' and 'records')", csv: false)),
          ("/invocations", scoring("predict (MLflow scoring protocol)", csv: true)),
          (
            "/v2/models/{name}/infer",
            .object([
              (
                "post",
                .object([
                  ("summary", .string("predict (Open Inference Protocol v2)")),
                  (
                    "parameters",
                    .array([
                      .object([
                        ("name", .string("name")), ("in", .string("path")), ("required", .bool(true)),
                        ("schema", .object([("type", .string("string"))])),
                      ])
                    ])
                  ),
                  (
                    "requestBody",
                    .object([
                      ("required", .bool(true)),
                      ("content", .object([("application/json", .object([("schema", .object([("type", .string("object"))]))]))])),
                    ])
                  ),
                  ("responses", .object([("200", response("inference response"))] + errors)),
                ])
              )
            ])
          ),
          ("/ping", get("liveness")), ("/health", get("model, version, workers")), ("/ready", get("readiness")),
          ("/metrics", get("Prometheus metrics")), ("/v2/health/live", get("OIP liveness")), ("/v2/health/ready", get("OIP readiness")),
        ])
      ),
      (
        "components",
        .object([
          (
            "schemas",
            .object([
              ("Record", record), ("ScoringRequest", request), ("Error", error),
              ("Predictions", .object([("type", .string("object")), ("properties", .object([("predictions", .object([]))]))])),
            ])
          )
        ])
      ),
    ])
  }
}

/// The Python worker shim (`templates/serve/mlv_worker.py`), compiled into the binary.
public enum WorkerShim {
  public static var source: [UInt8] { PackageResources.mlv_worker_py }
}
