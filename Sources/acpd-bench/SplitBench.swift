import ChatCore
import Foundation

/// `TextSplitter.split` of a long final answer (what delivery does once per run's end, on the
/// actor every conversation's delivery shares): prose without paragraph breaks, and text
/// without sentence ends, each split to Telegram's and to the http channel's limit.
///
/// `acpd-bench split [--chars 24000] [--rounds 50]`
enum SplitBench {
    static func run(_ arguments: [String]) async throws {
        let options = BenchOptions(arguments)
        let chars = options.int("chars", default: 24_000)
        let rounds = options.int("rounds", default: 50)
        let words = ["the", "agent", "wrote", "a", "long", "answer", "about", "it", "and", "then"]
        var prose = ""
        var index = 0
        while prose.utf8.count < chars {
            prose += words[index % words.count] + (index % 17 == 16 ? ". " : " ")
            index += 1
        }
        var plain = ""
        while plain.utf8.count < chars { plain += "c abc a " }
        print("split: \(chars) characters, best of \(rounds)")
        for (name, text) in [("prose, one paragraph", prose), ("no sentence ends", plain)] {
            for limit in [4096, 16000] {
                let splitter = TextSplitter(limit: limit)
                var best = Double.infinity
                var pieces = 0
                for _ in 0..<rounds {
                    let start = monotonicSeconds()
                    pieces = splitter.split(text).count
                    best = min(best, monotonicSeconds() - start)
                }
                print(String(format: "  %@, limit %5d: %.3f ms (%d pieces)", name.padding(toLength: 21, withPad: " ", startingAt: 0), limit, best * 1000, pieces))
            }
        }
    }
}
