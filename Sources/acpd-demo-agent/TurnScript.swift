import Foundation

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
    var garbage = false

    static let maxChunks = 10_000
    static let maxBig = 50_000_000
    static let unicodeText = "grüße 🚀 naïve – 日本語"

    init() {}

    init(parsing text: String) {
        // Scans UTF-8 bytes with memchr (fast on multi-megabyte prompts); tokens are ASCII anyway.
        var text = text
        var tokens: [Substring] = []
        text.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return }
            var index = 0
            while index < utf8.count, let open = memchr(base + index, 0x5B, utf8.count - index) {
                let start = base.distance(to: open.assumingMemoryBound(to: UInt8.self)) + 1
                guard start < utf8.count, let close = memchr(base + start, 0x5D, utf8.count - start) else { break }
                let end = base.distance(to: close.assumingMemoryBound(to: UInt8.self))
                if let inner = memchr(base + start, 0x5B, end - start) {
                    index = base.distance(to: inner.assumingMemoryBound(to: UInt8.self))  // "[a [b]": restart at "[b]"
                    continue
                }
                if end - start <= 32 {
                    tokens.append(Substring(decoding: UnsafeBufferPointer(rebasing: utf8[start..<end]), as: UTF8.self))
                }
                index = end + 1
            }
        }
        for token in tokens { apply(token) }
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
        case ("garbage", 1): garbage = true
        default: break
        }
    }

    /// Splits `text` into exactly `count` pieces of nearly equal UTF-8 size, cut at Unicode scalar
    /// boundaries, in order. Pieces are empty when the text is shorter than `count`.
    static func split(_ text: String, into count: Int) -> [String] {
        let n = max(count, 1)
        if n == 1 { return [text] }
        let bytes = Array(text.utf8)
        var cuts = [0]
        for i in 1..<n {
            var cut = max(i * bytes.count / n, cuts[i - 1])
            while cut < bytes.count && bytes[cut] & 0xC0 == 0x80 { cut += 1 }  // not inside a scalar
            cuts.append(cut)
        }
        cuts.append(bytes.count)
        return (0..<n).map { String(decoding: bytes[cuts[$0]..<cuts[$0 + 1]], as: UTF8.self) }
    }
}
