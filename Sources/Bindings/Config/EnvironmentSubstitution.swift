/// `${NAME}` substitution in config string values (CONTRACT.md §3).
///
/// `NAME` is `[A-Za-z_][A-Za-z0-9_]*`; a `$` not followed by `{` is kept as is; `$${` writes a
/// literal `${`. A variable that is not set is an error naming it (an empty value is a value).
enum EnvironmentSubstitution {
    struct Failure: Error, Equatable {
        let message: String
    }

    static func substitute(_ text: String, environment: [String: String]) -> Result<String, Failure> {
        guard text.contains(Character("$")) else { return .success(text) }
        var out = ""
        var missing: [String] = []
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.hasPrefix("${") {
                out += "${"
                rest = after.dropFirst(2)
                continue
            }
            guard after.hasPrefix("{") else {
                out += "$"
                rest = after
                continue
            }
            guard let close = after.firstIndex(of: "}") else {
                return .failure(Failure(message: "unterminated ${ in value; write ${NAME}, or $${ for a literal ${"))
            }
            let name = String(after[after.index(after: after.startIndex)..<close])
            guard isVariableName(name) else {
                return .failure(Failure(message: "\"${\(name.prefix(40))}\" is not a variable reference; expected ${NAME} with NAME of A-Z a-z 0-9 _"))
            }
            if let value = environment[name] {
                out += value
            } else if !missing.contains(name) {
                missing.append(name)
            }
            rest = after[after.index(after: close)...]
        }
        out += rest
        guard missing.isEmpty else {
            let names = missing.joined(separator: ", ")
            return .failure(Failure(message: "environment variable\(missing.count == 1 ? "" : "s") \(names) \(missing.count == 1 ? "is" : "are") not set"))
        }
        return .success(out)
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) }
}
