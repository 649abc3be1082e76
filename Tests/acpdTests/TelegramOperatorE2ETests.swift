import Foundation
import JSONKit
import TelegramFake
import Testing
import TestSupport

/// Issue 16 through `acpd run` and the fake Bot API: the owner's pairing notice in their private
/// chat with buttons, a press that approves as member, the member's press on Allow refused, and a
/// channel restart from the CLI while a run streams.
@Suite("telegram operator console end to end")
struct TelegramOperatorE2ETests {
    static let forum = TelegramE2ETests.forum

    /// A press of `data` by `user` on message `messageId` of `chat` (`topic` in a forum).
    static func press(_ fake: TelegramFakeServer, id: String, data: String, user: Int64, chat: Int64, messageId: Int64, topic: Int64? = nil) async {
        await fake.state.enqueuePress(id, data: data, from: user, chat: chat, messageId: messageId, topic: topic)
    }

    /// Waits until `chat` (`thread`) has a message satisfying `predicate`; returns it.
    static func waitFor(_ fake: TelegramFakeServer, chat: Int64, thread: Int64?, _ what: String, timeout: Double = 30,
                        where predicate: @escaping @Sendable (FakeMessage) -> Bool) async throws -> FakeMessage {
        try await withDeadline(timeout, what) {
            while true {
                if let found = await fake.state.messages(chat: chat, thread: thread).first(where: predicate) { return found }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    @Test("the owner's private notice has Approve/Deny buttons; a press approves as member; the stranger is told once in its topic; its press on Allow is refused; audit rows")
    func pairingByButton() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: TelegramE2ETests.token) { fake in
                await fake.state.addForum(Self.forum, topics: [42])
                let config = TelegramE2ETests.config(apiRoot: fake.apiRoot)
                    .replacingOccurrences(of: "  owners: [\"telegram:111\"]",
                                          with: "  owners: [\"telegram:111\", \"telegram:112\"]\n  unknownSenders: request_approval")
                // Owner 111 started the bot once; owner 112 never did (Telegram refuses the bot's first message).
                await fake.state.addChat(111)
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: config)
                await fake.state.enqueueText("let me in", chat: Self.forum, from: 555, topic: 42)
                let notice = try await Self.waitFor(fake, chat: 111, thread: nil, "the owner's notice\n\(daemon.log)") { !$0.buttons.isEmpty }
                let buttons = notice.buttons.flatMap { $0 }
                #expect(buttons.map(\.text) == ["Approve", "Approve as member", "Deny"], "\(buttons)")
                let member = try #require(buttons.first { $0.text == "Approve as member" })
                #expect(member.callbackData.hasSuffix("--role member") && member.callbackData.utf8.count <= 64)
                #expect(notice.text.contains("/acp deny"), "the typed commands too: \(notice.text)")
                #expect(daemon.log.contains("pairing request"), "the log line stays")
                #expect(await fake.state.messages(chat: 112, thread: nil).isEmpty)
                try await withDeadline(10, "owner 112 is reported unreachable\n\(daemon.log)") {
                    while !daemon.log.contains("initiate conversation with a user") { try await Task.sleep(for: .milliseconds(50)) }
                }

                // A stranger's press does nothing; the owner's press decides.
                await Self.press(fake, id: "p-0", data: member.callbackData, user: 556, chat: 111, messageId: notice.messageId)
                await Self.press(fake, id: "p-1", data: member.callbackData, user: 111, chat: 111, messageId: notice.messageId)
                _ = try await Self.waitFor(fake, chat: 111, thread: nil, "the owner's OK\n\(daemon.log)") { $0.text == "OK: approved telegram:555 as member" }
                _ = try await Self.waitFor(fake, chat: Self.forum, thread: 42, "the stranger is told\n\(daemon.log)") {
                    $0.text.contains("approved your access request as a member")
                }

                // The member prompts; its press on the permission prompt's Allow is refused; the owner's works.
                await fake.state.enqueueText("[permission] may I", chat: Self.forum, from: 555, topic: 42)
                let prompt = try await Self.waitFor(fake, chat: Self.forum, thread: 42, "the permission prompt\n\(daemon.log)") { !$0.buttons.isEmpty }
                let allow = try #require(prompt.buttons.flatMap { $0 }.first)
                await Self.press(fake, id: "p-2", data: allow.callbackData, user: 555, chat: Self.forum, messageId: prompt.messageId, topic: 42)
                _ = try await Self.waitFor(fake, chat: Self.forum, thread: 42, "the member is refused\n\(daemon.log)") { $0.text == "ERROR: unauthorized" }
                #expect(await !fake.state.messages(chat: Self.forum, thread: 42).contains { $0.text.contains("permission: selected") })
                await Self.press(fake, id: "p-3", data: allow.callbackData, user: 111, chat: Self.forum, messageId: prompt.messageId, topic: 42)
                _ = try await Self.waitFor(fake, chat: Self.forum, thread: 42, "the owner's press answers\n\(daemon.log)") { $0.text.contains("permission: selected") }
                try await Task.sleep(for: .seconds(2))
                #expect(await fake.state.messages(chat: Self.forum, thread: 42).filter { $0.text.contains("access request") }.count == 1, "told once")

                let audit = try await CLI.run(["audit", "--json", "--config", "acpd.yaml"], in: dir)
                let entries = (try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any])?["entries"] as? [[String: Any]] ?? []
                let rows = entries.map { "\($0["sender"] as? String ?? "") \($0["command"] as? String ?? "") \($0["result"] as? String ?? "")" }
                #expect(rows.contains("telegram:555 allow unauthorized"), "\(rows)")
                #expect(rows.contains("telegram:111 allow ok"), "\(rows)")
                #expect(rows.contains("telegram:111 approve ok"), "\(rows)")
                #expect(rows.contains("telegram:556 approve ignored"), "\(rows)")
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }

    @Test("acpd channels stop|start|restart through the daemon: stopped shows and acpd_channel_up is 0; a restart while a run streams, and its output continues")
    func restartWhileStreaming() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: TelegramE2ETests.token) { fake in
                await fake.state.addForum(Self.forum, topics: [42])
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: TelegramE2ETests.config(apiRoot: fake.apiRoot))
                @Sendable func state() async throws -> String? {
                    let (_, ready) = try await daemon.json("GET", "/readyz")
                    return (ready["channels"] as? [String: String])?["telegram:default"]
                }
                try await withDeadline(20, "default runs") { while try await state() != "running" { try await Task.sleep(for: .milliseconds(50)) } }

                let stop = try await CLI.run(["channels", "stop", "telegram:default", "--config", "acpd.yaml"], in: dir)
                #expect(stop.status == 0 && stop.stdout.hasPrefix("stop: telegram:default is stopped"), "\(stop)")
                let (_, metrics) = try await daemon.request("GET", "/metrics")
                let exposition = String(decoding: metrics, as: UTF8.self)
                #expect(exposition.contains(#"acpd_channel_up{channel="telegram",account="default"} 0"#), "\(exposition)")
                let listed = try await CLI.run(["channels", "--config", "acpd.yaml"], in: dir)
                #expect(listed.stdout.contains("stopped by an operator (acpd channels start telegram:default)"), "\(listed)")
                let start = try await CLI.run(["channels", "start", "telegram:default", "--config", "acpd.yaml"], in: dir)
                #expect(start.status == 0 && start.stdout.hasPrefix("start: telegram:default is running"), "\(start)\n\(daemon.log)")
                let unknown = try await CLI.run(["channels", "restart", "telegram:nope", "--config", "acpd.yaml"], in: dir)
                #expect(unknown.status == 1 && unknown.stderr.contains("no chat account telegram:nope"), "\(unknown)")
                let (http, _) = try await daemon.json("POST", "/v1/channels/http/default/restart")
                #expect(http == 400)

                await fake.state.enqueueText("long answer [chunks=8] [delay=600]", chat: Self.forum, from: 111, topic: 42)
                _ = try await Self.waitFor(fake, chat: Self.forum, thread: 42, "the run streams\n\(daemon.log)") { $0.text.hasPrefix("echo:") }
                let getMe = await fake.state.calls.filter { $0 == "getMe" }.count
                let restart = try await CLI.run(["channels", "restart", "telegram:default", "--config", "acpd.yaml"], in: dir)
                #expect(restart.status == 0 && restart.stdout.hasPrefix("restart: telegram:default is running"), "\(restart)\n\(daemon.log)")
                #expect(await fake.state.calls.filter { $0 == "getMe" }.count > getMe, "the account reconnected")
                let full = "echo: long answer [chunks=8] [delay=600]"
                _ = try await Self.waitFor(fake, chat: Self.forum, thread: 42, "the whole answer after the restart\n\(daemon.log)") { $0.text.contains(full) }
                // Polling works again: a new message is answered.
                await fake.state.enqueueText("after restart", chat: Self.forum, from: 111, topic: 42)
                _ = try await Self.waitFor(fake, chat: Self.forum, thread: 42, "an answer after the restart\n\(daemon.log)") { $0.text.contains("echo: after restart") }
                let audit = try await CLI.run(["audit", "--sender", "api", "--config", "acpd.yaml"], in: dir)
                #expect(audit.stdout.contains("channels.restart") && audit.stdout.contains("channels.stop"), "\(audit)")
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }
}
