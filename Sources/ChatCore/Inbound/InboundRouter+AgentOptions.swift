import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/acp mode|set|model|options|reset-options|permissions|timeout|commands` (CONTRACT.md §4):
/// the agent's modes and config options (only ids and values the agent offered), acpd's
/// per-session overrides, and the agent's own slash commands. Each acts on the session bound here.
extension InboundRouter {
    func agentMode(_ id: String?, _ context: CommandContext) async throws -> InboundOutcome {
        let key = try await boundSession(context)
        let result = try await manager.agentControlState(key)
        // ACP: config options supersede modes; an agent that offers a `mode` option is switched by it.
        if let option = result.state.configOptions.first(where: { $0.category == "mode" }) {
            guard let id else { return ok(with(result.notices, Self.values(of: option, command: "/acp mode"))) }
            let set = try await manager.setAgentConfigOption(key, optionId: option.id, value: id)
            return ok(with(result.notices + set.notices, Self.setReply(option.id, id, set.state)))
        }
        guard let id else {
            let state = result.state
            guard !state.modes.isEmpty else { return ok(with(result.notices, "the agent offers no modes")) }
            var lines = ["modes of the agent (→ current):"]
            for mode in state.modes {
                let marker = mode.id == state.currentModeId ? "→" : "-"
                lines.append("\(marker) \(mode.id): \(mode.name)\(mode.description.map { " — \($0)" } ?? "")")
            }
            lines.append("switch with /acp mode <id>")
            return ok(with(result.notices, lines.joined(separator: "\n")))
        }
        let set = try await manager.setAgentMode(key, modeId: id)
        let name = set.state.modes.first { $0.id == id }?.name
        return ok(with(result.notices + set.notices, "mode \(id)\(name.map { " (\($0))" } ?? "")"))
    }

    func agentSet(_ optionId: String?, _ value: String?, _ context: CommandContext) async throws -> InboundOutcome {
        let key = try await boundSession(context)
        guard let optionId, let value else {
            let result = try await manager.agentControlState(key)
            let options = result.state.configOptions
            guard let optionId else {
                guard !options.isEmpty else { return ok(with(result.notices, "the agent offers no config options")) }
                var lines = ["config options of the agent:"]
                for option in options { lines.append(Self.describe(option)) }
                lines.append("set one with /acp set <option> <value>")
                return ok(with(result.notices, lines.joined(separator: "\n")))
            }
            guard let option = options.first(where: { $0.id == optionId }) else { throw Self.notOffered(optionId, options) }
            return ok(with(result.notices, Self.values(of: option, command: "/acp set \(option.id)")))
        }
        let result = try await manager.setAgentConfigOption(key, optionId: optionId, value: value)
        return ok(with(result.notices, Self.setReply(optionId, value, result.state)))
    }

    func agentModel(_ value: String?, _ context: CommandContext) async throws -> InboundOutcome {
        let key = try await boundSession(context)
        let result = try await manager.agentControlState(key)
        guard let option = result.state.configOptions.first(where: { $0.category == "model" }) else {
            throw ACPError(.invalidArgument, message: "the agent offers no model option", hint: "see /acp set for the options it offers")
        }
        guard let value else { return ok(with(result.notices, Self.values(of: option, command: "/acp model"))) }
        let set = try await manager.setAgentConfigOption(key, optionId: option.id, value: value)
        return ok(with(result.notices + set.notices, Self.setReply(option.id, value, set.state)))
    }

    func agentOptions(_ context: CommandContext) async throws -> InboundOutcome {
        let key = try await boundSession(context)
        let status = try await manager.agentOptions(key)
        var lines = ["options of \(key):"]
        lines += Self.overrideLines(status)
        lines += Self.choiceLines(status)
        return ok(lines.joined(separator: "\n"))
    }

    func resetAgentOptions(_ context: CommandContext) async throws -> InboundOutcome {
        let key = try await boundSession(context)
        let result = try await manager.resetOptions(key)
        var text = "options of \(key) reset to config"
        if !result.restored.isEmpty { text += "; the agent is back to \(result.restored.joined(separator: ", "))" }
        if result.agentKeepsChoices { text += "; the running agent keeps its current mode and options until /new" }
        return ok(text)
    }

    func setPermissionOverride(_ mode: PermissionMode, _ context: CommandContext) async throws -> InboundOutcome {
        let key = try await boundSession(context)
        try await manager.setOverrides(key, permissionMode: mode)
        return ok("permissions \(mode.rawValue) for \(key) (config: \(config.acp.permissions.mode.rawValue))")
    }

    func setTimeoutOverride(_ seconds: Int, _ context: CommandContext) async throws -> InboundOutcome {
        let key = try await boundSession(context)
        try await manager.setOverrides(key, turnTimeoutSeconds: seconds)
        return ok("turn timeout \(seconds) s for \(key) from its next run (config: \(config.acp.turnTimeoutSeconds) s)")
    }

    func agentCommands(_ context: CommandContext) async throws -> InboundOutcome {
        let key = try await boundSession(context)
        let status = try await manager.agentOptions(key)
        guard let commands = status.live?.commands ?? status.options.commands else {
            return ok("the agent has not reported any commands yet (it does once it runs)")
        }
        guard !commands.isEmpty else { return ok("the agent offers no commands") }
        var lines = ["the agent's commands (send them as a message):"]
        for command in commands {
            lines.append("/\(command.name)\(command.inputHint.map { " <\($0)>" } ?? "") — \(command.description)")
        }
        return ok(lines.joined(separator: "\n"))
    }

    /// The lines `/acp status` adds: mode, options, overrides, usage.
    func agentStatusLines(_ key: SessionKey) async -> [String] {
        guard let status = try? await manager.agentOptions(key) else { return [] }
        var lines: [String] = []
        if let live = status.live {
            if let mode = live.currentModeId { lines.append("agent mode: \(mode)") }
            if !live.configOptions.isEmpty {
                lines.append("agent options: " + live.configOptions.map { "\($0.id)=\($0.currentValue)" }.joined(separator: ", "))
            }
        } else {
            if let mode = status.options.modeId { lines.append("agent mode: \(mode) (chosen)") }
            if !status.options.config.isEmpty {
                lines.append("agent options: " + status.options.config.map { "\($0.id)=\($0.value)" }.joined(separator: ", ") + " (chosen)")
            }
        }
        var overrides: [String] = []
        if let mode = status.options.permissionMode { overrides.append("permissions \(mode.rawValue)") }
        if let seconds = status.options.turnTimeoutSeconds { overrides.append("turn timeout \(seconds) s") }
        if !overrides.isEmpty { lines.append("overrides: " + overrides.joined(separator: ", ")) }
        if let usage = Self.usageLine(status.options) { lines.append(usage) }
        return lines
    }

    // MARK: Text

    private func with(_ notices: [String], _ text: String) -> String {
        ([text] + notices).joined(separator: "\n")
    }

    static func describe(_ option: AgentConfigOption) -> String {
        let category = option.category.map { ", \($0)" } ?? ""
        let values = option.values.map(\.value).joined(separator: ", ")
        return "- \(option.id) (\(option.name)\(category)): \(option.currentValue); values: \(values)"
    }

    static func values(of option: AgentConfigOption, command: String) -> String {
        var lines = ["\(option.id) (\(option.name)) values (→ current):"]
        for value in option.values {
            let marker = value.value == option.currentValue ? "→" : "-"
            lines.append("\(marker) \(value.value): \(value.name)\(value.description.map { " — \($0)" } ?? "")")
        }
        lines.append("pick one with \(command) <value>")
        return lines.joined(separator: "\n")
    }

    static func setReply(_ optionId: String, _ value: String, _ state: AgentSessionState) -> String {
        let option = state.configOptions.first { $0.id == optionId }
        let name = option?.values.first { $0.value == value }?.name
        var text = "\(optionId) = \(value)\(name.map { " (\($0))" } ?? "")"
        if let current = option?.currentValue, current != value { text += "; the agent reports \(current)" }
        return text
    }

    static func notOffered(_ optionId: String, _ options: [AgentConfigOption]) -> ACPError {
        ACPError(.invalidArgument, message: "the agent offers no option \(optionId)",
                 hint: "offered: \(options.map(\.id).joined(separator: ", "))")
    }

    static func overrideLines(_ status: AgentOptionsStatus) -> [String] {
        let permissionSource = status.options.permissionMode == nil ? "config" : "override"
        let timeoutSource = status.options.turnTimeoutSeconds == nil ? "config" : "override"
        var lines = ["permissions: \(status.permissionMode.rawValue) (\(permissionSource))",
                     "turn timeout: \(status.turnTimeoutSeconds) s (\(timeoutSource))"]
        if !status.backendSupportsControls {
            lines.append("the \(status.backend) backend cannot switch the agent's modes or options from chat")
        }
        return lines
    }

    static func choiceLines(_ status: AgentOptionsStatus) -> [String] {
        var lines: [String] = []
        let live = status.live
        if let mode = status.options.modeId {
            lines.append("mode: \(mode) (chosen\(live?.currentModeId.map { $0 == mode ? "" : "; the agent is in \($0)" } ?? ""))")
        } else if let current = live?.currentModeId {
            lines.append("mode: \(current) (the agent's default)")
        }
        for choice in status.options.config {
            let reported = live?.configOptions.first { $0.id == choice.id }?.currentValue
            lines.append("\(choice.id) = \(choice.value) (chosen\(reported.map { $0 == choice.value ? "" : "; the agent reports \($0)" } ?? ""))")
        }
        for option in live?.configOptions ?? [] where status.options.value(of: option.id) == nil {
            lines.append("\(option.id) = \(option.currentValue) (the agent's default)")
        }
        if live == nil { lines.append("the agent is not running; chosen values are applied when it starts") }
        return lines
    }

    static func usageLine(_ options: SessionOptions) -> String? {
        guard let usage = options.usage else { return nil }
        var text = "usage: \(usage.used)/\(usage.size) tokens in context"
        if let amount = usage.costAmount, let currency = usage.costCurrency {
            text += ", cost \(money(amount)) \(currency) this agent session"
            if let total = options.totalCost, total != amount { text += ", \(money(total)) \(currency) in all" }
        }
        return text
    }

    private static func money(_ amount: Double) -> String {
        let cents = (amount * 10_000).rounded() / 10_000
        return "\(cents)"
    }
}
