/// The shape of the config file as data: every key, its type, default and meaning.
///
/// This one model drives the validator (`SchemaValidator`), the JSON Schema (`acpd config
/// schema`) and the reference (`docs/config.md`), so the three cannot drift apart. Rules that
/// span several keys (ids per channel, declared agents, duplicates, workspace roots) live in
/// `ConfigBuilder`, and are summarised in the docs.
struct ConfigSchema: Sendable {
    /// The kinds of values a key can hold.
    indirect enum Kind: Sendable {
        /// A string scalar (quoted or plain) matching `format`.
        case string(StringFormat)
        /// A conversation or platform id: a string, or an integer scalar kept exactly as written;
        /// `expected` describes the form (the exact rule depends on other keys, e.g. the channel).
        case id(expected: String)
        /// An integer from `min` to `max` (both included): every number of the file is bounded.
        case integer(min: Int, max: Int)
        case boolean
        case enumeration([String])
        case array(ConfigSchema, minItems: Int)
        /// A mapping with a fixed set of keys; any other key is an error.
        case object([Field])
        /// A mapping from names (checked by `key`) to values of one shape.
        case map(key: StringFormat, value: ConfigSchema)
    }

    /// One key of an object.
    struct Field: Sendable {
        var name: String
        var schema: ConfigSchema
        var required: Bool
    }

    var kind: Kind
    /// What the key means; one or two sentences of Markdown.
    var doc: String
    /// The value used when the key is absent.
    var defaultValue: ConfigValue?
    /// How the default reads in the docs when it is not a literal (e.g. `acp.backend`).
    var defaultDoc: String?
    /// Never echo this value in errors or logs.
    var secret = false
    /// Set for keys that acpd adds to CONTRACT.md §3; the docs say so.
    var isExtension = false
    /// Extra JSON Schema keywords for rules the structure alone cannot say.
    var jsonSchemaExtras: [String: ConfigValue] = [:]

    init(_ kind: Kind, doc: String, default defaultValue: ConfigValue? = nil, defaultDoc: String? = nil,
         secret: Bool = false, isExtension: Bool = false, jsonSchemaExtras: [String: ConfigValue] = [:]) {
        self.kind = kind
        self.doc = doc
        self.defaultValue = defaultValue
        self.defaultDoc = defaultDoc
        self.secret = secret
        self.isExtension = isExtension
        self.jsonSchemaExtras = jsonSchemaExtras
    }

    /// An object whose absence means "all defaults" unless one of its keys is required.
    var materialisesWhenAbsent: Bool {
        guard case .object(let fields) = kind else { return false }
        return !fields.contains(where: \.required)
    }

    /// The short type name used in messages and docs.
    var typeName: String {
        switch kind {
        case .string(let format): format.name
        case .id: "id"
        case .integer(let min, let max): "integer \(min)–\(max)"
        case .boolean: "boolean"
        case .enumeration(let values): values.joined(separator: " \\| ")
        case .array(let item, _): "list of \(item.typeName)"
        case .object: "object"
        case .map(let key, let value): "map of \(key.name) → \(value.typeName)"
        }
    }
}

/// A named string shape with one regular expression, used both for checking and in the JSON Schema.
/// The check is a hand-written matcher (`Shape`) that accepts exactly the strings the pattern
/// matches as a whole (Swift Regex semantics, one `Character` at a time); a test holds the two to
/// the same answers.
struct StringFormat: Sendable {
    var name: String
    /// An anchored-by-use regular expression (ECMA 262 subset that Swift Regex also reads), or nil
    /// for any string. Exported into the JSON Schema; `shape` is what checks it.
    var pattern: String?
    /// The expected form, in words, with an example.
    var expected: String
    var minLength = 0
    /// The matcher for `pattern`.
    var shape: Shape = .any

    func accepts(_ text: String) -> Bool {
        guard text.count >= minLength else { return false }
        return shape.matches(text)
    }

    static let any = StringFormat(name: "string", pattern: nil, expected: "a string")
    static let nonEmpty = StringFormat(name: "string", pattern: nil, expected: "a non-empty string", minLength: 1)
    static let path = StringFormat(name: "path", pattern: nil, expected: "a path (e.g. /srv/repo)", minLength: 1)
    static let identifier = StringFormat(
        name: "id", pattern: "[A-Za-z0-9][A-Za-z0-9_-]{0,63}",
        expected: "1–64 characters of A-Z a-z 0-9 _ - starting with a letter or digit (e.g. demo)", shape: .identifier)
    static let accountId = StringFormat(
        name: "account id", pattern: "[A-Za-z0-9][A-Za-z0-9_-]{0,63}", expected: AccountID.expectedForm, shape: .accountId)
    static let accountMatch = StringFormat(
        name: "account id or *", pattern: "\\*|[A-Za-z0-9][A-Za-z0-9_-]{0,63}",
        expected: "\(AccountID.expectedForm) or * for every account", shape: .accountMatch)
    static let label = StringFormat(
        name: "label", pattern: "[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
        expected: "1–64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit (e.g. tg-demo-42)", shape: .label)
    static let envName = StringFormat(
        name: "variable name", pattern: "[A-Za-z_][A-Za-z0-9_]*",
        expected: "an environment variable name (e.g. PATH)", shape: .envName)
    static let sender = StringFormat(
        name: "sender", pattern: "(telegram|discord|http|console):[^\\s]+",
        expected: "<channel>:<senderId> (e.g. telegram:111 or discord:222222222222222222)", shape: .sender)
    static let hostPort = StringFormat(
        name: "host:port", pattern: "(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}",
        expected: "<host>:<port> (e.g. 127.0.0.1:7878 or [::1]:7878)", shape: .hostPort)
    static let url = StringFormat(
        name: "URL", pattern: "https?://[^\\s]+", expected: "an http(s) URL (e.g. https://api.telegram.org)", shape: .url)
}
