import Foundation
import Testing
import TestSupport

/// ARCHITECTURE.md's arrows and the one send path, checked on the sources: on Linux a target can
/// import any module built before it, so Package.swift alone does not stop an arrow pointing the
/// wrong way.
@Suite("Architecture")
struct ArchitectureTests {
    /// acpd's own modules.
    static let ownModules: Set<String> = ["ACPControlPlane", "RuntimeBackends", "Bindings", "ChatCore", "ChatHTTP",
                                          "ChatTelegram", "ChatDiscord", "JSONKit", "CSQLite", "CYAML", "acpd", "StoreSeeding"]

    /// Which of acpd's own modules each target's sources may import.
    static let allowed: [(folder: String, modules: Set<String>)] = [
        ("Sources/JSONKit", []),
        ("Sources/ACPControlPlane", ["JSONKit", "CSQLite"]),
        ("Sources/RuntimeBackends", ["ACPControlPlane", "JSONKit"]),
        ("Sources/Bindings", ["ACPControlPlane", "JSONKit", "CYAML"]),
        ("Sources/ChatCore", ["ACPControlPlane", "Bindings", "JSONKit"]),
        ("Sources/ChatHTTP", ["ACPControlPlane", "Bindings", "ChatCore", "JSONKit"]),
        ("Sources/ChatTelegram", ["ACPControlPlane", "Bindings", "ChatCore", "JSONKit"]),
        ("Sources/ChatDiscord", ["ACPControlPlane", "Bindings", "ChatCore", "JSONKit"]),
        // The HTTP API reads the store and serves the http channel; it never needs the runtimes.
        ("Sources/acpd/HTTP", ["ACPControlPlane", "Bindings", "ChatCore", "ChatHTTP", "JSONKit"]),
        // The daemon links every layer, but never the bench and test seeding helpers.
        ("Sources/acpd", ["ACPControlPlane", "RuntimeBackends", "Bindings", "ChatCore", "ChatHTTP", "ChatTelegram", "ChatDiscord",
                          "JSONKit", "CSQLite", "CYAML"]),
        ("Sources/StoreSeeding", ["ACPControlPlane"]),
    ]

    static func swiftFiles(under folder: String) throws -> [URL] {
        let root = TestPaths.repoRoot.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
    }

    static func imports(of file: URL) throws -> [String] {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            guard let index = words.firstIndex(of: "import"), index + 1 < words.count,
                  words[..<index].allSatisfy({ $0.hasPrefix("@") || ["public", "package", "internal"].contains($0) }) else { return nil }
            return words[index + 1]
        }
    }

    @Test("arrows only point down: each target imports only the acpd modules ARCHITECTURE.md allows it")
    func arrows() throws {
        for (folder, modules) in Self.allowed {
            let files = try Self.swiftFiles(under: folder)
            #expect(!files.isEmpty, "\(folder) has no sources")
            for file in files {
                for module in try Self.imports(of: file) where Self.ownModules.contains(module) && !modules.contains(module) {
                    Issue.record("\(folder)/\(file.lastPathComponent) imports \(module)")
                }
            }
        }
    }

    @Test("one send path: only the conversation's send queue calls ChatChannel.send and edit")
    func oneSendPath() throws {
        var callers: [String] = []
        for file in try Self.swiftFiles(under: "Sources") {
            let text = try String(contentsOf: file, encoding: .utf8)
            for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                if line.contains(".send(to:") || line.contains("channel.edit(") { callers.append(file.lastPathComponent) }
            }
        }
        #expect(Set(callers) == ["ConversationSendQueue.swift"], "\(callers)")
    }
}
