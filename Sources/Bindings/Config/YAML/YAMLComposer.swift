/// Builds a `YAMLNode` tree from YAML text with libyaml's event parser.
///
/// Guarantees: exactly one document is read (an empty or comments-only text is `nil`; a second
/// document is an error, as the config loader has always said); aliases are replaced by the node
/// their anchor names, and the expanded tree is capped at `maxNodes` nodes so a handful of nested
/// aliases cannot blow up into billions of nodes (the error says whether aliases took the count
/// over, or the written nodes alone); nesting is capped at `maxDepth`; a mapping may
/// not hold the same key twice (same text and same resolved tag: `1` and `"1"` differ). A leading
/// UTF-8 byte order mark is ignored. Every libyaml structure is freed before returning.
enum YAMLComposer {
    static let maxNodes = 100_000
    static let maxDepth = 200

    /// The root node of the single document in `text`, or nil when the text holds no document.
    static func compose(_ text: String, maxNodes: Int = maxNodes) throws(YAMLError) -> YAMLNode? {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return try bytes.withUnsafeBufferPointer { (input) throws(YAMLError) -> YAMLNode? in
            try YAMLEventReader.withReader(input) { (reader) throws(YAMLError) -> YAMLNode? in
                var state = State(maxNodes: maxNodes)
                return try state.singleDocument(&reader)
            }
        }
    }

    /// Anchors seen so far, the running count of expanded nodes and how many of them aliases added.
    private struct State {
        let maxNodes: Int
        var anchors: [String: (node: YAMLNode, size: Int)] = [:]
        var expanded = 0
        var throughAliases = 0

        init(maxNodes: Int) { self.maxNodes = maxNodes }

        mutating func singleDocument(_ reader: inout YAMLEventReader) throws(YAMLError) -> YAMLNode? {
            _ = try reader.next() // stream start
            let start = try reader.next()
            if case .streamEnd = start.kind { return nil }
            let root = try node(from: reader.next(), &reader, depth: 0).node
            _ = try reader.next() // document end
            let after = try reader.next()
            guard case .streamEnd = after.kind else {
                throw YAMLError(.syntax(problem: "expected a single document in the stream but found another document"),
                                mark: after.mark)
            }
            return root
        }

        /// The node that starts with `event`, and how many nodes it expands to.
        private mutating func node(from event: YAMLEvent, _ reader: inout YAMLEventReader,
                                   depth: Int) throws(YAMLError) -> (node: YAMLNode, size: Int) {
            switch event.kind {
            case .alias(let anchor):
                guard let target = anchors[anchor] else {
                    throw YAMLError(.syntax(problem: "found undefined alias"), mark: event.mark)
                }
                try count(target.size, at: event.mark, throughAlias: true)
                return target
            case .scalar(let value, let anchor, let tag, let style):
                try count(1, at: event.mark)
                let node = YAMLNode.scalar(YAMLScalar(string: value, style: style, tag: tag, mark: event.mark))
                return register(anchor, node, size: 1)
            case .sequenceStart(let anchor, let tag):
                guard depth < maxDepth else { throw YAMLError(.tooDeep(limit: maxDepth), mark: event.mark) }
                try count(1, at: event.mark)
                var items: [YAMLNode] = []
                var size = 1
                while true {
                    let next = try reader.next()
                    if case .sequenceEnd = next.kind { break }
                    let item = try node(from: next, &reader, depth: depth + 1)
                    items.append(item.node)
                    size += item.size
                }
                return register(anchor, .sequence(YAMLSequence(items: items, tag: tag, mark: event.mark)), size: size)
            case .mappingStart(let anchor, let tag):
                guard depth < maxDepth else { throw YAMLError(.tooDeep(limit: maxDepth), mark: event.mark) }
                try count(1, at: event.mark)
                var pairs: [(key: YAMLNode, value: YAMLNode)] = []
                var size = 1
                while true {
                    let next = try reader.next()
                    if case .mappingEnd = next.kind { break }
                    let key = try node(from: next, &reader, depth: depth + 1)
                    let value = try node(from: reader.next(), &reader, depth: depth + 1)
                    pairs.append((key.node, value.node))
                    size += key.size + value.size
                }
                try YAMLDuplicateKeys.check(pairs.map(\.key))
                return register(anchor, .mapping(YAMLMapping(pairs: pairs, tag: tag, mark: event.mark)), size: size)
            default:
                throw YAMLError(.syntax(problem: "unexpected event while composing a node"), mark: event.mark)
            }
        }

        /// Adds `nodes` to the expanded count; past `maxNodes` the error names the cause: alias
        /// expansion when aliases contributed, else the written nodes themselves.
        private mutating func count(_ nodes: Int, at mark: YAMLMark, throughAlias: Bool = false) throws(YAMLError) {
            expanded += nodes
            if throughAlias { throughAliases += nodes }
            guard expanded <= maxNodes else {
                throw YAMLError(throughAliases > 0 ? .aliasExpansion(limit: maxNodes) : .tooManyNodes(limit: maxNodes), mark: mark)
            }
        }

        /// Records the node under its anchor (a later anchor of the same name replaces it).
        private mutating func register(_ anchor: String?, _ node: YAMLNode, size: Int) -> (node: YAMLNode, size: Int) {
            if let anchor { anchors[anchor] = (node, size) }
            return (node, size)
        }
    }
}

/// Finds keys that occur more than once in one mapping, in linear time: each key is reduced to a
/// canonical text that is equal exactly when `YAMLNode.isSameValue` holds.
enum YAMLDuplicateKeys {
    static func check(_ keys: [YAMLNode]) throws(YAMLError) {
        var firstIndex: [String: Int] = [:]
        var duplicated: [Int] = []
        var seenTwice: Set<Int> = []
        for (index, key) in keys.enumerated() {
            let canonical = canonicalText(key)
            if let first = firstIndex[canonical] {
                if seenTwice.insert(first).inserted { duplicated.append(first) }
            } else {
                firstIndex[canonical] = index
            }
        }
        guard !duplicated.isEmpty else { return }
        let named = duplicated.map { (text: keys[$0].scalar?.string ?? "(a non-scalar key)", mark: keys[$0].mark) }
            .sorted { $0.text < $1.text }
        throw YAMLError(.duplicateKeys(named.map(\.text)), mark: named[0].mark)
    }

    /// Length-prefixed, so no two different values share a text.
    static func canonicalText(_ node: YAMLNode) -> String {
        func field(_ text: String?) -> String {
            guard let text else { return "-" }
            return "\(text.utf8.count):\(text)"
        }
        switch node {
        case .scalar(let scalar):
            return "s" + field(scalar.resolvedTag) + field(scalar.string)
        case .sequence(let sequence):
            return "q" + field(sequence.tag) + "\(sequence.items.count)[" + sequence.items.map(canonicalText).joined() + "]"
        case .mapping(let mapping):
            return "m" + field(mapping.tag) + "\(mapping.pairs.count){"
                + mapping.pairs.map { canonicalText($0.key) + canonicalText($0.value) }.joined() + "}"
        }
    }
}
