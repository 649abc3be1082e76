import ACPControlPlane
import Foundation
import Testing
import TestSupport

/// Issue 11, finding 9: the http channel's `accountId` is an account id like any other
/// (`A-Z a-z 0-9 _ -`, 1–64, starting with a letter or digit): a bad one is answered 400 with the
/// expected form, and nothing of the message reaches the store.
struct HTTPAccountIDE2ETests {
    private static let token = "e2e-account-\(UUID().uuidString.prefix(8))"

    private static var config: String { E2EConfig.oneRoom() }

    @Test func aBadAccountIdIsRefusedAndNothingIsStored() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.config)
            let sessionsBefore = try daemon.sessionCount()
            let runsBefore = try daemon.runCount()
            let bad = ["", "../x", "a/b", "..", "a:b", "-lead", "white space", "ünicode", String(repeating: "a", count: 65),
                       String(repeating: "x", count: 5000)]
            for account in bad {
                for text in ["/acp status", "hello from elsewhere"] {
                    let body: [String: Any] = ["accountId": account, "conversationId": "room1", "senderId": "alice",
                                               "text": text, "messageId": "m-\(UUID().uuidString)"]
                    let (status, data) = try await daemon.request("POST", "/v1/messages", body: body)
                    let answer = PostAnswer(status: status, body: data)
                    #expect(status == 400, "accountId \(account.prefix(20)) (\(account.count)): \(answer)")
                    let error = answer.object["error"] as? [String: Any]
                    #expect(error?["code"] as? String == "ACP_INVALID_ARGUMENT", "\(answer)")
                    let message = error?["message"] as? String ?? ""
                    #expect(message.contains("is not an account id; expected 1–64 characters of A-Z a-z 0-9 _ -"), "\(message)")
                    #expect(message.count < 300, "the answer does not echo a long id: \(message.count) characters")
                }
                let ref = ConversationRef(channel: .http, accountId: account, conversationId: "room1")
                #expect(try daemon.withStore { try $0.channelMessages(in: ref) }.isEmpty, "messages stored for account \(account.prefix(20))")
                let (listed, _) = try await daemon.request("GET", "/v1/conversations/room1/messages?accountId=\(account.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
                #expect(listed == 400, "GET with accountId \(account.prefix(20))")
            }
            #expect(try daemon.sessionCount() == sessionsBefore)
            #expect(try daemon.runCount() == runsBefore)

            // The default and an explicit valid account still work.
            let fine = try await daemon.post("room1", from: "alice", "/acp status")
            #expect(fine.status == 202 && fine.reply?.hasPrefix("OK: ") == true, "\(fine)")
            let (other, data) = try await daemon.request("POST", "/v1/messages", body: [
                "accountId": "team-2_b", "conversationId": "room1", "senderId": "alice", "text": "/acp help", "messageId": "ok-1"])
            #expect(other == 202, "\(String(decoding: data, as: UTF8.self))")
        }
    }
}
