@testable import Bindings
import Testing

/// The YAML composer over libyaml's events: node kinds, styles, tags, marks, aliases and their
/// limits, duplicate keys, documents, and errors as the config loader reports them.
@Suite struct YAMLComposerTests {
    private func compose(_ text: String) throws -> YAMLNode {
        try #require(try YAMLComposer.compose(text))
    }

    private func composeError(_ text: String, maxNodes: Int = YAMLComposer.maxNodes,
                              sourceLocation: SourceLocation = #_sourceLocation) -> YAMLError? {
        do {
            _ = try YAMLComposer.compose(text, maxNodes: maxNodes)
            Issue.record("expected \(text.debugDescription) to be refused", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    private func mapping(_ node: YAMLNode) throws -> YAMLMapping {
        guard case .mapping(let mapping) = node else { throw Failure("not a mapping: \(node)") }
        return mapping
    }

    private func value(_ node: YAMLNode, _ key: String) throws -> YAMLNode {
        try #require(try mapping(node).pairs.first { $0.key.scalar?.string == key }?.value)
    }

    struct Failure: Error { var message: String; init(_ message: String) { self.message = message } }

    @Test func nodeKindsKeepDocumentOrderAndMarks() throws {
        let root = try compose("""
            b: 1
            a:
              - x
              - { k: v }
            c: [1, 2]
            """)
        let top = try mapping(root)
        #expect(top.pairs.map { $0.key.scalar?.string } == ["b", "a", "c"])
        #expect(top.mark == YAMLMark(line: 1, column: 1))
        guard case .sequence(let list) = try value(root, "a") else { throw Failure("a is not a list") }
        #expect(list.mark == YAMLMark(line: 3, column: 3))
        #expect(list.items.count == 2)
        #expect(list.items[0].scalar?.string == "x")
        #expect(list.items[0].mark == YAMLMark(line: 3, column: 5))
        #expect(try mapping(list.items[1]).pairs.first?.value.scalar?.string == "v")
        #expect(try mapping(list.items[1]).mark == YAMLMark(line: 4, column: 5))
        guard case .sequence(let flow) = try value(root, "c") else { throw Failure("c is not a list") }
        #expect(flow.items.map { $0.scalar?.string } == ["1", "2"])
    }

    struct StyleCase: Sendable, CustomTestStringConvertible {
        var yaml: String
        var string: String
        var style: YAMLScalar.Style
        var testDescription: String { yaml.debugDescription }
    }

    @Test(arguments: [
        StyleCase(yaml: "v: plain words\n", string: "plain words", style: .plain),
        StyleCase(yaml: "v: 'it''s'\n", string: "it's", style: .singleQuoted),
        StyleCase(yaml: "v: \"tab\\tnewline\\n\\u00e9\"\n", string: "tab\tnewline\né", style: .doubleQuoted),
        StyleCase(yaml: "v: |\n  one\n  two\n", string: "one\ntwo\n", style: .literal),
        StyleCase(yaml: "v: >\n  one\n  two\n", string: "one two\n", style: .folded),
        StyleCase(yaml: "v: |-\n  kept\n", string: "kept", style: .literal),
        StyleCase(yaml: "v: 日本語 ✓\n", string: "日本語 ✓", style: .plain),
        StyleCase(yaml: "v:\n", string: "", style: .plain),
    ])
    func scalarStyles(_ testCase: StyleCase) throws {
        let scalar = try #require(try value(compose(testCase.yaml), "v").scalar)
        #expect(scalar.string == testCase.string)
        #expect(scalar.style == testCase.style)
    }

    @Test func explicitTagsAreKeptAndResolveTheScalar() throws {
        let root = try compose("a: !!str 1\nb: 1\nc: \"1\"\nd: !custom x\ne: !!map {k: v}\n")
        #expect(try value(root, "a").scalar?.tag == "tag:yaml.org,2002:str")
        #expect(try value(root, "a").scalar?.resolvedTag == "tag:yaml.org,2002:str")
        #expect(try value(root, "b").scalar?.tag == nil)
        #expect(try value(root, "b").scalar?.resolvedTag == "tag:yaml.org,2002:int")
        #expect(try value(root, "c").scalar?.resolvedTag == "tag:yaml.org,2002:str")
        #expect(try value(root, "d").scalar?.tag == "!custom")
        #expect(try mapping(value(root, "e")).tag == "tag:yaml.org,2002:map")
    }

    @Test(arguments: [
        ("", "null"), ("~", "null"), ("Null", "null"), ("NULL", "null"), ("nULL", "str"),
        ("true", "bool"), ("False", "bool"), ("yes", "bool"), ("OFF", "bool"), ("tRue", "str"),
        ("0", "int"), ("-12", "int"), ("+7", "int"), ("1_000", "int"), ("0x1F", "int"), ("0b101", "int"), ("017", "int"),
        ("0o17", "int"), ("1:30", "int"), ("1:60", "str"), ("08", "float"), ("1.5", "float"), (".5", "float"),
        ("1e5", "float"), ("-.inf", "float"), (".NaN", "float"), ("1:30.5", "float"), ("12e", "str"),
        ("2001-12-14", "timestamp"), ("2001-12-14t21:59:43.10-05:00", "timestamp"), ("2001-12-14 21:59:43 +5", "timestamp"),
        ("<<", "merge"), ("=", "value"), ("1 2", "str"), ("١٢", "str"), ("demo", "str"),
    ])
    func plainScalarResolution(_ text: String, _ kind: String) {
        #expect(YAMLScalarResolution.tag(ofPlain: text) == "tag:yaml.org,2002:" + kind)
    }

    @Test func aliasesProduceTheAnchoredNode() throws {
        let root = try compose("""
            base: &shared { command: [demo], cwd: /srv }
            copy: *shared
            list: [&one 1, *one, *one]
            again: &shared late
            last: *shared
            """)
        let copy = try mapping(value(root, "copy"))
        #expect(copy.pairs.map { $0.key.scalar?.string } == ["command", "cwd"])
        #expect(copy.mark == YAMLMark(line: 1, column: 7), "an alias stands for the anchored node, marks included (libyaml starts a node at its anchor)")
        guard case .sequence(let list) = try value(root, "list") else { throw Failure("list") }
        #expect(list.items.map { $0.scalar?.string } == ["1", "1", "1"])
        #expect(try value(root, "last").scalar?.string == "late", "a redefined anchor names the latest node")
    }

    @Test func undefinedAndSelfReferencingAliasesAreRefused() {
        #expect(composeError("a: *nowhere\n") == YAMLError(.syntax(problem: "found undefined alias"), mark: YAMLMark(line: 1, column: 4)))
        #expect(composeError("a: &x [1, *x]\n")?.kind == .syntax(problem: "found undefined alias"))
    }

    @Test func anAliasBombIsRefusedBeforeItExpands() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            yaml += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let error = composeError(yaml)
        #expect(error?.kind == .aliasExpansion(limit: YAMLComposer.maxNodes))
        #expect(error?.message.contains("aliases expand the document to more than 100000 values") == true)
        #expect(error?.mark?.line == 5, "the first alias that crosses the limit (level 4 expands to 11,111 nodes per item)")
        // The same limit counts plain nodes too: a small cap refuses a small document.
        #expect(composeError("[1, 2, 3]", maxNodes: 3)?.kind == .tooManyNodes(limit: 3))
        #expect((try? YAMLComposer.compose("[1, 2, 3]", maxNodes: 4)) != nil)
    }

    /// Issue 11, finding 9: each limit says which one it is. A long list written out is too many
    /// values (no alias involved); an alias bomb is alias expansion; nesting is depth.
    @Test func eachLimitSaysWhatItLimits() throws {
        let long = "[" + Array(repeating: "x", count: YAMLComposer.maxNodes + 1).joined(separator: ", ") + "]"
        let tooMany = try #require(composeError(long))
        #expect(tooMany.kind == .tooManyNodes(limit: YAMLComposer.maxNodes))
        #expect(!tooMany.message.contains("alias"), "\(tooMany.message)")
        #expect(tooMany.message.contains("more than 100000 values"), "\(tooMany.message)")
        let listIssue = try #require(configIssues("acp: { allowedAgents: \(long) }\n").first)
        #expect(!listIssue.message.contains("alias") && listIssue.message.contains("more than 100000 values"), "\(listIssue)")

        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            bomb += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let expanded = try #require(composeError(bomb))
        #expect(expanded.message.contains("aliases expand the document to more than 100000 values"), "\(expanded.message)")
        #expect(expanded.kind == .aliasExpansion(limit: YAMLComposer.maxNodes))

        let deep = String(repeating: "[", count: YAMLComposer.maxDepth + 1) + String(repeating: "]", count: YAMLComposer.maxDepth + 1)
        let nested = try #require(composeError(deep))
        #expect(nested.message.contains("nest deeper than 200 levels") && !nested.message.contains("alias"), "\(nested.message)")
        #expect(nested.kind == .tooDeep(limit: YAMLComposer.maxDepth))
    }

    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: YAMLComposer.maxDepth + 1) + String(repeating: "]", count: YAMLComposer.maxDepth + 1)
        #expect(composeError(deep)?.kind == .tooDeep(limit: YAMLComposer.maxDepth))
        let fine = String(repeating: "[", count: 50) + String(repeating: "]", count: 50)
        #expect((try? YAMLComposer.compose(fine)) != nil)
    }

    struct DuplicateCase: Sendable, CustomTestStringConvertible {
        var yaml: String
        var keys: [String]?
        var line: Int?
        var testDescription: String { yaml.debugDescription }
    }

    @Test(arguments: [
        DuplicateCase(yaml: "a: 1\na: 2\n", keys: ["a"], line: 1),
        DuplicateCase(yaml: "a: 1\n'a': 2\n", keys: ["a"], line: 1),
        DuplicateCase(yaml: "b: 1\na: 1\nb: 2\na: 3\n", keys: ["a", "b"], line: 2),
        DuplicateCase(yaml: "x:\n  k: 1\n  k: 2\n", keys: ["k"], line: 2),
        DuplicateCase(yaml: "{a: 1, a: 2}", keys: ["a"], line: 1),
        DuplicateCase(yaml: "~: 1\n~: 2\n", keys: ["~"], line: 1),
        DuplicateCase(yaml: "1: x\n'1': y\n", keys: nil, line: nil),
        DuplicateCase(yaml: "true: x\n\"true\": y\n", keys: nil, line: nil),
        DuplicateCase(yaml: "~: x\nnull: y\n", keys: nil, line: nil),
        DuplicateCase(yaml: "a: 1\nb: 2\nA: 3\n", keys: nil, line: nil),
    ])
    func duplicateKeys(_ testCase: DuplicateCase) {
        do {
            _ = try YAMLComposer.compose(testCase.yaml)
            #expect(testCase.keys == nil, "expected duplicates \(testCase.keys ?? [])")
        } catch {
            #expect(error.kind == .duplicateKeys(testCase.keys ?? []))
            #expect(error.mark?.line == testCase.line)
        }
    }

    @Test(arguments: ["", "\n\n", "# only a comment\n", "  # indented comment\n# another\n", "\u{FEFF}", "\u{FEFF}# bom and comment\n"])
    func noDocumentIsNil(_ text: String) throws {
        #expect(try YAMLComposer.compose(text) == nil)
    }

    @Test func anEmptyExplicitDocumentIsANullScalar() throws {
        let scalar = try #require(try compose("---\n").scalar)
        #expect(scalar.string == "" && scalar.style == .plain)
    }

    @Test func aByteOrderMarkIsIgnoredAndColumnsStayTrue() throws {
        let root = try compose("\u{FEFF}stateDir: /x\nacp: { enabled: true }\n")
        #expect(try mapping(root).pairs.first?.key.mark == YAMLMark(line: 1, column: 1))
        #expect(try value(root, "stateDir").scalar?.string == "/x")
        #expect(try value(root, "acp").mark.line == 2)
    }

    @Test func aSecondDocumentIsRefusedAtItsStart() {
        let error = composeError("a: 1\n---\nb: 2\n")
        #expect(error == YAMLError(.syntax(problem: "expected a single document in the stream but found another document"),
                                   mark: YAMLMark(line: 2, column: 1)))
    }

    struct SyntaxCase: Sendable, CustomTestStringConvertible {
        var yaml: String
        var problem: String
        var line: Int
        var testDescription: String { yaml.debugDescription }
    }

    @Test(arguments: [
        SyntaxCase(yaml: "a:\n\tb: 1\n", problem: "while scanning for the next token found character that cannot start any token", line: 2),
        SyntaxCase(yaml: "a: {b: 1\n", problem: "while parsing a flow mapping did not find expected ',' or '}'", line: 2),
        SyntaxCase(yaml: "a:\n  - 1\n - 2\n", problem: "while parsing a block mapping did not find expected key", line: 3),
        SyntaxCase(yaml: "a: 1\n  b: 2\n", problem: "mapping values are not allowed in this context", line: 2),
        SyntaxCase(yaml: "ok: 1\nkey: \"open\n", problem: "while scanning a quoted scalar found unexpected end of stream", line: 3),
        SyntaxCase(yaml: "a: \u{1}\n", problem: "control characters are not allowed", line: 1),
    ])
    func syntaxErrorsCarryLibyamlsWordsAndLine(_ testCase: SyntaxCase) {
        let error = composeError(testCase.yaml)
        #expect(error?.kind == .syntax(problem: testCase.problem))
        #expect(error?.mark?.line == testCase.line)
        #expect(error?.message == "not valid YAML: " + testCase.problem)
    }

    @Test func theLoaderReportsYAMLErrorsAtTheRootWithTheirLine() throws {
        let cases: [(String, String, Int)] = [
            ("acp:\n  enabled: true\n\tbad: 1\n", "not valid YAML: while scanning a plain scalar found a tab character", 3),
            ("acp: { enabled: true }\n\nacp: {}\n", "duplicate key acp in one mapping; a key may appear once", 1),
            ("acp: {}\n---\nacp: {}\n", "not valid YAML: expected a single document in the stream but found another document", 2),
        ]
        for (yaml, message, line) in cases {
            let issues = configIssues(yaml)
            #expect(issues.count == 1)
            #expect(issues.first?.path == .root)
            #expect(issues.first?.message.hasPrefix(message) == true, "\(issues.map(\.message))")
            #expect(issues.first?.line == line)
        }
    }

    @Test func validationIssuesPointAtTheLineOfTheValue() {
        let issues = configIssues("# header\n\nacp:\n  # note\n  maxConcurrentSessions: many\n")
        #expect(issues.first { $0.path.description == "acp.maxConcurrentSessions" }?.line == 5)
    }

    @Test func commentsOnlyAndEmptyFilesAreTheDefaults() throws {
        let empty = try parseConfig("")
        #expect(try parseConfig("# nothing here yet\n") == empty)
        #expect(try parseConfig("\u{FEFF}") == empty)
        #expect(try parseConfig("---\n") == empty)
    }
}
