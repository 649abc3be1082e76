import ACPControlPlane
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import RuntimeBackends

/// A session's tasks prefer one event loop (`TaskAffinity`, `EventLoopTaskExecutor`): a task with
/// that preference, and the default actors it calls, run on that loop's thread.
@Suite("task affinity")
struct TaskAffinityTests {
    private actor Counter {
        var count = 0
        func bump() -> Bool {
            count += 1
            return MultiThreadedEventLoopGroup.currentEventLoop != nil
        }
    }

    @Test("a task preferring a loop runs there, before and after awaits, and so do the default actors it calls")
    func preferredLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var loops: [any EventLoop] = []
        for loop in group.makeIterator() { loops.append(loop) }
        for loop in loops {
            let executor = EventLoopTaskExecutor(loop)
            let counter = Counter()
            let seen = await Task(executorPreference: executor) { () -> [Bool] in
                var seen: [Bool] = []
                for _ in 0..<20 {
                    seen.append(loop.inEventLoop)
                    seen.append(await counter.bump())
                    try? await Task.sleep(for: .milliseconds(1))
                    seen.append(loop.inEventLoop)
                }
                return seen
            }.value
            #expect(seen.allSatisfy { $0 }, "\(seen)")
            #expect(await counter.count == 20)
        }
        try await group.shutdownGracefully()
    }

    @Test("a session's place among the executors depends on its key only, and keys spread over them")
    func stableSpread() {
        let keys = (0..<1_000).compactMap { SessionKey("agent:demo:http:default:room\($0)") }
        #expect(keys.count == 1_000)
        let first = keys.map { TaskAffinity.index(for: $0, count: 2) }
        #expect(first == keys.map { TaskAffinity.index(for: $0, count: 2) })
        let onZero = first.filter { $0 == 0 }.count
        #expect(onZero > 400 && onZero < 600, "\(onZero) of 1000 on the first of two")
        #expect(keys.allSatisfy { (0..<3).contains(TaskAffinity.index(for: $0, count: 3)) })
    }

    @Test("finding the calling thread's executor costs the same on the 20,000th call as on the first")
    func currentDoesNotGrow() async throws {
        // Each call once wrapped the stored closure in two more thunks: on a thread with a 128 KiB
        // stack the chain overflowed it within a few thousand calls (the process crashed).
        let calls = Atomic<Int>(0)
        TaskAffinity.useCurrent {
            calls.add(1, ordering: .relaxed)
            return nil
        }
        let found = await withCheckedContinuation { (done: CheckedContinuation<Int, Never>) in
            do {
                try DedicatedThread.start(name: "affinity-test", stackSize: 128 * 1024) {
                    var found = 0
                    for _ in 0..<20_000 where TaskAffinity.current() == nil { found += 1 }
                    done.resume(returning: found)
                }
            } catch {
                done.resume(returning: -1)
            }
        }
        #expect(found == 20_000)
        #expect(calls.load(ordering: .relaxed) >= 20_000)
    }
}
