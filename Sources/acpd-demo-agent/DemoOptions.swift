import Foundation

/// The command-line flags of the demo agent (see docs/demo-agent.md, "Flags").
struct DemoOptions: Sendable {
    var stateDir: String?
    var requireAuth = false
    var loadSession = true
    var initDelayMilliseconds: Int = 0
    var protocolVersion: Int64 = 1
    /// Advertise `promptCapabilities.image` (`--image`).
    var acceptsImages = false
    /// Modes, a model option, usage after turns (`--modes`, `ACPD_DEMO_MODES=1`; see Modes.swift).
    var modes = false
    /// `--mode-option`: `--modes`, and the modes offered as a config option `mode` too.
    var modeOption = false
    /// Advertise and serve `session/resume` / `session/close` (`--resume`, `--close`, or `ACPD_DEMO_RESUME=1`, `ACPD_DEMO_CLOSE=1`).
    var resume = false
    var close = false

    static let usage = """
        usage: acpd-demo-agent [--state-dir DIR] [--require-auth] [--no-load] [--init-delay MS] [--protocol-version N] [--image] [--modes] [--mode-option] [--resume] [--close]
        A deterministic ACP agent on stdio; see docs/demo-agent.md.
        """

    /// Parses `arguments` (without the program name). Throws a message for bad usage.
    static func parse(_ arguments: [String], environment: [String: String]) throws(UsageError) -> DemoOptions {
        var options = DemoOptions()
        var rest = arguments[...]
        func value(for flag: String) throws(UsageError) -> String {
            guard let next = rest.popFirst() else { throw UsageError(message: "\(flag) needs a value") }
            return next
        }
        func integer(for flag: String, in range: ClosedRange<Int64>) throws(UsageError) -> Int64 {
            let text = try value(for: flag)
            guard let number = Int64(text), range.contains(number) else {
                throw UsageError(message: "\(flag): '\(text)' is not an integer in \(range)")
            }
            return number
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--state-dir": options.stateDir = try value(for: argument)
            case "--require-auth": options.requireAuth = true
            case "--no-load": options.loadSession = false
            case "--image": options.acceptsImages = true
            case "--modes": options.modes = true
            case "--mode-option": options.modeOption = true
            case "--resume": options.resume = true
            case "--close": options.close = true
            case "--init-delay": options.initDelayMilliseconds = Int(try integer(for: argument, in: 0...3_600_000))
            case "--protocol-version": options.protocolVersion = try integer(for: argument, in: 0...65535)
            case "-h", "--help": throw UsageError(message: nil)
            default: throw UsageError(message: "unknown argument '\(argument)'")
            }
        }
        if environment["ACPD_DEMO_MODES"] == "1" { options.modes = true }
        if environment["ACPD_DEMO_RESUME"] == "1" { options.resume = true }
        if environment["ACPD_DEMO_CLOSE"] == "1" { options.close = true }
        if options.stateDir == nil, let env = environment["ACPD_DEMO_STATE_DIR"], !env.isEmpty {
            options.stateDir = env
        }
        return options
    }

    /// The directory holding the histories of sessions whose `cwd` is `sessionCwd`.
    func stateDirectory(sessionCwd: String) -> URL {
        if let stateDir { return URL(fileURLWithPath: stateDir, isDirectory: true) }
        return URL(fileURLWithPath: sessionCwd, isDirectory: true).appendingPathComponent(".acpd-demo", isDirectory: true)
    }
}

/// Bad command-line usage; `message == nil` means `--help`.
struct UsageError: Error {
    let message: String?
}
