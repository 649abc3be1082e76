import ACPControlPlane
import ChatChannelConformance
import ChatCore

/// A chat platform in memory, as a fake server would be: conversations of messages, threads, DMs,
/// a message-length limit it enforces, "not modified" answers, and scripted faults for its next
/// call. The reference `InMemoryChannel` talks to it as a platform channel talks to its API.
actor InMemoryPlatform {
    /// What the platform answers instead of a result.
    enum Refusal: Error, Equatable {
        case tooManyRequests(retryAfter: Duration)
        case serverError
        /// The request was applied, but its answer never arrived.
        case answerLost
        case badRequest(String)
        /// An edit that changes nothing (Telegram: "message is not modified").
        case notModified
    }

    struct Message: Equatable {
        var id: String
        var text: String
        var buttons: [[ChatButton]]
    }

    let maxLength: Int
    private var conversations: [String: [Message]] = [:]
    private var threads: Set<String> = []
    private var faults: [Fault] = []
    private var nextId = 0

    init(maxLength: Int) { self.maxLength = maxLength }

    func inject(_ fault: Fault) { faults.append(fault) }

    func messages(in conversation: String) -> [Message] { conversations[conversation] ?? [] }

    func post(in conversation: String, text: String, buttons: [[ChatButton]]) throws(Refusal) -> String {
        let fault = try takeFault()
        guard text.utf16.count <= maxLength else { throw .badRequest("message is too long") }
        nextId += 1
        let id = "\(nextId)"
        conversations[conversation, default: []].append(Message(id: id, text: text, buttons: buttons))
        if fault == .outcomeUnknown { throw .answerLost }
        return id
    }

    func edit(in conversation: String, id: String, text: String, buttons: [[ChatButton]]) throws(Refusal) {
        let fault = try takeFault()
        guard text.utf16.count <= maxLength else { throw .badRequest("message is too long") }
        guard let index = conversations[conversation]?.firstIndex(where: { $0.id == id }) else {
            throw .badRequest("message to edit not found")
        }
        let edited = Message(id: id, text: text, buttons: buttons)
        guard conversations[conversation]?[index] != edited else { throw .notModified }
        conversations[conversation]?[index] = edited
        if fault == .outcomeUnknown { throw .answerLost }
    }

    func createThread(under parent: String) throws(Refusal) -> String {
        _ = try takeFault()
        nextId += 1
        let id = "thread-\(nextId)"
        threads.insert(id)
        return id
    }

    func deleteThread(_ id: String) throws(Refusal) {
        _ = try takeFault()
        guard threads.remove(id) != nil else { throw .badRequest("no such thread") }
        conversations[id] = nil
    }

    /// The DM channel with `user`, opened on first use.
    func openDirect(with user: String) throws(Refusal) -> String {
        _ = try takeFault()
        return "dm-\(user)"
    }

    /// Consumes the next scripted fault: refuses at once for a rate limit or a server error;
    /// returns `.outcomeUnknown` for the caller to apply the request and then lose the answer.
    private func takeFault() throws(Refusal) -> Fault? {
        guard !faults.isEmpty else { return nil }
        let fault = faults.removeFirst()
        switch fault {
        case .rateLimited(let after): throw .tooManyRequests(retryAfter: after)
        case .transient: throw .serverError
        case .outcomeUnknown: return fault
        }
    }
}
