/// Why a text could not be composed into a YAML node tree, and where.
struct YAMLError: Error, Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// libyaml refused the text (its own problem text, with its context), or an alias names
        /// no anchor, or the stream holds more than one document.
        case syntax(problem: String)
        /// One mapping holds the same key more than once (each key listed once, sorted).
        case duplicateKeys([String])
        /// The document, as written, holds more than `limit` nodes (scalars, lists, mappings).
        case tooManyNodes(limit: Int)
        /// Aliases expand the document to more than `limit` nodes (an "alias bomb"): the count
        /// includes what aliases repeat, and at least one alias added to it.
        case aliasExpansion(limit: Int)
        /// Collections nest deeper than `limit` levels.
        case tooDeep(limit: Int)
    }

    var kind: Kind
    /// Where the problem is, when known.
    var mark: YAMLMark?

    init(_ kind: Kind, mark: YAMLMark?) {
        self.kind = kind
        self.mark = mark
    }

    /// The sentence shown to the user (the config loader reports it at the document root).
    var message: String {
        switch kind {
        case .syntax(let problem):
            "not valid YAML: \(problem)"
        case .duplicateKeys(let keys):
            "duplicate key \(keys.joined(separator: ", ")) in one mapping; a key may appear once"
        case .tooManyNodes(let limit):
            "too large: the document holds more than \(limit) values (scalars, lists and mappings); a config file needs far fewer"
        case .aliasExpansion(let limit):
            "too large: aliases expand the document to more than \(limit) values; write the values out or use fewer aliases"
        case .tooDeep(let limit):
            "too deep: lists and mappings nest deeper than \(limit) levels"
        }
    }
}
