import ACPControlPlane
import Bindings
import ChatCore
import ServiceLifecycle
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `console` channel of `acpd chat`: lines typed on stdin are inbound messages of one
/// conversation (`ConsoleSession` submits them), and whatever acpd delivers is printed to stdout
/// as it streams. An edit that only extends the last message printed appends the new text in
/// place (live streaming). Any other edit of the last message is, on a terminal, redrawn in
/// place (cursor up over its rows, clear, print: a plan's updates replace it, and the final text
/// stays in the scrollback once); piped, or for an earlier message, it is printed again in full
/// on a new line. An edit that changes nothing prints nothing. On a terminal a `> ` prompt shows
/// when nothing is streaming. The console's sender is an owner (CONTRACT.md §4).
final class ConsoleChannel: ChatChannel, @unchecked Sendable {
    let kind: ConversationRef.Channel = .console
    let capabilities = ChannelCapabilities(maxMessageLength: 100_000, supportsEdit: true, supportsButtons: false)
    private let queue = InboundQueue()
    private let lock = Mutex(())
    private var nextId = 1
    private var printed: [String: String] = [:]
    /// The message whose text ends the output so far (its last line has no newline yet).
    private var openMessage: String?
    private var finishedRuns: Set<RunID> = []
    private var waiters: [(RunID, UUID, CheckedContinuation<Void, Never>)] = []

    /// Redraw edits in place and show a prompt (stdout and stdin are a terminal).
    private let terminal: Bool

    /// The console channel; `terminal` defaults to whether stdin and stdout are terminals.
    init(terminal: Bool = ConsoleTerminal.isInteractive) {
        self.terminal = terminal
    }

    /// The prompt is the last thing written (the line it is on is cleared before other output).
    private var atPrompt = false

    /// Writes the prompt when on a terminal, nothing streams and it is not shown yet. Called under `lock`.
    private func promptIfIdle() {
        guard terminal, openMessage == nil, !atPrompt else { return }
        StandardStreams.output(ConsoleTerminal.prompt)
        atPrompt = true
    }

    /// Shows the prompt (on a terminal, when nothing streams): `acpd chat` calls it once it is ready.
    func showPrompt() {
        lock.withLock { _ in promptIfIdle() }
    }

    var inbound: AsyncStream<Inbound> { queue.stream }
    var isAcceptingInbound: Bool { queue.isOpen }

    /// Takes lines until graceful shutdown, then closes intake.
    func run() async throws {
        try? await gracefulShutdown()
        queue.close()
    }

    /// Hands a typed line to the router and returns its outcome (nil once intake has closed).
    func submit(_ message: InboundMessage) async -> InboundOutcome? {
        await queue.submit(message)
    }

    func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]],
              context: OutgoingContext) async throws -> MessageRef {
        let id = lock.withLock { _ -> String in
            defer { nextId += 1 }
            let id = "c\(nextId)"
            printed[id] = text
            write((openMessage == nil ? "" : "\n") + text)
            // Only a run's output streams on; replies and notices end their line at once.
            if context.runId == nil || context.isFinal {
                write("\n")
                openMessage = nil
                promptIfIdle()
            } else {
                openMessage = id
            }
            return id
        }
        if context.isFinal, let runId = context.runId { markFinished(runId) }
        return MessageRef(conversation: conversation, messageId: id)
    }

    func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws {
        lock.withLock { _ in
            let before = printed[message.messageId] ?? ""
            printed[message.messageId] = text
            guard before != text else { return }
            if openMessage == message.messageId, text.hasPrefix(before) {
                write(String(text.dropFirst(before.count)))  // streaming: append in place
            } else if terminal, openMessage == message.messageId {
                write(ConsoleTerminal.redraw(before, with: text))
            } else {
                write((openMessage == nil ? "" : "\n") + text)
                openMessage = message.messageId
            }
        }
        if context.isFinal, let runId = context.runId { markFinished(runId) }
    }

    func createThread(in parent: ConversationRef, title: String) async throws -> ConversationRef {
        throw ChannelError.notSupported("the console has no threads")
    }

    /// Returns once the run's final delivery operation reached the console.
    /// Also returns when the calling task is cancelled.
    func waitUntilDelivered(_ runId: RunID) async {
        let token = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let done = lock.withLock { _ -> Bool in
                    if finishedRuns.contains(runId) || Task.isCancelled { return true }
                    waiters.append((runId, token, waiter))
                    return false
                }
                if done { waiter.resume() }
            }
        } onCancel: {
            let waiter = lock.withLock { _ -> CheckedContinuation<Void, Never>? in
                guard let index = waiters.firstIndex(where: { $0.1 == token }) else { return nil }
                return waiters.remove(at: index).2
            }
            waiter?.resume()
        }
    }


    /// Writes to stdout at once (no buffering: this is the live view). Called under `lock`.
    private func write(_ text: String) {
        if atPrompt {
            // Output replaces the prompt's line (or the empty line after a typed one).
            StandardStreams.output(ConsoleTerminal.clearLine)
            atPrompt = false
        }
        StandardStreams.output(text)
    }

    private func markFinished(_ runId: RunID) {
        let ready = lock.withLock { _ -> [CheckedContinuation<Void, Never>] in
            if openMessage != nil {
                write("\n")  // a finished run leaves the cursor on a fresh line
                openMessage = nil
                promptIfIdle()
            }
            finishedRuns.insert(runId)
            let matching = waiters.filter { $0.0 == runId }.map(\.2)
            waiters.removeAll { $0.0 == runId }
            return matching
        }
        for waiter in ready { waiter.resume() }
    }
}
