/// How an agent-to-client request ended.
enum PeerReply: Sendable {
    case result(JSON)
    case error(code: Int64, message: String)
    /// The agent stopped waiting (its turn was cancelled); a late answer is ignored.
    case withdrawn
}

/// The agent's own requests to the client (`session/request_permission`), in their own id space
/// (integers from 0). Each request gets exactly one `PeerReply`; answers for unknown or withdrawn
/// ids are logged and ignored.
actor PeerRequests {
    private enum Slot {
        case waiting(CheckedContinuation<PeerReply, Never>?)
        case answered(PeerReply)
    }

    private let output: Output
    private var nextId: Int64 = 0
    private var slots: [Int64: Slot] = [:]

    init(output: Output) {
        self.output = output
    }

    /// Sends request `method` and waits for the client's answer. If the calling task is
    /// cancelled, returns `.withdrawn` at once.
    nonisolated func call(_ method: String, params: JSON, asciiOnly: Bool = false) async -> PeerReply {
        let id = await send(method, params: params, asciiOnly: asciiOnly)
        return await withTaskCancellationHandler {
            await wait(id)
        } onCancel: {
            Task { await self.withdraw(id) }
        }
    }

    private func send(_ method: String, params: JSON, asciiOnly: Bool) async -> Int64 {
        let id = nextId
        nextId += 1
        slots[id] = .waiting(nil)
        await output.send(
            .object([("jsonrpc", .string("2.0")), ("id", .int(id)), ("method", .string(method)), ("params", params)]),
            asciiOnly: asciiOnly)
        return id
    }

    private func wait(_ id: Int64) async -> PeerReply {
        if Task.isCancelled { withdraw(id) }
        switch slots[id] {
        case .answered(let reply):
            slots[id] = nil
            return reply
        case .waiting, nil:
            return await withCheckedContinuation { continuation in
                if case .answered(let reply) = slots[id] {
                    slots[id] = nil
                    continuation.resume(returning: reply)
                } else if slots[id] == nil {
                    continuation.resume(returning: .withdrawn)
                } else {
                    slots[id] = .waiting(continuation)
                }
            }
        }
    }

    /// The ids of the requests still waiting for their answer.
    func pendingIds() -> [Int64] {
        slots.compactMap { id, slot in if case .waiting = slot { id } else { nil } }
    }

    private func withdraw(_ id: Int64) {
        finish(id, .withdrawn)
    }

    /// Delivers the client's response `message` (an object with `id` and `result` or `error`).
    func deliver(id: JSON, message: JSON) {
        guard let number = id.intValue, slots[number] != nil else {
            Log.line("ignoring response for unknown or withdrawn request id \(id.logDescription)")
            return
        }
        if let error = message["error"] {
            finish(number, .error(code: error["code"]?.intValue ?? 0, message: error["message"]?.stringValue ?? ""))
        } else {
            finish(number, .result(message["result"] ?? .null))
        }
    }

    private func finish(_ id: Int64, _ reply: PeerReply) {
        switch slots[id] {
        case .waiting(let continuation?):
            slots[id] = nil
            continuation.resume(returning: reply)
        case .waiting(nil):
            if case .withdrawn = reply {
                slots[id] = nil
            } else {
                slots[id] = .answered(reply)
            }
        case .answered, nil:
            break
        }
    }
}
