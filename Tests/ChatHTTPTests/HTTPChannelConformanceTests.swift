import ACPControlPlane
import ChatChannelConformance
import ChatCore
import ChatHTTP
import Foundation
import Testing
import TestSupport

/// The http channel as the conformance kit sees it: its "platform" is the message log in a real
/// SQLite store; what the platform shows is what `GET /v1/conversations/{id}/messages` would list.
struct HTTPLogSubject: ConformanceSubject {
    let store: ControlPlaneStore
    let conversation = ConversationRef(channel: .http, conversationId: "conformance")

    func makeChannel() async throws -> HTTPChannel {
        let channel = HTTPChannel()
        await channel.attach(store: store)
        return channel
    }

    func visibleMessages(in conversation: ConversationRef) async throws -> [VisibleMessage] {
        try store.channelMessages(in: conversation, after: 0, limit: HTTPMessageLog.readLimit)
            .map { VisibleMessage(id: $0.id, text: $0.text) }
    }
}

@Suite("http channel conformance")
struct HTTPChannelConformanceTests {
    /// The http channel cannot fail on purpose (its log is a local SQLite file): the fault cases
    /// are skipped; everything else must pass.
    static let skipped: Set<ConformanceCase> = [.rateLimited, .transientFailure, .unknownOutcome]

    @Test("the http channel passes the conformance kit", arguments: ConformanceCase.allCases)
    func conformance(_ conformanceCase: ConformanceCase) async throws {
        try await withTemporaryDirectory { dir in
            let store = try ControlPlaneStore.open(stateDir: dir)
            defer { try? store.close() }
            let result = await ChannelConformance().run(HTTPLogSubject(store: store), conformanceCase)
            if Self.skipped.contains(conformanceCase) {
                #expect(result.skipped, "\(result)")
            } else {
                #expect(result.passed, "\(result)")
            }
        }
    }
}
