import Foundation
import Testing
import TestSupport

/// Every fuzz target (Tests/Fuzz/Targets) on its corpus, then on seeded mutants of it for a
/// bounded time (`ACPD_FUZZ_SECONDS`, default 2 s each). A broken invariant fails the test and
/// saves the input under `Tests/Fuzz/crashes/<target>/`; a crash or an input over its deadline
/// saves it there too (see `FuzzInFlight`) and ends the test process. The long campaign runs the
/// same targets under libFuzzer (`scripts/fuzz`, docs/reliability.md).
@Suite("fuzz targets", .serialized)
struct FuzzTests {
    @Test("a fuzz target keeps its invariants on its corpus and on seeded mutants", arguments: FuzzTarget.all.map(\.name))
    func target(_ name: String) async throws {
        let target = try #require(FuzzTarget.named(name))
        let corpus = FuzzSupport.corpus(name)
        #expect(!corpus.isEmpty, "Tests/Fuzz/corpus/\(name) holds no input")
        let crashes = FuzzSupport.crashesFolder(name)
        FuzzInFlight.install()
        FuzzInFlight.prepare(target: name, folder: crashes, deadline: FuzzSupport.deadline)
        func attempt(_ input: [UInt8], _ origin: String) -> Bool {
            do {
                try FuzzInFlight.run(input) { try target.run(input) }
                return true
            } catch {
                let file = crashes.appendingPathComponent("failure-\(FuzzSupport.hash(input))")
                try? Data(input).write(to: file)
                Issue.record("\(name): \(error) (input from \(origin), saved to \(file.path))")
                return false
            }
        }
        // The loops yield their cooperative thread now and then: the runtime has one per core,
        // and a fuzz target running for seconds on one of two held back every suite beside it
        // (runs waiting on their agents timed out).
        for (position, (file, bytes)) in corpus.enumerated() {
            guard attempt(bytes, "corpus \(file)") else { return }
            if position % 64 == 63 { await Task.yield() }
        }
        let index = UInt64(FuzzTarget.all.firstIndex { $0.name == name } ?? 0)
        var mutator = FuzzMutator(seed: FuzzSupport.seed &+ index, dictionary: target.dictionary)
        let inputs = corpus.map(\.bytes)
        let end = Date().addingTimeInterval(FuzzSupport.seconds)
        var executions = 0
        var pool = inputs.isEmpty ? [[]] : inputs
        while Date() < end {
            for _ in 0..<64 {
                let mutant = mutator.mutate(pool[executions % pool.count], corpus: pool)
                executions += 1
                guard attempt(mutant, "mutant \(executions) of seed \(FuzzSupport.seed &+ index)") else { return }
                // Keep some mutants as parents: deeper inputs without coverage feedback.
                if executions % 16 == 0 { pool.append(mutant); if pool.count > 256 { pool.remove(at: inputs.count) } }
            }
            await Task.yield()
        }
        #expect(executions > 0, "\(name): no mutant ran in \(FuzzSupport.seconds) s")
    }
}
