/// What the keywords of one prompt ask the demo agent to do (docs/demo-agent.md).
///
/// Parsing is pure: `[name]` or `[name=value]` tokens anywhere in the text; unknown tokens are
/// ignored (they stay part of the echoed text); numeric values are clamped to their ranges.
struct TurnScript: Sendable, Equatable {
    var chunks = 3
    var delayMilliseconds = 0
    var thought = false
    var plan = false
    var tool = false
    var permission = false
    var usage = false
    var bigBytes: Int?
    var unicode = false
    var hang = false
    var hangHard = false
    var crash = false
    var fail = false
    var refuse = false
    var env = false
    var cwd = false
    var stderrBytes = 0
    var late = false

    static let maxChunks = 10_000
    static let maxBig = 50_000_000
    static let unicodeText = "grüße 🚀 naïve – 日本語"

    init() {}

    init(parsing text: String) {
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "[") {
            rest = rest[rest.index(after: open)...]
            guard let close = rest.firstIndex(of: "]") else { break }
            let token = rest[..<close]
            if !token.contains("[") { apply(token) }
            rest = rest[rest.index(after: close)...]
        }
    }

    private mutating func apply(_ token: Substring) {
        let parts = token.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = parts[0]
        let value = parts.count == 2 ? Int(parts[1]) : nil
        func clamped(_ range: ClosedRange<Int>) -> Int? { value.map { min(max($0, range.lowerBound), range.upperBound) } }
        switch (name, parts.count) {
        case ("chunks", 2): chunks = clamped(1...Self.maxChunks) ?? chunks
        case ("delay", 2): delayMilliseconds = clamped(0...600_000) ?? delayMilliseconds
        case ("big", 2): bigBytes = clamped(0...Self.maxBig) ?? bigBytes
        case ("stderr", 2): stderrBytes = clamped(0...Self.maxBig) ?? stderrBytes
        case ("thought", 1): thought = true
        case ("plan", 1): plan = true
        case ("tool", 1): tool = true
        case ("permission", 1): permission = true
        case ("usage", 1): usage = true
        case ("unicode", 1): unicode = true
        case ("hang", 1): hang = true
        case ("hang-hard", 1): hangHard = true
        case ("crash", 1): crash = true
        case ("fail", 1): fail = true
        case ("refuse", 1): refuse = true
        case ("env", 1): env = true
        case ("cwd", 1): cwd = true
        case ("late", 1): late = true
        default: break
        }
    }

    /// Splits `text` into exactly `count` pieces of nearly equal length (in characters), in order.
    /// Pieces are empty when the text has fewer characters than `count`.
    static func split(_ text: String, into count: Int) -> [String] {
        let characters = Array(text)
        let n = max(count, 1)
        return (0..<n).map { i in
            String(characters[(i * characters.count / n)..<((i + 1) * characters.count / n)])
        }
    }
}
