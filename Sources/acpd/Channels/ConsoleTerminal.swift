#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The terminal side of the console channel: whether `acpd chat` runs on one, its width, and the
/// escape sequences that redraw the last message in place (ANSI: cursor up, carriage return,
/// clear to the end of the screen).
enum ConsoleTerminal {
    /// The prompt shown while nothing streams.
    static let prompt = "> "

    /// Carriage return and clear to the end of the line.
    static let clearLine = "\r\u{1B}[K"

    /// Stdin and stdout are terminals, and `TERM` is not `dumb`.
    static var isInteractive: Bool {
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else { return false }
        guard let term = getenv("TERM") else { return true }
        return String(cString: term) != "dumb"
    }

    /// Columns of stdout's terminal (80 when unknown).
    static var width: Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// What to write to replace `old` (printed from the start of a line; the cursor after its
    /// last character) with `new`, on a terminal `width` columns wide.
    static func redraw(_ old: String, with new: String, width: Int = width) -> String {
        let up = rows(old, width: width) - 1
        return "\r" + (up > 0 ? "\u{1B}[\(up)A" : "") + "\u{1B}[J" + new
    }

    /// The rows `text` takes (lines wrapped at `width`; an emoji counts two columns).
    static func rows(_ text: String, width: Int) -> Int {
        let width = max(width, 1)
        return text.split(separator: "\n", omittingEmptySubsequences: false).reduce(0) { total, line in
            let columns = line.reduce(0) { $0 + (($1.unicodeScalars.first?.properties.isEmojiPresentation ?? false) ? 2 : 1) }
            return total + max(1, (columns + width - 1) / width)
        }
    }
}
