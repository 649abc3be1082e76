/// Why the store could not be opened or used. The message names the file and says what to do;
/// acpd never repairs, migrates over or overwrites a store it refuses.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The file is not an SQLite database, or could not be opened or created.
        case cannotOpen = "cannot_open"
        /// `PRAGMA integrity_check` (or `quick_check`) reported damage.
        case corrupt
        /// The store was written by a newer acpd (unknown migrations or a higher schema version).
        case newerSchema = "newer_schema"
        /// A migration failed; nothing of it was applied.
        case migrationFailed = "migration_failed"
        /// A read or write failed at run time.
        case io
    }

    public let kind: Kind
    public let path: String
    /// One line for operators; safe to print.
    public let message: String
    /// What to do about it.
    public let hint: String

    init(_ kind: Kind, path: String, message: String, hint: String) {
        self.kind = kind
        self.path = path
        self.message = message
        self.hint = hint
    }

    public var description: String { "store \(path): \(message) (next: \(hint))" }
}

extension StoreError {
    /// True when `error` came from the store (opening it, a query or a write, a row it could not
    /// read): what an API answers as "the store is unavailable", unlike a client's mistake.
    public static func isStoreFailure(_ error: any Error) -> Bool {
        error is StoreError || error is SQLiteError || error is RecordDecodingError
    }
}
