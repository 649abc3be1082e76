import ACPControlPlane
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Doctor's store checks, all read-only: the store opens and passes `integrity_check`, its
/// schema is current, no binding is stale, and the reconcile dry run against the config.
struct StoreChecks: Sendable {
    let config: ACPDConfig

    func run() -> [DoctorCheck] {
        let store: ControlPlaneStore
        do {
            store = try ReadOnlyStore.open(config, integrity: .full)
        } catch {
            switch error {
            case .missing(let path):
                return [.skip("store", "no store at \(path) yet; doctor never creates one",
                              hint: "`acpd run` creates it on start; check stateDir if you expected one")]
            case .refused(let refusal):
                return [.fail("store", refusal.message, hint: refusal.hint)]
            }
        }
        defer { try? store.close() }
        var checks: [DoctorCheck] = [.pass("store", "\(store.path) opens; integrity_check ok")]
        let schemaCheck = schema(store)
        checks.append(schemaCheck)
        guard schemaCheck.status == .pass else {
            // Older tables may not hold what this version reads; they are migrated on `acpd run`.
            checks.append(.skip("bindings", "not checked: the store schema is not current"))
            return checks
        }
        checks.append(contentsOf: bindings(store))
        return checks
    }

    private func schema(_ store: ControlPlaneStore) -> DoctorCheck {
        let supported = ControlPlaneStore.supportedSchemaVersion
        let version: Int
        do { version = try store.schemaVersion() } catch {
            return .fail("store schema", error.message, hint: error.hint)
        }
        if version == supported { return .pass("store schema", "version \(version) (current)") }
        if version < supported {
            return .warn("store schema", "version \(version); this acpd migrates it to \(supported) on `acpd run`",
                         hint: "back up \(store.path) before the first start of this version")
        }
        return .fail("store schema", "version \(version) is newer than this acpd supports (\(supported))",
                     hint: "run the acpd version that wrote it, or point stateDir at another directory")
    }

    private func bindings(_ store: ControlPlaneStore) -> [DoctorCheck] {
        let rows: [(binding: BindingRecord, session: SessionRecord?)]
        do { rows = try store.activeBindingsWithSessions(sources: Set(BindingSource.allCases)) } catch {
            return [.fail("bindings", "cannot read bindings: \(error)", hint: "see the store check above")]
        }
        let stored = rows.map { StoredBinding($0.binding, session: $0.session) }
        var checks: [DoctorCheck] = []
        let stale = StaleBindings.find(in: stored)
        if stale.isEmpty {
            checks.append(.pass("stale bindings", "none (\(stored.count) active bindings)"))
        } else {
            let list = stale.prefix(5).map { "\($0.binding.conversation) → \($0.binding.sessionKey) (\($0.reason.rawValue))" }
            let more = stale.count > 5 ? " and \(stale.count - 5) more" : ""
            checks.append(.warn("stale bindings", "\(stale.count): \(list.joined(separator: ", "))\(more)",
                                hint: "config bindings are recreated by a config reload (SIGHUP); runtime ones: /acp unbind in that chat; route ones: /new"))
        }
        let plan = ReconcilePlan.compute(index: BindingIndex(config: config),
                                         stored: stored.filter { $0.source == .config || $0.source == .route })
        checks.append(.pass("reconcile dry run", plan.summary + (plan.isEmpty ? " (nothing to change)" : " (applied on the next start or reload)")))
        return checks
    }
}
