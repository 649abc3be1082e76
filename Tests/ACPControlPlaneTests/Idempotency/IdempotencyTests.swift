import Foundation
import Testing
import TestSupport
@testable import ACPControlPlane

@Suite("Idempotency keys")
struct IdempotencyTests {
    @Test func reserveCompleteReplay() async throws {
        try await withTemporaryDirectory { dir in
            let store = try ControlPlaneStore.open(stateDir: dir)
            let key = IdempotencyKey(scope: "telegram:default", key: "m1")
            #expect(try store.reserve(key, ttl: 3600) == .new)
            #expect(try store.reserve(key, ttl: 3600) == .inProgress)
            try store.complete(key, result: "OK: done")
            #expect(try store.reserve(key, ttl: 3600) == .completed(result: "OK: done"))
            // Scopes are independent.
            #expect(try store.reserve(IdempotencyKey(scope: "telegram:other", key: "m1"), ttl: 3600) == .new)
        }
    }

    @Test func durableAcrossReopen() async throws {
        try await withTemporaryDirectory { dir in
            let key = IdempotencyKey(scope: "http:default", key: "k")
            do {
                let store = try ControlPlaneStore.open(stateDir: dir)
                #expect(try store.reserve(key, ttl: 3600) == .new)
                try store.complete(key, result: "{\"runId\":\"x\"}")
                try store.close()
            }
            let store = try ControlPlaneStore.open(stateDir: dir)
            #expect(try store.reserve(key, ttl: 3600) == .completed(result: "{\"runId\":\"x\"}"))
        }
    }

    @Test func releaseAllowsARetry() async throws {
        try await withTemporaryDirectory { dir in
            let store = try ControlPlaneStore.open(stateDir: dir)
            let key = IdempotencyKey(scope: "s", key: "k")
            #expect(try store.reserve(key, ttl: 3600) == .new)
            try store.release(key)
            #expect(try store.reserve(key, ttl: 3600) == .new)
        }
    }

    @Test func expiredEntriesCountAsAbsentAndArePurged() async throws {
        try await withTemporaryDirectory { dir in
            let clock = TestClock(start: Date(timeIntervalSince1970: 1_000_000))
            let store = try ControlPlaneStore.open(stateDir: dir, now: clock.now)
            let old = IdempotencyKey(scope: "s", key: "old")
            #expect(try store.reserve(old, ttl: 3600) == .new)
            try store.complete(old, result: "first")
            clock.advance(by: 3601)
            let fresh = IdempotencyKey(scope: "s", key: "fresh")
            #expect(try store.reserve(fresh, ttl: 3600) == .new)
            #expect(try store.purgeIdempotency(ttl: 3600) == 1)
            #expect(try store.reserve(old, ttl: 3600) == .new)
            #expect(try store.reserve(fresh, ttl: 3600) == .inProgress)
        }
    }
}
