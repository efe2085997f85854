import MLVStore

/// Why a contract command cannot run.
public enum ContractError: UserFacingError, Equatable {
  /// No `--contract` and none attached to the data.
  case noContract(String)
  /// The data is a tracked directory.
  case directory(String)
  /// The contract file named by a pointer cannot be read.
  case contractMissing(contract: String, data: String)
  /// A hook directory entry mlv will not overwrite.
  case foreignHook(String)
  /// An mlv hook someone edited, which uninstall will not remove.
  case editedHook(String)
  /// Data that breaks its contract.
  case violated(data: String, contract: String, count: Int)
  /// A hook refused the commit or push.
  case hookRefused(hook: String, reason: String, status: ExitStatus, fix: String? = nil)

  public var message: String {
    switch self {
    case .noContract(let data): return "'\(data)' has no contract"
    case .directory(let data): return "'\(data)' is a directory: check the tables in it one by one"
    case .contractMissing(let contract, let data): return "contract '\(contract)' of '\(data)' does not exist"
    case .foreignHook(let path): return "'\(path)' exists and is not a hook mlv can chain"
    case .editedHook(let path): return "'\(path)' was changed after mlv installed it"
    case .violated(let data, let contract, let count):
      return "'\(data)' breaks its contract '\(contract)' (\(count) violation\(count == 1 ? "" : "s"))"
    case .hookRefused(let hook, let reason, _, _): return "\(hook): \(reason)"
    }
  }

  public var hint: String? {
    switch self {
    case .noContract:
      return
        "pass --contract FILE, or attach one with 'mlv contract attach DATA FILE' (write one with 'mlv contract infer DATA --out FILE')"
    case .contractMissing: return "restore the file, or attach another with 'mlv contract attach'"
    case .foreignHook: return "move it away, or call 'mlv hook pre-commit' from it yourself"
    case .editedHook: return "remove it by hand if you no longer want it"
    case .hookRefused(let hook, _, let status, let fix):
      if let fix { return fix }
      if hook == "pre-push" {
        return "the data must be in the store before its pointers leave this machine: 'mlv fsck' lists what is missing"
      }
      switch status {
      case .contractViolation: return "fix the data and 'mlv add' it again (or fix the contract); 'git commit --no-verify' skips the check"
      case .storeIntegrity: return "'mlv add' the data again so its objects are in the store; 'mlv fsck' lists what is missing"
      default: return "fix what is named above; 'git commit --no-verify' skips the check"
      }
    default: return nil
    }
  }

  public var exitStatus: ExitStatus {
    switch self {
    case .noContract: return .usage
    case .directory, .contractMissing: return .invalidInput
    case .foreignHook, .editedHook: return .wouldOverwrite
    case .violated: return .contractViolation
    case .hookRefused(_, _, let status, _): return status
    }
  }
}
