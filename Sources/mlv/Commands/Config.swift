import ArgumentParser
import MLVCore

struct ConfigCommand: RepositoryCommand {
  static let configuration = CommandConfiguration(
    commandName: "config", abstract: "Read or set a value in .mlv/config (core.compression, core.fsync).")

  @Argument(help: "The key, e.g. core.fsync.")
  var key: String

  @Argument(help: "The new value; omit to print the current one.")
  var value: String?

  func run() throws {
    let repository = try openRepository()
    var config = repository.config
    if let value {
      try config.set(key, value)
      try repository.saveConfig(config)
    } else {
      guard let current = config.value(key) else { throw CoreError.badConfig("unknown configuration key '\(key)'") }
      print(current)
    }
  }
}
