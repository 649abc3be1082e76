import Foundation

/// `acpd-bench chaos`: seeded chaos trials against a real `acpd run` through the Telegram and
/// Discord fakes (the http channel's trials are `scripts/crash_trials.py`; `scripts/chaos` runs
/// both). Each trial checks its invariants from the store and the fake; a failing trial prints its
/// violations and seed and keeps its directory. Prints a summary table; exits 1 when a trial failed.
///
/// `acpd-bench chaos [--trials 20] [--seed 1] [--channels telegram,discord] [--only-trial N] [--keep 1]`
/// (`--trials` per channel; `acpd` and `acpd-demo-agent` are taken from beside acpd-bench).
enum ChaosBench {
    static func run(_ arguments: [String]) async throws {
        let options = BenchOptions(arguments)
        let trials = options.int("trials", default: 20)
        let seed = UInt64(options.int("seed", default: 1))
        let only = options.int("only-trial", default: -1)
        let channels = options.string("channels", default: "telegram,discord").split(separator: ",").map(String.init)
        let environment = ChaosEnvironment(acpd: productsDir.appendingPathComponent("acpd").path,
                                           agent: try RouterBench.demoAgentPath(options), keep: options.int("keep", default: 0) != 0)
        guard FileManager.default.isExecutableFile(atPath: environment.acpd) else { throw BenchError("acpd not found at \(environment.acpd)") }
        var rows: [(String, ChaosTally)] = []
        for channel in channels {
            var total = ChaosTally()
            for trial in (only >= 0 ? only..<(only + 1) : 0..<trials) {
                let tally: ChaosTally
                switch channel {
                case "telegram": tally = try await ChaosTelegram.trial(trial, seed: seed, environment: environment)
                case "discord": tally = try await ChaosDiscord.trial(trial, seed: seed, environment: environment)
                default: throw BenchError("unknown channel \(channel) (telegram, discord; http: scripts/crash_trials.py)")
                }
                total.add(tally)
                if tally.failedTrials == 0 {
                    chaosPrint(String(format: "%@ trial %d: ok (%d prompts, %d SIGKILLs, %d faults, %.0f s)", channel, trial, tally.prompts, tally.kills,
                                 tally.faults, tally.seconds))
                }
            }
            rows.append((channel, total))
        }
        chaosPrint(table(rows))
        let failed = rows.reduce(0) { $0 + $1.1.failedTrials }
        let passed = rows.reduce(0) { $0 + $1.1.trials } - failed
        chaosPrint("chaos trials: \(passed) passed, \(failed) failed (--seed \(seed))")
        if failed > 0 { exit(1) }
    }

    /// The summary table (Markdown, so docs/reliability.md can quote it as printed).
    static func table(_ rows: [(String, ChaosTally)]) -> String {
        let header = ["channel", "trials", "actions", "prompts", "runs", "SIGKILLs (in recovery)", "agent kills", "faults", "dup. updates",
                      "presses", "unhandled at a kill", "resent at a kill", "dup. runs", "dup. messages", "misrouted", "lost", "bindings lost", "unreported", "failed", "seconds"]
        var lines = ["| " + header.joined(separator: " | ") + " |", "|" + String(repeating: "---|", count: header.count)]
        for (channel, t) in rows {
            let cells: [String] = [channel, "\(t.trials)", "\(t.actions)", "\(t.prompts)", "\(t.runs)", "\(t.kills) (\(t.recoveryKills))",
                                   "\(t.agentKills)", "\(t.faults)", "\(t.duplicatesInjected)", "\(t.presses)", "\(t.exposed)", "\(t.repeatedAtKill)", "\(t.duplicateRuns)",
                                   "\(t.duplicateMessages)", "\(t.misrouted)", "\(t.lost)", "\(t.lostBindings)", "\(t.unreported)",
                                   "\(t.failedTrials)", String(format: "%.0f", t.seconds)]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}
