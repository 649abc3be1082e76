import JSONKit

/// One gateway session of the fake: its event log, for replay on RESUME.
struct FakeGatewaySession {
    var id: String
    var events: [(sequence: Int64, name: String, data: JSONValue)] = []
    var sequence: Int64 = 0
    /// The socket it is attached to (identified or resumed on), if any.
    var socket: Int?
}

/// What the WebSocket layer does on one socket.
public enum FakeSocketCommand: Sendable {
    case text(String)
    case close(code: UInt16)
    case drop
}

/// One open socket of the fake gateway.
struct FakeSocket {
    var sink: AsyncStream<FakeSocketCommand>.Continuation
    var path: String
    var session: String?
    var acks = true
}

extension FakeDiscordState {
    /// A socket opened on `path`: HELLO is sent. Returns its number.
    func openSocket(path: String, sink: AsyncStream<FakeSocketCommand>.Continuation) -> Int {
        nextSocket += 1
        sockets[nextSocket] = FakeSocket(sink: sink, path: path)
        if silentSockets > 0 {
            silentSockets -= 1
            return nextSocket
        }
        send(nextSocket, ["op": 10, "d": ["heartbeat_interval": .int(Int64(heartbeatInterval.components.seconds * 1000
                + heartbeatInterval.components.attoseconds / 1_000_000_000_000_000))]])
        return nextSocket
    }

    /// The socket ended (closed by either side or dropped): its session stays, resumable.
    func socketEnded(_ socket: Int) {
        if let session = sockets[socket]?.session, sessions[session]?.socket == socket { sessions[session]?.socket = nil }
        sockets[socket]?.sink.finish()
        sockets[socket] = nil
    }

    /// Whether a socket is open and attached to a session.
    public var isConnected: Bool { currentSession.flatMap { sessions[$0]?.socket } != nil }
    /// How many sockets are open.
    public var openSockets: Int { sockets.count }

    /// A text frame arrived on `socket`.
    func receive(_ socket: Int, text: String) {
        guard let payload = try? JSONParser.parse(Array(text.utf8)), case .int(let op)? = payload["op"] else {
            close(socket, 4002)
            return
        }
        switch op {
        case 1:
            recordHeartbeat()
            if sockets[socket]?.acks == true { send(socket, ["op": 11]) }
        case 2:
            guard payload["d"]?["token"]?.stringValue == token else { return close(socket, 4004) }
            let intents: Int = if case .int(let value)? = payload["d"]?["intents"] { Int(value) } else { 0 }
            recordIdentify(intents)
            if intents & (1 << 15) != 0, !messageContentAllowed { return close(socket, 4014) }
            takeSessionStart()
            let session = "session-\(takeId())"
            sessions[session] = FakeGatewaySession(id: session, socket: socket)
            currentSession = session
            sockets[socket]?.session = session
            dispatch("READY", [
                "v": 10, "session_id": .string(session), "resume_gateway_url": .string(resumeURL),
                "user": ["id": .string(botUserId), "username": "fakebot", "bot": true],
                "application": ["id": .string(applicationId), "flags": 0],
                "guilds": [["id": .string(guildId), "unavailable": true]],
            ])
            let guildChannels = channels.values.filter { $0.guildId == guildId }.sorted { $0.id < $1.id }
            dispatch("GUILD_CREATE", [
                "id": .string(guildId), "name": "fake guild",
                "channels": .array(guildChannels.filter { $0.parentId == nil }.map(\.json)),
                "threads": .array(guildChannels.filter { $0.parentId != nil }.map(\.json)),
            ])
        case 6:
            guard payload["d"]?["token"]?.stringValue == token else { return close(socket, 4004) }
            let id = payload["d"]?["session_id"]?.stringValue ?? ""
            let sequence: Int64? = if case .int(let value)? = payload["d"]?["seq"] { value } else { nil }
            recordResume(id, sequence, sockets[socket]?.path ?? "")
            guard var session = sessions[id] else {
                send(socket, ["op": 9, "d": false])
                return
            }
            if let old = session.socket, old != socket { close(old, 4000) }
            session.socket = socket
            sessions[id] = session
            sockets[socket]?.session = id
            for event in session.events where event.sequence > (sequence ?? 0) {
                sendDispatch(socket, event.sequence, event.name, event.data)
            }
            dispatch("RESUMED", .null)
        default:
            break
        }
    }

    /// Dispatches event `name` on the current session (sequence numbered, logged for replay),
    /// sent now when the session has a socket.
    func dispatch(_ name: String, _ data: JSONValue) {
        guard let id = currentSession, var session = sessions[id] else { return }
        session.sequence += 1
        session.events.append((session.sequence, name, data))
        sessions[id] = session
        if let socket = session.socket { sendDispatch(socket, session.sequence, name, data) }
    }

    /// Does `fault` on the current session's socket now.
    public func injectGateway(_ fault: FakeGatewayFault) {
        guard let id = currentSession, let socket = sessions[id]?.socket else { return }
        switch fault {
        case .reconnect: send(socket, ["op": 7, "d": .null])
        case .invalidSession(let resumable):
            if !resumable { sessions[id] = nil; currentSession = nil }
            send(socket, ["op": 9, "d": .bool(resumable)])
        case .dropSocket:
            sockets[socket]?.sink.yield(.drop)
            detach(socket)
        case .close(let code): close(socket, code)
        case .stopAcks: sockets[socket]?.acks = false
        }
    }

    private func sendDispatch(_ socket: Int, _ sequence: Int64, _ name: String, _ data: JSONValue) {
        recordDispatch(name)
        send(socket, ["op": 0, "s": .int(sequence), "t": .string(name), "d": data])
    }

    private func send(_ socket: Int, _ payload: JSONValue) {
        sockets[socket]?.sink.yield(.text(payload.jsonText()))
    }

    private func close(_ socket: Int, _ code: UInt16) {
        sockets[socket]?.sink.yield(.close(code: code))
        detach(socket)
    }

    /// Stops sending on `socket` (it is being closed): later dispatches wait for a RESUME.
    private func detach(_ socket: Int) {
        if let session = sockets[socket]?.session, sessions[session]?.socket == socket { sessions[session]?.socket = nil }
    }
}
