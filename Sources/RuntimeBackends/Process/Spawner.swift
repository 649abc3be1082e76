#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ACPControlPlane

/// The parent's ends of a spawned child's standard streams.
struct SpawnedChild {
    let pid: pid_t
    /// Write end of the child's stdin.
    let stdin: Int32
    /// Read end of the child's stdout.
    let stdout: Int32
    /// Read end of the child's stderr.
    let stderr: Int32
}

/// `posix_spawn` with the options acpd needs: its own process group, default signal dispositions
/// and an empty signal mask, an explicit working directory and environment, and pipes created
/// with `O_CLOEXEC` so they never leak into other children spawned concurrently.
enum Spawner {
    static func spawn(_ spec: ProcessSpec, label: String) throws(ACPError) -> SpawnedChild {
        let executable = try resolveExecutable(spec)
        guard spec.workingDirectory.hasPrefix("/") else {
            throw failure(label, "working directory must be absolute: \(spec.workingDirectory)")
        }
        var isDir = stat()
        guard stat(spec.workingDirectory, &isDir) == 0, (isDir.st_mode & S_IFMT) == S_IFDIR else {
            throw failure(label, "working directory does not exist: \(spec.workingDirectory)")
        }

        var pipes: [(read: Int32, write: Int32)] = []
        func closeAll() {
            for pipe in pipes { close(pipe.read); close(pipe.write) }
        }
        for _ in 0..<3 {
            do throws(ACPError) { pipes.append(try makePipe(label)) } catch { closeAll(); throw error }
        }
        let (stdinPipe, stdoutPipe, stderrPipe) = (pipes[0], pipes[1], pipes[2])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears FD_CLOEXEC on the target; the originals close on exec.
        posix_spawn_file_actions_adddup2(&actions, stdinPipe.read, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe.write, 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe.write, 2)
        guard let addChdir = PosixSymbols.addChdir else {
            closeAll()
            throw failure(label, "posix_spawn_file_actions_addchdir_np is not available in this C library")
        }
        let chdirResult = spec.workingDirectory.withCString { path in
            withUnsafeMutablePointer(to: &actions) { addChdir(UnsafeMutableRawPointer($0), path) }
        }
        // Descriptors other libraries opened without O_CLOEXEC (a test runner's pipes, a database
        // file) must not reach the agent: an inherited pipe end keeps someone else's EOF from ever
        // arriving for as long as the agent lives.
        if let addClosefrom = PosixSymbols.addClosefrom {
            _ = withUnsafeMutablePointer(to: &actions) { addClosefrom(UnsafeMutableRawPointer($0), 3) }
        }
        guard chdirResult == 0 else {
            closeAll()
            throw failure(label, "cannot set working directory: \(errnoText(chdirResult))")
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        // acpd ignores SIGPIPE; ignored dispositions survive exec, so reset every signal.
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = [spec.executable] + spec.arguments
        let envp = spec.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let result = withCStringArray(argv) { argvPointer in
            withCStringArray(envp) { envPointer in
                posix_spawn(&pid, executable, &actions, &attributes, argvPointer, envPointer)
            }
        }
        close(stdinPipe.read)
        close(stdoutPipe.write)
        close(stderrPipe.write)
        guard result == 0 else {
            close(stdinPipe.write)
            close(stdoutPipe.read)
            close(stderrPipe.read)
            if result == EMFILE || result == ENFILE { throw outOfDescriptors(label, result) }
            throw failure(label, "cannot start \(executable): \(errnoText(result))")
        }
        return SpawnedChild(pid: pid, stdin: stdinPipe.write, stdout: stdoutPipe.read, stderr: stderrPipe.read)
    }

    /// The absolute path to exec: as given when it contains `/`, else the first executable match
    /// on the child's PATH.
    static func resolveExecutable(_ spec: ProcessSpec) throws(ACPError) -> String {
        let name = spec.executable
        guard !name.isEmpty else { throw failure(name, "empty command") }
        if name.utf8.contains(UInt8(ascii: "/")) {
            let path = name.hasPrefix("/") ? name : currentDirectory() + "/" + name
            guard access(path, X_OK) == 0 else { throw failure(name, "\(path) is not an executable file") }
            return path
        }
        let searchPath = spec.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(directory)/\(name)"
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw failure(name, "command \"\(name)\" not found on the agent's PATH")
    }

    private static func makePipe(_ label: String) throws(ACPError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        let result: Int32
        if let pipe2 = PosixSymbols.pipe2 {
            result = fds.withUnsafeMutableBufferPointer { pipe2($0.baseAddress!, O_CLOEXEC) }
        } else {
            result = fds.withUnsafeMutableBufferPointer { pipe($0.baseAddress!) }
            if result == 0 {
                _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
                _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            }
        }
        guard result == 0 else {
            let code = errno
            if code == EMFILE || code == ENFILE {
                throw outOfDescriptors(label, code)
            }
            throw failure(label, "cannot create a pipe: \(errnoText(code))")
        }
        return (fds[0], fds[1])
    }

    private static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The error of a spawn that found no free file descriptor (EMFILE: acpd's own limit,
    /// ENFILE: the system's): an agent needs three pipes.
    static func outOfDescriptors(_ label: String, _ code: Int32) -> ACPError {
        let whose = code == ENFILE ? "the system has" : "acpd has"
        return ACPError(.sessionInitFailed,
                        message: "the agent could not be started: \(whose) run out of file descriptors (an agent needs three pipes; raise the open-file limit, nofile)",
                        hint: "raise the open-file limit (nofile; `acpd doctor` shows it), lower acp.maxConcurrentSessions or api.maxConnections, or try again when fewer agents or connections are open",
                        detail: "spawn \(label): \(errnoText(code))")
    }

    static func failure(_ label: String, _ reason: String) -> ACPError {
        ACPError(.sessionInitFailed, message: "the agent could not be started: \(reason)",
                 detail: "spawn \(label): \(reason)")
    }
}

/// Calls `body` with a NULL-terminated C array of the strings.
private func withCStringArray<R>(
    _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R
) -> R {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
