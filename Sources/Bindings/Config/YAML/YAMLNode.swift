/// Where a node starts in the YAML text: 1-based line and column (columns count Unicode scalars,
/// as libyaml does).
struct YAMLMark: Sendable, Equatable {
    var line: Int
    var column: Int
}

/// A scalar: its text exactly as the YAML means it (escapes, folding and block indentation already
/// applied), how it was written, and its explicit tag if it had one.
struct YAMLScalar: Sendable {
    /// How a scalar was written; plain scalars are the only ones typed by their text.
    enum Style: Sendable, Equatable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    var string: String
    var style: Style
    /// The explicit tag, fully expanded (`!!str` is `tag:yaml.org,2002:str`), or nil when untagged.
    var tag: String?
    var mark: YAMLMark

    /// The tag YAML 1.1 gives this scalar: its explicit tag, `str` when quoted or block-styled,
    /// else the tag its plain text resolves to (`null`, `bool`, `int`, `float`, …).
    var resolvedTag: String {
        if let tag { return tag }
        guard style == .plain else { return YAMLScalarResolution.str }
        return YAMLScalarResolution.tag(ofPlain: string)
    }
}

/// A mapping: its pairs in document order (keys are nodes; duplicates are refused by the composer).
struct YAMLMapping: Sendable {
    var pairs: [(key: YAMLNode, value: YAMLNode)]
    var tag: String?
    var mark: YAMLMark
}

/// A sequence: its items in document order.
struct YAMLSequence: Sendable {
    var items: [YAMLNode]
    var tag: String?
    var mark: YAMLMark
}

/// A node of a composed YAML document. Aliases do not appear: the composer replaces each alias
/// with the node its anchor names.
enum YAMLNode: Sendable {
    case scalar(YAMLScalar)
    case mapping(YAMLMapping)
    case sequence(YAMLSequence)

    /// Where the node starts.
    var mark: YAMLMark {
        switch self {
        case .scalar(let scalar): scalar.mark
        case .mapping(let mapping): mapping.mark
        case .sequence(let sequence): sequence.mark
        }
    }

    /// The scalar, when this node is one.
    var scalar: YAMLScalar? {
        if case .scalar(let scalar) = self { return scalar }
        return nil
    }

    /// True when both nodes are the same YAML value for the purpose of mapping-key uniqueness:
    /// equal text and equal resolved tag for scalars, equal items (or pairs, in order) and equal
    /// tags for collections. Style and position do not matter.
    func isSameValue(as other: YAMLNode) -> Bool {
        switch (self, other) {
        case let (.scalar(left), .scalar(right)):
            return left.string == right.string && left.resolvedTag == right.resolvedTag
        case let (.sequence(left), .sequence(right)):
            return left.tag == right.tag && left.items.count == right.items.count
                && zip(left.items, right.items).allSatisfy { $0.isSameValue(as: $1) }
        case let (.mapping(left), .mapping(right)):
            return left.tag == right.tag && left.pairs.count == right.pairs.count
                && zip(left.pairs, right.pairs).allSatisfy { $0.key.isSameValue(as: $1.key) && $0.value.isSameValue(as: $1.value) }
        default:
            return false
        }
    }
}
