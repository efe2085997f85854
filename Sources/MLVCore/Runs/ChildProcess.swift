import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// glibc's `posix_spawn_file_actions_addchdir_np` (2.29+), looked up at run time: Swift's Glibc
/// module hides it behind `_GNU_SOURCE`. Spawning with it keeps mlv's own directory unchanged.
private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
private let addChdirFunction: AddChdir? = {
  guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else { return nil }
  return unsafeBitCast(symbol, to: AddChdir.self)
}()

/// The child a run is waiting for; a terminating signal sent to mlv is passed on to it, so
/// mlv can still restore the prior outputs when the child ends.
nonisolated(unsafe) private var runningChild: pid_t = 0

/// How a child process ended.
enum ChildExit: Equatable {
  case exited(Int32)
  case signalled(Int32)
}

/// Starting programs: the stage commands (output streamed live to the terminal) and the
/// environment probes (output captured).
enum ChildProcess {
  /// The full path of `program`: itself when it contains a slash, else the first executable
  /// file of that name on `path` (a `PATH` value). Relative paths (and empty `PATH` entries)
  /// are taken from `directory`, where the program will run. Symbolic links are followed:
  /// `/usr/bin/sh` and a virtualenv's `python` are links.
  static func resolve(_ program: String, path: String?, directory: String? = nil) -> String? {
    func anchored(_ p: String) -> String { p.hasPrefix("/") || directory == nil ? p : directory! + "/" + p }
    func isExecutableFile(_ p: String) -> Bool {
      var st = stat()
      return stat(p, &st) == 0 && st.st_mode & S_IFMT == S_IFREG && access(p, X_OK) == 0
    }
    if program.contains("/") { return isExecutableFile(anchored(program)) ? anchored(program) : nil }
    for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false) {
      let candidate = anchored((dir.isEmpty ? "." : String(dir)) + "/" + program)
      if isExecutableFile(candidate) { return candidate }
    }
    return nil
  }

  /// Runs `arguments` in `directory` with exactly `environment`, its output going where mlv's
  /// goes, and waits for it. Signals that would end mlv are passed on to the child instead.
  /// With `outputToStderr`, the command's standard output goes to mlv's stderr (when mlv's
  /// stdout carries a report).
  static func run(_ arguments: [String], environment: [String: String], directory: String, outputToStderr: Bool = false) throws
    -> ChildExit
  {
    let pid = try spawn(
      arguments, environment: environment, directory: directory, stdoutFD: outputToStderr ? 2 : nil, discardStderr: false)
    runningChild = pid
    var previous: [(Int32, sigaction)] = []
    for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
      var action = sigaction()
      action.__sigaction_handler.sa_sigaction = { s, info, _ in
        // A signal from the terminal (si_code > 0: sent by the kernel) already reached the child,
        // which shares mlv's process group; one sent with kill(2) (timeout, CI) is passed on.
        let fromKernel = (info?.pointee.si_code ?? 0) > 0
        if runningChild > 0 && !fromKernel { kill(runningChild, s) }
      }
      action.sa_flags = SA_SIGINFO | SA_RESTART
      sigemptyset(&action.sa_mask)
      var old = sigaction()
      sigaction(sig, &action, &old)
      previous.append((sig, old))
    }
    defer {
      for (sig, old) in previous {
        var o = old
        sigaction(sig, &o, nil)
      }
      runningChild = 0
    }
    return waitFor(pid)
  }

  /// Runs a probe (`gcc --version`, the Python package lister) and returns its exit status and
  /// standard output; stderr is discarded. Nil when it cannot be started.
  static func capture(_ arguments: [String], environment: [String: String], timeout: Int = 20) -> (
    status: ChildExit, output: [UInt8]
  )? {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { return nil }
    _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
    guard let pid = try? spawn(arguments, environment: environment, directory: nil, stdoutFD: fds[1], discardStderr: true) else {
      close(fds[0])
      close(fds[1])
      return nil
    }
    close(fds[1])
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    // A wedged probe (a hung GPU driver) must not hang mlv: give up after `timeout` seconds.
    let deadline = monotonicNow() + UInt64(timeout) * 1_000_000_000
    while true {
      let now = monotonicNow()
      let left = Int32(now < deadline ? (deadline - now) / 1_000_000 : 0)
      var poller = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
      let ready = poll(&poller, 1, left)
      if ready < 0 && errno == EINTR { continue }
      if ready <= 0 {
        kill(pid, SIGKILL)
        break
      }
      let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { break }
      output += buffer[0..<n]
      if output.count > 64 << 20 { break }  // a runaway probe must not eat the memory
    }
    close(fds[0])
    return (waitFor(pid), output)
  }

  private static func waitFor(_ pid: pid_t) -> ChildExit {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      if errno != EINTR { return .exited(127) }
    }
    if status & 0x7f == 0 { return .exited((status >> 8) & 0xff) }
    return .signalled(status & 0x7f)
  }

  static func spawn(
    _ arguments: [String], environment: [String: String], directory: String?, stdinFD: Int32? = nil, stdoutFD: Int32?,
    discardStderr: Bool
  ) throws -> pid_t {
    guard let program = arguments.first else { throw RunError.commandNotFound("") }
    if let directory {
      var st = stat()
      guard stat(directory, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
        throw RunError.cannotStart(program, reason: "its working directory '\(directory)' does not exist")
      }
    }
    guard let executable = resolve(program, path: environment["PATH"], directory: directory) else {
      throw RunError.commandNotFound(program)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let directory {
      guard let addChdir = addChdirFunction else { throw RunError.cannotStart(program, reason: "this C library cannot set the directory") }
      _ = addChdir(&actions, directory)
    }
    if let stdinFD { posix_spawn_file_actions_adddup2(&actions, stdinFD, 0) }
    if let stdoutFD { posix_spawn_file_actions_adddup2(&actions, stdoutFD, 1) }
    if discardStderr { posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // The child starts with default signal handling and nothing blocked, whatever mlv had.
    var all = sigset_t()
    sigfillset(&all)
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for p in argv { free(p) }
      for p in envp { free(p) }
    }
    var pid: pid_t = 0
    let code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    guard code == 0 else {
      if code == ENOENT { throw RunError.commandNotFound(program) }
      if code == ENOEXEC || code == EACCES {
        throw RunError.cannotStart(program, reason: code == EACCES ? "permission denied" : "not an executable")
      }
      if code == ENOTDIR || (directory != nil && code == ENOENT) {
        throw RunError.cannotStart(program, reason: "its directory does not exist")
      }
      throw RunError.cannotStart(program, reason: String(cString: strerror(code)))
    }
    return pid
  }
}

/// The process's environment as a dictionary.
func processEnvironment() -> [String: String] {
  var out: [String: String] = [:]
  var p = environ
  while let entry = p.pointee {
    let text = String(cString: entry)
    if let eq = text.firstIndex(of: "=") { out[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
    p += 1
  }
  return out
}
