/// Writes `docs/config.md` from `ACPDConfigSchema` (`acpd config docs > docs/config.md`); a test
/// fails when the committed file differs from this output.
public enum ConfigDocs {
    /// The whole reference page.
    public static func markdown() -> String {
        var out = header
        guard case .object(let fields) = ACPDConfigSchema.root.kind else { return out }
        for field in fields {
            out += "\n## `\(field.name)`\n\n\(field.schema.doc)\n\n"
            out += "| key | type | default | meaning |\n|---|---|---|---|\n"
            rows(field.name, field, into: &out)
        }
        out += rules
        return out
    }

    private static func rows(_ path: String, _ field: ConfigSchema.Field, into out: inout String) {
        let schema = field.schema
        let meaning = schema.doc + (schema.isExtension ? " *acpd extension (not in CONTRACT.md).*" : "")
            + (schema.secret ? " Secret: never logged." : "")
        out += "| `\(path)` | \(schema.typeName) | \(defaultText(field)) | \(escapingPipes(meaning)) |\n"
        switch schema.kind {
        case .object(let children):
            for child in children { rows("\(path).\(child.name)", child, into: &out) }
        case .map(let key, let value):
            let placeholder = key.name == "variable name" ? "<NAME>" : "<id>"
            if case .object(let children) = value.kind {
                for child in children { rows("\(path).\(placeholder).\(child.name)", child, into: &out) }
            }
        case .array(let item, _):
            if case .object(let children) = item.kind {
                for child in children { rows("\(path)[].\(child.name)", child, into: &out) }
            }
        default:
            break
        }
    }

    /// `|` escaped as `\|`, so a table cell stays one cell.
    private static func escapingPipes(_ text: String) -> String {
        var out = ""
        for character in text {
            if character == "|" { out += "\\|" } else { out.append(character) }
        }
        return out
    }

    private static func defaultText(_ field: ConfigSchema.Field) -> String {
        if field.required { return "**required**" }
        if let value = field.schema.defaultValue { return "`\(escapingPipes(inline(value)))`" }
        if let text = field.schema.defaultDoc { return "`\(text)`" }
        return "—"
    }

    /// A default as it would be written in YAML flow style.
    static func inline(_ value: ConfigValue) -> String {
        switch value {
        case .string(let text): text
        case .integer(let number): String(number)
        case .boolean(let flag): flag ? "true" : "false"
        case .array(let items): "[" + items.map(inline).joined(separator: ", ") + "]"
        case .object(let fields): "{" + fields.keys.sorted().map { "\($0): \(inline(fields[$0]!))" }.joined(separator: ", ") + "}"
        }
    }

    private static let header = """
        # acpd configuration reference

        <!-- Generated from the config schema (Sources/Bindings/Config/ACPDConfigSchema.swift) by
             `acpd config docs > docs/config.md`. Do not edit by hand: a test compares this file with the output. -->

        The config file is YAML (JSON is YAML too). acpd finds it at `--config PATH`, else `$ACPD_CONFIG`,
        else `./acpd.yaml`.

        - `acpd config validate [--config PATH] [--json]` checks a file and prints every error, each with its
          full path (`bindings[2].match.peer.id: ...`) and the expected form; exit status 0 when valid, 1 otherwise.
        - `acpd config schema` prints the JSON Schema of the file; `acpd config example` a commented example.
        - `${NAME}` in any value is replaced by the environment variable `NAME`; a variable that is not set
          is an error naming it. `$${` writes a literal `${`. Inside a `{ … }` flow mapping, quote such
          values (`token: "${ACPD_API_TOKEN}"`): YAML reads `{` there as structure.
        - Validation is strict: an unknown key at any depth, a wrong type, a value outside its range or
          enum is an error; all errors are reported at once. A plain (unquoted) scalar is an integer when
          it is digits, a boolean only when it is `true` or `false`, and null when it is empty, `~` or
          `null` (null means "not set"). Quote anything else that should be a string.
        - Relative paths (`stateDir`, `agents.<id>.cwd`, `acp.workspaceRoots`) are resolved against the
          directory of the config file; `~` is not expanded. `bindings[].acp.cwd` must be absolute.
        - The file is UTF-8 (a leading byte order mark is fine) and holds one YAML document; acpd reads it
          with libyaml. A key may appear once per mapping. YAML anchors and aliases work; merge keys (`<<`)
          are not supported. A file holds at most 100,000 values (scalars, lists and mappings, counting
          what aliases repeat) nested at most 200 deep; the error says which limit was passed.

        """

    private static let rules = """

        ## Rules across keys

        - `agents` ids, account ids and labels are 1–64 characters of `A-Z a-z 0-9 _ -` (labels also `.`),
          starting with a letter or digit.
        - `acp.defaultAgent`, `acp.allowedAgents[]` and `bindings[].agentId` must name agents declared under
          `agents`; with a non-empty `acp.allowedAgents`, bindings and the default agent must be in it.
          Nothing falls back to another agent.
        - A `type: acp` binding needs `match.peer.id`; a `type: route` binding may omit `peer` (it then
          matches every conversation of that channel and account). A missing `type` is `route`.
        - `match.peer.id` must be the channel's canonical conversation id (below); with `match.peer.kind` on
          Telegram, `direct` needs a positive chat id and `group`/`channel` a negative one.
        - `match.accountId` (not `*`) of a Telegram or Discord binding must be declared under
          `channels.<channel>.accounts` when that channel declares any account.
        - Two bindings of the same type with the same channel, account and peer are an error, as are two
          bindings with the same `acp.label`. Only `type: acp` bindings may have a label.
        - Every session cwd (each agent's `cwd`, each binding's `acp.cwd`) must lie inside one of
          `acp.workspaceRoots` when that list is not empty (compared by path components, without
          resolving symlinks; `acpd doctor` checks that the roots exist). Before any agent starts
          (`/acp spawn --cwd`, a config or route binding's session, a restart) the cwd is checked
          again with symlinks resolved: a link inside a root that leads out of it is refused
          (`ACP_INVALID_ARGUMENT`).
        - `api.token` is required when `api.listen` is not a loopback address. Loopback is decided by the
          spelling alone: an IPv4 address in 127.0.0.0/8 written as four decimal parts (`127.0.0.1`), the
          IPv6 loopback (`[::1]`, also `[::ffff:127.0.0.1]`) and `localhost`. Any other name needs a token,
          even one that resolves to 127.0.0.1 (`127.0.0.1.nip.io`), and so do `127.1` and `0.0.0.0`.
        - Access lists name senders `<channel>:<id>`: `telegram:<user id>`, `discord:<user snowflake>`,
          `http:<senderId>`, `console:<anything>`.

        ## Conversation ids

        | channel | `peer.id` / conversation id | parent |
        |---|---|---|
        | `telegram`, forum topic | `<chatId>:topic:<topicId>`, chat id negative, topic id positive; General is topic `1` | `<chatId>` |
        | `telegram`, private chat, group, channel | `<chatId>` (positive for private chats, negative for groups) | — |
        | `discord`, channel or DM | the channel's snowflake (digits only; no `channel:` prefix, no `<#…>`) | — |
        | `discord`, thread | the thread's snowflake | the parent channel |
        | `http`, `console` | 1–128 characters of `A-Z a-z 0-9 . _ : @ -` | — |

        Numbers are written in plain decimal without `+` or leading zeros. In a Telegram forum only
        messages with `is_topic_message` are in a topic; every other message of the forum is in General.

        ## Routing and session keys

        An inbound message goes to, in order: the conversation's runtime binding (`/acp spawn --bind|--thread`,
        `/acp bind`); a `type: acp` binding of the exact conversation, then of a Discord thread's parent
        channel; a `type: route` binding of the exact peer, then of the parent conversation (a Discord
        thread's channel, a Telegram topic's chat), then a channel-wide route. At each step an exact
        `accountId` wins over `*`. The first binding that matches decides: when its session is missing or
        closed the message is refused with an error, never sent elsewhere.

        Effective session settings are `bindings[].acp.*`, then `agents.<id>.*`, then `acp.*`. Session keys of
        config bindings are `agent:<agentId>:acp:binding:<channel>:<accountId>:<hash16>`, those of route
        sessions `agent:<agentId>:acp:route:<channel>:<accountId>:<hash16>`, where `hash16` is the first 16
        hex digits of the SHA-256 of `<channel>:<accountId>:<conversationId>` (for a route, the conversation
        the message came from). A restart therefore finds the same sessions.

        ## Reload

        At start-up and on SIGHUP acpd reconciles the store with `bindings[]`: new `acp` bindings get a
        session, removed ones are ended (their session closed), and a binding whose agent, cwd, mode or
        backend changed has its session closed and recreated (so do sessions that went missing or were
        closed). Route sessions follow their route the same way, and are ended when no route (or an `acp`
        binding) now matches their conversation. One line is logged: `reconcile: +2 -1 ~1 =14` (created,
        ended, recreated, unchanged). A file that fails validation on reload is rejected, every error is
        logged, and the running config stays.

        Runtime bindings made without `--persist` end after `acp.runtimeBindings.idleHours` without traffic
        or `maxAgeHours` after creation; the conversation is told once.

        """
}
