import ChatCore
import Logging
import Metrics

extension TelegramChannel {
    /// The long-poll loop: poll, hand the batch to the router, wait until it was handled (the
    /// offset follows), poll again. Ends on cancellation (graceful shutdown) or a rejected token.
    func pollLoop() async {
        var failures = 0
        var conflictLogged = false
        while !Task.isCancelled, intakeOpen {
            let updates: [TelegramUpdate]
            do {
                if botUsername.withLock({ $0 }) == nil {
                    // The bot's name, for `/cmd@BotName`; also the first check of the token.
                    let me = try await api.getMe()
                    botUsername.withLock { $0 = me.username ?? "" }
                    setState(.polling)
                    logger.notice("polling Telegram", metadata: ["bot": "@\(me.username ?? "?")"])
                    await publishCommands()
                }
                updates = try await api.getUpdates(offset: offset.withLock { $0 }, timeout: options.pollTimeoutSeconds,
                                                   allowedUpdates: TelegramUpdateNormaliser.allowedUpdates)
            } catch {
                switch error {
                case .cancelled:
                    return
                case .api(401, let description, _), .api(404, let description, _):
                    // 404: Telegram's answer for a malformed token (or an apiRoot that is not a Bot API).
                    setState(.unauthorized)
                    let key = "channels.telegram.accounts.\(accountId ?? "default")"
                    logger.error("Telegram rejected the bot token; this account stops polling until its settings change (SIGHUP) or acpd restarts",
                                 metadata: ["error": "\(description)", "fix": "set \(key).botToken to the token @BotFather gave (and check \(key).apiRoot)"])
                    return
                case .api(409, let description, _):
                    setState(.conflict)
                    if !conflictLogged {
                        logger.error("another poller or a webhook uses this bot token; polling again in \(options.conflictRetry)",
                                     metadata: ["error": "\(description)", "fix": "stop the other poller, or call deleteWebhook for this bot"])
                        conflictLogged = true
                    }
                    await sleep(options.conflictRetry)
                case .api(429, _, let retryAfter?):
                    setState(.backingOff("rate limited"))
                    await sleep(.seconds(retryAfter))
                default:
                    failures += 1
                    let delay = options.backoff.delay(attempt: failures, fraction: Double.random(in: 0...1))
                    setState(.backingOff("\(error)"))
                    if failures == 1 || failures.isMultiple(of: 10) {
                        logger.warning("getUpdates failed; retrying with backoff",
                                       metadata: ["error": "\(error)", "failures": "\(failures)", "delay": "\(delay)"])
                    }
                    await sleep(delay)
                }
                continue
            }
            if failures > 0 || conflictLogged {
                logger.notice("polling Telegram again")
                Counter(label: "acpd_channel_reconnects_total",
                        dimensions: [("channel", "telegram"), ("account", accountId ?? "default"),
                                     ("reason", conflictLogged ? "conflict" : "error")]).increment()
            }
            failures = 0
            conflictLogged = false
            setState(.polling)
            guard !updates.isEmpty else { continue }
            if await !deliver(updates) {
                // Something was not handled (the router stopped, or intake closed): it is fetched
                // again on the next poll; do not spin.
                failures += 1
                await sleep(options.backoff.delay(attempt: failures, fraction: Double.random(in: 0...1)))
            }
        }
    }

    /// Offers `updates` in order, waits until each was handled, answers button presses, and
    /// returns whether every update was handled.
    func deliver(_ updates: [TelegramUpdate]) async -> Bool {
        let batch = UpdateBatch(updateIds: updates.map(\.updateId)) { [self] next in commitOffset(next) }
        var queries: [Int: String] = [:]
        for (index, update) in updates.enumerated() {
            switch TelegramUpdateNormaliser.normalise(update, accountId: accountId ?? "default",
                                                      botUsername: botUsername.withLock { $0 }) {
            case .message(let message):
                offer(withFileSources(message)) { batch.finish(index, handled: $0 != nil, outcome: $0) }
            case .buttonPress(let message, let queryId):
                queries[index] = queryId
                offer(message) { batch.finish(index, handled: $0 != nil, outcome: $0) }
            case .unusableButtonPress(let queryId, let notice):
                await answer(queryId, text: notice)
                batch.finish(index, handled: true)
            case .ignored(let why):
                logger.debug("update ignored", metadata: ["update": "\(update.updateId)", "why": "\(why)"])
                batch.finish(index, handled: true)
            }
        }
        let slots = await batch.wait()
        // Every press is answered, so no client is left with a spinner.
        for (index, queryId) in queries.sorted(by: { $0.key < $1.key }) {
            await answer(queryId, text: Self.notice(for: slots[index]))
        }
        return !slots.contains(.unhandled)
    }

    /// `message` with a source on each attachment, so the router can fetch it (after dedupe and
    /// access: a redelivered update never downloads twice).
    func withFileSources(_ message: InboundMessage) -> InboundMessage {
        var message = message
        for index in message.attachments.indices {
            message.attachments[index].source = TelegramFileSource(api: api, fileId: message.attachments[index].reference,
                                                                   declaredSize: message.attachments[index].sizeBytes)
        }
        return message
    }

    /// The short text shown to whoever pressed a button, or nil when it worked.
    static func notice(for slot: UpdateBatch.Slot) -> String? {
        switch slot {
        case .handled(let outcome?):
            switch outcome.refusal {
            case .rateLimited?: return "Rate limited: try again later."
            case .inProgress?: return "Still working on the previous press."
            case .keyConflict?: return "This press was already handled."
            case nil: return outcome.notice ?? (outcome.accepted ? nil : "Not allowed.")
            }
        case .handled(nil), .unhandled:
            return "Could not handle this now: try again."
        case .pending:
            // Shutting down: the press may still be handled.
            return nil
        }
    }

    private func answer(_ queryId: String, text: String?) async {
        do { try await api.answerCallbackQuery(id: queryId, text: text) } catch {
            logger.warning("answerCallbackQuery failed", metadata: ["error": "\(error)"])
        }
    }

    private func sleep(_ duration: Duration) async {
        try? await Task.sleep(for: duration)
    }
}

extension TelegramChannel {
    /// The commands the Telegram client's menu shows for this bot.
    static let menuCommands: [(command: String, description: String)] = [
        ("acp", "acpd: sessions, status, cancel, help (/acp help)"),
        ("new", "Start a fresh agent session here"),
        ("reset", "Same as /new"),
    ]

    /// `setMyCommands` once the token is known good, so `/acp`, `/new` and `/reset` show in the
    /// client's menu. Best effort: a failure is logged and polling goes on.
    func publishCommands() async {
        do {
            try await api.setMyCommands(Self.menuCommands)
        } catch {
            logger.warning("setMyCommands failed; the client's command menu is not set", metadata: ["error": "\(error)"])
        }
    }
}
