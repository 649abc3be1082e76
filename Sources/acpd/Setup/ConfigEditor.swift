/// Text-level edits of a YAML config that keep every comment and the rest of the file: it only
/// inserts lines (or turns an empty flow value `[]`/`{}` into a block). It understands block
/// mappings and lists; anything else it cannot edit is reported, and the caller validates the
/// result by loading it again.
struct ConfigEditor {
    /// The file's lines, without their line breaks.
    private(set) var lines: [String]

    /// Why an edit could not be made.
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    init(text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
    }

    /// The edited file.
    var text: String { lines.joined(separator: "\n") + "\n" }

    // MARK: Edits

    /// Appends `item` (the lines of one list item, the first starting with `- `, indented as a
    /// top-level list's items) to the top-level list `key`, creating it when absent.
    mutating func appendListItem(_ key: String, _ item: [String]) throws(Refusal) {
        let range = try block(for: [key], create: true)
        let indent = childIndent(in: range) ?? range.indent + 2
        let pad = String(repeating: " ", count: indent)
        lines.insert(contentsOf: item.map { pad + $0 }, at: range.end)
    }

    /// Whether the mapping at `path` has `key`.
    func has(_ path: [String], key: String) -> Bool {
        var copy = self
        guard let range = try? copy.locate(path, create: false) else { return false }
        return find(key, in: range) != nil
    }

    /// Adds `key:` with `body` (its lines, indented as its children) to the mapping at `path`,
    /// creating the mappings on the way.
    mutating func addMapping(_ path: [String], key: String, body: [String]) throws(Refusal) {
        let range = try block(for: path, create: true)
        let indent = childIndent(in: range) ?? range.indent + 2
        let pad = String(repeating: " ", count: indent)
        lines.insert(contentsOf: [pad + "\(key):"] + body.map { pad + "  " + $0 }, at: range.end)
    }

    /// Adds `entry` (a string) to the list at `path` + `key` unless it is there: a one-line flow
    /// list gets it inside its brackets, a block list a new `- ` line; an absent key is created.
    /// Returns false when it was already there.
    mutating func addToStringList(_ path: [String], key: String, entry: String) throws(Refusal) -> Bool {
        let quoted = "\"\(entry)\""
        let parent = try block(for: path, create: true)
        guard let index = find(key, in: parent) else {
            let pad = String(repeating: " ", count: childIndent(in: parent) ?? parent.indent + 2)
            lines.insert(pad + "\(key): [\(quoted)]", at: parent.end)
            return true
        }
        let (value, comment) = Self.valueAndComment(lines[index], key: key)
        if value.isEmpty {
            let range = blockRange(at: index)
            let body = lines[(index + 1)..<range.end].joined(separator: "\n")
            if body.contains(quoted) || body.contains(" \(entry)") { return false }
            let pad = String(repeating: " ", count: childIndent(in: range) ?? range.indent + 2)
            lines.insert(pad + "- \(quoted)", at: range.end)
            return true
        }
        guard value.hasPrefix("["), value.hasSuffix("]") else {
            throw Refusal(description: "\(path.joined(separator: ".")).\(key) is not a list acpd can edit: add \(quoted) to it by hand")
        }
        let inner = value.dropFirst().dropLast().trimmed(" ")
        let items = inner.split(separator: ",").map { $0.trimmed(" \"'") }
        if items.contains(entry) { return false }
        let lead = lines[index].prefix { $0 == " " }
        let edited = "\(lead)\(key): [\(inner.isEmpty ? quoted : inner + ", " + quoted)]"
        // The comment keeps its column when there is room.
        let column = lines[index].count - comment.count
        let spaces = comment.prefix { $0 == " " }.count
        let shift = min(max(0, edited.count - column), spaces - 1)
        lines[index] = edited + String(comment.dropFirst(max(0, shift)))
        return true
    }

    // MARK: Structure

    /// A key's line and the lines of its block: `start` is the key's line (-1 for the document),
    /// `end` is one past its last non-blank, non-comment child line, `indent` is the key's.
    struct Range {
        var start: Int
        var end: Int
        var indent: Int
    }

    /// The block of the mapping at `path`; with `create`, missing keys are appended (and an
    /// empty flow value `[]` or `{}` becomes a block).
    private mutating func block(for path: [String], create: Bool) throws(Refusal) -> Range {
        try locate(path, create: create)
    }

    private mutating func locate(_ path: [String], create: Bool) throws(Refusal) -> Range {
        var range = Range(start: -1, end: lines.count, indent: -2)
        var walked: [String] = []
        for key in path {
            walked.append(key)
            if let index = find(key, in: range) {
                let (value, comment) = Self.valueAndComment(lines[index], key: key)
                if value == "[]" || value == "{}" {
                    guard create else { return Range(start: index, end: index + 1, indent: indentOf(lines[index])) }
                    lines[index] = String(repeating: " ", count: indentOf(lines[index])) + "\(key):" + comment
                } else if !value.isEmpty {
                    throw Refusal(description: "\(walked.joined(separator: ".")) is written inline (\(value)); acpd edits only block style: rewrite it as a block or add the entry by hand")
                }
                range = blockRange(at: index)
            } else {
                guard create else { throw Refusal(description: "\(walked.joined(separator: ".")) is not in the file") }
                let indent = childIndent(in: range) ?? range.indent + 2
                var at = range.end
                if range.start == -1 {
                    // A new top-level key goes at the end, after a blank line.
                    at = lines.count
                    if let last = lines.last, !last.trimmed(" ").isEmpty { lines.append(""); at += 1 }
                }
                lines.insert(String(repeating: " ", count: indent) + "\(key):", at: at)
                range = Range(start: at, end: at + 1, indent: indent)
            }
        }
        return range
    }

    /// The line of `key:` among the direct children of `range`.
    private func find(_ key: String, in range: Range) -> Int? {
        guard let indent = childIndent(in: range) else { return nil }
        for index in (range.start + 1)..<range.end where Self.isContent(lines[index]) && indentOf(lines[index]) == indent {
            let body = lines[index].dropFirst(indent)
            if body == "\(key):" || body.hasPrefix("\(key): ") || body.hasPrefix("\(key):\t") || body.hasPrefix("\"\(key)\":") { return index }
        }
        return nil
    }

    /// The indent of the first content line of `range` (a list's `-` counts at its column).
    private func childIndent(in range: Range) -> Int? {
        guard range.start + 1 < range.end else { return nil }
        for index in (range.start + 1)..<range.end where Self.isContent(lines[index]) { return indentOf(lines[index]) }
        return nil
    }

    /// The block of the key at `index`: its children are the following lines indented deeper
    /// (a list may sit at the key's own indent).
    private func blockRange(at index: Int) -> Range {
        let indent = indentOf(lines[index])
        var end = index + 1
        var cursor = index + 1
        while cursor < lines.count {
            let line = lines[cursor]
            if Self.isContent(line) {
                let own = indentOf(line)
                let listAtSameIndent = own == indent && line.dropFirst(own).hasPrefix("-")
                guard own > indent || listAtSameIndent else { break }
                end = cursor + 1
            }
            cursor += 1
        }
        return Range(start: index, end: end, indent: indent)
    }

    private func indentOf(_ line: String) -> Int { line.prefix { $0 == " " }.count }

    /// Not blank, not a comment, not a document marker.
    private static func isContent(_ line: String) -> Bool {
        let trimmed = line.trimmed(" \t")
        return !trimmed.isEmpty && !trimmed.hasPrefix("#") && trimmed != "---"
    }

    /// The value after `key:` (trimmed, without its comment) and the comment (with its leading spaces).
    private static func valueAndComment(_ line: String, key: String) -> (value: String, comment: String) {
        guard let colon = line.firstIndex(of: ":") else { return ("", "") }
        let rest = line[line.index(after: colon)...]
        var inQuote: Character?
        var cut = rest.endIndex
        var previous: Character = " "
        for index in rest.indices {
            let character = rest[index]
            if let open = inQuote {
                if character == open { inQuote = nil }
            } else if character == "\"" || character == "'" {
                inQuote = character
            } else if character == "#", previous == " " || previous == "\t" {
                cut = index
                break
            }
            previous = character
        }
        let value = rest[..<cut].trimmed(" \t")
        var comment = String(rest[cut...])
        if !comment.isEmpty {
            let spaces = rest[..<cut].reversed().prefix { $0 == " " }.count
            comment = String(repeating: " ", count: max(spaces, 1)) + comment
        }
        return (value, comment)
    }
}

private extension Substring {
    func trimmed(_ set: String) -> String {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}

private extension String {
    func trimmed(_ set: String) -> String { self[...].trimmed(set) }
}

extension ConfigEditor {
    /// `value` as a YAML double-quoted scalar (backslash and quote escaped).
    static func doubleQuoted(_ value: String) -> String {
        "\"" + value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
}
