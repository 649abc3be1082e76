extension TelegramMarkdown {
    /// Inline Markdown of one paragraph, heading or quote: code spans, links, escapes and
    /// emphasis (CommonMark's delimiter runs and matching, simplified).
    enum Inline {
        /// Renders `text` into `out`, adding its entities.
        static func render(_ text: Substring, into out: inout Writer) {
            let characters = Array(text)
            let brackets = closingBrackets(characters)
            var nodes = tokenize(characters, brackets, characters.startIndex..<characters.endIndex)
            nodes.matchEmphasis()
            nodes.write(into: &out)
        }

        /// A run of `*`, `_` or `~~` that may open or close emphasis.
        struct Delimiter {
            let marker: Character
            let length: Int
            let canOpen: Bool
            let canClose: Bool
            /// Markers not used by a match (written as text).
            var remaining: Int
            /// Kinds this run opens (innermost first) and closes (innermost first).
            var opens: [TelegramMessageEntity.Kind] = []
            var closes: [TelegramMessageEntity.Kind] = []
            /// False once a match spans it: it can match nothing more.
            var active = true
        }

        indirect enum Node {
            case text(String)
            case code(String)
            case link(Nodes, url: String)
            case delimiter(Int)
        }

        /// The nodes of one inline level (a link's text is its own level).
        struct Nodes {
            var nodes: [Node] = []
            var delimiters: [Delimiter] = []

            /// Pairs delimiter runs the way CommonMark does: each closer, left to right, with
            /// the nearest earlier opener of its marker; runs between a pair can match no more.
            mutating func matchEmphasis() {
                var closer = 0
                while closer < delimiters.count {
                    let candidate = delimiters[closer]
                    guard candidate.canClose, candidate.active, candidate.remaining > 0 else { closer += 1; continue }
                    var opener = closer - 1
                    while opener >= 0, !Self.pairs(delimiters[opener], candidate) { opener -= 1 }
                    guard opener >= 0 else { closer += 1; continue }
                    let kind: TelegramMessageEntity.Kind
                    let used: Int
                    if candidate.marker == "~" {
                        (kind, used) = (.strikethrough, 2)
                    } else if delimiters[opener].remaining >= 2, candidate.remaining >= 2 {
                        (kind, used) = (.bold, 2)
                    } else {
                        (kind, used) = (.italic, 1)
                    }
                    delimiters[opener].remaining -= used
                    delimiters[opener].opens.append(kind)
                    delimiters[closer].remaining -= used
                    delimiters[closer].closes.append(kind)
                    for between in (opener + 1)..<closer { delimiters[between].active = false }
                    if delimiters[closer].remaining == 0 { closer += 1 }
                }
            }

            /// Whether `opener` can be closed by `closer` (same marker; CommonMark's rule of 3).
            private static func pairs(_ opener: Delimiter, _ closer: Delimiter) -> Bool {
                guard opener.active, opener.canOpen, opener.remaining > 0, opener.marker == closer.marker else { return false }
                if opener.marker == "~" { return opener.remaining == 2 && closer.remaining == 2 }
                if opener.canClose || closer.canOpen, (opener.length + closer.length) % 3 == 0,
                   !(opener.length % 3 == 0 && closer.length % 3 == 0) {
                    return false
                }
                return true
            }

            /// Writes the nodes, opening and closing entities where the delimiters matched.
            func write(into out: inout Writer) {
                var open: [(kind: TelegramMessageEntity.Kind, start: Int)] = []
                for node in nodes {
                    switch node {
                    case .text(let text):
                        out.append(text)
                    case .code(let text):
                        let start = out.units
                        out.append(text)
                        out.add(.code, from: start)
                    case .link(let label, let url):
                        let start = out.units
                        label.write(into: &out)
                        out.add(.textLink, from: start, url: url)
                    case .delimiter(let index):
                        let delimiter = delimiters[index]
                        for kind in delimiter.closes {
                            // Matches nest by construction; a mismatch would only lose formatting.
                            guard let last = open.last, last.kind == kind else { continue }
                            open.removeLast()
                            out.add(kind, from: last.start)
                        }
                        out.append(String(repeating: delimiter.marker, count: delimiter.remaining))
                        for kind in delimiter.opens.reversed() { open.append((kind, out.units)) }
                    }
                }
            }
        }

        // MARK: Tokenizing

        static func tokenize(_ c: [Character], _ brackets: [Int], _ range: Range<Int>) -> Nodes {
            var sequence = Nodes()
            var text = ""
            func flush() {
                if !text.isEmpty { sequence.nodes.append(.text(text)) }
                text = ""
            }
            var p = range.lowerBound
            let end = range.upperBound
            while p < end {
                let character = c[p]
                if character == "\\", p + 1 < end, isASCIIPunctuation(c[p + 1]) {
                    text.append(c[p + 1])
                    p += 2
                } else if character == "`" {
                    let count = run(c, p, end)
                    if let close = codeClose(c, from: p + count, count: count, end) {
                        flush()
                        sequence.nodes.append(.code(codeContent(c[(p + count)..<close])))
                        p = close + count
                    } else {
                        text += String(repeating: "`", count: count)
                        p += count
                    }
                } else if character == "*" || character == "_" || character == "~" {
                    let count = run(c, p, end)
                    if character == "~", count != 2 {
                        text += String(repeating: "~", count: count)
                    } else {
                        flush()
                        sequence.nodes.append(.delimiter(sequence.delimiters.count))
                        sequence.delimiters.append(delimiter(character, count: count,
                                                             before: p > range.lowerBound ? c[p - 1] : nil,
                                                             after: p + count < end ? c[p + count] : nil))
                    }
                    p += count
                } else if character == "[" || (character == "!" && p + 1 < end && c[p + 1] == "["),
                          let link = link(c, brackets, at: character == "!" ? p + 1 : p, end) {
                    flush()
                    sequence.nodes.append(.link(link.label, url: link.url))
                    p = link.end
                } else {
                    text.append(character)
                    p += 1
                }
            }
            flush()
            return sequence
        }

        /// The delimiter run of `count` `marker`s between `before` and `after` (nil: the edge).
        static func delimiter(_ marker: Character, count: Int, before: Character?, after: Character?) -> Delimiter {
            let spaceBefore = before?.isWhitespace ?? true, spaceAfter = after?.isWhitespace ?? true
            let punctuationBefore = before.map(isPunctuation) ?? false, punctuationAfter = after.map(isPunctuation) ?? false
            let leftFlanking = !spaceAfter && (!punctuationAfter || spaceBefore || punctuationBefore)
            let rightFlanking = !spaceBefore && (!punctuationBefore || spaceAfter || punctuationAfter)
            let canOpen: Bool, canClose: Bool
            if marker == "_" {
                // Not inside words: snake_case stays as typed.
                canOpen = leftFlanking && (!rightFlanking || punctuationBefore)
                canClose = rightFlanking && (!leftFlanking || punctuationAfter)
            } else {
                canOpen = leftFlanking
                canClose = rightFlanking
            }
            return Delimiter(marker: marker, length: count, canOpen: canOpen, canClose: canClose, remaining: count)
        }

        /// The length of the run of `c[p]` starting at `p`.
        static func run(_ c: [Character], _ p: Int, _ end: Int) -> Int {
            var q = p
            while q < end, c[q] == c[p] { q += 1 }
            return q - p
        }

        /// Where the run of exactly `count` backticks closing a code span starts, if any.
        static func codeClose(_ c: [Character], from start: Int, count: Int, _ end: Int) -> Int? {
            var q = start
            while q < end {
                guard c[q] == "`" else { q += 1; continue }
                let length = run(c, q, end)
                if length == count { return q }
                q += length
            }
            return nil
        }

        /// A code span's text: line breaks become spaces; one space is stripped from each side
        /// when both sides have one and the content is not only spaces.
        static func codeContent(_ content: ArraySlice<Character>) -> String {
            var text = String(content.map { $0 == "\n" || $0 == "\r\n" ? " " : $0 })
            if text.count >= 2, text.first == " ", text.last == " ", !text.allSatisfy({ $0 == " " }) {
                text = String(text.dropFirst().dropLast())
            }
            return text
        }

        /// For each `[`, the index of its matching `]` (-1: none; other characters: -1), skipping
        /// escapes and code spans. One pass, so finding links stays linear.
        static func closingBrackets(_ c: [Character]) -> [Int] {
            var closing = Array(repeating: -1, count: c.count)
            var open: [Int] = []
            var q = 0
            while q < c.count {
                let character = c[q]
                if character == "\\" { q += 2; continue }
                if character == "`" {
                    let count = run(c, q, c.count)
                    q = codeClose(c, from: q + count, count: count, c.count).map { $0 + count } ?? q + count
                    continue
                }
                if character == "[" { open.append(q) }
                if character == "]", let opening = open.popLast() { closing[opening] = q }
                q += 1
            }
            return closing
        }

        /// Longest link title looked for (bounds the work on text full of unclosed titles).
        static let maxTitle = 1000
        /// Deepest nesting of parentheses in a link destination (CommonMark allows 32).
        static let maxParentheses = 32

        /// A link `[label](destination "title")` at `p` whose destination Telegram may open.
        static func link(_ c: [Character], _ brackets: [Int], at p: Int, _ end: Int) -> (label: Nodes, url: String, end: Int)? {
            let q = brackets[p]
            guard q > p + 1, q + 1 < end, c[q + 1] == "(" else { return nil }
            var r = q + 2
            func skipSpace() { while r < end, c[r].isWhitespace { r += 1 } }
            skipSpace()
            var destination = ""
            if r < end, c[r] == "<" {
                r += 1
                while r < end, c[r] != ">", c[r] != "<", !c[r].isNewline {
                    if c[r] == "\\", r + 1 < end, isASCIIPunctuation(c[r + 1]) { r += 1 }
                    destination.append(c[r])
                    r += 1
                }
                guard r < end, c[r] == ">" else { return nil }
                r += 1
            } else {
                var parentheses = 0
                while r < end, !c[r].isWhitespace, c[r].unicodeScalars.first.map({ $0.value >= 0x20 && $0.value != 0x7F }) ?? false {
                    if c[r] == "\\", r + 1 < end, isASCIIPunctuation(c[r + 1]) {
                        destination.append(c[r + 1])
                        r += 2
                        continue
                    }
                    if c[r] == "(" {
                        parentheses += 1
                        guard parentheses <= maxParentheses else { return nil }
                    }
                    if c[r] == ")" {
                        if parentheses == 0 { break }
                        parentheses -= 1
                    }
                    destination.append(c[r])
                    r += 1
                }
            }
            skipSpace()
            if r < end, c[r] == "\"" || c[r] == "'" || c[r] == "(" {
                let closing: Character = c[r] == "(" ? ")" : c[r]
                r += 1
                let limit = min(end, r + maxTitle)
                while r < limit, c[r] != closing { r += c[r] == "\\" ? 2 : 1 }
                guard r < limit else { return nil }
                r += 1
                skipSpace()
            }
            guard r < end, c[r] == ")", opens(destination) else { return nil }
            var label = tokenize(c, brackets, (p + 1)..<q)
            label.matchEmphasis()
            return (label, lowercasingScheme(destination), r + 1)
        }

        /// `url` with its scheme in lower case (`HTTPS://x` → `https://x`): schemes are
        /// case-insensitive, and Telegram is sent the form it documents (found by the markdown
        /// fuzz target: `[link](hTtps://example.com)` became a text_link the fake Telegram refuses).
        static func lowercasingScheme(_ url: String) -> String {
            guard let colon = url.firstIndex(of: ":") else { return url }
            return url[..<colon].lowercased() + url[colon...]
        }

        /// Whether Telegram may open `url` from a text link: http, https or tg, with something after.
        static func opens(_ url: String) -> Bool {
            guard !url.contains(where: \.isWhitespace) else { return false }
            let lower = url.lowercased()
            return ["http://", "https://", "tg://"].contains { lower.hasPrefix($0) && lower.count > $0.count }
        }

        static func isASCIIPunctuation(_ character: Character) -> Bool {
            guard let ascii = character.asciiValue else { return false }
            return (33...47).contains(ascii) || (58...64).contains(ascii) || (91...96).contains(ascii) || (123...126).contains(ascii)
        }

        /// CommonMark's Unicode punctuation: general categories P and S.
        static func isPunctuation(_ character: Character) -> Bool {
            character.isPunctuation || character.isSymbol
        }
    }
}
