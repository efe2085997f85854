import ArgumentParser
import Foundation
import MLVCore

struct Log: RepositoryCommand {
  static let configuration = CommandConfiguration(abstract: "Show the versions of a tracked path across the history of HEAD.")

  @Argument(help: "The tracked path (or its pointer).")
  var path: String

  @Flag(help: "Print the result as JSON.")
  var json = false

  struct Line: Encodable {
    let commit: String
    let date: String
    let author: String
    let summary: String
    let id: String?
    let size: Int?
    let sizeChange: Int?
    enum CodingKeys: String, CodingKey { case commit, date, author, summary, id, size, sizeChange = "size_change" }
  }

  func run() throws {
    let entries = try openRepository().log(path, cwd: cwd)
    let formatter = ISO8601DateFormatter()
    let lines = entries.map { e in
      Line(
        commit: e.commit.id.hex, date: formatter.string(from: Date(timeIntervalSince1970: Double(e.commit.time))),
        author: e.commit.author, summary: e.commit.summary, id: e.pointer?.id.description, size: e.pointer?.size, sizeChange: e.sizeChange)
    }
    if json { return try Output.json(lines) }
    var rows = [["COMMIT", "DATE", "AUTHOR", "ID", "SIZE", "CHANGE"]]
    for (l, e) in zip(lines, entries) {
      rows.append([
        e.commit.id.short, l.date, l.author, e.pointer?.id.short ?? "(removed)", l.size.map(Output.size) ?? "-",
        l.sizeChange.map(Output.signedSize) ?? "new",
      ])
    }
    print(Output.table(rows))
  }
}
