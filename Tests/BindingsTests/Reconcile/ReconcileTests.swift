import ACPControlPlane
@testable import Bindings
import Foundation
import Logging
import Testing
import TestSupport

@Suite struct ReconcileTests {
    static func config(_ bindings: String, agents: String? = nil) throws -> ACPDConfig {
        try parseConfig("""
            agents:
            \(agents ?? "  demo: { command: [demo], cwd: /srv/demo }\n  codex: { command: [codex], cwd: /srv/codex }")
            bindings:
            \(bindings)
            """)
    }

    static func acp(_ peer: String, agent: String = "demo", extra: String = "") -> String {
        """
          - type: acp
            agentId: \(agent)
            match: { channel: http, peer: { id: \(peer) } }
        \(extra.isEmpty ? "" : "    " + extra)
        """
    }

    static let route = """
          - type: route
            agentId: codex
            match: { channel: discord }
        """

    @Test func startupCreatesEveryDeclaredBinding() async throws {
        let target = InMemoryReconcileTarget()
        let report = try await Reconciler(target: target).reconcile(BindingIndex(config: try Self.config(Self.acp("a") + "\n" + Self.acp("b") + "\n" + Self.route)))
        #expect(report.summary == "reconcile: +2 -0 ~0 =0")
        #expect(await target.log == ["create http:default:a", "create http:default:b"])
        // A second run (restart) finds everything in place.
        let again = try await Reconciler(target: target).reconcile(BindingIndex(config: try Self.config(Self.acp("a") + "\n" + Self.acp("b"))))
        #expect(again.summary == "reconcile: +0 -0 ~0 =2")
    }

    @Test func deltas() async throws {
        let target = InMemoryReconcileTarget()
        let reconciler = Reconciler(target: target)
        let before = try Self.config([Self.acp("keep"), Self.acp("drop"), Self.acp("move", extra: "acp: { cwd: /srv/one }"),
                                      Self.acp("swap"), Self.acp("mode"), Self.acp("closed"), Self.acp("gone"), Self.route].joined(separator: "\n"))
        _ = try await reconciler.reconcile(BindingIndex(config: before))
        let beforeIndex = BindingIndex(config: before)

        // Route sessions the router made on first message.
        let routeSettings = try #require(beforeIndex.routeEntries.first?.settings)
        let thread = ConversationRef(channel: .discord, conversationId: "777")
        await target.addRouteBinding(thread, key: try SessionKeys.route(agentId: "codex", conversation: thread), settings: routeSettings)
        // Runtime bindings are not the reconciler's.
        await target.addRuntimeBinding(ConversationRef(channel: .http, conversationId: "rt"), key: SessionKey("agent:demo:acp:rt")!)
        // A session was closed and another vanished behind the config's back.
        let closedKey = try #require(beforeIndex.acpEntries.first { $0.conversation.conversationId == "closed" }).sessionKey
        let goneKey = try #require(beforeIndex.acpEntries.first { $0.conversation.conversationId == "gone" }).sessionKey
        await target.setState(closedKey, .closed)
        await target.removeSession(goneKey)
        await target.clearLog()

        let after = try Self.config([Self.acp("keep"), Self.acp("move", extra: "acp: { cwd: /srv/two }"),
                                     Self.acp("swap", agent: "codex"), Self.acp("mode", extra: "acp: { mode: oneshot }"),
                                     Self.acp("closed"), Self.acp("gone"), Self.acp("new")].joined(separator: "\n"))
        let plan = try await reconciler.plan(for: BindingIndex(config: after))
        #expect(plan.summary == "reconcile: +1 -2 ~5 =1")
        #expect(plan.creates.map(\.conversation.conversationId) == ["new"])
        #expect(Set(plan.ends.map(\.binding.conversation.conversationId)) == ["drop", "777"])
        let reasons = Dictionary(uniqueKeysWithValues: plan.recreates.map { ($0.old.conversation.conversationId, $0.reasons) })
        #expect(reasons["move"] == ["cwd /srv/one→/srv/two"])
        #expect(reasons["swap"] == ["agent demo→codex", "cwd /srv/demo→/srv/codex"])
        #expect(reasons["mode"] == ["mode persistent→oneshot"])
        #expect(reasons["closed"] == ["session closed"])
        #expect(reasons["gone"] == ["session missing"])
        #expect(plan.unchanged.map(\.conversation.conversationId) == ["keep"])
        let swap = try #require(plan.recreates.first { $0.old.conversation.conversationId == "swap" })
        #expect(swap.new.sessionKey.agentId == "codex" && swap.old.sessionKey.agentId == "demo")

        let report = await reconciler.apply(plan)
        #expect(report.failures.isEmpty)
        #expect(try await reconciler.plan(for: BindingIndex(config: after)).summary == "reconcile: +0 -0 ~0 =7",
                "applying a plan converges")
        #expect(await target.bindings["http:default:rt"] != nil, "runtime bindings are left alone")
    }

    @Test func routeSessionsFollowTheirRoute() async throws {
        let target = InMemoryReconcileTarget()
        let reconciler = Reconciler(target: target)
        let before = BindingIndex(config: try Self.config(Self.route))
        let conversation = ConversationRef(channel: .discord, conversationId: "888")
        let match = try #require(before.configMatch(for: conversation))
        await target.addRouteBinding(conversation, key: match.sessionKey, settings: try #require(match.settings))

        #expect(try await reconciler.plan(for: before).summary == "reconcile: +0 -0 ~0 =1")
        let moved = BindingIndex(config: try Self.config(Self.route.replacingOccurrences(of: "codex", with: "demo")))
        let plan = try await reconciler.plan(for: moved)
        #expect(plan.recreates.first?.reasons == ["agent codex→demo", "cwd /srv/codex→/srv/demo"])
        let shadowed = BindingIndex(config: try Self.config(Self.route + "\n" + """
              - type: acp
                agentId: demo
                match: { channel: discord, peer: { id: "888" } }
            """))
        let shadowPlan = try await reconciler.plan(for: shadowed)
        #expect(shadowPlan.ends.map(\.reason) == ["an acp binding now matches the conversation"])
        #expect(shadowPlan.creates.count == 1)
    }

    @Test func aFailingChangeIsReportedAndTheOthersStillRun() async throws {
        let target = InMemoryReconcileTarget()
        await target.failCreate("http:default:b")
        let report = try await Reconciler(target: target).reconcile(BindingIndex(config: try Self.config([Self.acp("a"), Self.acp("b"), Self.acp("c")].joined(separator: "\n"))))
        #expect(report.summary == "reconcile: +3 -0 ~0 =0 !1")
        #expect(report.failures.map(\.conversation.conversationId) == ["b"])
        #expect(await target.log == ["create http:default:a", "create http:default:c"])
    }

    @Test func reloadWithABrokenFileKeepsTheRunningConfig() async throws {
        try await withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("acpd.yaml")
            let path = file.path
            try (try Self.configText(Self.acp("a"))).write(to: file, atomically: true, encoding: .utf8)
            let target = InMemoryReconcileTarget()
            let reloader = ConfigReloader(load: { () throws(ConfigError) -> ACPDConfig in try ConfigLoader.load(path: path, environment: [:]) },
                                          target: target)
            let first = try await reloader.start()
            #expect(first.summary == "reconcile: +1 -0 ~0 =0")

            try "bindings:\n  - type: acp\n    agentId: ghost\n    match: { channel: http }\nbogus: 1\n".write(to: file, atomically: true, encoding: .utf8)
            guard case .rejected(let error) = await reloader.reload() else { Issue.record("expected rejection"); return }
            #expect(Set(error.issues.map(\.path.description)) == ["bindings[0].agentId", "bindings[0].match.peer.id", "bogus"])
            #expect(await reloader.current?.config.bindings.count == 1, "the running config stays")
            #expect(await target.bindings.count == 1, "nothing was reconciled")

            try (try Self.configText(Self.acp("a") + "\n" + Self.acp("b"))).write(to: file, atomically: true, encoding: .utf8)
            guard case .applied(let report) = await reloader.reload() else { Issue.record("expected applied"); return }
            #expect(report.summary == "reconcile: +1 -0 ~0 =1")
            #expect(await reloader.current?.index.acpEntries.count == 2)

            try FileManager.default.removeItem(at: file)
            guard case .rejected(let missing) = await reloader.reload() else { Issue.record("expected rejection"); return }
            #expect(missing.kind == .unreadable)
            #expect(await reloader.current?.index.acpEntries.count == 2)
        }
    }

    @Test func startRefusesAnInvalidConfig() async {
        let reloader = ConfigReloader(load: { () throws(ConfigError) -> ACPDConfig in
            try ConfigLoader.parse("acp: { enabled: maybe }", baseDirectory: "/", environment: [:])
        }, target: InMemoryReconcileTarget())
        await #expect(throws: ConfigError.self) { try await reloader.start() }
        #expect(await reloader.current == nil)
    }

    static func configText(_ bindings: String) throws -> String {
        "agents:\n  demo: { command: [demo], cwd: /srv/demo }\n  codex: { command: [codex], cwd: /srv/codex }\nbindings:\n\(bindings)\n"
    }
}
