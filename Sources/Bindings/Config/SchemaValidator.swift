/// Checks a YAML tree against a `ConfigSchema` and produces the `ConfigValue` with defaults filled
/// in. It never stops at the first problem: every issue is collected with its full path, and a bad
/// value is left out of the result (so later checks can skip what is already reported).
///
/// Plain scalars are typed by a small fixed rule (integers, `true`/`false`, `null`/`~`/empty);
/// quoted scalars are always strings. `${NAME}` in any scalar value is replaced first.
struct SchemaValidator {
    let environment: [String: String]
    private(set) var issues: [ConfigIssue] = []
    /// The line of each value found in the file, for messages about it.
    private(set) var lines: [ConfigPath: Int] = [:]

    init(environment: [String: String]) {
        self.environment = environment
    }

    /// Parses YAML `text` and validates it; throws only when it is not YAML.
    mutating func validateText(_ text: String, schema: ConfigSchema) throws(YAMLError) -> ConfigValue? {
        validateDocument(try YAMLComposer.compose(text), schema: schema)
    }

    /// Validates the document root. A missing or empty document is an empty mapping.
    mutating func validateDocument(_ node: YAMLNode?, schema: ConfigSchema) -> ConfigValue? {
        guard let node else { return validateAbsent(schema, at: .root) }
        if case .scalar(let scalar) = node, scalar.style == .plain, Self.isNull(scalar.string) {
            return validateAbsent(schema, at: .root)
        }
        return validate(node, schema, at: .root)
    }

    mutating func validate(_ node: YAMLNode, _ schema: ConfigSchema, at path: ConfigPath) -> ConfigValue? {
        lines[path] = node.mark.line
        switch schema.kind {
        case .object(let fields): return validateObject(node, fields, at: path)
        case .map(let keyFormat, let valueSchema): return validateMap(node, keyFormat, valueSchema, at: path)
        case .array(let item, let minItems): return validateArray(node, item, minItems: minItems, at: path)
        default: return validateScalar(node, schema, at: path)
        }
    }

    // MARK: - Containers

    private mutating func validateObject(_ node: YAMLNode, _ fields: [ConfigSchema.Field], at path: ConfigPath) -> ConfigValue? {
        guard case .mapping(let mapping) = node else { return typeMismatch(node, expected: "a mapping", at: path) }
        var values: [String: ConfigValue] = [:]
        var seen: Set<String> = []
        let known = Dictionary(fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (keyNode, valueNode) in mapping.pairs {
            guard let key = keyNode.scalar?.string else {
                report(path, "mapping keys must be strings", node: keyNode)
                continue
            }
            let childPath = path.key(key)
            guard let field = known[key] else {
                report(childPath, unknownKeyMessage(key, allowed: fields.map(\.name)), node: keyNode)
                continue
            }
            seen.insert(key)
            if isNullNode(valueNode) {
                lines[childPath] = valueNode.mark.line
                if let value = absentValue(field, at: childPath) { values[key] = value }
                continue
            }
            if let value = validate(valueNode, field.schema, at: childPath) { values[key] = value }
        }
        for field in fields where !seen.contains(field.name) {
            if let value = absentValue(field, at: path.key(field.name)) { values[field.name] = value }
        }
        return .object(values)
    }

    private mutating func validateMap(_ node: YAMLNode, _ keyFormat: StringFormat, _ valueSchema: ConfigSchema,
                                      at path: ConfigPath) -> ConfigValue? {
        guard case .mapping(let mapping) = node else { return typeMismatch(node, expected: "a mapping", at: path) }
        var values: [String: ConfigValue] = [:]
        for (keyNode, valueNode) in mapping.pairs {
            guard let key = keyNode.scalar?.string else {
                report(path, "mapping keys must be strings", node: keyNode)
                continue
            }
            let childPath = path.key(key)
            guard keyFormat.accepts(key) else {
                report(childPath, "invalid name; expected \(keyFormat.expected)", node: keyNode)
                continue
            }
            if isNullNode(valueNode) {
                if case .object = valueSchema.kind, valueSchema.materialisesWhenAbsent {
                    values[key] = validateAbsent(valueSchema, at: childPath)
                } else {
                    report(childPath, "expected \(describe(valueSchema)), got null", node: valueNode)
                }
                continue
            }
            if let value = validate(valueNode, valueSchema, at: childPath) {
                values[key] = value
            } else if case .object = valueSchema.kind {
                // Keep the name known (e.g. an agent with a bad value is still declared), so
                // references to it are not reported a second time; the issue is already recorded.
                values[key] = .object([:])
            }
        }
        return .object(values)
    }

    private mutating func validateArray(_ node: YAMLNode, _ item: ConfigSchema, minItems: Int, at path: ConfigPath) -> ConfigValue? {
        guard case .sequence(let sequence) = node else { return typeMismatch(node, expected: "a list", at: path) }
        guard sequence.items.count >= minItems else {
            report(path, "expected a list of at least \(minItems) item\(minItems == 1 ? "" : "s")", node: node)
            return nil
        }
        var values: [ConfigValue] = []
        var complete = true
        for (position, element) in sequence.items.enumerated() {
            let childPath = path.index(position)
            if isNullNode(element) {
                report(childPath, "expected \(describe(item)), got null", node: element)
                complete = false
                values.append(.object([:]))
            } else if let value = validate(element, item, at: childPath) {
                values.append(value)
            } else {
                complete = false
                values.append(.object([:]))
            }
        }
        // A list of objects keeps a placeholder for a bad item so that positions stay true
        // (`bindings[2]` is still the third); the caller skips items with reported issues.
        // Any other list with a bad item is left out entirely.
        if case .object = item.kind { return .array(values) }
        return complete ? .array(values) : nil
    }

    // MARK: - Absent keys and defaults

    private mutating func absentValue(_ field: ConfigSchema.Field, at path: ConfigPath) -> ConfigValue? {
        if field.required {
            report(path, "required key is missing; expected \(describe(field.schema))", node: nil)
            return nil
        }
        return validateAbsent(field.schema, at: path)
    }

    /// The value of an absent optional key: its default, or an object of its children's defaults.
    private mutating func validateAbsent(_ schema: ConfigSchema, at path: ConfigPath) -> ConfigValue? {
        if let value = schema.defaultValue { return value }
        guard case .object(let fields) = schema.kind, schema.materialisesWhenAbsent else { return nil }
        var values: [String: ConfigValue] = [:]
        for field in fields {
            if let value = validateAbsent(field.schema, at: path.key(field.name)) { values[field.name] = value }
        }
        return .object(values)
    }
}

extension SchemaValidator {
    // MARK: - Scalars

    fileprivate mutating func validateScalar(_ node: YAMLNode, _ schema: ConfigSchema, at path: ConfigPath) -> ConfigValue? {
        guard case .scalar(let scalar) = node else {
            return typeMismatch(node, expected: describe(schema), at: path)
        }
        let text: String
        switch EnvironmentSubstitution.substitute(scalar.string, environment: environment) {
        case .success(let substituted): text = substituted
        case .failure(let error):
            report(path, error.message, node: node)
            return nil
        }
        let plain = scalar.style == .plain
        let shown = schema.secret ? "" : " (\(ConfigValue.quoted(String(text.prefix(80)))))"
        switch schema.kind {
        case .string(let format):
            if plain, let kind = Self.nonStringKind(text) {
                report(path, "expected \(format.expected), got \(kind); quote it to make it a string", node: node)
                return nil
            }
            guard format.accepts(text) else {
                report(path, "expected \(format.expected)" + (schema.secret ? "" : ", got \(ConfigValue.quoted(String(text.prefix(80))))"), node: node)
                return nil
            }
            return .string(text)
        case .id(let expected):
            if plain, let kind = Self.nonStringKind(text), kind != "an integer" {
                report(path, "expected \(expected), got \(kind)", node: node)
                return nil
            }
            guard !text.isEmpty else {
                report(path, "expected \(expected), got an empty string", node: node)
                return nil
            }
            return .string(text)
        case .integer(let min, let max):
            if plain, Self.integer(text) == nil, Self.isIntegerLiteral(text) {
                // Digits beyond Int64: a number, just far out of range (not "a string").
                report(path, "expected \(describe(schema)), got \(text.prefix(40))\(text.count > 40 ? "…" : "") (out of range)", node: node)
                return nil
            }
            guard plain, let value = Self.integer(text) else {
                report(path, "expected \(describe(schema)), got \(plain ? "\(Self.nonStringKind(text) ?? "a string")" : "a quoted string")\(shown)", node: node)
                return nil
            }
            guard value >= min, value <= max else {
                report(path, "expected \(describe(schema)), got \(value)", node: node)
                return nil
            }
            return .integer(value)
        case .boolean:
            guard plain, let value = Self.boolean(text) else {
                report(path, "expected true or false, got \(plain ? (Self.nonStringKind(text) ?? "a string") : "a quoted string")\(shown)", node: node)
                return nil
            }
            return .boolean(value)
        case .enumeration(let values):
            guard values.contains(text) else {
                report(path, "expected one of \(values.joined(separator: " | ")), got \(ConfigValue.quoted(String(text.prefix(80))))", node: node)
                return nil
            }
            return .string(text)
        case .object, .map, .array:
            return typeMismatch(node, expected: describe(schema), at: path)
        }
    }

    fileprivate mutating func typeMismatch(_ node: YAMLNode, expected: String, at path: ConfigPath) -> ConfigValue? {
        let got: String = switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(let scalar) where scalar.style == .plain: Self.nonStringKind(scalar.string) ?? "a string"
        case .scalar: "a string"
        }
        report(path, "expected \(expected), got \(got)", node: node)
        return nil
    }

    fileprivate mutating func report(_ path: ConfigPath, _ message: String, node: YAMLNode?) {
        issues.append(ConfigIssue(path: path, message: message, line: node?.mark.line ?? nearestLine(path)))
    }

    func nearestLine(_ path: ConfigPath) -> Int? {
        var components = path.components
        while true {
            if let line = lines[ConfigPath(components: components)] { return line }
            guard !components.isEmpty else { return nil }
            components.removeLast()
        }
    }

    fileprivate func describe(_ schema: ConfigSchema) -> String {
        switch schema.kind {
        case .string(let format): format.expected
        case .id(let expected): expected
        case .integer(let min, let max): "an integer from \(min) to \(max)"
        case .boolean: "true or false"
        case .enumeration(let values): "one of \(values.joined(separator: " | "))"
        case .array(let item, _): "a list of \(describe(item))"
        case .object: "a mapping"
        case .map: "a mapping"
        }
    }

    fileprivate func unknownKeyMessage(_ key: String, allowed: [String]) -> String {
        let lower = key.lowercased()
        if let near = allowed.min(by: { Self.distance($0, key) < Self.distance($1, key) }), Self.distance(near, key) <= 2 {
            return "unknown key (did you mean \"\(near)\"?)"
        }
        if lower.count >= 4, let near = allowed.first(where: { lower.hasPrefix($0.lowercased()) || $0.lowercased().hasPrefix(lower) }) {
            return "unknown key (did you mean \"\(near)\"?)"
        }
        return "unknown key; allowed keys: \(allowed.joined(separator: ", "))"
    }

    fileprivate func isNullNode(_ node: YAMLNode) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return Self.isNull(scalar.string)
    }

    static func isNull(_ text: String) -> Bool { YAMLScalarResolution.isNull(text) }

    static func boolean(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    static func integer(_ text: String) -> Int? {
        guard isIntegerLiteral(text) else { return nil }
        return Int(text.first == "+" ? String(text.dropFirst()) : text)
    }

    /// An optional sign and ASCII digits: the integer form, whether or not it fits an `Int`.
    static func isIntegerLiteral(_ text: String) -> Bool {
        let digits = text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
        return !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
    }

    /// What a plain scalar is when it is not a string: used to say "got an integer".
    static func nonStringKind(_ text: String) -> String? {
        if isNull(text) { return "null" }
        if boolean(text) != nil { return "a boolean" }
        if integer(text) != nil { return "an integer" }
        return nil
    }

    /// Levenshtein distance, for "did you mean" on short key names.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
