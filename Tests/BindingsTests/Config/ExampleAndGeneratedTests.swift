@testable import Bindings
import JSONKit
import Foundation
import Testing
import TestSupport

@Suite struct ExampleAndGeneratedTests {
    static let exampleEnvironment = Dictionary(uniqueKeysWithValues: ConfigExample.variables.map { ($0, "value-of-\($0)") })

    @Test func exampleValidates() throws {
        let config = try parseConfig(ConfigExample.yaml, environment: Self.exampleEnvironment)
        #expect(config.agents.keys.sorted() == ["claude", "demo"])
        #expect(config.bindings.count == 2)
        #expect(config.agents["claude"]?.authMethod == "claude-login")
        #expect(config.channels.telegram["default"]?.botToken.value == "value-of-TELEGRAM_BOT_TOKEN")
        #expect(config.agents["demo"]?.cwd == "/etc/acpd/workspace")
        #expect(config.stateDir == "/etc/acpd/.acpd")
    }

    @Test func exampleWithoutItsVariablesNamesThem() {
        let issues = configIssues(ConfigExample.yaml)
        for name in ConfigExample.variables {
            #expect(issues.contains { $0.message.contains(name) }, "no issue names \(name)")
        }
    }
}

@Suite struct GeneratedArtifactsTests {
    /// `docs/config.md` is generated; regenerate with
    /// `ACPD_UPDATE_DOCS=1 swift test --filter GeneratedArtifactsTests` (or `acpd config docs > docs/config.md`).
    @Test func docsConfigMarkdownIsUpToDate() throws {
        let url = TestPaths.repoRoot.appendingPathComponent("docs/config.md")
        let generated = ConfigDocs.markdown()
        if ProcessInfo.processInfo.environment["ACPD_UPDATE_DOCS"] == "1" {
            try generated.write(to: url, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: url, encoding: .utf8)
        #expect(committed == generated, "docs/config.md is stale: run ACPD_UPDATE_DOCS=1 swift test --filter GeneratedArtifactsTests")
    }

    @Test func docsNameEveryKey() {
        let docs = ConfigDocs.markdown()
        for path in schemaKeyPaths(ACPDConfigSchema.root, prefix: "") {
            #expect(docs.contains("| `\(path)` |"), "docs/config.md lacks \(path)")
        }
        #expect(docs.contains("agents.<id>.authMethod") && docs.contains("acpd extension"))
    }

    @Test func exampleMentionsEveryKeyOfTheSchema() throws {
        let used = try exampleKeyPaths()
        for path in schemaKeyPaths(ACPDConfigSchema.root, prefix: "") {
            #expect(used.contains(path), "the example does not show \(path)")
        }
    }

    @Test func jsonSchemaAcceptsTheExampleAndRejectsMistakes() throws {
        guard FileManager.default.isExecutableFile(atPath: TestPaths.python) else {
            Issue.record("no Python venv at \(TestPaths.python): run scripts/setup-test-peers")
            return
        }
        var validator = SchemaValidator(environment: ExampleAndGeneratedTests.exampleEnvironment)
        let parsed = try validator.validateText(ConfigExample.yaml, schema: ACPDConfigSchema.root)
        let example = try #require(parsed)
        #expect(validator.issues.isEmpty)
        guard case .object(var broken) = example, case .object(var acp) = broken["acp"] else {
            Issue.record("the example is not a mapping")
            return
        }
        broken["stateDirectory"] = .string("/x")                                   // unknown key
        acp["backend"] = .string("grpc")                                           // bad enum
        broken["acp"] = .object(acp)
        broken["bindings"] = .array([.object(["type": .string("acp"), "agentId": .string("demo"),
                                              "match": .object(["channel": .string("telegram")])])])  // acp without peer
        let errors = try validateWithPython(schema: ConfigJSONSchema.text(), documents: [example.jsonText(), ConfigValue.object(broken).jsonText()])
        #expect(errors == [0, 3], "python jsonschema error counts for [example, broken]: \(errors)")
    }

    /// The key paths present in the example file, in `schemaKeyPaths` form.
    private func exampleKeyPaths() throws -> Set<String> {
        var validator = SchemaValidator(environment: ExampleAndGeneratedTests.exampleEnvironment)
        _ = try validator.validateText(ConfigExample.yaml, schema: ACPDConfigSchema.root)
        return Set(validator.lines.keys.compactMap { schemaForm($0, schema: ACPDConfigSchema.root) })
    }

    private func validateWithPython(schema: String, documents: [String]) throws -> [Int] {
        try withTemporaryDirectorySync { dir in
            let schemaURL = dir.appendingPathComponent("schema.json")
            try schema.write(to: schemaURL, atomically: true, encoding: .utf8)
            var paths: [String] = []
            for (offset, document) in documents.enumerated() {
                let url = dir.appendingPathComponent("doc\(offset).json")
                try document.write(to: url, atomically: true, encoding: .utf8)
                paths.append(url.path)
            }
            let script = """
                import json, sys
                from jsonschema import Draft202012Validator
                schema = json.load(open(sys.argv[1]))
                Draft202012Validator.check_schema(schema)
                v = Draft202012Validator(schema)
                print(" ".join(str(len(list(v.iter_errors(json.load(open(p)))))) for p in sys.argv[2:]))
                """
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TestPaths.python)
            process.arguments = ["-c", script, schemaURL.path] + paths
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            return String(decoding: output, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        }
    }
}

/// `a.b`, `agents.<id>.cwd`, `bindings[].match.peer.id`: every key the schema defines.
func schemaKeyPaths(_ schema: ConfigSchema, prefix: String) -> [String] {
    switch schema.kind {
    case .object(let fields):
        fields.flatMap { field in
            let path = prefix.isEmpty ? field.name : "\(prefix).\(field.name)"
            return [path] + schemaKeyPaths(field.schema, prefix: path)
        }
    case .map(_, let value): schemaKeyPaths(value, prefix: "\(prefix).<id>")
    case .array(let item, _): schemaKeyPaths(item, prefix: "\(prefix)[]")
    default: []
    }
}

/// `path` in `schemaKeyPaths` form (map keys → `<id>`, list positions → `[]`); nil for the root
/// and for entries of string-valued maps (e.g. `agents.<id>.env.<NAME>`), which the schema does not list.
func schemaForm(_ path: ConfigPath, schema root: ConfigSchema) -> String? {
    var schema = root
    var out = ""
    for component in path.components {
        switch (schema.kind, component) {
        case (.object(let fields), .key(let name)):
            guard let field = fields.first(where: { $0.name == name }) else { return nil }
            out += out.isEmpty ? name : ".\(name)"
            schema = field.schema
        case (.map(_, let value), .key):
            guard case .object = value.kind else { return nil }
            out += ".<id>"
            schema = value
        case (.array(let item, _), .index):
            out += "[]"
            schema = item
        default:
            return nil
        }
    }
    return out.isEmpty || out.hasSuffix("<id>") || out.hasSuffix("[]") ? nil : out
}

func withTemporaryDirectorySync<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("acpd-test-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}
