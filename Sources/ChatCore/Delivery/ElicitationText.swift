import ACPControlPlane

/// The words and buttons of an elicitation in chat: the agent's message, each field with its
/// type and constraints (and the value so far), how to answer; buttons for choices and yes/no
/// fields (one row per field), Submit when the form has several fields, Decline; a URL with
/// Continue and Decline. Kept in one place so docs/commands.md and the tests can name them.
enum ElicitationText {
    /// The message while the elicitation waits for its answer.
    static func prompt(_ prompt: ElicitationPrompt, values: [String: ElicitationValue]) -> String {
        switch prompt.mode {
        case .url(let url, _):
            return [
                "🔗 The agent asks you to open a link (#\(prompt.id)): \(flat(prompt.message))",
                url,
                "Reply /acp answer \(prompt.id) once done (continue) or /acp decline \(prompt.id)",
            ].joined(separator: "\n")
        case .form(let form):
            var lines = ["❓ Question from the agent (#\(prompt.id)): \(flat(prompt.message))"]
            if let title = form.title, !title.isEmpty { lines.append(flat(title)) }
            if let description = form.description, !description.isEmpty { lines.append(flat(description)) }
            for field in form.fields {
                var line = "• \(field.label) [\(field.name)]: \(constraints(field))"
                if field.required { line += " (required)" }
                if let value = values[field.name] { line += " → \(value)" }
                lines.append(line)
                if let description = field.description, !description.isEmpty { lines.append("  \(flat(description))") }
            }
            lines.append(howToAnswer(prompt, form: form, values: values))
            return lines.joined(separator: "\n")
        }
    }

    /// The last line: the next field to type (if any), the typed command, and decline.
    static func howToAnswer(_ prompt: ElicitationPrompt, form: ElicitationForm, values: [String: ElicitationValue]) -> String {
        let typed = "/acp answer \(prompt.id) field=value …"
        let tail = "or /acp decline \(prompt.id)"
        if let next = nextTypedField(form, values: values) {
            return "Reply with the \(next.label), or \(typed), \(tail)"
        }
        // A required choice still open: say which, not "submit" (the form would not go yet).
        if form.fields.count > 1, let open = form.fields.first(where: { $0.required && values[$0.name] == nil }) {
            return "Still needed: \(open.label) (/acp answer \(prompt.id) --set \(open.name)=…), then /acp answer \(prompt.id) to submit, \(tail)"
        }
        if form.fields.count > 1 || form.fields.isEmpty {
            return "Reply /acp answer \(prompt.id) to submit, \(typed), \(tail)"
        }
        return "Reply \(typed), \(tail)"
    }

    /// The first field without a value that chat answers by typing (no buttons): what the next
    /// plain message from someone who may answer fills in.
    static func nextTypedField(_ form: ElicitationForm, values: [String: ElicitationValue]) -> ElicitationField? {
        form.fields.first { !$0.hasButtons && values[$0.name] == nil }
    }

    /// A field's type and constraints in words.
    static func constraints(_ field: ElicitationField) -> String {
        var words: [String]
        switch field.kind {
        case .string:
            if let choices = field.choices {
                words = ["one of " + choices.map(choiceWords).joined(separator: ", ")]
            } else {
                words = [field.format.map(formatWords) ?? "text"]
                if let length = range(field.minLength.map(Double.init), field.maxLength.map(Double.init)) { words.append(length + " characters") }
                if let pattern = field.pattern { words.append("matching \(pattern)") }
            }
        case .integer, .number:
            words = [field.kind == .integer ? "a whole number" : "a number"]
            if let span = range(field.minimum, field.maximum) { words.append(span) }
        case .boolean:
            words = ["yes or no"]
        case .multiSelect:
            words = ["any of " + (field.choices ?? []).map(choiceWords).joined(separator: ", ") + " (comma-separated)"]
            if let count = range(field.minItems.map(Double.init), field.maxItems.map(Double.init)) { words.append("pick " + count) }
        }
        return words.joined(separator: ", ")
    }

    private static func choiceWords(_ choice: ElicitationChoice) -> String {
        choice.title == choice.value ? choice.value : "\(choice.value) (\(flat(choice.title)))"
    }

    private static func formatWords(_ format: String) -> String {
        switch format {
        case "email": "an email address"
        case "uri": "a URI"
        case "date": "a date (YYYY-MM-DD)"
        case "date-time": "a date and time (ISO 8601)"
        default: "text (\(format))"
        }
    }

    private static func range(_ low: Double?, _ high: Double?) -> String? {
        switch (low, high) {
        case let (low?, high?): "\(ElicitationValue.number(low))–\(ElicitationValue.number(high))"
        case let (low?, nil): "at least \(ElicitationValue.number(low))"
        case let (nil, high?): "at most \(ElicitationValue.number(high))"
        case (nil, nil): nil
        }
    }

    /// Buttons: a form with one field answers with one press; a form with several records each
    /// press (`--set`) and sends on Submit. Choices of a field share a row; the chosen one is
    /// marked ✓. Every prompt has Decline.
    static func buttons(_ prompt: ElicitationPrompt, values: [String: ElicitationValue]) -> [[ChatButton]] {
        let decline = ChatButton(label: "Decline", payload: "/acp decline \(prompt.id)")
        guard let form = prompt.form else {
            return [[ChatButton(label: "Continue", payload: "/acp answer \(prompt.id)"), decline]]
        }
        let single = form.fields.count == 1
        var rows: [[ChatButton]] = []
        for field in form.fields where field.hasButtons {
            let options: [(label: String, value: String)] = field.kind == .boolean
                ? [("Yes", "yes"), ("No", "no")]
                : (field.choices ?? []).map { ($0.title, $0.value) }
            let current = values[field.name].map { value -> String in
                if case .boolean(let flag) = value { return flag ? "yes" : "no" }
                return value.description
            }
            rows.append(options.map { option in
                let assignment = "\(field.name)=\(quoted(option.value))"
                let payload = single ? "/acp answer \(prompt.id) \(assignment)" : "/acp answer \(prompt.id) --set \(assignment)"
                return ChatButton(label: (current == option.value ? "✓ " : "") + option.label, payload: payload)
            })
        }
        rows.append(single && form.fields[0].hasButtons ? [decline] : [ChatButton(label: "Submit", payload: "/acp answer \(prompt.id)"), decline])
        return rows
    }

    /// A value as `/acp answer` takes it: quoted when it holds blanks or quotes.
    static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "\\" }) else { return value }
        return "\"" + value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }

    /// The message once the elicitation ended: what happened and, when answered, the values sent.
    static func resolved(_ prompt: ElicitationPrompt, _ resolution: ElicitationResolution) -> String {
        let isURL = prompt.form == nil
        var header = isURL
            ? "🔗 Link from the agent (#\(prompt.id)): \(flat(prompt.message))"
            : "❓ Question from the agent (#\(prompt.id)): \(flat(prompt.message))"
        header += " — " + outcome(resolution.how, url: isURL)
        guard resolution.how == .accepted, let form = prompt.form, let values = resolution.values else { return header }
        let lines = form.fields.compactMap { field in values[field.name].map { "• \(field.label): \($0)" } }
        return ([header] + lines).joined(separator: "\n")
    }

    /// A URL elicitation the agent said is complete.
    static func completed(_ prompt: ElicitationPrompt) -> String {
        "🔗 Link from the agent (#\(prompt.id)): \(flat(prompt.message)) — completed"
    }

    /// An elicitation settled whose prompt this projection never showed (resumed after a
    /// restart): the earlier message stops inviting an answer.
    static func settled(_ resolution: ElicitationResolution) -> String {
        "❓ Question from the agent (#\(resolution.id)) — \(outcome(resolution.how, url: false))"
    }

    static func outcome(_ how: ElicitationResolution.How, url: Bool) -> String {
        switch how {
        case .accepted: url ? "continued, waiting for the agent" : "answered"
        case .declined: "declined"
        case .cancelled: "cancelled"
        case .timedOut: "timed out (cancelled)"
        case .withdrawn: "withdrawn by the agent"
        case .interrupted: "cancelled: acpd restarted"
        }
    }

    private static func flat(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
