import ACPControlPlane
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Doctor's agent checks: the command resolves, the agent answers `initialize` (and creates a
/// session), and with `--smoke` one prompt turn ends.
struct AgentChecks: Sendable {
    let config: ACPDConfig
    let registry: BackendRegistry
    let smoke: Bool
    /// How long one agent may take to start, initialise and create a session.
    var initializeTimeout: Double = 30
    /// How long the smoke prompt may take.
    var smokeTimeout: Double = 60

    static let smokePrompt = "acpd doctor smoke test"

    /// The checks of every declared agent, in id order.
    func run() async -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        for agentId in config.agents.keys.sorted() {
            guard let agent = config.agents[agentId] else { continue }
            let resolved = resolve(agent)
            checks.append(resolved)
            guard resolved.status != .fail else {
                checks.append(.skip("agent \(agentId) initialize", "not tried: its command does not resolve"))
                continue
            }
            checks.append(contentsOf: await probe(agent))
        }
        return checks
    }

    /// Whether the agent's command resolves on the PATH it would get (the passthrough PATH,
    /// overridden by `agents.<id>.env.PATH`), the way the spawner resolves it.
    func resolve(_ agent: AgentConfig) -> DoctorCheck {
        let name = "agent \(agent.id) command"
        if agent.backend == "acpx" {
            let acpx = config.acpxCommand
            return locate(acpx, path: agentPath(agent)).map { .pass(name, "backend acpx: \(acpx) → \($0)") }
                ?? .fail(name, "backend acpx: \"\(acpx)\" not found on PATH",
                         hint: "install acpx or set acpx.command to its path")
        }
        guard let executable = agent.command.first, !executable.isEmpty else {
            return .fail(name, "empty command", hint: "set agents.\(agent.id).command to the agent's argv")
        }
        if let found = locate(executable, path: agentPath(agent)) {
            return .pass(name, "\(executable) → \(found)")
        }
        let where_ = executable.utf8.contains(UInt8(ascii: "/")) ? "is not an executable file" : "not found on the agent's PATH"
        return .fail(name, "\"\(executable)\" \(where_)",
                     hint: "install the agent, or set agents.\(agent.id).command to its absolute path (or agents.\(agent.id).env.PATH)")
    }

    private func agentPath(_ agent: AgentConfig) -> String {
        let host = ProcessInfo.processInfo.environment
        if let own = agent.env["PATH"] { return own }
        if config.acp.envPassthrough.contains("PATH"), let path = host["PATH"] { return path }
        return "/usr/local/bin:/usr/bin:/bin"
    }

    private func locate(_ executable: String, path: String) -> String? {
        let files = FileManager.default
        if executable.utf8.contains(UInt8(ascii: "/")) {
            let full = executable.hasPrefix("/") ? executable : files.currentDirectoryPath + "/" + executable
            return files.isExecutableFile(atPath: full) ? full : nil
        }
        for directory in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(directory)/\(executable)"
            var isDirectory = false
            if files.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory,
               files.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }

    /// Starts the agent through its backend on a throwaway key in a temp directory (initialize +
    /// session/new), optionally runs the smoke prompt, and always closes it.
    private func probe(_ agent: AgentConfig) async -> [DoctorCheck] {
        let name = "agent \(agent.id) initialize"
        let runtime: any AgentRuntime
        do { runtime = try await registry.requireHealthy(agent.backend) } catch {
            let why = error.detail.map { ": \($0)" } ?? ""
            return [.fail(name, "backend \(agent.backend): \(error.message)\(why)", hint: error.hint ?? "")]
        }
        guard let key = SessionKey.spawned(agentId: agent.id, uuid: UUID().uuidString) else {
            return [.fail(name, "agent id cannot form a session key", hint: "rename the agent (letters, digits, - and _)")]
        }
        let cwd = FileManager.default.temporaryDirectory.appendingPathComponent("acpd-doctor-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: cwd, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: cwd) }
        let request = EnsureSessionRequest(sessionKey: key, agent: agent.spec, cwd: cwd.path, mode: .oneshot,
                                           envPassthrough: config.acp.envPassthrough)
        var checks: [DoctorCheck] = []
        do {
            let session = try await withTimeLimit(initializeTimeout) {
                do { return try await runtime.ensureSession(request) } catch { throw error }
            }
            checks.append(.pass(name, describe(session.capabilities)))
            if smoke { checks.append(await smokeTurn(agent, runtime: runtime, session: session)) }
        } catch let error as ACPError {
            checks.append(.fail(name, error.message, hint: error.hint ?? ""))
        } catch {
            checks.append(.fail(name, "no answer within \(Int(initializeTimeout)) s",
                                hint: "run `acpd prompt --agent \(agent.id) --verbose hello` to see the agent's output"))
        }
        await runtime.close(sessionKey: key, reason: .oneshotDone)
        return checks
    }

    private func describe(_ capabilities: RuntimeCapabilities) -> String {
        let who = [capabilities.agentName, capabilities.agentVersion].compactMap { $0 }.joined(separator: " ")
        var parts = ["\(who.isEmpty ? "unnamed agent" : who), protocol v\(capabilities.protocolVersion)"]
        var features: [String] = []
        if capabilities.loadSession { features.append("loadSession") }
        if capabilities.prompt.image { features.append("image") }
        if capabilities.prompt.audio { features.append("audio") }
        if capabilities.prompt.embeddedContext { features.append("embeddedContext") }
        parts.append("capabilities: \(features.isEmpty ? "none" : features.joined(separator: ", "))")
        if !capabilities.authMethods.isEmpty { parts.append("auth: \(capabilities.authMethods.joined(separator: ", "))") }
        return parts.joined(separator: "; ")
    }

    private func smokeTurn(_ agent: AgentConfig, runtime: any AgentRuntime, session: EnsuredSession) async -> DoctorCheck {
        let name = "agent \(agent.id) smoke prompt"
        let outcome: DoctorCheck
        do {
            outcome = try await withTimeLimit(smokeTimeout) {
                var characters = 0
                for await event in runtime.runTurn(session.handle, prompt: [.text(Self.smokePrompt)], runId: RunID()) {
                    switch event {
                    case .text(let delta): characters += delta.text.count
                    case .permissionRequest(let request): await request.reply(.cancelled)
                    case .done(let reason):
                        return .pass(name, "turn ended: \(reason.wire), \(characters) characters of output")
                    case .failed(let error, _):
                        return .fail(name, error.message, hint: error.hint ?? "")
                    default: break
                    }
                }
                return .fail(name, "the turn ended without a result", hint: "run `acpd prompt --agent \(agent.id) --verbose hello`")
            }
        } catch {
            await runtime.cancel(session.handle)
            outcome = .fail(name, "the turn did not end within \(Int(smokeTimeout)) s",
                            hint: "run `acpd prompt --agent \(agent.id) --verbose hello` to see where it stops")
        }
        return outcome
    }
}
