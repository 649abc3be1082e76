import TestSupport
import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Testing

/// Invariants of the projector over random runs (seeded, so failures reproduce).
@Suite("Delivery projector properties")
struct DeliveryProjectorPropertyTests {
    static func randomRun(_ random: inout SeededGenerator) -> [EventPayload] {
        var events: [EventPayload] = [.runStarted]
        var promptId: Int64 = 0
        for _ in 0..<Int.random(in: 0...60, using: &random) {
            switch Int.random(in: 0..<10, using: &random) {
            case 0...4:
                let words = (0..<Int.random(in: 1...30, using: &random)).map { _ in ["alpha", "beta", "😀", "\n\n", ".", "🇫🇷"].randomElement(using: &random)! }
                events.append(ProjectorHarness.text(words.joined(separator: " ")))
            case 5: events.append(ProjectorHarness.thought("thinking"))
            case 6:
                let id = "t\(Int.random(in: 0..<4, using: &random))"
                events.append(ProjectorHarness.tool(id, new: true, title: "Tool \(id)", status: ["pending", "in_progress", "completed", "failed"].randomElement(using: &random)))
            case 7:
                promptId += 1
                events.append(.permissionRequested(ProjectorHarness.prompt(id: promptId)))
            case 8 where promptId > 0:
                events.append(.permissionResolved(PermissionResolution(id: promptId, how: .answered, optionId: "a1")))
            default:
                events.append(.usage(Usage(used: 1, size: 10)))
            }
        }
        events.append([EventPayload.completed(stopReason: "end_turn"), .completed(stopReason: "max_tokens"),
                       .cancelled, .failed(code: .turnFailed, message: "boom")].randomElement(using: &random)!)
        events.append(ProjectorHarness.text("after the end"))
        return events
    }

    @Test("one final op, last; pieces fit; edits follow sends; checkpoints never go back", arguments: [
        (StreamSettings.DeliveryMode.live, 101 as UInt64), (.live, 102), (.live, 103), (.finalOnly, 104), (.finalOnly, 105),
    ])
    func invariants(mode: StreamSettings.DeliveryMode, seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<30 {
            var harness = ProjectorHarness()
            harness.stream = .defaults.with {
                $0.deliveryMode = mode
                $0.maxChunkChars = Int.random(in: 40...300, using: &random)
                $0.maxOutputChars = Int.random(in: 50...2000, using: &random)
                $0.showThoughts = Bool.random(using: &random)
            }
            harness.spacing = .milliseconds(Int.random(in: 10...800, using: &random))
            let events = Self.randomRun(&random)
            let ops = harness.run(events)
            #expect(ops.filter(\.isFinal).count == 1)
            #expect(ops.last?.isFinal == true)
            #expect(ops.last?.checkpoint == Int64(events.count - 1), "the terminal event's seq")
            for op in ops { #expect(op.text.utf16.count <= harness.stream.maxChunkChars && !op.text.isEmpty, "\(op)") }
            #expect(!ops.contains { $0.text.contains("after the end") })
            var sent = Set<Int>()
            var lastCheckpoint: Int64 = 0
            for op in ops {
                if op.action == .send { #expect(sent.insert(op.slot).inserted, "slot sent twice") }
                else { #expect(sent.contains(op.slot), "edit before send") }
                if let checkpoint = op.checkpoint {
                    #expect(checkpoint >= lastCheckpoint)
                    lastCheckpoint = checkpoint
                }
            }
        }
    }
}
