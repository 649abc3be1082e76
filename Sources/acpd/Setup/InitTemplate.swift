import JSONKit

/// The commented config `acpd init` writes: one agent, the store under `stateDir`, no chat
/// accounts yet (`acpd setup telegram|discord` adds them), and pointers to the full example.
enum InitTemplate {
    /// The file for `agent`, whose sessions start in `./workspace` beside it.
    static func yaml(agent: AgentPreset, commandLine: String) -> String {
        let argv = agent.command.map { JSONValue.string($0).jsonText(options: [.withoutEscapingSlashes]) }.joined(separator: ", ")
        return """
            # acpd config, written by `\(commandLine)`.
            # `acpd config validate` checks it, `acpd config example` prints every key with comments,
            # docs/config.md describes them. ${NAME} is replaced by the environment variable NAME.

            stateDir: ./.acpd                # SQLite store: <stateDir>/acpd.sqlite (relative to this file)

            acp:
              defaultAgent: \(agent.id)
              permissions:
                mode: ask                    # ask | approve-reads | approve-all | deny-all
              env: { passthrough: [PATH, HOME, LANG] }  # only these (plus agents.<id>.env) reach agents

            agents:
              \(agent.id):
                command: [\(argv)]
                cwd: ./workspace             # default cwd of its sessions (relative to this file)

            # Which chat conversations go to which agent. `acpd setup telegram` and
            # `acpd setup discord` add one for the chat you pick.
            bindings: []

            access:
              owners: []                     # e.g. "telegram:123" (`acpd setup … --owner-from-sender` adds you)
              unknownSenders: strict         # strict (ignored) | request_approval | public

            """
    }
}
