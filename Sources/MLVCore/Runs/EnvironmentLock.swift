import Foundation
import MLVStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a machine was when a run happened: OS, kernel, libc, CPU and its vector extensions,
/// the Python interpreter and every installed package (as `pip freeze` lists them), compilers
/// and GPU driver when present, and the variables that change numerical results. Stored as a
/// content-addressed canonical JSON object, so two runs on the same machine share one lock.
public struct EnvironmentLock: Sendable, Equatable {
  public static let format = "mlv-env"
  public static let version = 1

  /// The whole lock as a JSON object.
  public let value: Value

  init(value: Value) { self.value = value }

  /// The canonical bytes stored in the object store.
  public func encoded() -> [UInt8] { CanonicalJSON.encode(value) }

  public static func decode(_ bytes: [UInt8]) throws -> EnvironmentLock {
    guard let value = try? CanonicalJSON.decode(bytes), value.object?["format"]?.string == format else {
      throw RunError.malformedFile("environment lock", reason: "not an mlv environment lock")
    }
    guard case .integer(let v)? = value.object?["version"], v <= version else {
      throw RunError.malformedFile("environment lock", reason: "its version is newer than this mlv supports")
    }
    return EnvironmentLock(value: value)
  }

  /// Every fact as `section.key` → text (`python.packages.numpy` → `1.26.4`), for diffs and checks.
  public var facts: [String: String] {
    var out: [String: String] = [:]
    for (key, v) in StructuredFile.flatten(value) where key != "format" && key != "version" && v != .object([:]) {
      out[key] = v.display
    }
    return out
  }

  /// The variables a lock records: the ones that change numerical results or their
  /// reproducibility, as the user set them. The variables mlv pins for every stage (seed, time
  /// zone, locale, thread counts) belong to the run record instead, so runs with different
  /// seeds on one machine share one lock.
  static let recordedVariables = [
    "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "MKL_DEBUG_CPU_TYPE", "OPENBLAS_CORETYPE", "OPENBLAS_VERBOSE",
    "KMP_DETERMINISTIC_REDUCTION", "KMP_AFFINITY", "CUDA_VISIBLE_DEVICES", "NVIDIA_TF32_OVERRIDE",
    "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE", "TF_ENABLE_ONEDNN_OPTS", "XLA_FLAGS", "JAX_ENABLE_X64", "JAX_DEFAULT_MATMUL_PRECISION",
    "PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX", "LD_LIBRARY_PATH", "LD_PRELOAD",
  ]

  /// CPU flags that decide which numerical kernels a library picks.
  static let recordedCPUFlags: Set<String> = [
    "sse2", "sse3", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512bw", "avx512vl",
    "avx512cd", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve", "sve2",
  ]

  /// Describes this machine, with `environment` as the variables the command will see.
  /// Probes that start programs (Python, compilers) are cached in `cachePath` by the stat of
  /// the program and of the directories packages live in, so an unchanged machine costs no
  /// process start.
  static func capture(environment: [String: String], cachePath: String?) -> EnvironmentLock {
    var probes = ProbeCache.load(cachePath)
    defer { if let cachePath { probes.save(cachePath) } }
    var top: [String: Value] = ["format": .string(format), "version": .integer(version)]
    top["os"] = .object(operatingSystem())
    top["cpu"] = .object(processor())
    let path = environment["PATH"]
    let python = environment["MLV_PYTHON"].map { ChildProcess.resolve($0, path: path) } ?? ChildProcess.resolve("python3", path: path)
    top["python"] = python.flatMap { probes.python($0, environment: environment) } ?? .null
    var toolchains: [String: Value] = [:]
    for tool in ["gcc", "clang", "nvcc"] {
      if let exe = ChildProcess.resolve(tool, path: path), let version = probes.version(of: exe, tool: tool, environment: environment) {
        toolchains[tool] = .string(version)
      }
    }
    top["toolchains"] = .object(toolchains)
    if let smi = ChildProcess.resolve("nvidia-smi", path: path), let gpus = probes.gpus(smi, environment: environment) {
      top["gpu"] = gpus
    }
    var variables: [String: Value] = [:]
    for name in recordedVariables { if let v = environment[name] { variables[name] = .string(v) } }
    top["variables"] = .object(variables)
    return EnvironmentLock(value: .object(top))
  }

  private static func operatingSystem() -> [String: Value] {
    var out: [String: Value] = [:]
    var u = utsname()
    if uname(&u) == 0 {
      out["kernel"] = .string(withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
      out["arch"] = .string(withUnsafeBytes(of: &u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
      out["system"] = .string(withUnsafeBytes(of: &u.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
    }
    if let text = readText("/etc/os-release") {
      for line in text.split(separator: "\n") {
        let parts = line.split(separator: "=", maxSplits: 1)
        guard parts.count == 2 else { continue }
        let v = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        switch parts[0] {
        case "PRETTY_NAME": out["release"] = .string(v)
        case "ID": out["id"] = .string(v)
        case "VERSION_ID": out["versionID"] = .string(v)
        default: break
        }
      }
    }
    #if canImport(Glibc)
      var buffer = [CChar](repeating: 0, count: 64)
      if confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, buffer.count) > 0 {
        out["libc"] = .string(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
      }
    #endif
    return out
  }

  private static func processor() -> [String: Value] {
    var out: [String: Value] = ["count": .integer(sysconf(Int32(_SC_NPROCESSORS_ONLN)))]
    guard let text = readText("/proc/cpuinfo") else { return out }
    var flags: Set<String> = []
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let key = line[..<colon].trimmingCharacters(in: .whitespaces)
      let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      if out["model"] == nil && (key == "model name" || key == "Model" || key == "cpu model") { out["model"] = .string(value) }
      if flags.isEmpty && (key == "flags" || key == "Features") {
        flags = Set(value.split(separator: " ").map(String.init)).intersection(recordedCPUFlags)
      }
      if out["model"] != nil && !flags.isEmpty { break }
    }
    out["flags"] = .array(flags.sorted().map { .string($0) })
    return out
  }
}

/// Reads a small text file, or nil.
func readText(_ path: String) -> String? {
  guard let bytes = try? FileHandle(path: path, flags: O_RDONLY).readAll() else { return nil }
  return String(decoding: bytes, as: UTF8.self)
}

/// Remembered probe results, each valid while the program and the directories it reads from
/// keep their `stat` (installing a package changes its `site-packages` directory).
struct ProbeCache {
  var entries: [String: Value] = [:]
  var dirty = false

  static func load(_ path: String?) -> ProbeCache {
    guard let path, let bytes = try? FileHandle(path: path, flags: O_RDONLY).readAll(),
      let o = (try? CanonicalJSON.decode(bytes))?.object
    else { return ProbeCache() }
    return ProbeCache(entries: o)
  }

  mutating func save(_ path: String) {
    guard dirty else { return }
    try? makeDirectories(parentDirectory(path))
    try? writeFileAtomically(path, CanonicalJSON.encode(.object(entries)))
  }

  /// A stamp of files and directories: their inode, size, modification and change times.
  static func stamp(_ paths: [String]) -> String {
    paths.map { p in
      guard let st = fileStatus(p) else { return "\(p):-" }
      return "\(p):\(st.st_ino):\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec):\(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)"
    }.joined(separator: "|")
  }

  private mutating func cached(_ key: String, stamp: (Value?) -> String, compute: () -> Value?) -> Value? {
    if let entry = entries[key]?.object, let old = entry["stamp"]?.string, old == stamp(entry["value"]), let v = entry["value"] {
      return v
    }
    guard let v = compute() else { return nil }
    entries[key] = .object(["stamp": .string(stamp(v)), "value": v])
    dirty = true
    return v
  }

  static let pythonProbe = """
    import sys
    sys.path = [p for p in sys.path if p not in ("", ".")]  # never import the project's own json.py
    import os, json, platform
    import importlib.metadata as md
    packages = {}
    for d in md.distributions():
        name = d.metadata.get("Name")
        if name and name not in packages:
            packages[name] = d.version
    paths = sorted({os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)})
    print(json.dumps({"implementation": platform.python_implementation().lower(), "version": platform.python_version(),
                      "executable": os.path.realpath(sys.executable), "packages": packages, "paths": paths}))
    """

  /// The interpreter's version and installed packages.
  mutating func python(_ executable: String, environment: [String: String]) -> Value? {
    let context = [
      "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONNOUSERSITE", "PYTHONUSERBASE", "HOME", "PYENV_VERSION", "CONDA_DEFAULT_ENV",
    ].map {
      environment[$0] ?? ""
    }
    let key = "python\u{0}" + executable + "\u{0}" + context.joined(separator: "\u{0}")
    let found = cached(
      key,
      stamp: { value in
        // The interpreter a shim (pyenv) leads to counts too, not only the shim.
        let dirs = value?.object?["paths"]?.array?.compactMap(\.string) ?? []
        let interpreter = value?.object?["executable"]?.string.map { [$0] } ?? []
        return Self.stamp([realPath(executable) ?? executable] + interpreter + dirs)
      },
      compute: {
        guard let (status, output) = ChildProcess.capture([executable, "-c", Self.pythonProbe], environment: environment),
          status == .exited(0), let v = try? CanonicalJSON.decode(output), v.object != nil
        else { return nil }
        return v
      })
    guard var o = found?.object else { return nil }
    o["paths"] = nil  // where packages live is the cache's business, not the lock's
    return .object(o)
  }

  /// The first line of `tool --version`, without the program name when it leads.
  mutating func version(of executable: String, tool: String, environment: [String: String]) -> String? {
    cached(
      "tool\u{0}" + executable, stamp: { _ in Self.stamp([realPath(executable) ?? executable]) },
      compute: {
        guard let (status, output) = ChildProcess.capture([executable, "--version"], environment: environment), status == .exited(0)
        else { return nil }
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        // nvcc prints its release on the last line; gcc and clang on the first.
        let line = tool == "nvcc" ? lines.last(where: { $0.contains("release") }) ?? lines.first : lines.first
        return line.map { .string(String($0).trimmingCharacters(in: .whitespaces)) }
      })?.string
  }

  /// Name, driver and memory of each NVIDIA GPU.
  mutating func gpus(_ smi: String, environment: [String: String]) -> Value? {
    cached(
      "gpu\u{0}" + smi, stamp: { _ in Self.stamp([realPath(smi) ?? smi, "/proc/driver/nvidia/version"]) },
      compute: {
        guard
          let (status, output) = ChildProcess.capture(
            [smi, "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"], environment: environment),
          status == .exited(0)
        else { return nil }
        let rows = String(decoding: output, as: UTF8.self).split(separator: "\n").map { line -> Value in
          let f = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
          return .object([
            "name": .string(f.first ?? ""), "driver": .string(f.count > 1 ? f[1] : ""), "memory": .string(f.count > 2 ? f[2] : ""),
          ])
        }
        return .array(rows)
      })
  }
}

/// One difference between two environment locks (or a lock and this machine).
public struct EnvironmentChange: Sendable, Equatable {
  public let key: String
  public let old: String?
  public let new: String?
}

extension EnvironmentLock {
  /// The facts that differ, sorted by key.
  public func changes(to other: EnvironmentLock) -> [EnvironmentChange] {
    let a = facts
    let b = other.facts
    return Set(a.keys).union(b.keys).sorted().compactMap { key in
      a[key] == b[key] ? nil : EnvironmentChange(key: key, old: a[key], new: b[key])
    }
  }
}
