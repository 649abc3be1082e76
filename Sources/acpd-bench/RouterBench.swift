import ACPControlPlane
import Bindings
import ChatCore
import Foundation

/// Routing and delivery overhead inside acpd (issue 5), over the parts `acpd run` assembles
/// (`RouterStack`), one conversation, one message at a time after the previous one's final
/// message was delivered:
///
/// - inbound → `runTurn`: from the channel's `submit(message)` (the inbound stream, the router's
///   lanes, `handle`) to the runtime's `runTurn` call;
/// - inbound → `session/prompt` written: to the line handed to the agent's pipe;
/// - chunk → delivered: from the runtime's stream yielding an output chunk to the first channel
///   send/edit whose text shows it.
///
/// Three phases: `coalesceIdleMs: 0` (every chunk flushed at once: acpd's own overhead); the
/// default 350 ms with the same fast turns (every chunk waits for the run's end); the default
/// with a slow stream, 4 chunks 500 ms apart (each chunk waits for the idle window).
///
/// `acpd-bench router [--messages 1000] [--warmup 50] [--chunks 10] [--chunk-delay-ms 2]
/// [--default-messages 200] [--slow-messages 10] [--gap-ms 0] [--agent PATH] [--via channel|router] [--prune-history N [--prune 0]]`
/// (`--prune-history N`: the first phase runs over a store that also holds N events 100 days old,
/// which `StorePruner` deletes with the default retention while the messages run; `--prune 0`:
/// the same store, not pruned)
/// (`--via router` hands each message to `router.handle` directly, as the http channel did before
/// the inbound stream: the same starting point as measurements before issue 10).
///
/// `--gap-ms`: pause after each final delivery before the next message (phase 1), so the previous
/// run's tail (checkpoint writes, actor clean-up) is not on the next message's path.
enum RouterBench {
    static func run(_ arguments: [String]) async throws {
        let options = BenchOptions(arguments)
        let messages = options.int("messages", default: 1000)
        let warmup = options.int("warmup", default: 50)
        let chunks = options.int("chunks", default: 10)
        let delay = options.int("chunk-delay-ms", default: 2)
        let defaultMessages = options.int("default-messages", default: 200)
        let agent = try demoAgentPath(options)
        print("router: \(messages) messages (+\(warmup) warm-up) to one route-bound http conversation, demo agent "
              + "answering in \(chunks) chunks \(delay) ms apart; release build, in process")
        let viaRouter = options.string("via", default: "channel") == "router"
        try await phase(agent: agent, coalesceIdleMs: 0, messages: messages, warmup: warmup, chunks: chunks, delay: delay,
                        gap: options.int("gap-ms", default: 0), viaRouter: viaRouter, pruneHistory: options.int("prune-history", default: 0),
                        prune: options.int("prune", default: 1) != 0)
        if defaultMessages > 0 {
            try await phase(agent: agent, coalesceIdleMs: 350, messages: defaultMessages, warmup: min(warmup, 10),
                            chunks: chunks, delay: delay)
        }
        // A slow stream under the default: chunks further apart than the idle window.
        let slowMessages = options.int("slow-messages", default: 10)
        if slowMessages > 0 {
            try await phase(agent: agent, coalesceIdleMs: 350, messages: slowMessages, warmup: 1, chunks: 4, delay: 500)
        }
    }

    static func demoAgentPath(_ options: BenchOptions) throws -> String {
        let agent = options.string("agent", default: productsDir.appendingPathComponent("acpd-demo-agent").path)
        guard FileManager.default.isExecutableFile(atPath: agent) else {
            throw BenchError("demo agent not found at \(agent): swift build -c release --scratch-path .build-release --product acpd-demo-agent")
        }
        return agent
    }

    static func phase(agent: String, coalesceIdleMs: Int, messages: Int, warmup: Int, chunks: Int, delay: Int,
                      gap: Int = 0, viaRouter: Bool = false, pruneHistory: Int = 0, prune: Bool = true) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("acpd-router-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let stack = try await RouterStack(dir: dir, agent: agent, coalesceIdleMs: coalesceIdleMs, maxSessions: 16)
        // --prune-history N: N events 100 days old in the store, pruned (default retention) while the messages run.
        var pruner: StorePruner?
        if pruneHistory > 0 {
            try stack.store.benchSeed(sessions: max(1, pruneHistory / 100), runsPerSession: 2, eventsPerSession: 100, interruptEvery: 0,
                                      age: 100 * 86_400)
            if prune {
                pruner = StorePruner(store: stack.store, retention: StoreRetention(), logger: quietLogger("bench.prune"))
                try pruner?.start()
            }
        }
        var accepted: [Double] = [], toTurn: [Double] = [], toWrite: [Double] = [], chunkLatency: [Double] = []
        var toFinal: [Double] = [], lastChunk: [Double] = []
        var shownByFinal = 0
        let started = monotonicSeconds()
        for index in 0..<(warmup + messages) {
            let text = alignedPrompt(chunks: chunks, delay: delay)
            let message = stack.message(text, conversation: "bench", key: "m\(index)")
            let start = monotonicSeconds()
            let outcome = viaRouter ? await stack.router.handle(message, channel: stack.channel)
                : await stack.channel.submit(message) ?? .ignored
            let returned = monotonicSeconds()
            guard let runId = outcome.runId else { throw BenchError("message \(index) started no run: \(outcome)") }
            await stack.probe.waitForFinal(runId)
            guard let timeline = stack.probe.take(runId), let turn = timeline.turnStarted, let final = timeline.finalDelivered else {
                throw BenchError("run \(runId) has no timeline")
            }
            if gap > 0 { try await Task.sleep(for: .milliseconds(gap)) }
            guard index >= warmup else { continue }
            guard timeline.chunkLatencies.count == chunks else {
                throw BenchError("run \(runId): \(timeline.chunkLatencies.count) of \(chunks) chunks matched a delivery")
            }
            accepted.append(returned - start)
            toTurn.append(turn - start)
            if let written = timeline.promptWritten { toWrite.append(written - start) }
            // The last chunk ends in an unfinished word, which live delivery holds back until the run ends.
            chunkLatency += timeline.chunkLatencies.dropLast()
            lastChunk.append(timeline.chunkLatencies[chunks - 1])
            shownByFinal += timeline.shownByFinal.dropLast().filter { $0 }.count
            toFinal.append(final - start)
        }
        let elapsed = monotonicSeconds() - started
        if let pruner {
            pruner.stop()
            let (passes, last) = pruner.progress
            print("    retention ran meanwhile: \(passes) pass(es) complete" + (passes > 0
                ? ", \(last.deleted.events) events and \(last.deleted.runs) runs deleted, \(last.reclaimedPages) pages reclaimed" : " (still pruning)"))
        }
        // Attribution: the same turns submitted to the session manager directly (no router), and
        // the cost of the store's write transactions the path is made of.
        let direct = coalesceIdleMs == 0 ? try await directSubmits(stack, count: min(messages, 300), text: alignedPrompt(chunks: chunks, delay: delay)) : []
        let writes = coalesceIdleMs == 0 ? try storeWrites(stack, count: 2000) : []
        let reads = coalesceIdleMs == 0 ? try storeReads(stack, count: 2000) : []
        await stack.shutdown()
        print("\n  acp.stream.coalesceIdleMs: \(coalesceIdleMs), \(chunks) chunks \(delay) ms apart, \(gap) ms between messages — "
              + "\(messages) messages in \(String(format: "%.1f", elapsed)) s")
        report("handle() returned (run queued)", accepted)
        report("inbound → runTurn called", toTurn)
        report("inbound → session/prompt written", toWrite)
        report("chunk → delivered (\(chunkLatency.count) chunks)", chunkLatency)
        report("last chunk (held word) → final message", lastChunk)
        report("inbound → final message delivered", toFinal)
        print("    of those chunks, first shown by the run's final message: \(shownByFinal) of \(chunkLatency.count)")
        if !direct.isEmpty {
            report("without the router: manager.submit → runTurn", direct)
            report("one store write transaction (reserve)", writes)
            report("binding lookup (the resolver's 2 reads)", reads)
        }
    }

    /// `manager.submit` → `runTurn` for turns of the conversation's session, bypassing the router.
    static func directSubmits(_ stack: RouterStack, count: Int, text: String) async throws -> [Double] {
        guard let session = try stack.store.sessions(states: [.idle]).first else { throw BenchError("no idle session") }
        let conversation = ConversationRef(channel: .http, conversationId: "bench")
        var samples: [Double] = []
        for index in 0..<count {
            let start = monotonicSeconds()
            let result = try await stack.manager.submit(session.key, prompt: [.text(text)], from: conversation,
                                                        idempotency: IdempotencyKey(scope: "bench", key: "d\(index)"))
            await stack.probe.waitForFinal(result.runId)
            guard let turn = stack.probe.take(result.runId)?.turnStarted else { throw BenchError("run \(result.runId) has no timeline") }
            samples.append(turn - start)
        }
        return samples
    }

    /// The two reads binding resolution makes: the conversation's active bindings, its session's state.
    static func storeReads(_ stack: RouterStack, count: Int) throws -> [Double] {
        let conversation = ConversationRef(channel: .http, conversationId: "bench")
        guard let session = try stack.store.sessions().first else { throw BenchError("no session") }
        var samples: [Double] = []
        for _ in 0..<count {
            let start = monotonicSeconds()
            _ = try stack.store.activeBindings(for: conversation)
            _ = try stack.store.session(session.key)
            samples.append(monotonicSeconds() - start)
        }
        return samples
    }

    /// One idempotency reservation (a write transaction of one INSERT) at a time.
    static func storeWrites(_ stack: RouterStack, count: Int) throws -> [Double] {
        var samples: [Double] = []
        for index in 0..<count {
            let start = monotonicSeconds()
            _ = try stack.store.reserve(IdempotencyKey(scope: "bench-w", key: "w\(index)"), ttl: 3600)
            samples.append(monotonicSeconds() - start)
        }
        return samples
    }

    /// A prompt whose echo (`echo: <prompt>`) the demo agent cuts into `chunks` chunks of 32
    /// bytes that each end in a blank, so live delivery can show each chunk whole as it comes
    /// (it holds back an unfinished word); only the last chunk ends mid-word.
    static func alignedPrompt(chunks: Int, delay: Int) -> String {
        let width = 32
        var answer = Array("echo: [chunks=\(chunks)][delay=\(delay)]")
        precondition(answer.count < width - 1, "keywords too long for one chunk")
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        while answer.count < chunks * width {
            answer.append((answer.count + 1) % width == 0 ? " " : letters[answer.count % letters.count])
        }
        return String(answer.dropFirst("echo: ".count))
    }

    static func report(_ name: String, _ samples: [Double]) {
        let sorted = samples.sorted()
        print(String(format: "    %@: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms",
                     name.padding(toLength: 40, withPad: " ", startingAt: 0),
                     percentile(sorted, 50) * 1000, percentile(sorted, 90) * 1000, percentile(sorted, 99) * 1000,
                     (sorted.last ?? .nan) * 1000))
    }
}
