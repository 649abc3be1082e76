import Foundation
import TestSupport

/// Where the fuzz targets' corpora and crashes live, and what the runs take from the environment.
enum FuzzSupport {
    /// `Tests/Fuzz/corpus/<target>`: inputs every run starts from (and must pass).
    static func corpusFolder(_ target: String) -> URL {
        TestPaths.repoRoot.appendingPathComponent("Tests/Fuzz/corpus/\(target)")
    }

    /// `Tests/Fuzz/crashes/<target>`: inputs that failed (crash, hang or broken invariant), created on demand.
    static func crashesFolder(_ target: String) -> URL {
        let url = TestPaths.repoRoot.appendingPathComponent("Tests/Fuzz/crashes/\(target)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The corpus of `target`, in name order.
    static func corpus(_ target: String) -> [(name: String, bytes: [UInt8])] {
        let folder = corpusFolder(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.sorted() ?? []
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { return nil }
            return (name, Array(data))
        }
    }

    /// A short stable name for an input (FNV-1a, hex).
    static func hash(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return String(hash, radix: 16)
    }

    static let environment = ProcessInfo.processInfo.environment
    /// Seconds of mutation per target (`ACPD_FUZZ_SECONDS`, default 2). Not longer under CI: the
    /// loop runs on one of the test process's two cooperative threads, and 30 s per target (4
    /// minutes) starved the suites running beside it into timeouts; the long form is libFuzzer's
    /// (`scripts/fuzz`) or `ACPD_FUZZ_SECONDS=30 swift test --filter FuzzTests` alone.
    static var seconds: Double { environment["ACPD_FUZZ_SECONDS"].flatMap(Double.init) ?? 2 }
    /// The generator's seed (`ACPD_FUZZ_SEED`, default 2026; each target adds its index).
    static var seed: UInt64 { environment["ACPD_FUZZ_SEED"].flatMap(UInt64.init) ?? 2026 }
    /// One input's deadline (`ACPD_FUZZ_DEADLINE_MS`, default 5000: debug builds on busy machines).
    static var deadline: Duration { .milliseconds(environment["ACPD_FUZZ_DEADLINE_MS"].flatMap(Int.init) ?? 5000) }
}
