import ArgumentParser
import MLVCore

struct Init: RepositoryCommand {
  static let configuration = CommandConfiguration(
    abstract: "Create .mlv (config and object store) in the current Git work tree.")

  func run() throws {
    let result = try Repository.initialize(at: cwd)
    if result.created {
      print("initialised mlv in \(result.root)/.mlv")
      print("commit .mlv/config and .mlv/.gitignore with git; the object store stays out of git")
    } else {
      print("mlv is already initialised in \(result.root)/.mlv")
    }
  }
}
