import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Foundation
import Testing

/// Issue 11, finding 3: every number of the config file has a range; a value inside it loads and
/// every setting derived from it (control plane, stream, access, runtime bindings) is built and
/// used without trapping; a value outside it is refused with the key's path and the range.
/// The keys come from the schema itself, so a new numeric key is covered without editing this file.
@Suite struct NumericConfigBoundsTests {
    /// A numeric key of the schema: its path (`["acp", "runtime", "ttlMinutes"]`) and range.
    struct NumericKey: Sendable, CustomTestStringConvertible {
        var path: [String]
        var min: Int
        var max: Int
        /// Required sibling lines of a map entry on the way (e.g. an account's `botToken`), by depth.
        var siblings: [Int: [String]] = [:]
        var name: String { path.joined(separator: ".") }
        /// The path as it appears in a file and in issues: a map entry is named `default`.
        var concretePath: [String] { path.map { $0 == "<id>" ? "default" : $0 } }
        var concreteName: String { concretePath.joined(separator: ".") }
        var testDescription: String { name }
    }

    /// Every integer key of the config schema, found by walking it. Keys under a list (none
    /// today) are reported as such, so the walk cannot skip them unnoticed; under a map, the entry
    /// `default` is written with its required string keys (e.g. `botToken`) beside the number.
    static let keys: [NumericKey] = {
        var found: [NumericKey] = []
        func walk(_ schema: ConfigSchema, _ path: [String], _ siblings: [Int: [String]]) {
            switch schema.kind {
            case .integer(let min, let max): found.append(NumericKey(path: path, min: min, max: max, siblings: siblings))
            case .object(let fields):
                for field in fields { walk(field.schema, path + [field.name], siblings) }
            case .array(let item, _): walk(item, path + ["[]"], siblings)
            case .map(_, let value):
                var siblings = siblings
                if case .object(let fields) = value.kind {
                    siblings[path.count + 1] = fields.filter(\.required).map { "\($0.name): \"1:x\"" }
                }
                walk(value, path + ["<id>"], siblings)
            default: break
            }
        }
        walk(ACPDConfigSchema.root, [], [:])
        return found
    }()

    /// A config file setting `key` to the plain scalar `value` (everything else default).
    static func yaml(_ key: NumericKey, _ value: String) -> String {
        let path = key.concretePath
        var out = ""
        for (depth, name) in path.enumerated() {
            for sibling in key.siblings[depth] ?? [] { out += String(repeating: "  ", count: depth) + sibling + "\n" }
            out += String(repeating: "  ", count: depth) + name + ":" + (depth == path.count - 1 ? " \(value)\n" : "\n")
        }
        return out
    }

    static func parseConfig(_ yaml: String) throws(ConfigError) -> ACPDConfig {
        try ConfigLoader.parse(yaml, baseDirectory: "/etc/acpd", environment: [:])
    }

    /// The issues of a file that must be invalid (a valid one records a failure).
    static func configIssues(_ yaml: String) -> [ConfigIssue] {
        do {
            _ = try parseConfig(yaml)
            Issue.record("expected the config to be invalid:\n\(yaml)")
            return []
        } catch {
            return error.issues
        }
    }

    @Test func theSchemaHasNumericKeysOnlyInPlainObjects() {
        #expect(Self.keys.count >= 13, "found \(Self.keys.map(\.name))")
        for key in Self.keys {
            #expect(!key.path.contains("[]"), "\(key.name): a numeric key under a list needs a document builder here")
        }
    }

    /// Every range is far from overflow: even in milliseconds of hours a bound fits comfortably.
    @Test(arguments: keys) func everyRangeIsFarFromOverflow(_ key: NumericKey) {
        #expect(key.min >= 0 && key.min <= key.max)
        #expect(key.max.multipliedReportingOverflow(by: 3_600_000).overflow == false)
        #expect(key.max <= 31_536_000, "\(key.name): \(key.max) is more than a year in seconds")
    }

    /// `docs/config.md` and the JSON Schema (`acpd config schema`) show each range.
    @Test(arguments: keys) func docsAndJSONSchemaShowTheRange(_ key: NumericKey) throws {
        #expect(ConfigDocs.markdown().contains("| `\(key.name)` | integer \(key.min)–\(key.max) |"), "docs/config.md: \(key.name)")
        var node = ConfigJSONSchema.document()
        for component in key.path {
            node = try #require(component == "<id>" ? node["additionalProperties"] : node["properties"]?[component], "\(key.name) in the JSON Schema")
        }
        #expect(node["type"] == .string("integer"))
        #expect(node["minimum"] == .integer(key.min) && node["maximum"] == .integer(key.max), "\(key.name): \(node)")
    }

    @Test(arguments: keys) func valuesInRangeLoadAndBuildEverySetting(_ key: NumericKey) async throws {
        let max = key.max
        for value in Set([key.min, key.min + 1, max - 1, max]) where value >= key.min {
            let config = try Self.parseConfig(Self.yaml(key, String(value)))
            await Self.buildAndUseDerivedSettings(config)
        }
    }

    @Test(arguments: keys) func valuesOutOfRangeAreRefusedWithPathAndRange(_ key: NumericKey) throws {
        let max = key.max
        let outside = [String(key.min - 1), String(max + 1), String(Int64.max), "1000000000000000000", "-1",
                       String(Int64.min), "99999999999999999999", "1e18", "-99999999999999999999"]
        for text in Set(outside) {
            if let value = Int(text), (key.min...max).contains(value) { continue }
            let issues = Self.configIssues(Self.yaml(key, text))
            let issue = issues.first { $0.path.description == key.concreteName }
            #expect(issue != nil, "\(key.name): \(text) was not refused at its path: \(issues)")
            #expect(issue?.message.contains("from \(key.min) to \(max)") == true, "\(key.name) = \(text): \(issue?.message ?? "-")")
        }
    }

    /// Defence in depth: settings derived from numbers that never passed the validator (a config
    /// changed in code, a key added without a range) saturate or clamp instead of trapping.
    @Test(arguments: [Int.max, Int(Int64.max / 2), 1_000_000_000_000_000_000, 3_600_000_000, Int.min, -1, 0])
    func derivedSettingsNeverTrapOnAnyInteger(_ value: Int) async throws {
        var config = try Self.parseConfig("")
        config.acp.maxConcurrentSessions = value
        config.acp.turnTimeoutSeconds = value
        config.acp.runtimeTTLMinutes = value
        config.acp.idempotencyTTLHours = value
        config.acp.runtimeBindings = RuntimeBindingPolicy(idleHours: value, maxAgeHours: value)
        config.acp.stream.coalesceIdleMs = value
        config.acp.stream.maxChunkChars = value
        config.acp.stream.maxOutputChars = value
        config.acp.permissions.timeoutSeconds = value
        config.access.authTTLSeconds = value
        config.access.rateLimit = .init(perMinute: value, burst: value)
        await Self.buildAndUseDerivedSettings(config)
    }

    /// Builds what `acpd run` derives from the config and exercises the arithmetic done with it:
    /// a trap here is the crash of finding 3.
    static func buildAndUseDerivedSettings(_ config: ACPDConfig) async {
        let acp = config.acp
        let settings = acp.controlPlaneSettings  // what `acpd run` hands the session manager
        let now = Date()
        for duration in [settings.turnTimeout, settings.runtimeTTL, settings.idempotencyTTL, settings.permissionTimeout] {
            #expect(duration >= .zero)
            // What the session actor does with them: sleep for one (cancelled at once) and add one to now.
            let sleeper = Task { try await Task.sleep(for: duration) }
            sleeper.cancel()
            _ = await sleeper.result
            _ = now.addingTimeInterval(Double(duration.components.seconds))
        }

        for channel in [ProjectorHarness.editingChannel,
                        ChannelCapabilities(maxMessageLength: 16_000, supportsEdit: true, supportsButtons: false),
                        ChannelCapabilities(maxMessageLength: 2000, supportsEdit: false, supportsButtons: true)] {
            let projector = ProjectorSettings(stream: acp.stream, channel: channel)
            #expect(projector.coalesceIdle >= .zero && projector.maxCoalesceDelay >= projector.coalesceIdle)
            #expect(projector.messageLimit >= 1 && projector.maxOutputChars >= 1)
            let ops = ProjectorHarness(stream: acp.stream, channel: channel)
                .run([ProjectorHarness.text(String(repeating: "x", count: 3000)), ProjectorHarness.done])
            #expect(!ops.isEmpty)
        }

        let sender = SenderRef(channel: .http, id: "alice")
        var limiter = RateLimiter(config.access.rateLimit)
        let consumed = limiter.consume(sender, now: now)
        #expect(consumed)
        _ = limiter.available(sender, now: now.addingTimeInterval(3600))
        var gate = SecretGate(secret: "s3cret", ttlSeconds: config.access.authTTLSeconds)
        let unlocked = gate.authenticate(sender, secret: "s3cret", now: now)
        #expect(unlocked.hasPrefix("OK: unlocked for"))
        #expect(gate.isUnlocked(sender, now: now))

        let binding = RuntimeBinding(conversation: ConversationRef(channel: .http, conversationId: "room1"),
                                     sessionKey: SessionKey("agent:demo:acp:1")!, persist: false,
                                     createdAt: now, lastActivityAt: now)
        if let deadline = RuntimeBindingExpiry.deadline(of: binding, policy: acp.runtimeBindings) {
            _ = deadline.at.formatted(.iso8601)
            _ = RuntimeBindingExpiry.notice(for: .init(binding: binding, reason: deadline.reason), policy: acp.runtimeBindings)
        }
        _ = RuntimeBindingExpiry.expired([binding], at: now, policy: acp.runtimeBindings)
    }
}
