import ACPControlPlane
import Bindings

/// Answers to the agent's questions (elicitations): `/acp answer`, `/acp decline`, and the plain
/// message that answers a form's next text field. Who may answer: the allowlist and the binding's
/// approvers (`CommandPolicy.approver`), never mere members.
extension InboundRouter {
    /// `/acp answer <n> [field=value …] [--set]`: each value is read and checked against its
    /// field; then the values are recorded (`--set`) or the answer is sent (`accept`).
    func answerElicitation(_ number: Int, fields: [FieldValue], setOnly: Bool, _ context: CommandContext) async throws -> InboundOutcome {
        if setOnly, fields.isEmpty {
            throw ACPError(.invalidArgument, message: "--set needs field=value", hint: "/acp answer \(number) --set field=value")
        }
        let key = try await boundSession(context)
        guard let info = await manager.pendingElicitations(key).first(where: { $0.prompt.id == Int64(number) }) else {
            throw context.unlessPressed(ACPError(.invalidArgument, message: "no pending question \(number) here"),
                                        notice: "This question was already answered.")
        }
        var values: [String: ElicitationValue] = [:]
        if let form = info.prompt.form {
            for assignment in fields {
                guard let field = form.field(assignment.field) else {
                    throw ACPError(.invalidArgument, message: "question \(number) has no field \"\(assignment.field.prefix(40))\"",
                                   hint: "fields: \(form.fields.map(\.name).joined(separator: ", "))")
                }
                switch field.parse(assignment.value) {
                case .success(let value): values[field.name] = value
                case .failure(let problem): throw ACPError(.invalidArgument, message: "\(field.label): \(problem.reason)")
                }
            }
        } else if !fields.isEmpty {
            throw ACPError(.invalidArgument, message: "question \(number) asks to open a link; it has no fields",
                           hint: "/acp answer \(number) continues, /acp decline \(number) declines")
        }
        let answer = try await manager.answerElicitation(Int64(number), setting: values, submit: !setOnly)
        return try reply(to: answer, number: number, form: info.prompt.form, recorded: fields.map(\.field))
    }

    /// `/acp decline <n>`.
    func declineElicitation(_ number: Int, _ context: CommandContext) async throws -> InboundOutcome {
        let key = try await boundSession(context)
        guard await manager.pendingElicitations(key).contains(where: { $0.prompt.id == Int64(number) }),
              try await manager.declineElicitation(Int64(number)) else {
            throw context.unlessPressed(ACPError(.invalidArgument, message: "no pending question \(number) here"),
                                        notice: "This question was already answered.")
        }
        return ok("declined \(number)")
    }

    /// A plain message in a conversation whose session waits for a form's text field (a string
    /// or number without choices) is that field's answer, when its sender may answer: it is read
    /// and checked; a bad answer is told why and asked again; the form is sent once every field
    /// has a value. Nil: the message is not an answer (it goes on as a prompt).
    func answerElicitationByMessage(_ text: String, _ context: CommandContext) async -> InboundOutcome? {
        guard case .bound(let match) = context.resolution, context.message.attachments.isEmpty else { return nil }
        let pending = await manager.pendingElicitations(match.sessionKey)
        guard let (info, form, field) = pending.lazy.compactMap({ info -> (PendingElicitationInfo, ElicitationForm, ElicitationField)? in
            guard let form = info.prompt.form, let field = ElicitationText.nextTypedField(form, values: info.values) else { return nil }
            return (info, form, field)
        }).first else { return nil }
        let request = AccessRequest(sender: context.sender, action: .command(.answer), conversation: ConversationAccess(context.resolution),
                                    pairing: pairingStatus(context.sender, conversation: context.conversation),
                                    approvers: Set(match.binding?.approvers ?? []))
        guard gate.evaluator.evaluate(request) == .allow else { return nil }
        let number = Int(info.prompt.id)
        let value: ElicitationValue
        switch field.parse(text) {
        case .success(let parsed):
            value = parsed
        case .failure(let problem):
            return failure(ACPError(.invalidArgument, message: "\(field.label): \(problem.reason)",
                                    hint: "send the \(field.label) again, or /acp decline \(number)"))
        }
        var filled = info.values
        filled[field.name] = value
        let complete = form.fields.allSatisfy { filled[$0.name] != nil }
        do {
            let answer = try await manager.answerElicitation(info.prompt.id, setting: [field.name: value], submit: complete)
            return try reply(to: answer, number: number, form: form, recorded: [field.name])
        } catch {
            return failure(error)
        }
    }

    /// `/acp status` lines: `question <n> pending: <message>` per pending elicitation.
    func elicitationStatusLines(_ key: SessionKey) async -> [String] {
        await manager.pendingElicitations(key).map { info in
            "question \(info.prompt.id) pending: \(info.prompt.message.split(whereSeparator: \.isNewline).joined(separator: " "))"
        }
    }

    private func reply(to answer: ElicitationAnswer, number: Int, form: ElicitationForm?, recorded: [String]) throws -> InboundOutcome {
        func labels(_ names: [String]) -> String {
            names.map { name in form?.field(name)?.label ?? name }.joined(separator: ", ")
        }
        switch answer {
        case .submitted:
            return ok("answered \(number)")
        case .recorded(let values, let missing):
            var text = "recorded \(labels(recorded)) for question \(number)"
            if let form, let next = ElicitationText.nextTypedField(form, values: values) {
                text += "; next: send the \(next.label)"
            } else if !missing.isEmpty {
                text += "; still needed: \(labels(missing))"
            }
            return ok(text + "; /acp answer \(number) submits")
        case .missing(let names):
            throw ACPError(.invalidArgument, message: "question \(number) still needs: \(labels(names))",
                           hint: "/acp answer \(number) field=value …")
        case .notPending:
            throw ACPError(.invalidArgument, message: "question \(number) was already answered")
        }
    }
}
