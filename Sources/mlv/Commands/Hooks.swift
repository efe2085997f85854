import ArgumentParser
import Foundation
import MLVCore
import MLVStore

struct HooksCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "hooks",
    abstract: "Install or remove mlv's Git hooks (pre-commit: data contracts; pre-push: stored objects).",
    subcommands: [Install.self, Uninstall.self])

  struct Install: RepositoryCommand {
    static let configuration = CommandConfiguration(
      abstract: "Install the hooks where Git runs them (core.hooksPath or .git/hooks); a hook already there runs first.")

    func run() throws {
      for action in try openRepository().installHooks() { print("\(action.path): \(action.action)") }
    }
  }

  struct Uninstall: RepositoryCommand {
    static let configuration = CommandConfiguration(abstract: "Remove mlv's hooks, restoring the hooks they chained.")

    func run() throws {
      let actions = try openRepository().uninstallHooks()
      if actions.isEmpty { print("no mlv hooks installed") }
      for action in actions { print("\(action.path): \(action.action)") }
    }
  }
}

struct HookCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "hook",
    abstract: "Run one of mlv's Git hooks (what the installed hooks and the pre-commit framework call).",
    subcommands: [PreCommit.self, PrePush.self])

  struct PreCommit: RepositoryCommand {
    static let configuration = CommandConfiguration(
      commandName: "pre-commit",
      abstract: "Refuse a commit whose staged data breaks its contract or whose objects are not in the store.")

    @Option(help: "Show at most this many violations per dataset.")
    var maxErrors = 10

    func run() throws {
      guard let repository = try openIfInitialised() else { return }
      let findings = try working { try repository.preCommitFindings(maxErrors: maxErrors) }
      try refuse(findings, hook: "pre-commit", noun: "staged dataset", maxErrors: maxErrors)
    }
  }

  struct PrePush: RepositoryCommand {
    static let configuration = CommandConfiguration(
      commandName: "pre-push", abstract: "Refuse a push of commits whose data is not in the store.")

    @Argument(help: "The remote's name and URL (as Git passes them).")
    var remote: [String] = []

    func run() throws {
      guard let repository = try openIfInitialised() else { return }
      var updates: [(localSHA: String, remoteSHA: String)] = []
      let environment = ProcessInfo.processInfo.environment
      if let to = environment["PRE_COMMIT_TO_REF"] {
        // The pre-commit framework passes the range in its environment instead of stdin.
        updates.append((to, environment["PRE_COMMIT_FROM_REF"] ?? ""))
      } else if isatty(0) == 0 {
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        for line in input.split(whereSeparator: \.isNewline) {
          let fields = line.split(separator: " ")
          if fields.count == 4 { updates.append((String(fields[1]), String(fields[3]))) }
        }
      }
      if updates.isEmpty, environment["PRE_COMMIT_REMOTE_NAME"] != nil, let head = repository.git.headCommit() {
        // The framework sets no range for a push that includes the root commit: check HEAD's
        // history against what the remote has.
        updates.append((head.hex, ""))
      }
      let name = environment["PRE_COMMIT_REMOTE_NAME"] ?? remote.first ?? "origin"
      let findings = try working { try repository.prePushFindings(remote: name, updates: updates) }
      try refuse(findings, hook: "pre-push", noun: "pushed pointer", maxErrors: 0)
    }
  }
}

extension RepositoryCommand {
  /// The repository, or nil (the hook passes) when mlv is not initialised in this Git repository.
  func openIfInitialised() throws -> Repository? {
    do { return try openRepository() } catch CoreError.notInitialised { return nil }
  }

  /// Prints each finding on stderr and fails with the most serious exit code.
  func refuse(_ findings: [HookFinding], hook: String, noun: String, maxErrors: Int) throws {
    guard !findings.isEmpty else { return }
    for f in findings {
      if let report = f.report {
        writeDiagnostic("mlv \(hook): '\(f.data)' breaks its contract:")
        let text = ContractReportText.text(report, maxErrors: maxErrors)
        for line in text.split(separator: "\n").dropFirst() { writeDiagnostic("  " + line) }
      } else {
        writeDiagnostic("mlv \(hook): '\(f.data)': \(f.problem ?? "")")
      }
    }
    let status = findings.contains { $0.status == .contractViolation } ? ExitStatus.contractViolation : findings[0].status
    let subject = hook == "pre-push" ? "the push" : "the commit"
    let reason = "\(subject) is refused: \(Output.count(findings.count, noun)) \(findings.count == 1 ? "fails" : "fail") its check"
    throw ContractError.hookRefused(hook: hook, reason: reason, status: status, fix: findings.lazy.compactMap(\.fix).first)
  }
}
