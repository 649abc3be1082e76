import ACPControlPlane
import DiscordFake
import Foundation
import Testing
import TestSupport

/// Issue 16 through `acpd run` and the fake Discord: the owner's pairing notice in a DM the bot
/// opens (`POST /users/@me/channels`) with Approve / Deny buttons; a press in the DM decides.
@Suite("discord operator console end to end")
struct DiscordOperatorE2ETests {
    static let stranger = "555555555555555555"
    static let closedOwner = "333333333333333333"

    @Test("the owner's DM notice has Approve/Deny buttons; the owner's Deny press decides; the stranger is told once where it asked; audit rows")
    func pairingByButtonInDM() async throws {
        try await withTemporaryDirectory { dir in
            try await DiscordFakeServer.with(token: DiscordE2ETests.token) { fake in
                let general = fake.state.generalChannel
                let config = DiscordE2ETests.config(apiBase: fake.apiBase, channel: general)
                    .replacingOccurrences(of: "  owners: [\"discord:\(DiscordE2ETests.owner)\"]",
                                          with: "  owners: [\"discord:\(DiscordE2ETests.owner)\", \"discord:\(Self.closedOwner)\"]\n  unknownSenders: request_approval")
                // The second owner accepts no DMs from the bot: Discord refuses the message (50007).
                await fake.state.closeDirectMessages(of: Self.closedOwner)
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: config)
                try await withDeadline(30, "connected\n\(daemon.log)") {
                    while await !fake.state.isConnected { try await Task.sleep(for: .milliseconds(50)) }
                }
                await fake.state.postMessage("let me in", in: general, from: Self.stranger)
                let ownerDM = await fake.state.directChannel(with: DiscordE2ETests.owner)
                let notice = try #require(try await DiscordE2ETests.waitForBot(fake, "pairing request", in: ownerDM, daemon: daemon).first)
                let buttons = notice.buttons.flatMap { $0 }
                #expect(buttons.map(\.label) == ["Approve", "Approve as member", "Deny"], "\(buttons)")
                #expect(notice.content.contains("/acp approve") && notice.content.contains("/acp deny"), "the typed commands too")
                let deny = try #require(buttons.first { $0.label == "Deny" })
                try await withDeadline(10, "the closed owner is reported\n\(daemon.log)") {
                    while !daemon.log.contains("Cannot send messages to this user") { try await Task.sleep(for: .milliseconds(50)) }
                }
                let closedDM = await fake.state.directChannel(with: Self.closedOwner)
                #expect(await fake.state.messages(in: closedDM).isEmpty)

                await fake.state.pressButton(deny.customId, on: notice.id, in: ownerDM, by: DiscordE2ETests.owner)
                try await DiscordE2ETests.waitForBot(fake, "denied your access request", in: general, daemon: daemon)
                #expect(try daemon.pairingRequests().map(\.state) == [.denied])
                // A second press finds nothing pending; the stranger is still told once.
                await fake.state.pressButton(deny.customId, on: notice.id, in: ownerDM, by: DiscordE2ETests.owner)
                try await Task.sleep(for: .seconds(2))
                let told = await fake.state.messages(in: general).filter { $0.content.contains("access request") }
                #expect(told.count == 1, "\(told)")
                let audit = try await CLI.run(["audit", "--json", "--sender", "discord:\(DiscordE2ETests.owner)", "--config", "acpd.yaml"], in: dir)
                let entries = (try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any])?["entries"] as? [[String: Any]] ?? []
                #expect(entries.map { "\($0["command"] as? String ?? "") \($0["result"] as? String ?? "")" } == ["deny ACP_INVALID_ARGUMENT", "deny ok"],
                        "\(audit.stdout)")
                #expect(entries.last?["detail"] as? String == "request 1 from discord:\(Self.stranger)")
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }
}
