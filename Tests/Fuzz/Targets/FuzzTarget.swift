/// One fuzz target: a function of arbitrary bytes that must neither crash nor hang, and that
/// throws `FuzzFailure` when an invariant of the code under test breaks. Run by the seeded
/// generator in `swift test` (Tests/Fuzz/Suite) and by libFuzzer (`acpd-fuzz`, Tests/Fuzz/Driver).
struct FuzzTarget: Sendable {
    /// The name: the folder of its corpus (`Tests/Fuzz/corpus/<name>`) and of its crashes.
    let name: String
    /// Tokens the generator splices in (what the code under test looks for).
    let dictionary: [String]
    /// Runs one input.
    let run: @Sendable ([UInt8]) throws(FuzzFailure) -> Void

    /// Every target.
    static let all: [FuzzTarget] = [
        NDJSONFuzz.target, JSONRPCFuzz.target, ConfigFuzz.target, CommandFuzz.target, HTTPBodyFuzz.target,
        TelegramUpdateFuzz.target, DiscordGatewayFuzz.target, MarkdownFuzz.target,
    ]

    /// The target called `name`.
    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// An invariant the code under test broke for one input.
struct FuzzFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Throws `FuzzFailure(message)` unless `condition` holds.
func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String) throws(FuzzFailure) {
    if !condition { throw FuzzFailure(message()) }
}

/// A small deterministic generator (SplitMix64) for choices a target derives from its input.
struct FuzzRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    /// Seeded by `bytes` (FNV-1a), so a target stays a pure function of its input.
    init(bytes: [UInt8]) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        state = hash
    }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A number in `0..<bound` (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
