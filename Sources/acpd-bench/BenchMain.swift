import RuntimeBackends
import Foundation

/// `acpd-bench`: the benchmark harness. Run in release: `swift run -c release acpd-bench <name> [args]`.
/// Results are printed as text; docs/benchmarks.md records them with the command that produced them.
@main
enum BenchMain {
    static let benches: [(name: String, summary: String, run: @Sendable ([String]) async throws -> Void)] = [
        ("ndjson", "NDJSON framing + decode of session/update lines, vs the Python SDK", NDJSONBench.run),
        ("turns", "turn overhead of the stdio backend with the demo agent", TurnBench.run),
        ("store", "control-plane store: event append, recovery, memory per actor", StoreBench.run(arguments:)),
        ("router", "inbound → session/prompt and chunk → delivered latency through router and delivery", RouterBench.run),
        ("split", "splitting a long final answer to a channel's limit (TextSplitter)", SplitBench.run),
        ("flood", "one agent streaming 100k chunks while another conversation posts: its latency, the flood's rate, CPU", FloodBench.run),
        ("sessions", "N conversations prompted at once: acpd RSS, threads, fds, time to complete", SessionsBench.run),
        ("telegram", "10 forum topics streaming at once through acpd run under Telegram's flood limits", TelegramBench.run),
        ("discord", "10 threads of one channel streaming at once through acpd run under the fake Discord's buckets", DiscordBench.run),
        ("soak", "mixed traffic on 50 conversations with agents restarting: acpd's RSS, fds, threads, store size sampled; flat after warm-up", SoakBench.run),
        ("chaos", "seeded chaos trials through the Telegram and Discord fakes: SIGKILLs, agent kills, faults; invariants checked", ChaosBench.run),
    ]

    static func main() async {
        GlobalExecutor.useEventLoops()  // as `acpd` does (ACPD_NIO_EXECUTOR=0 leaves the runtime's pool)
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let bench = benches.first(where: { $0.name == name }) else {
            print("usage: acpd-bench <bench> [options]\n")
            for bench in benches { print("  \(bench.name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(bench.summary)") }
            exit(arguments.isEmpty ? 0 : 2)
        }
        do {
            try await bench.run(Array(arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("acpd-bench \(name): \(error)\n".utf8))
            exit(1)
        }
    }
}

/// Options of the form `--name value` with defaults.
struct BenchOptions {
    private var values: [String: String] = [:]

    init(_ arguments: [String]) {
        var index = 0
        while index < arguments.count {
            let key = arguments[index]
            if key.hasPrefix("--"), index + 1 < arguments.count {
                values[String(key.dropFirst(2))] = arguments[index + 1]
                index += 2
            } else {
                index += 1
            }
        }
    }

    func int(_ name: String, default value: Int) -> Int { values[name].flatMap(Int.init) ?? value }
    func string(_ name: String, default value: String) -> String { values[name] ?? value }
}

/// Percentile of an ascending-sorted sample.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[rank]
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// The folder of this executable (the other products of the package sit beside it).
var productsDir: URL { URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent() }

/// The repository root: the current directory when it holds Package.swift.
var repoRoot: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath) }
