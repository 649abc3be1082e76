/// Why a text could not be composed into a YAML node tree, and where.
struct YAMLError: Error, Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// libyaml refused the text (its own problem text, with its context), or an alias names
        /// no anchor, or the stream holds more than one document.
        case syntax(problem: String)
        /// One mapping holds the same key more than once (each key listed once, sorted).
        case duplicateKeys([String])
        /// Aliases expand the document to more than `limit` nodes (an "alias bomb").
        case tooManyNodes(limit: Int)
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
            "not valid YAML: aliases expand the document to more than \(limit) nodes; write the values out or use fewer aliases"
        case .tooDeep(let limit):
            "not valid YAML: lists and mappings nest deeper than \(limit) levels"
        }
    }
}
