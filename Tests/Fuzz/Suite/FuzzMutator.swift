import TestSupport

/// A seeded mutational generator (no coverage feedback): takes an input of the corpus and
/// changes it by byte flips, inserts, deletes, duplicated runs, dictionary tokens and splices
/// with another input, a few times over. Deterministic for a seed.
struct FuzzMutator {
    private var random: SeededGenerator
    let dictionary: [[UInt8]]
    let maxLength: Int

    init(seed: UInt64, dictionary: [String], maxLength: Int = 4096) {
        random = SeededGenerator(seed: seed)
        self.dictionary = dictionary.map { Array($0.utf8) }
        self.maxLength = maxLength
    }

    private mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int.random(in: 0..<bound, using: &random) }

    /// A mutant of `input` (`corpus` supplies splice partners).
    mutating func mutate(_ input: [UInt8], corpus: [[UInt8]]) -> [UInt8] {
        var bytes = input
        for _ in 0...below(4) {
            let at = below(bytes.count + 1)
            switch below(9) {
            case 0 where !bytes.isEmpty: bytes[min(at, bytes.count - 1)] ^= UInt8(1 << below(8))
            case 1 where !bytes.isEmpty: bytes[min(at, bytes.count - 1)] = UInt8(truncatingIfNeeded: random.next())
            case 2: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, at + 1 + below(16))
                if at < end { bytes.removeSubrange(at..<end) }
            case 4 where !bytes.isEmpty:
                let start = below(bytes.count)
                let run = bytes[start..<min(bytes.count, start + 1 + below(32))]
                bytes.insert(contentsOf: run, at: at)
            case 5, 6 where !dictionary.isEmpty: bytes.insert(contentsOf: dictionary[below(dictionary.count)], at: at)
            case 7 where !corpus.isEmpty:
                let other = corpus[below(corpus.count)]
                let from = below(other.count + 1)
                bytes = Array(bytes[..<at]) + other[from...]
            case 8: bytes.insert(contentsOf: [0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x0A, 0x00][below(8)...].prefix(1), at: at)
            default: bytes.insert(UInt8(ascii: " "), at: at)
            }
        }
        return bytes.count > maxLength ? Array(bytes.prefix(maxLength)) : bytes
    }
}
