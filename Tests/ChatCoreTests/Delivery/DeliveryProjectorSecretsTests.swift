import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Testing

private typealias H = ProjectorHarness
private typealias Op = DeliveryOperation

/// Secrets that arrive in pieces or straddle a message split never reach chat, not even in part
/// for a moment: the whole text is redacted before it is split, and a live flush holds back the
/// word still being written.
@Suite("Delivery projector: secrets across deltas and splits")
struct DeliveryProjectorSecretsTests {
    static let secret = "sk-live-0123456789abcdef"
    static let redactor = Redactor(secrets: [secret])

    private static func harness(limit: Int = 1800) -> H {
        var harness = H()
        harness.redact = { redactor.redact($0) }
        harness.stream = .defaults.with { $0.maxChunkChars = limit }
        return harness
    }

    /// Every prefix and suffix of the secret of at least 4 characters, which must never be shown.
    private static var fragments: [String] {
        let characters = Array(secret)
        return (4..<characters.count).flatMap { [String(characters.prefix($0)), String(characters.suffix($0))] }
    }

    @Test("a secret streamed in two deltas: the first live edit shows none of it, the end shows the placeholder")
    func splitAcrossDeltas() {
        let cut = Self.secret.index(Self.secret.startIndex, offsetBy: 10)
        let ops = Self.harness().run([H.text("the key is \(Self.secret[..<cut])"), H.text("\(Self.secret[cut...]) — keep it"), H.done])
        #expect(ops.first == Op(.send, slot: 0, text: "the key is", checkpoint: nil))
        for op in ops {
            for fragment in Self.fragments { #expect(!op.text.contains(fragment), "\(fragment) in \(op.text)") }
        }
        #expect(ops.last?.text == "the key is [redacted] — keep it")
        #expect(ops.last?.isFinal == true)
    }

    @Test("a secret that a message split would cut is redacted first, in every message", arguments: [12, 16, 20, 24])
    func splitAcrossMessages(limit: Int) {
        // No blanks near the secret: the splitter has to cut inside the word.
        let text = "xxxxxxxx" + Self.secret + "yyyyyyyyyyyyyyyyyyyyyy"
        let ops = Self.harness(limit: limit).run([H.text(String(text.prefix(14))), H.text(String(text.dropFirst(14))), H.done])
        #expect(ops.count >= 2)
        for op in ops {
            for fragment in Self.fragments { #expect(!op.text.contains(fragment), "\(fragment) in \(op.text) (limit \(limit))") }
        }
        let finals = Dictionary(ops.map { ($0.slot, $0.text) }, uniquingKeysWith: { _, last in last })
        #expect(finals.keys.sorted().map { finals[$0]! }.joined() == "xxxxxxxx[redacted]yyyyyyyyyyyyyyyyyyyyyy")
    }

    @Test("the held word's event is not checkpointed until the word is shown")
    func heldWordKeepsTheCheckpoint() {
        let ops = Self.harness().run([H.text("alpha "), H.text("be"), H.text("ta gamma "), H.done])
        #expect(ops == [
            Op(.send, slot: 0, text: "alpha", checkpoint: 1),
            Op(.edit, slot: 0, text: "alpha beta gamma", checkpoint: 3),
            Op(.edit, slot: 0, text: "alpha beta gamma", isFinal: true, checkpoint: 4),
        ])
    }

    @Test("a word longer than the hold-back limit is shown while it streams")
    func longWordIsShown() {
        let blob = String(repeating: "z", count: DeliveryProjector.heldWordLimit + 1)
        let ops = Self.harness(limit: 4000).run([H.text(blob), H.text("z"), H.done])
        #expect(ops.first == Op(.send, slot: 0, text: blob, checkpoint: 1))
    }

    @Test("before a permission prompt the unfinished word is shown, so the prompt sits below all the text")
    func promptFlushesTheHeldWord() throws {
        let ops = Self.harness().run([H.text("checking fil"), .permissionRequested(H.prompt()), H.done])
        let prompt = try #require(ops.firstIndex { $0.kind == .permission })
        #expect(prompt > 0)
        #expect(ops[prompt - 1] == Op(.edit, slot: 0, text: "checking fil", checkpoint: 1))
        #expect(!ops[..<prompt].contains { $0.text != "checking" && $0.text != "checking fil" })
    }
}

/// Permission requests answered without asking, and prompts settled after a restart.
@Suite("Delivery projector: automatic and resumed permission answers")
struct DeliveryProjectorPermissionAnswerTests {
    @Test("a request acp.permissions.mode answers is one settled line: no prompt, no buttons, no edit")
    func automaticAnswerIsOneLine() {
        var prompt = H.prompt()
        let resolution = PermissionResolution(id: prompt.id, how: .auto, optionId: "a1")
        prompt.automatic = resolution
        let ops = H().run([.permissionRequested(prompt), .permissionResolved(resolution), H.text("done "), H.done])
        let permission = ops.filter { $0.kind == .permission }
        #expect(permission.count == 1, "\(ops)")
        #expect(permission.first?.action == .send)
        #expect(permission.first?.buttons.isEmpty == true)
        #expect(permission.first?.text == "🔐 Permission (#7): Edit main.swift [edit] — answered automatically: Allow once")
    }

    @Test("a request settled after delivery resumed (its prompt unknown here) gets a line saying so")
    func settledWithoutItsPrompt() {
        let ops = H().run([.permissionResolved(PermissionResolution(id: 9, how: .cancelled, optionId: nil)),
                           .failed(code: .turnFailed, message: "acpd restarted")])
        #expect(ops.first == Op(.send, slot: 0, text: "🔐 Permission (#9) — withdrawn, it can no longer be answered",
                                kind: .permission, checkpoint: 1))
        #expect(ops.last?.isFinal == true)
    }

    @Test("a multi-word secret streamed one character per chunk never shows in part in a live edit (issue 11, finding 6)")
    func multiWordSecretCharacterByCharacter() {
        let secret = "correct horse battery staple"
        let redactor = Redactor(secrets: [secret])
        var harness = H()
        harness.redact = { redactor.redact($0) }
        harness.secretPrefix = { redactor.pendingSecretPrefix(in: $0) }
        // Chunks 1 s apart: every chunk is flushed as a live edit on its own.
        let text = "the phrase is \(secret) and more words follow here"
        let ops = harness.run(text.map { H.text(String($0)) } + [H.done])
        #expect(ops.count >= 8, "live edits happened: \(ops.count)")
        // Any two or more leading words of the secret would give it away.
        let words = secret.split(separator: " ")
        let giveaways = (2..<words.count).map { words.prefix($0).joined(separator: " ") }
        for op in ops {
            for giveaway in giveaways { #expect(!op.text.contains(giveaway), "\(giveaway) shown in \(op.text)") }
        }
        #expect(ops.last?.text == "the phrase is [redacted] and more words follow here")
        #expect(ops.last?.isFinal == true)
        // What is held is only held: text that cannot begin the secret is shown as it streams.
        #expect(ops.contains { $0.text == "the phrase is" })
        #expect(ops.contains { $0.text.hasPrefix("the phrase is [redacted] and more") && !$0.isFinal })
    }

    @Test("pendingSecretPrefix: the longest end of a text that may begin a secret", arguments: [
        ("the phrase is correct horse", 13), ("the phrase is correct horse ", 14), ("the phrase is c", 1),
        ("the phrase is", 0), ("correct horse battery stapl", 27), ("x correct horse battery staple", 0),
        ("tokens abcd", 3), ("tokens abcde", 4), ("tokens abcdex", 0), ("naïve correct", 7),
    ])
    func pendingSecretPrefix(_ text: String, _ held: Int) {
        let redactor = Redactor(secrets: ["correct horse battery staple", "bcdefgh"])
        #expect(redactor.pendingSecretPrefix(in: text) == held, "\(text)")
    }
}
