import ACPControlPlane
import ChatCore

/// The cases about messages in one conversation: send, edit, split, buttons, ordering.
extension ConformanceContext {
    func checkSend() async throws {
        let text = "Conformance: send — ünïcode 🙂 done."
        let before = try await visible()
        let report = await drive { $0.post([operation(.send, text)]) }
        try requireClean(report)
        let new = try await requireAppeared([text], since: before)
        try requireRefs(report.receipts.flatMap(\.messages), name: new)
    }

    func checkEditInPlace() async throws {
        let first = "Conformance: edit, first version", second = "Conformance: edit, second version"
        let before = try await visible()
        let run = RunID()
        let report = await drive {
            $0.run(run, [operation(.send, first, kind: .reply)])
            $0.run(run, [operation(.edit, second, kind: .reply, isFinal: true)])
        }
        try requireClean(report)
        let calls = channel.recorded
        let edits = calls.filter { $0.method == .edit }
        try require(!edits.isEmpty, "the send queue never called edit (the first send failed?)")
        if capabilities.supportsEdit {
            let new = try await appeared(since: before)
            try require(new.count == 1, "edit should change the message in place; the platform shows \(new.count) new messages: \(quotedList(new.map(\.text)))")
            try require(new[0].text == second, "after the edit the message shows \(quoted(new[0].text)), not \(quoted(second))")
            try requireRefs(Array(calls.compactMap(\.ref).prefix(1)), name: new)
        } else {
            guard case .notSupported? = edits[0].channelError else {
                throw ConformanceFailure("supportsEdit is false but edit \(edits[0].error.map { "threw \($0)" } ?? "succeeded"), not notSupported")
            }
            // The queue posts the new text instead.
            try await requireAppeared([first, second], since: before)
        }
    }

    func checkNotModifiedEdit() async throws {
        guard capabilities.supportsEdit else { throw ConformanceSkip("the channel has no edits") }
        let text = "Conformance: an edit that changes nothing"
        let before = try await visible()
        let run = RunID()
        let report = await drive {
            $0.run(run, [operation(.send, text, kind: .reply)])
            $0.run(run, [operation(.edit, text, kind: .reply, isFinal: true)])
        }
        if let edit = channel.recorded.first(where: { $0.method == .edit }), let error = edit.error {
            throw ConformanceFailure("an edit with the text the message already has threw \(error); it must succeed")
        }
        try requireClean(report)
        try await requireAppeared([text], since: before)
    }

    func checkSplitAtLimit() async throws {
        let limit = capabilities.maxMessageLength
        let text = Self.splitText(utf16Length: limit * 5 / 2)
        let parts = TextSplitter(limit: limit).split(text)
        let expected = (text.utf16.count + limit - 1) / limit
        try require(parts.count == expected, "TextSplitter made \(parts.count) parts of a \(text.utf16.count)-unit text at limit \(limit), expected \(expected)")
        let before = try await visible()
        let report = await drive { $0.post(parts.enumerated().map { operation(.send, slot: $0, $1) }) }
        try requireClean(report)
        let new = try await appeared(since: before)
        try require(new.count == expected, "a text of 2.5 × the limit should arrive as \(expected) messages; the platform shows \(new.count)")
        for (index, message) in new.enumerated() {
            try require(message.text.utf16.count <= limit, "part \(index + 1) is \(message.text.utf16.count) UTF-16 units, over the limit \(limit)")
        }
        try require(new.map(\.text).joined() == text, "the parts the platform shows do not join to the original text")
        try requireRefs(report.receipts.flatMap(\.messages), name: new)
    }

    /// A text without whitespace (so the parts join back exactly) of exactly `utf16Length`
    /// units, mixing ASCII, a two-byte letter and a surrogate pair (emoji).
    static func splitText(utf16Length: Int) -> String {
        let pattern = "abcdefgh" + "é" + "🙂"
        var text = ""
        while text.utf16.count + pattern.utf16.count <= utf16Length { text += pattern }
        text += String(repeating: "x", count: utf16Length - text.utf16.count)
        return text
    }

    func checkButtons() async throws {
        let buttons = [[ChatButton(label: "Allow once", payload: "/acp allow 1"),
                        ChatButton(label: "Reject", payload: "/acp reject 1")]]
        let text = "Conformance: buttons. Reply /acp allow 1 or /acp reject 1"
        let before = try await visible()
        let report = await drive { $0.post([operation(.send, text, buttons: buttons, kind: .permission)]) }
        try requireClean(report)
        let new = try await requireAppeared([text], since: before)
        guard capabilities.supportsButtons else { return }
        try require(new[0].buttons == buttons, "the message shows buttons \(new[0].buttons), not \(buttons)")
        guard capabilities.supportsEdit else { return }
        // Settling a permission prompt: an edit without buttons removes them.
        let settled = "Conformance: buttons — answered: Allow once"
        let beforeEdit = try await visible()
        let run = RunID()
        let editReport = await drive {
            $0.run(run, [operation(.send, text, buttons: buttons, kind: .permission)])
            $0.run(run, [operation(.edit, settled, kind: .permission, isFinal: true)])
        }
        try requireClean(editReport)
        let edited = try await requireAppeared([settled], since: beforeEdit)
        try require(edited[0].buttons.isEmpty, "an edit without buttons left \(edited[0].buttons) under the message")
    }

    func checkOrdering() async throws {
        let count = kit.orderingCount
        let texts = (1...count).map { "Conformance: ordering, message \($0) of \(count)" }
        let before = try await visible()
        let report = await drive { drive in
            for text in texts { drive.post([operation(.send, text)]) }
        }
        try requireClean(report)
        let new = try await requireAppeared(texts, since: before)
        try requireRefs(report.receipts.flatMap(\.messages), name: new)
    }
}
