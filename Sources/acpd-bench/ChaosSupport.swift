import ACPControlPlane
import Foundation
import Synchronization

/// A deterministic generator (SplitMix64): a chaos trial is a function of its seed.
struct ChaosRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
    /// One of `values`.
    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &self)] }
}

/// What a chaos trial (or a campaign of them) did and found.
struct ChaosTally {
    var trials = 0, actions = 0, prompts = 0, runs = 0
    var kills = 0, recoveryKills = 0, agentKills = 0
    var faults = 0, duplicatesInjected = 0, presses = 0
    /// Discord: prompts a SIGKILL caught before the bot showed anything (gone with the gateway session).
    var exposed = 0
    /// Telegram: messages sent again after a SIGKILL right after Telegram created them (no idempotent send).
    var repeatedAtKill = 0
    var duplicateRuns = 0, duplicateMessages = 0, misrouted = 0, lost = 0, lostBindings = 0, unreported = 0
    var failedTrials = 0
    var seconds = 0.0
    var violations: [String] = []

    mutating func add(_ other: ChaosTally) {
        trials += other.trials; actions += other.actions; prompts += other.prompts; runs += other.runs
        kills += other.kills; recoveryKills += other.recoveryKills; agentKills += other.agentKills
        faults += other.faults; duplicatesInjected += other.duplicatesInjected; presses += other.presses; exposed += other.exposed; repeatedAtKill += other.repeatedAtKill
        duplicateRuns += other.duplicateRuns; duplicateMessages += other.duplicateMessages; misrouted += other.misrouted
        lost += other.lost; lostBindings += other.lostBindings; unreported += other.unreported
        failedTrials += other.failedTrials; seconds += other.seconds
    }

    /// A violation: counted in `counter` and described.
    mutating func violation(_ counter: WritableKeyPath<ChaosTally, Int>?, _ text: String) {
        if let counter { self[keyPath: counter] += 1 }
        violations.append(text)
    }
}

/// Where the products are and what the campaign keeps.
struct ChaosEnvironment: Sendable {
    var acpd: String
    var agent: String
    var keep: Bool
}

/// One `acpd run` of a trial, started and SIGKILLed at will on the same directory and store.
final class ChaosDaemon {
    let directory: URL
    let acpd: String
    private(set) var process: Process?
    private let log: FileHandle

    init(acpd: String, directory: URL) throws {
        self.acpd = acpd
        self.directory = directory
        let path = directory.appendingPathComponent("acpd.log")
        if !FileManager.default.fileExists(atPath: path.path) { _ = FileManager.default.createFile(atPath: path.path, contents: nil) }
        log = try FileHandle(forWritingTo: path)
        log.seekToEndOfFile()
    }

    /// Starts `acpd run` on `<directory>/acpd.yaml`.
    func start() throws {
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: acpd)
        daemon.arguments = ["run", "--config", directory.appendingPathComponent("acpd.yaml").path]
            + (ProcessInfo.processInfo.environment["ACPD_CHAOS_DEBUG"] != nil ? ["--verbose"] : [])
        daemon.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["ACPD_CONFIG"] = nil
        daemon.environment = environment
        daemon.standardOutput = log
        daemon.standardError = log
        daemon.standardInput = FileHandle.nullDevice
        try daemon.run()
        process = daemon
    }

    var isRunning: Bool { process?.isRunning ?? false }

    /// SIGKILL, and waits for the exit.
    func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM; the exit status (nil: still running after `seconds`, then killed).
    func stop(within seconds: Double = 60) async -> Int32? {
        guard let process else { return nil }
        if process.isRunning { process.terminate() }
        let deadline = monotonicSeconds() + seconds
        while process.isRunning, monotonicSeconds() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill()
            return nil
        }
        return process.terminationStatus
    }

    /// The demo agents of this trial (their command line names the trial's directory).
    func agentProcesses() -> [Int32] { Self.agentProcesses(of: directory.path) }

    static func agentProcesses(of directory: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found: [Int32] = []
        for entry in entries {
            guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let argv = String(decoding: data, as: UTF8.self)
            // A zombie's cmdline is empty; a live agent names its binary and the trial's directory.
            if argv.contains("acpd-demo-agent"), argv.contains(directory) { found.append(pid) }
        }
        return found
    }
}

/// A TCP port on 127.0.0.1 below Linux's ephemeral range that binds now: acpd is restarted on
/// the same port after each kill, and an ephemeral port may meanwhile be taken by some other
/// connection's source port.
func chaosPort(_ rng: inout ChaosRandom) throws -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 20000...32000, using: &rng)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { continue }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if bound { return port }
    }
    throw BenchError("no free port below the ephemeral range")
}

/// The store of a stopped trial, read for the invariants.
struct ChaosStoreView {
    var runs: [RunRecord] = []
    var activeBindings: [BindingRecord] = []
    var integrity: [String] = []

    /// Reads the store of `directory` (acpd must not be running); `integrity`: run the full check.
    init(directory: URL, integrity check: Bool = true) throws {
        let store = try ControlPlaneStore(path: directory.appendingPathComponent("state/acpd.sqlite").path, integrity: .none, readOnly: true)
        defer { try? store.close() }
        if check { integrity = try store.integrityProblems() }
        for session in try store.sessions(limit: 100_000) {
            runs += try store.runs(session: session.key, limit: 100_000)
        }
        activeBindings = try store.bindings(activeOnly: true)
    }

    /// The runs whose prompt contains `marker`.
    func runs(containing marker: String) -> [RunRecord] {
        runs.filter { run in run.prompt.contains { if case .text(let text) = $0 { text.contains(marker) } else { false } } }
    }
}

/// The checks every channel's trial makes from the store after acpd stopped, and the process
/// table: nothing left queued or running, integrity ok, no agent outlives the trial.
func chaosCommonChecks(_ view: ChaosStoreView, daemon: ChaosDaemon, exitCode: Int32?, tally: inout ChaosTally) async {
    if exitCode != 0 { tally.violation(nil, "acpd exited \(exitCode.map(String.init) ?? "only when killed") on SIGTERM") }
    if !view.integrity.isEmpty { tally.violation(nil, "integrity_check: \(view.integrity.prefix(3))") }
    let stuck = view.runs.filter { $0.state == .queued || $0.state == .running }
    if !stuck.isEmpty { tally.violation(nil, "\(stuck.count) runs still queued or running: \(stuck.map(\.id))") }
    let deadline = monotonicSeconds() + 5
    while !daemon.agentProcesses().isEmpty, monotonicSeconds() < deadline { try? await Task.sleep(for: .milliseconds(100)) }
    let left = daemon.agentProcesses()
    if !left.isEmpty { tally.violation(nil, "agent processes outlive the trial: \(left)") }
}

/// Whether acpd has nothing left to do, read from its store while it runs (a WAL reader does not
/// block it): no run queued or running, no run whose delivery is behind its events. Telegram's
/// pacing can hold a message for up to a minute (20 a minute per group), longer than any quiet
/// spell the fake alone could be asked for.
func chaosIdle(_ directory: URL) -> Bool {
    guard let store = try? ControlPlaneStore(path: directory.appendingPathComponent("state/acpd.sqlite").path, integrity: .none,
                                             readOnly: true) else { return false }
    defer { try? store.close() }
    guard let pending = try? store.pendingDeliveries(), pending.isEmpty, let sessions = try? store.sessions(limit: 100_000) else { return false }
    return sessions.allSatisfy { (try? store.activeRuns(session: $0.key).isEmpty) == true }
}

/// Waits until `snapshot` stays the same for `quiet` seconds (at most `seconds`); `poke` runs each round.
func chaosSettle(within seconds: Double, quiet: Double = 2, _ snapshot: () async -> String, poke: () async throws -> Void) async throws -> Bool {
    let deadline = monotonicSeconds() + seconds
    var last = await snapshot()
    var since = monotonicSeconds()
    while monotonicSeconds() < deadline {
        try await poke()
        try await Task.sleep(for: .milliseconds(100))
        let now = await snapshot()
        if now != last {
            last = now
            since = monotonicSeconds()
        } else if monotonicSeconds() - since >= quiet {
            return true
        }
    }
    return false
}

/// The running trial's actions, as they happen: printed at once with `ACPD_CHAOS_DEBUG`, and
/// with a failing trial's violations always.
let chaosTraceLines = Mutex<[String]>([])

/// Notes one action of the running trial (see `chaosTraceLines`).
func chaosTrace(_ line: @autoclosure () -> String) {
    let stamped = String(format: "%.3f ", monotonicSeconds().truncatingRemainder(dividingBy: 1000)) + line()
    chaosTraceLines.withLock { $0.append(stamped) }
    if ProcessInfo.processInfo.environment["ACPD_CHAOS_DEBUG"] != nil { chaosPrint(stamped) }
}

/// Hands out the running trial's trace and starts a new one.
func chaosTakeTrace() -> [String] { chaosTraceLines.withLock { lines in defer { lines = [] }; return lines } }

/// Prints `line` at once (unbuffered: a long campaign shows its progress through a pipe).
func chaosPrint(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Ends a trial of `channel`: its time; with violations, the trial counts as failed and its
/// violations and trace are printed (its directory kept); else its directory goes unless `keep`.
func chaosFinishTrial(_ tally: inout ChaosTally, channel: String, number: Int, seed: UInt64, directory: URL, keep: Bool,
                      started: Double) {
    let trace = chaosTakeTrace()
    tally.seconds = monotonicSeconds() - started
    if !tally.violations.isEmpty {
        tally.failedTrials = 1
        chaosPrint("\(channel) trial \(number) (--seed \(seed)): FAILED, kept in \(directory.path)")
        for violation in tally.violations { chaosPrint("  - \(violation)") }
        chaosPrint("  trace:")
        for line in trace { chaosPrint("    \(line)") }
    } else if !keep {
        try? FileManager.default.removeItem(at: directory)
    }
}
