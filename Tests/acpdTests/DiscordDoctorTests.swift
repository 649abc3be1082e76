import DiscordFake
import Foundation
import Testing
import TestSupport

/// `acpd doctor` against the fake Discord: the token, the gateway, the application id and a
/// short test connection with acpd's intents.
@Suite("discord doctor", .serialized)
struct DiscordDoctorTests {
    static let token = "discord-doctor-token"

    static func run(_ fake: DiscordFakeServer, applicationId: String?) async throws -> (stdout: String, report: DoctorCommandTests.Report) {
        try await withTemporaryDirectory { dir in
            let application = applicationId.map { ", applicationId: \"\($0)\"" } ?? ""
            try DoctorCommandTests.write("""
            agents:
              demo:
                command: [\(TestPaths.demoAgent)]
                cwd: ./ws
            channels:
              discord:
                accounts:
                  default: { botToken: "\(token)", apiBase: "\(fake.apiBase)"\(application) }
            """, to: dir)
            return try await TelegramDoctorTests.doctor(in: dir)
        }
    }

    @Test("a working account passes the token, gateway, application and intents checks")
    func allPass() async throws {
        try await DiscordFakeServer.with(token: Self.token) { fake in
            let (stdout, report) = try await Self.run(fake, applicationId: fake.state.applicationId)
            for name in ["", " gateway", " application", " intents"] {
                let check = try #require(report.checks.first { $0.name == "discord account default\(name)" }, "\(stdout)")
                #expect(check.status == "pass", "\(check)")
            }
            #expect(!stdout.contains(Self.token))
            #expect(await fake.state.identifies.count == 1, "one test connection")
        }
    }

    @Test("a disallowed Message Content intent fails with the fix; a wrong application id fails naming the right one")
    func intentsAndApplication() async throws {
        try await DiscordFakeServer.with(token: Self.token) { fake in
            await fake.state.configureGateway(messageContentAllowed: false)
            let (stdout, report) = try await Self.run(fake, applicationId: "123456789012345678")
            let intents = try #require(report.checks.first { $0.name == "discord account default intents" }, "\(stdout)")
            #expect(intents.status == "fail", "\(intents)")
            #expect(intents.detail.contains("4014") && intents.hint.contains("Message Content"), "\(intents)")
            let application = try #require(report.checks.first { $0.name == "discord account default application" }, "\(stdout)")
            #expect(application.status == "fail" && application.hint.contains(fake.state.applicationId), "\(application)")
        }
    }
}
