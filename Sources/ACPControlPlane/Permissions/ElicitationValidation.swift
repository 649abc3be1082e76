/// Why a value does not fit a field, in words chat can show (`"must be at least 3 characters"`).
public struct ElicitationInvalid: Error, Sendable, Equatable {
    public let reason: String

    /// A value with these parts (see the properties).
    public init(_ reason: String) { self.reason = reason }
}

/// Reading and checking answers against a field's schema: type, `minimum`/`maximum`,
/// `minLength`/`maxLength`, `pattern`, the choices, `minItems`/`maxItems` and the simple formats
/// (`email`, `uri`, `date`, `date-time`). Pure: the same input always gets the same answer.
extension ElicitationField {
    /// Reads typed chat text as a value of this field and checks it. Booleans take yes/no,
    /// true/false, y/n, on/off, 1/0; a choice matches its value or its title (case-insensitively);
    /// a multi-select takes comma-separated choices.
    public func parse(_ text: String) -> Result<ElicitationValue, ElicitationInvalid> {
        let trimmed = text.trimmingWhitespace()
        let value: ElicitationValue
        switch kind {
        case .string:
            if let choices {
                guard let choice = Self.choice(trimmed, in: choices) else {
                    return .failure(ElicitationInvalid("must be one of: \(choices.map(\.value).joined(separator: ", "))"))
                }
                value = .string(choice.value)
            } else {
                value = .string(trimmed)
            }
        case .integer:
            guard let number = Int64(trimmed) else { return .failure(ElicitationInvalid("must be a whole number")) }
            value = .integer(number)
        case .number:
            guard let number = Double(trimmed), number.isFinite else { return .failure(ElicitationInvalid("must be a number")) }
            value = .number(number)
        case .boolean:
            switch trimmed.lowercased() {
            case "yes", "y", "true", "on", "1": value = .boolean(true)
            case "no", "n", "false", "off", "0": value = .boolean(false)
            default: return .failure(ElicitationInvalid("must be yes or no"))
            }
        case .multiSelect:
            let parts = trimmed.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
            var picked: [String] = []
            for part in parts {
                guard let choice = Self.choice(part, in: choices ?? []) else {
                    return .failure(ElicitationInvalid("\"\(part.prefix(40))\" is not one of: \((choices ?? []).map(\.value).joined(separator: ", "))"))
                }
                if !picked.contains(choice.value) { picked.append(choice.value) }
            }
            value = .strings(picked)
        }
        if let problem = check(value) { return .failure(problem) }
        return .success(value)
    }

    /// Checks `value` against the field's type and constraints; nil when it fits.
    public func check(_ value: ElicitationValue) -> ElicitationInvalid? {
        switch (kind, value) {
        case (.string, .string(let text)):
            return checkString(text)
        case (.integer, .integer(let number)):
            return checkRange(Double(number))
        case (.number, .number(let number)):
            return number.isFinite ? checkRange(number) : ElicitationInvalid("must be a number")
        case (.number, .integer(let number)):
            return checkRange(Double(number))
        case (.boolean, .boolean):
            return nil
        case (.multiSelect, .strings(let values)):
            let allowed = Set((choices ?? []).map(\.value))
            if let stranger = values.first(where: { !allowed.contains($0) }) {
                return ElicitationInvalid("\"\(stranger.prefix(40))\" is not one of: \((choices ?? []).map(\.value).joined(separator: ", "))")
            }
            if let minItems, values.count < minItems { return ElicitationInvalid("pick at least \(minItems)") }
            if let maxItems, values.count > maxItems { return ElicitationInvalid("pick at most \(maxItems)") }
            return nil
        default:
            return ElicitationInvalid("must be \(kindWords)")
        }
    }

    /// The field's type in words (`"a whole number"`).
    var kindWords: String {
        switch kind {
        case .string: choices == nil ? "text" : "one of the choices"
        case .integer: "a whole number"
        case .number: "a number"
        case .boolean: "yes or no"
        case .multiSelect: "a list of choices"
        }
    }

    private func checkString(_ text: String) -> ElicitationInvalid? {
        if let choices {
            return choices.contains { $0.value == text } ? nil
                : ElicitationInvalid("must be one of: \(choices.map(\.value).joined(separator: ", "))")
        }
        let length = text.unicodeScalars.count
        if let minLength, length < minLength {
            return ElicitationInvalid(minLength == 1 ? "must not be empty" : "must be at least \(minLength) characters")
        }
        if let maxLength, length > maxLength { return ElicitationInvalid("must be at most \(maxLength) characters") }
        if let pattern {
            // JSON Schema patterns are not anchored: the text must contain a match.
            guard let regex = try? Regex(pattern) else { return nil }
            if (try? regex.firstMatch(in: text)) == nil { return ElicitationInvalid("must match the pattern \(pattern)") }
        }
        if let format, let problem = Self.checkFormat(format, text) { return problem }
        return nil
    }

    private func checkRange(_ number: Double) -> ElicitationInvalid? {
        if let minimum, number < minimum { return ElicitationInvalid("must be at least \(Self.show(minimum))") }
        if let maximum, number > maximum { return ElicitationInvalid("must be at most \(Self.show(maximum))") }
        return nil
    }

    static func show(_ number: Double) -> String {
        ElicitationValue.number(number).description
    }

    private static func choice(_ text: String, in choices: [ElicitationChoice]) -> ElicitationChoice? {
        choices.first { $0.value == text }
            ?? choices.first { $0.value.lowercased() == text.lowercased() || $0.title.lowercased() == text.lowercased() }
    }

    /// The simple formats: a plausible address, an absolute URI, a calendar date, an ISO 8601
    /// date-time with a zone. Unknown formats pass.
    static func checkFormat(_ format: String, _ text: String) -> ElicitationInvalid? {
        switch format {
        case "email":
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            let ok = parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
                && !parts[1].hasSuffix(".") && !text.contains(where: \.isWhitespace)
            return ok ? nil : ElicitationInvalid("must be an email address")
        case "uri":
            guard let colon = text.firstIndex(of: ":"), colon > text.startIndex,
                  let first = text.first, first.isASCII, first.isLetter,
                  text[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }),
                  text.index(after: colon) < text.endIndex, !text.contains(where: \.isWhitespace) else {
                return ElicitationInvalid("must be a URI (like https://example.com)")
            }
            return nil
        case "date":
            return isDate(Substring(text)) ? nil : ElicitationInvalid("must be a date (YYYY-MM-DD)")
        case "date-time":
            return isDateTime(text) ? nil : ElicitationInvalid("must be a date and time (like 2026-01-31T14:30:00Z)")
        default:
            return nil
        }
    }

    private static func digits(_ text: Substring, _ count: Int) -> Int? {
        guard text.count == count, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    private static func isDate(_ text: Substring) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let year = digits(parts[0], 4), let month = digits(parts[1], 2), let day = digits(parts[2], 2),
              (1...12).contains(month) else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    private static func isDateTime(_ text: String) -> Bool {
        guard let t = text.firstIndex(where: { $0 == "T" || $0 == "t" }), isDate(text[..<t]) else { return false }
        var time = text[text.index(after: t)...]
        if time.hasSuffix("Z") || time.hasSuffix("z") {
            time = time.dropLast()
        } else if let sign = time.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let zone = time[time.index(after: sign)...].split(separator: ":", omittingEmptySubsequences: false)
            guard zone.count == 2, let hours = digits(zone[0], 2), let minutes = digits(zone[1], 2), hours < 24, minutes < 60 else {
                return false
            }
            time = time[..<sign]
        } else {
            return false
        }
        if let dot = time.firstIndex(of: ".") {
            let fraction = time[time.index(after: dot)...]
            guard !fraction.isEmpty, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            time = time[..<dot]
        }
        let parts = time.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let hour = digits(parts[0], 2), let minute = digits(parts[1], 2), let second = digits(parts[2], 2)
        else { return false }
        return hour < 24 && minute < 60 && second <= 60
    }
}
