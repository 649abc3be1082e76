import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a setup wizard writes: the chat account (its token as `${VARIABLE}`, the value in the env
/// file; or, only when asked with `--inline-token`, the token itself in a config made 0600), a
/// binding for the discovered chat, the sender as owner. `apply` edits the config text (comments
/// and the rest kept), checks the result loads, then writes the env file and the config.
struct SetupPlan {
    var configPath: String
    /// `telegram` or `discord`.
    var channel: String
    var accountId: String
    /// The lines under the account's key when it is new (e.g. `botToken: "${TELEGRAM_BOT_TOKEN}"`).
    var accountBody: [String]
    var tokenVariable: String
    var token: String
    /// One `bindings` item (its lines, the first starting with `- `).
    var binding: [String]?
    /// An `access.owners` entry.
    var owner: String?
    /// Write the token into the config (`--inline-token`) instead of `${tokenVariable}`.
    var inlineToken = false

    /// The variables the config is loaded with: the process's, the env file's, and the token.
    func environment(_ envFile: EnvFile) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in envFile.values() where environment[name] == nil { environment[name] = value }
        environment[tokenVariable] = token
        return environment
    }

    /// Edits, validates and writes; returns what it did, one line each.
    func apply() throws(SetupError) -> [String] {
        let envFile = EnvFile.beside(config: configPath)
        let environment = environment(envFile)
        let original: String
        do { original = try String(contentsOfFile: configPath, encoding: .utf8) } catch {
            throw SetupError(description: "cannot read \(configPath): \(error)")
        }
        var notes: [String] = []
        var editor = ConfigEditor(text: original)
        do {
            if editor.has(["channels", channel, "accounts"], key: accountId) {
                notes.append("kept channels.\(channel).accounts.\(accountId) as it is in the config")
            } else {
                let reference = "\"${\(tokenVariable)}\""
                let body = inlineToken ? accountBody.map { $0.replacing(reference, with: ConfigEditor.doubleQuoted(token)) } : accountBody
                try editor.addMapping(["channels", channel, "accounts"], key: accountId, body: body)
                notes.append("added channels.\(channel).accounts.\(accountId) (token \(inlineToken ? "written inline" : "from $\(tokenVariable)"))")
            }
            if let binding {
                try editor.appendListItem("bindings", binding)
                notes.append("added a binding: \(binding.map { String($0.drop { $0 == " " }) }.joined(separator: " "))")
            }
            if let owner {
                notes.append(try editor.addToStringList(["access"], key: "owners", entry: owner)
                             ? "added \(owner) to access.owners" : "\(owner) is already in access.owners")
            }
        } catch {
            throw SetupError(description: "cannot edit \(configPath): \(error)")
        }
        let text = editor.text
        do {
            _ = try ConfigLoader.parse(text, baseDirectory: PathRules.directory(of: configPath), file: configPath, environment: environment)
        } catch {
            throw SetupError(description: "the edited config would not validate, so nothing was written:\n\(error)")
        }
        if inlineToken {
            do { try EnvFile.writePrivate(text, to: configPath) } catch {
                throw SetupError(description: "\(error)")
            }
            notes.append("wrote \(configPath) with the token inline (mode 0600); keep it out of version control")
            return notes
        }
        if text.contains(token) { throw SetupError(description: "internal: the token would land in the config; nothing was written") }
        do {
            try envFile.set(tokenVariable, token)
            try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        } catch {
            throw SetupError(description: "\(error)")
        }
        notes.append("wrote \(configPath); the token is in \(envFile.path) (mode 0600)")
        return notes
    }
}
