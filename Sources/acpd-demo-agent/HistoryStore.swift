import Foundation

/// One remembered message of a session: what the user said or what the agent answered.
struct HistoryEntry: Sendable, Decodable {
    enum Role: String, Sendable, Decodable { case user, agent }
    let role: Role
    let text: String
}

/// The history file of one session: `<state dir>/<sessionId>.jsonl`, one JSON object
/// `{"role":"user"|"agent","text":…}` per line, appended as turns happen so that
/// `session/load` can replay it in a later process.
struct HistoryStore: Sendable {
    let file: URL

    init(stateDir: URL, sessionId: String) {
        file = stateDir.appendingPathComponent("\(sessionId).jsonl")
    }

    /// Whether `id` can name a history file (no path separators or dot-dot tricks).
    static func isSafeSessionId(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 200 && !id.hasPrefix(".")
            && id.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }
    }

    var exists: Bool { FileManager.default.fileExists(atPath: file.path) }

    /// Creates the state dir and an empty history file.
    func create() throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !exists { try Data().write(to: file) }
    }

    /// Appends one entry (a single write of one line).
    func append(_ role: HistoryEntry.Role, _ text: String) {
        let line = JSONWriter.line(.object([("role", .string(role.rawValue)), ("text", .string(text))]))
        guard let handle = try? FileHandle(forWritingTo: file) else {
            Log.line("cannot open history \(file.path) for appending")
            return
        }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(line))
        } catch {
            Log.line("cannot append to history \(file.path): \(error)")
        }
    }

    /// All entries, oldest first; unreadable lines are skipped with a log line.
    func load() throws -> [HistoryEntry] {
        let data = try Data(contentsOf: file)
        var entries: [HistoryEntry] = []
        for line in data.split(separator: 0x0A) where !line.isEmpty {
            do {
                entries.append(try JSONDecoder().decode(HistoryEntry.self, from: Data(line)))
            } catch {
                Log.line("skipping bad history line in \(file.path): \(error)")
            }
        }
        return entries
    }
}
