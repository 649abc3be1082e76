import JSONKit
import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the backend needs to address an acpx session again from a later acpd process: acpx scopes
/// sessions by `(agent command, cwd, name)`, and `close(sessionKey:reason:)` gets only the key.
///
/// Holds no environment values: the agent's `env` may carry secrets, so only the names of the
/// passthrough variables are kept (their values are read from acpd's environment when used).
struct AcpxSessionRecord: Sendable, Equatable, Codable {
    /// Format version of the file; a file with another version is ignored.
    static let currentVersion = 1

    var version = Self.currentVersion
    var sessionKey: String
    var agentId: String
    var agentCommand: [String]
    var cwd: String
    var envPassthrough: [String]
}

/// One small JSON file per acpx session (`<directory>/<acpx session name>.json`, mode 0600 in a
/// 0700 directory), written when `ensureSession` succeeds and removed when the session is closed.
/// Every method is best effort: a failure is returned to the caller to log, never fatal.
struct AcpxSessionRecords: Sendable {
    let directory: URL

    init(directory: String) {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
    }

    func url(_ name: AcpxSessionName) -> URL {
        directory.appendingPathComponent(name.rawValue + ".json", isDirectory: false)
    }

    /// Writes the record atomically (a temporary file renamed over the old one).
    func save(_ record: AcpxSessionRecord, name: AcpxSessionName) throws {
        let files = FileManager.default
        try files.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(record)
        let target = url(name)
        let temporary = directory.appendingPathComponent(".\(name.rawValue).\(UUID().uuidString).tmp")
        guard files.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            // "NSFilePath" is the value of Foundation's NSFilePathErrorKey.
            throw CocoaError(.fileWriteUnknown, userInfo: ["NSFilePath": temporary.path])
        }
        guard rename(temporary.path, target.path) == 0 else {
            let code = errno
            try? files.removeItem(at: temporary)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }

    /// The record of `key`, if one was saved for it (and not for another key with the same name).
    func load(_ key: SessionKey) throws -> AcpxSessionRecord? {
        let target = url(AcpxSessionName(key))
        guard FileManager.default.fileExists(atPath: target.path) else { return nil }
        let bytes = try [UInt8](Data(contentsOf: target))
        let record = try JSONValueDecoder.decode(AcpxSessionRecord.self, from: try JSONParser.parse(bytes))
        guard record.version == AcpxSessionRecord.currentVersion, record.sessionKey == key.rawValue else { return nil }
        return record
    }

    /// Removes the record of `key`; no record is not an error.
    func remove(_ key: SessionKey) throws {
        let target = url(AcpxSessionName(key))
        guard FileManager.default.fileExists(atPath: target.path) else { return }
        try FileManager.default.removeItem(at: target)
    }
}
