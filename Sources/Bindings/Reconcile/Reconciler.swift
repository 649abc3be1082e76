import ACPControlPlane
import Logging

/// The outcome of applying a `ReconcilePlan`.
public struct ReconcileReport: Sendable {
    /// One change that could not be applied.
    public struct Failure: Sendable {
        /// `create`, `end` or `recreate`.
        public var action: String
        public var conversation: ConversationRef
        public var error: String
    }

    public var plan: ReconcilePlan
    public var failures: [Failure]

    /// The plan's summary, plus ` !N` when N changes failed.
    public var summary: String {
        failures.isEmpty ? plan.summary : "\(plan.summary) !\(failures.count)"
    }
}

/// Brings the store in line with a config: computes the plan against the store and applies it
/// through a `ReconcileTarget`. Ends run first (freeing capacity), then recreates, then creates.
/// A failing change is logged and reported; the others still run.
public struct Reconciler: Sendable {
    let target: any ReconcileTarget
    let logger: Logger

    /// A reconciler that changes the store through `target`.
    public init(target: any ReconcileTarget, logger: Logger = Logger(label: "acpd.reconcile")) {
        self.target = target
        self.logger = logger
    }

    /// The plan for `index` against the store, without changing anything (`acpd doctor`'s dry run).
    public func plan(for index: BindingIndex) async throws -> ReconcilePlan {
        ReconcilePlan.compute(index: index, stored: try await target.reconcilableBindings())
    }

    /// Computes and applies the plan for `index`, then logs the one-line summary.
    public func reconcile(_ index: BindingIndex) async throws -> ReconcileReport {
        let report = await apply(try await plan(for: index))
        logger.info("\(report.summary)")
        return report
    }

    /// Applies `plan`; never throws: failures are in the report (and each is logged).
    public func apply(_ plan: ReconcilePlan) async -> ReconcileReport {
        var failures: [ReconcileReport.Failure] = []
        func attempt(_ action: String, _ conversation: ConversationRef, _ detail: String, _ body: () async throws -> Void) async {
            do {
                try await body()
                logger.debug("reconcile \(action)", metadata: ["conversation": "\(conversation.canonical)", "detail": "\(detail)"])
            } catch {
                logger.error("reconcile \(action) failed", metadata: [
                    "conversation": "\(conversation.canonical)", "detail": "\(detail)", "error": "\(error)",
                ])
                failures.append(.init(action: action, conversation: conversation, error: "\(error)"))
            }
        }
        for end in plan.ends {
            await attempt("end", end.binding.conversation, end.reason) { try await target.endBinding(end.binding) }
        }
        for change in plan.recreates {
            await attempt("recreate", change.old.conversation, change.reasons.joined(separator: ", ")) {
                try await target.recreateBinding(change.old, as: change.new)
            }
        }
        for binding in plan.creates {
            await attempt("create", binding.conversation, "bindings[\(binding.bindingIndex)]") {
                try await target.createBinding(binding)
            }
        }
        return ReconcileReport(plan: plan, failures: failures)
    }
}
