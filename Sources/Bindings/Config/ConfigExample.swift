/// The commented example printed by `acpd config example`. Tests check that it validates (with
/// the variables it names set) and that it mentions every key of the schema.
public enum ConfigExample {
    /// Environment variables the example reads.
    public static let variables = ["TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "ACPD_SECRET", "ACPD_API_TOKEN"]

    /// The example file.
    public static let yaml = """
        # acpd config: `acpd config validate` checks it, `acpd config schema` prints its JSON Schema,
        # docs/config.md describes every key. Values in [brackets] below are the defaults.
        # ${NAME} is replaced by the environment variable NAME (unset = error).

        stateDir: ./.acpd                # [./.acpd] SQLite store: <stateDir>/acpd.sqlite (relative to this file)
        store: { retention: { eventsDays: 14, runsDays: 90 } }  # [14, 90] events / finished runs pruned after

        acp:
          enabled: true                  # [true]  false: no ACP sessions at all
          dispatch: { enabled: true }    # [true]  false: commands work, plain messages are not sent to agents
          backend: stdio                 # [stdio] default runtime backend: stdio | acpx
          defaultAgent: demo             # agent for /acp spawn without an agent argument
          allowedAgents: []              # [] = every agent declared below
          maxConcurrentSessions: 16      # [16] live runtimes at once; idle ones are evicted first
          turnTimeoutSeconds: 1800       # [1800] time limit of one run
          runtime: { ttlMinutes: 60 }    # [60] an idle runtime is stopped; the session stays and resumes
          idempotency: { ttlHours: 24 }  # [24] how long inbound message ids are remembered
          runtimeBindings: { idleHours: 24, maxAgeHours: 0 }  # [24, 0=off] expiry of /acp spawn|bind bindings without --persist
          stream:
            deliveryMode: live           # [live] live | final_only
            coalesceIdleMs: 350          # [350]
            maxChunkChars: 1800          # [1800]
            maxOutputChars: 24000        # [24000] then one "output truncated" notice
            showToolCalls: true          # [true]  one compact line per tool call, edited in place
            showThoughts: false          # [false]
          permissions:
            mode: ask                    # [ask] ask | approve-reads | approve-all | deny-all
            timeoutSeconds: 600          # [600] an unanswered ask is rejected (the agent is told)
          workspaceRoots: []             # [] = any; e.g. [/srv] to keep every session cwd under /srv
          env: { passthrough: [PATH, HOME, LANG] }  # only these (plus agents.<id>.env) reach agents

        agents:
          demo:
            command: [acpd-demo-agent]   # argv; resolved on PATH
            cwd: ./workspace             # default cwd of its sessions (relative to this file)
            env: {}
            mode: persistent             # [persistent] persistent | oneshot
            backend: stdio               # [acp.backend]
          claude:
            command: [claude-code-acp]
            cwd: /srv/repo
            env: { ANTHROPIC_LOG: "info" }
            authMethod: claude-login     # acpd extension: ACP auth method acpd may use when the agent asks for login

        acpx: { command: acpx }          # [acpx] only for backend acpx

        bindings:
          - type: acp                    # a concrete conversation pinned to one persistent session
            agentId: demo
            match:
              channel: telegram
              accountId: default         # [default]; "*" matches every account (lower priority)
              peer: { kind: group, id: "-1001234567890:topic:42" }
            acp: { label: tg-demo-42, mode: persistent, cwd: /srv/repo, backend: stdio }
            access: allowlist            # [allowlist] allowlist | members (anyone who can post there may prompt)
            approvers: []                # [] = allowlist only; senders who may also answer permission requests here
          - type: route                  # every matching conversation gets its own session, on its first message
            agentId: claude
            match: { channel: discord, accountId: default, peer: { kind: channel, id: "222222222222222222" } }

        channels:
          telegram:
            accounts:
              default:
                botToken: "${TELEGRAM_BOT_TOKEN}"
                apiRoot: "https://api.telegram.org"   # [this] a local Bot API server, or a test fake
                enabled: true                         # [true] false: configured but not started
                pollTimeoutSeconds: 30                # [30] getUpdates long-poll timeout (0-50)
                drafts: false                         # [false] stream into private chats with sendMessageDraft
          discord:
            accounts:
              default:
                botToken: "${DISCORD_BOT_TOKEN}"
                apiBase: "https://discord.com/api/v10" # [this] the gateway URL comes from GET /gateway/bot
                applicationId: "111111111111111111"    # for application (slash) commands and interactions
                enabled: true                          # [true] false: configured but not started
                commandGuilds: []                      # [] = register commands globally; else per guild (instant)
          http: { enabled: true }        # [false] accept POST /v1/messages

        access:
          owners: ["telegram:111", "discord:222222222222222222"]   # may do everything
          allowFrom: ["telegram:333", "http:alice"]                # may prompt agents and use ordinary commands
          unknownSenders: strict         # [strict] strict (ignored) | request_approval | public
          secret: "${ACPD_SECRET}"       # optional; guarded commands then need /auth <secret> first
          authTtlSeconds: 600            # [600]
          rateLimit: { perMinute: 10, burst: 3 }   # [10, 3]

        audit: { retentionDays: 90 }     # [90] the audit log of commands and decisions

        api:
          listen: "127.0.0.1:7878"       # [127.0.0.1:7878] a non-loopback address needs a token
          token: "${ACPD_API_TOKEN}"     # bearer token for everything but /healthz and /readyz
          headerTimeoutSeconds: 10       # [10] a request head must arrive within this long, else the connection is closed
          idleTimeoutSeconds: 60         # [60] a connection without a request in progress is closed after this long
          maxConnections: 256            # [256] over it, the longest-waiting idle connection is dropped (or the new one, when all are busy)

        log:                             # acpd's own log on stderr; --log-format / --log-level win
          format: text                   # [text] text | json (one object per line with the correlation fields)
          level: info                    # [info for run, warning for chat] trace | debug | info | notice | warning | error | critical

        """
}
