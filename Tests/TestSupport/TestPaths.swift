import Foundation

/// Where tests find the things they run: the built executables, the repo, the Python venv.
public enum TestPaths {
    /// The repository root (the folder holding Package.swift).
    public static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The folder holding the built products (`.build/debug` or the scratch path in use).
    public static let productsDir: URL = {
        // The test bundle lives next to the executables: <products>/acpdPackageTests.xctest
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            if url.pathExtension == "xctest" { return url.deletingLastPathComponent() }
            url.deleteLastPathComponent()
        }
        return repoRoot.appendingPathComponent(".build/debug")
    }()

    /// A built executable product of this package, e.g. `acpd-demo-agent`.
    public static func product(_ name: String) -> String {
        productsDir.appendingPathComponent(name).path
    }

    /// The demo agent executable.
    public static var demoAgent: String { product("acpd-demo-agent") }

    /// The Python interpreter of the test venv (`scripts/setup-test-peers`), or `$ACPD_TEST_PYTHON`.
    public static var python: String {
        if let override = ProcessInfo.processInfo.environment["ACPD_TEST_PYTHON"], !override.isEmpty { return override }
        return repoRoot.appendingPathComponent(".venv/bin/python3").path
    }

    /// A file under `Tests/Peers/` (Python peers, fake `acpx`, validator).
    public static func peer(_ relative: String) -> String {
        repoRoot.appendingPathComponent("Tests/Peers").appendingPathComponent(relative).path
    }

    /// `../shared/acp-schema` beside the repository (or `$ACPD_ACP_SCHEMA_DIR`).
    public static var acpSchemaDir: URL {
        if let override = ProcessInfo.processInfo.environment["ACPD_ACP_SCHEMA_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared/acp-schema")
    }
}

/// A fresh temporary directory, removed when the closure returns.
public func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("acpd-test-\(UUID().uuidString.prefix(8))", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url.resolvingSymlinksInPath())
}

public struct TimeoutError: Error, CustomStringConvertible {
    public let what: String
    public var description: String { "timed out waiting for \(what)" }
}

/// Runs `body`, failing with `TimeoutError` when it takes longer than `seconds`.
/// Use it to wait on events with a deadline instead of sleeping.
public func withDeadline<T: Sendable>(
    _ seconds: Double, _ what: String = "an event", _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
            throw TimeoutError(what: what)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
