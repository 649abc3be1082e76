import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Foundation
import Testing

@Suite struct SecretGateTests {
    static let alice = SenderRef(channel: .telegram, id: "1")
    static let bob = SenderRef(channel: .discord, id: "2")
    static let console = SenderRef(channel: .console, id: "tty")
    static let t0 = Date(timeIntervalSince1970: 1_000_000)

    @Test func withoutASecretEverythingPasses() {
        var gate = SecretGate(secret: nil, ttlSeconds: 600)
        #expect(!gate.isEnabled)
        for command in CommandName.allCases { #expect(gate.permits(command, sender: Self.alice, now: Self.t0)) }
        let reply = gate.authenticate(Self.alice, secret: "x", now: Self.t0)
        #expect(reply.hasPrefix("OK: "))
        #expect(!SecretGate(secret: "", ttlSeconds: 1).isEnabled)
    }

    @Test func guardedCommandsNeedAuthUntilTheTTLEnds() {
        var gate = SecretGate(secret: "hunter2", ttlSeconds: 600)
        for command in CommandName.allCases {
            #expect(gate.permits(command, sender: Self.alice, now: Self.t0) == !command.isGuarded, "\(command)")
            #expect(gate.permits(command, sender: Self.console, now: Self.t0), "console \(command)")
        }
        let reply = gate.authenticate(Self.alice, secret: "hunter2", now: Self.t0)
        #expect(reply == "OK: unlocked for 600 seconds")
        #expect(gate.permits(.spawn, sender: Self.alice, now: Self.t0.addingTimeInterval(599)))
        #expect(!gate.permits(.spawn, sender: Self.bob, now: Self.t0.addingTimeInterval(1)), "per sender")
        #expect(!gate.permits(.spawn, sender: Self.alice, now: Self.t0.addingTimeInterval(600)), "expired")
    }

    @Test func lockLocksAgainAndAWrongSecretLocks() {
        var gate = SecretGate(secret: "hunter2", ttlSeconds: 60)
        _ = gate.authenticate(Self.alice, secret: "hunter2", now: Self.t0)
        _ = gate.authenticate(Self.bob, secret: "hunter2", now: Self.t0)
        let locked = gate.lock(Self.alice)
        #expect(locked == "OK: locked")
        #expect(!gate.permits(.close, sender: Self.alice, now: Self.t0))
        #expect(gate.permits(.close, sender: Self.bob, now: Self.t0))
        let wrong = gate.authenticate(Self.bob, secret: "hunter3", now: Self.t0)
        #expect(wrong == "ERROR: unauthorized")
        #expect(!gate.permits(.close, sender: Self.bob, now: Self.t0))
        let replies = ["hunter", "hunter22", "", "HUNTER2"].map { gate.authenticate(Self.bob, secret: $0, now: Self.t0) }
        #expect(replies == Array(repeating: "ERROR: unauthorized", count: 4))
    }

    @Test func reAuthExtendsAndPurgeDropsExpired() {
        var gate = SecretGate(AccessConfig(owners: [], allowFrom: [], unknownSenders: .strict, secret: Secret("s3"),
                                           authTTLSeconds: 10, rateLimit: .init(perMinute: 1, burst: 1)))
        _ = gate.authenticate(Self.alice, secret: "s3", now: Self.t0)
        _ = gate.authenticate(Self.alice, secret: "s3", now: Self.t0.addingTimeInterval(8))
        #expect(gate.isUnlocked(Self.alice, now: Self.t0.addingTimeInterval(17)))
        gate.purgeExpired(now: Self.t0.addingTimeInterval(18))
        #expect(!gate.isUnlocked(Self.alice, now: Self.t0.addingTimeInterval(17)))
    }

    @Test func constantTimeEqual() {
        #expect(SecretGate.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!SecretGate.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!SecretGate.constantTimeEqual([1, 2], [1, 2, 3]))
    }
}
