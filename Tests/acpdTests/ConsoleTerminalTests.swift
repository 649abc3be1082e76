import Foundation
import Testing
import TestSupport

/// `acpd chat` on a pseudo-terminal: a streaming reply whose plan changes is redrawn in place, so
/// the screen (replayed through a small terminal model) holds the final reply once, after a `> `
/// prompt; piped, the output stays plain text without escape sequences.
@Suite("console on a terminal")
struct ConsoleTerminalTests {
    /// What a terminal `width` columns wide shows after `output`: printable text, CR, LF, and the
    /// three sequences acpd uses (cursor up `ESC[nA`, clear to end of screen `ESC[J`, of line `ESC[K`).
    static func screen(_ output: String, width: Int = 80) -> [String] {
        var rows: [[Character]] = [[]]
        var row = 0, column = 0
        var characters = Array(output)[...]
        func put(_ character: Character) {
            let cells = (character.unicodeScalars.first?.properties.isEmojiPresentation ?? false) ? 2 : 1
            if column + cells > width { row += 1; column = 0 }
            while rows.count <= row { rows.append([]) }
            while rows[row].count < column { rows[row].append(" ") }
            if rows[row].count > column { rows[row].removeSubrange(column...) }
            rows[row].append(character)
            if cells == 2 { rows[row].append("\u{0}") }
            column += cells
        }
        while let character = characters.popFirst() {
            switch character {
            case "\r\n": row += 1; column = 0; while rows.count <= row { rows.append([]) }
            case "\r": column = 0
            case "\n": row += 1; while rows.count <= row { rows.append([]) }
            case "\u{1B}":
                guard characters.popFirst() == "[" else { continue }
                var digits = ""
                while let next = characters.first, next.isNumber { digits.append(next); characters.removeFirst() }
                switch characters.popFirst() {
                case "A": row = max(0, row - (Int(digits) ?? 1))
                case "J":
                    if rows[row].count > column { rows[row].removeSubrange(column...) }
                    rows.removeSubrange((row + 1)...)
                case "K": if rows[row].count > column { rows[row].removeSubrange(column...) }
                default: break
                }
            default: put(character)
            }
        }
        return rows.map { String($0.filter { $0 != "\u{0}" }) }
    }

    @Test("a plan's updates are redrawn in place: the screen shows the final reply once, then the prompt")
    func redrawsInPlace() async throws {
        try await withTemporaryDirectory { dir in
            _ = try await CLI.run(["init", "--agent", "demo"], in: dir)
            let chat = try PseudoTerminalProcess(["chat"], in: dir, environment: ["TERM": "xterm"])
            try await chat.expect("> ")
            chat.type("hello [plan] [tool] [chunks=4]")
            try await chat.expect("echo: hello [plan] [tool] [chunks=4]")
            try await chat.expect("echo: hello [plan] [tool] [chunks=4]\r\n> ")
            chat.type("\u{4}")
            #expect(try await chat.wait() == 0, "\(chat.transcript)")
            let raw = chat.transcript
            #expect(raw.contains("\u{1B}[J"), "the plan was redrawn: \(raw.debugDescription)")
            let screen = Self.screen(raw)
            #expect(screen.filter { $0.hasPrefix("📋 Plan") }.count == 1, "\(screen.joined(separator: "\n"))")
            #expect(screen.contains("[x] Read the prompt") && !screen.contains("[ ] Answer it"), "\(screen.joined(separator: "\n"))")
            #expect(screen.filter { $0.contains("echo: hello") }.count == 1, "\(screen.joined(separator: "\n"))")
            #expect(screen.first?.hasPrefix("OK: spawned") == true && screen.contains("> hello [plan] [tool] [chunks=4]"), "\(screen.joined(separator: "\n"))")
            #expect(screen.last(where: { !$0.isEmpty }) == "> ", "ends at the prompt: \(screen.joined(separator: "\n"))")
        }
    }

    @Test("piped, the console prints plain text: no prompt, no escape sequences")
    func pipedStaysPlain() async throws {
        try await withTemporaryDirectory { dir in
            _ = try await CLI.run(["init", "--agent", "demo"], in: dir)
            let run = try await CLI.run(["chat"], in: dir, stdin: "hello [plan] [tool] [chunks=4]\n")
            #expect(run.status == 0 && run.stdout.contains("echo: hello"), "\(run.stdout)\(run.stderr)")
            #expect(!run.stdout.contains("\u{1B}") && !run.stdout.contains("> "), "\(run.stdout.debugDescription)")
        }
    }

    @Test("the terminal model: wrapped rows are counted, so a redraw of a long line clears all of it")
    func rowsOfWrappedLines() {
        let long = String(repeating: "x", count: 170)
        let screen = Self.screen("a\n" + long + "\r\u{1B}[3A\u{1B}[Jb", width: 80)
        #expect(screen == ["b"], "\(screen)")
    }
}
