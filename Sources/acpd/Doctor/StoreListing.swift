import JSONKit
import ACPControlPlane
import ArgumentParser
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Shared plumbing of `acpd sessions|bindings|status`: open the store read-only (a missing or
/// refused store is one clear line on stderr and exit 1), and print aligned tables or JSON.
enum StoreListing {
    /// Loads the config and opens its store read-only, or prints why not (missing, refused, or an
    /// older schema that `acpd run` must migrate first) and exits 1.
    static func open(configOption: String?) throws -> ControlPlaneStore {
        let config: (config: ACPDConfig, description: String)
        do { config = try ConfigSource.load(option: configOption) } catch {
            StandardStreams.error("\(error)\n")
            throw ExitCode(1)
        }
        let store: ControlPlaneStore
        do { store = try ReadOnlyStore.open(config.config) } catch {
            StandardStreams.error("\(error)\n")
            throw ExitCode(1)
        }
        let version = (try? store.schemaVersion()) ?? 0
        if version < ControlPlaneStore.supportedSchemaVersion {
            try? store.close()
            let message = "store \(store.path) has schema \(version), older than this acpd reads (\(ControlPlaneStore.supportedSchemaVersion)) (next: `acpd run` migrates it; back it up first)\n"
            StandardStreams.error(message)
            throw ExitCode(1)
        }
        return store
    }

    /// Columns padded to their widest cell, two spaces apart; `empty` when there are no rows.
    static func table(_ header: [String], _ rows: [[String]], empty: String) -> String {
        guard !rows.isEmpty else { return empty }
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Pretty, key-sorted JSON of `value` (the layout JSONSerialization wrote before).
    static func json(_ value: JSONValue) -> String {
        value.jsonText(options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// ISO 8601 in UTC, or `-`/null when absent.
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        return date.formatted(.iso8601)
    }

    /// ISO 8601 in UTC, or JSON null when absent.
    static func jsonTime(_ date: Date?) -> JSONValue {
        JSONValue(date.map { $0.formatted(.iso8601) })
    }
}
