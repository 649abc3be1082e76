import Bindings

/// Which assignment names hold secrets, and which values are only placeholders (for `Redactor`).
enum RedactionNames {
    /// Words that make a name secret when one of the name's words equals them.
    static let secretWords: Set<String> = [
        "key", "token", "secret", "password", "passwd", "passphrase", "apikey", "secretkey", "privatekey",
        "accesskey", "authtoken", "accesstoken", "refreshtoken", "bottoken", "clientsecret", "credentials",
    ]

    /// Values that are not secrets themselves: type names and placeholders.
    static let placeholderValues: Set<String> = [
        "String", "string", "str", "Secret", "Int", "int", "Bool", "bool", "number", "Any", "any",
        "None", "nil", "null", "true", "false", Redactor.placeholder, "<redacted>",
    ]

    /// True when one of `name`'s words (split at `_`, `-`, `.` and lower→upper case changes) is a
    /// secret word, compared case-insensitively: `OPENAI_API_KEY`, `githubToken`, `db.password`.
    static func isSecretName(_ name: String) -> Bool {
        words(of: name).contains { secretWords.contains($0) }
    }

    /// The lowercased words of an identifier.
    static func words(of name: String) -> [String] {
        var words: [String] = []
        var current = ""
        var previousWasLower = false
        for char in name {
            if char == "_" || char == "-" || char == "." {
                if !current.isEmpty { words.append(current.lowercased()) }
                current = ""
                previousWasLower = false
                continue
            }
            if char.isUppercase, previousWasLower {
                words.append(current.lowercased())
                current = ""
            }
            current.append(char)
            previousWasLower = char.isLowercase || char.isNumber
        }
        if !current.isEmpty { words.append(current.lowercased()) }
        return words
    }

    /// True for values that only point at a secret: `${VAR}`, `$VAR`, `<token>`, and unquoted values
    /// whose first word is a type name (`String = load()`, `str) -> None:`).
    static func isPlaceholderValue(_ value: String, quoted: Bool) -> Bool {
        if value.hasPrefix("$") || (value.hasPrefix("<") && value.hasSuffix(">")) { return true }
        if placeholderValues.contains(value) { return true }
        guard !quoted else { return false }
        let firstWord = value.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        guard firstWord.count < value.count, placeholderValues.contains(String(firstWord)) else { return false }
        let next = value[firstWord.endIndex]
        return next == " " || next == ")" || next == "," || next == "?" || next == "!" || next == "]" || next == ">" || next == "|"
    }
}
