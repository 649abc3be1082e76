/// `access.shell`: `/acp run`, a guarded shell for operators (CONTRACT.md §3, §4). Off unless
/// `enabled`; every number is clamped to its `ConfigLimits` range where it is used.
public struct ShellConfig: Sendable, Equatable {
    /// The deny patterns of CONTRACT.md §3, used when `denyPatterns` is not given.
    public static let defaultDenyPatterns = ["rm -rf", "| sh", "| bash", "sudo ", "mkfs", "dd if=", ":(){"]

    /// `false` (the default): `/acp run` answers that the shell is disabled.
    public var enabled: Bool
    /// The time limit of a command without `--timeout`.
    public var timeoutSeconds: Int
    /// The longest `--timeout` allowed.
    public var maxTimeoutSeconds: Int
    /// Output beyond this many bytes is cut, with a notice.
    public var maxOutputBytes: Int
    /// Empty: any command that no deny pattern matches; else the command must start with one.
    public var allowPrefixes: [String]
    /// A command containing one of these (case-insensitively, whitespace runs read as one space) is refused.
    public var denyPatterns: [String]

    /// `maxTimeoutSeconds` clamped to `ConfigLimits.shellTimeoutSeconds`.
    public var effectiveMaxTimeoutSeconds: Int { ConfigLimits.clamp(maxTimeoutSeconds, to: ConfigLimits.shellTimeoutSeconds) }

    /// The time limit without `--timeout`: `timeoutSeconds`, clamped, and at most the maximum.
    public var defaultTimeoutSeconds: Int {
        min(ConfigLimits.clamp(timeoutSeconds, to: ConfigLimits.shellTimeoutSeconds), effectiveMaxTimeoutSeconds)
    }

    /// Shell settings; the defaults are those of CONTRACT.md §3.
    public init(enabled: Bool = false, timeoutSeconds: Int = 30, maxTimeoutSeconds: Int = 120, maxOutputBytes: Int = 8192,
                allowPrefixes: [String] = [], denyPatterns: [String] = ShellConfig.defaultDenyPatterns) {
        self.enabled = enabled
        self.timeoutSeconds = timeoutSeconds
        self.maxTimeoutSeconds = maxTimeoutSeconds
        self.maxOutputBytes = maxOutputBytes
        self.allowPrefixes = allowPrefixes
        self.denyPatterns = denyPatterns
    }
}

extension ConfigLimits {
    /// `access.shell.timeoutSeconds` and `maxTimeoutSeconds`: a second to an hour.
    public static let shellTimeoutSeconds = 1...3_600
    /// `access.shell.maxOutputBytes`: 64 bytes to a mebibyte.
    public static let shellMaxOutputBytes = 64...1_048_576
}

extension ACPDConfigSchema {
    /// `access.shell`.
    static let shell: ConfigSchema = object("`/acp run`: a guarded shell for operators (owners only, `--yes`, the secret when set). Off unless enabled.", [
        optional("enabled", bool("`true`: owners may run shell commands from chat with `/acp run --yes <command>`.", false)),
        optional("timeoutSeconds", integer("A command's time limit without `--timeout` (at most `maxTimeoutSeconds`: a larger value is lowered to it); at the limit it is killed with its process group.", 30, ConfigLimits.shellTimeoutSeconds)),
        optional("maxTimeoutSeconds", integer("The longest `--timeout` a command may ask for.", 120, ConfigLimits.shellTimeoutSeconds)),
        optional("maxOutputBytes", integer("Output (stdout and stderr together) beyond this many bytes is cut, with a notice.", 8192, ConfigLimits.shellMaxOutputBytes)),
        optional("allowPrefixes", ConfigSchema(.array(string(.nonEmpty, "A command prefix."), minItems: 0),
                                               doc: "`[]` = any command no deny pattern matches; else the command must start with one of these and may not chain another (`;`, `&`, `|`, `` ` ``, `$(`, redirections, newlines).",
                                               default: .array([]))),
        optional("denyPatterns", ConfigSchema(.array(string(.nonEmpty, "A pattern."), minItems: 0),
                                              doc: "A command containing one of these (case-insensitive; runs of whitespace count as one space) is refused. A tripwire against accidents, not a sandbox.",
                                              default: .array(ShellConfig.defaultDenyPatterns.map(ConfigValue.string)))),
    ])
}

extension ConfigBuilder {
    /// `access.shell` (a `timeoutSeconds` above `maxTimeoutSeconds` is not an error: the maximum
    /// wins where they are used, `ShellConfig.defaultTimeoutSeconds`).
    func buildShell(_ value: ConfigValue?) -> ShellConfig {
        guard let value else { return ShellConfig() }
        return ShellConfig(
            enabled: value["enabled"]?.boolean ?? false,
            timeoutSeconds: value["timeoutSeconds"]?.integer ?? 30,
            maxTimeoutSeconds: value["maxTimeoutSeconds"]?.integer ?? 120,
            maxOutputBytes: value["maxOutputBytes"]?.integer ?? 8192,
            allowPrefixes: value["allowPrefixes"]?.strings ?? [],
            denyPatterns: value["denyPatterns"]?.strings ?? ShellConfig.defaultDenyPatterns)
    }
}
