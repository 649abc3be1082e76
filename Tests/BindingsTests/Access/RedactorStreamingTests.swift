@testable import Bindings
import Foundation
import Testing

/// `Redactor.streamingVisiblePrefix(of:)`: what of a growing text may be shown now.
@Suite struct RedactorStreamingTests {
    static let secret = "sesame-open-4242"
    static let redactor = Redactor(secrets: [secret, "apitoken-XYZ"])
    static let telegramToken = "123456789:AAHk3x_Zb9-QwErTyUiOpAsDfGhJkLzXcVb"

    @Test(arguments: [
        // (text so far, what may be shown now)
        ("plain prose. ", "plain prose. "),
        ("echo: sesame-o", "echo: "),
        ("echo: s", "echo: "),
        ("echo: apitoken-XY", "echo: "),
        ("echo: [redacted] done", "echo: [redacted] done"),
        ("chat id 12345", "chat id "),
        ("bot 123456789:AAHk3x", "bot "),
        ("see MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIj", "see "),
        ("-H 'Authorization: Bearer abc", "-H 'Authorization: "),
        ("-H 'Authorization: Bea", "-H 'Authorization: "),
        ("a short word", "a short word"),
        ("Bearer [redacted]", "Bearer [redacted]"),
    ])
    func holdsBackWhatCouldBecomeASecret(_ text: String, _ shown: String) {
        #expect(Self.redactor.streamingVisiblePrefix(of: text) == shown)
    }

    /// Streaming a text in pieces of every size and showing at each step the visible prefix of the
    /// redacted text so far never shows a secret, whole or in part, and ends with `redact` of the whole.
    @Test func noPrefixOfAStreamedSecretIsEverShown() {
        let full = "echo: a \(Self.secret) b bot \(Self.telegramToken) c apitoken-XYZ end"
        let forbidden = [Self.secret, Self.telegramToken, "apitoken-XYZ"].flatMap { secret in
            // Every prefix of at least half a secret counts as leaked.
            (secret.count / 2...secret.count).map { String(secret.prefix($0)) }
        }
        for step in 1...full.count {
            var received = ""
            var shown: [String] = []
            var index = full.startIndex
            while index < full.endIndex {
                let next = full.index(index, offsetBy: step, limitedBy: full.endIndex) ?? full.endIndex
                received += full[index..<next]
                index = next
                shown.append(String(Self.redactor.streamingVisiblePrefix(of: Self.redactor.redact(received))))
            }
            for text in shown {
                #expect(!forbidden.contains { text.contains($0) }, "step \(step): \(text)")
            }
            #expect(Self.redactor.redact(received) == "echo: a [redacted] b bot [redacted] c [redacted] end")
        }
    }

    @Test func longRunsAreNotHeldBackForever() {
        let blob = String(repeating: "A", count: 1000)
        #expect(Self.redactor.streamingVisiblePrefix(of: "x " + blob) == "x " + blob)
    }
}
