import ArgumentParser
import Foundation
import MLVCore
import MLVServer
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The root command: it only lists the subcommands, and `main` turns every error into one
/// `error:` line, optional `hint:` lines and a documented exit code (docs/exit-codes.md).
@main
struct MLV: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mlv",
    abstract: "Version data, models and runs beside Git.",
    discussion:
      "mlv stores large files and directories as content-addressed objects in .mlv/objects and writes small pointer files (NAME.mlv) that you commit with Git.",
    version: mlvVersion,
    subcommands: [
      Init.self, Add.self, Status.self, Checkout.self, List.self, Show.self, Log.self, Fsck.self, GC.self,
      ConfigCommand.self, Run.self, Repro.self, Env.self, Metrics.self, Params.self, Exp.self, ContractCommand.self,
      HooksCommand.self, HookCommand.self, Drift.self, ModelCommand.self, Serve.self, RemoteCommand.self, Push.self,
      Fetch.self, Pull.self,
    ]
  )

  static func main() {
    do {
      var command = try parseAsRoot()
      defer { traceIfAsked() }
      ProgressLine.current = ProgressLine.start()
      defer { ProgressLine.current?.stop() }
      try command.run()
    } catch let error as UserFacingError {
      writeDiagnostic("error: \(error.message)")
      if let hint = error.hint { writeDiagnostic("hint: \(hint)") }
      Glibc.exit(error.exitStatus.rawValue)
    } catch let error as ExitCode {
      Glibc.exit(error.rawValue)
    } catch {
      let code = exitCode(for: error)
      let text = fullMessage(for: error)
      if code == .success {
        print(text)
        Glibc.exit(0)
      }
      if code == .validationFailure {
        // One `error:` line like every other failure; the usage and help pointer become hints.
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var first: String = lines.first ?? "invalid arguments"
        if first.hasPrefix("Error: ") { first = String(first.dropFirst(7)) }
        writeDiagnostic("error: " + first.prefix(1).lowercased() + first.dropFirst())
        for line in lines.dropFirst() where line.hasPrefix("Usage:") || line.hasPrefix("See ") {
          writeDiagnostic("hint: " + line.prefix(1).lowercased() + line.dropFirst())
        }
        Glibc.exit(ExitStatus.usage.rawValue)
      }
      writeDiagnostic("error: internal error (a bug in mlv): \(text.isEmpty ? String(describing: error) : text)")
      Glibc.exit(ExitStatus.internalError.rawValue)
    }
  }
}

/// With `MLV_TRACE` set, reports on stderr how much was hashed, so tests and users can see the
/// stat cache at work.
func traceIfAsked() {
  guard getenv("MLV_TRACE") != nil else { return }
  let files = FileIngest.filesHashed.load(ordering: .relaxed)
  let bytes = FileIngest.bytesHashed.load(ordering: .relaxed)
  writeDiagnostic("trace: hashed \(files) file\(files == 1 ? "" : "s"), \(bytes) bytes")
  writeDiagnostic("trace: stitched \(FileIngest.stitchedBytes.load(ordering: .relaxed)) bytes serially")
}

/// The shared set-up of commands that work inside a repository.
protocol RepositoryCommand: ParsableCommand {}

extension RepositoryCommand {
  /// The current directory.
  var cwd: String {
    guard let buffer = getcwd(nil, 0) else { return "." }
    defer { free(buffer) }
    return String(cString: buffer)
  }

  /// The repository containing the current directory.
  func openRepository() throws -> Repository { try Repository(discoveringFrom: cwd) }

  /// Runs the library verb with the progress line on, and erases it before results are printed.
  func working<T>(_ body: () throws -> T) rethrows -> T {
    defer { ProgressLine.current?.stop() }
    return try body()
  }
}
