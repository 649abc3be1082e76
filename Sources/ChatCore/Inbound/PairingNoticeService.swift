import ACPControlPlane
import Logging
import ServiceLifecycle

/// Tells each sender the owners' decision on its pairing request, once, in the conversation
/// where it asked: approved (with the role) or denied.
///
/// Decisions come from chat (`/acp approve|deny`), the CLI (`acpd pairing approve|deny`, which
/// writes the store with or without a daemon) and the API; this service polls the store every
/// `interval` (one indexed query over undecided-and-untold requests), so a decision made anywhere
/// reaches the sender within a few seconds. A notice is claimed in the store before it is posted
/// and marked told after: a redelivered command, a second daemon pass or a restart never tells
/// twice (a crash between claim and post loses that one notice rather than repeat it). While the
/// sender's channel account is not running, the notice waits for it.
public struct PairingNoticeService: Service {
    let store: ControlPlaneStore
    let channels: ChannelSet
    let outbox: any ChatOutbox
    let interval: Duration
    let logger: Logger

    /// A service telling senders about decisions in `store` through `outbox`.
    public init(store: ControlPlaneStore, channels: [any ChatChannel], outbox: any ChatOutbox, interval: Duration = .seconds(1),
                logger: Logger) {
        self.store = store
        self.channels = ChannelSet(channels)
        self.outbox = outbox
        self.interval = interval
        self.logger = logger
    }

    /// Polls until graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await tellPending()
                try? await WatchdogTimer.sleep(for: interval)
            }
        }
    }

    /// Tells every decided, untold request whose channel account runs (one pass).
    public func tellPending() async {
        let decided: [PairingRequest]
        do { decided = try store.pairingDecisionsToTell() } catch {
            logger.error("pairing decisions unavailable", metadata: ["error": "\(error)"])
            return
        }
        for request in decided {
            guard let conversationId = request.conversationId else {
                try? store.finishPairingNoticeWithoutPost(request.id)
                continue
            }
            let conversation = ConversationRef(channel: request.channel, accountId: request.accountId, conversationId: conversationId)
            guard let channel = channels.channel(for: conversation), channel.accountStatus.map({ $0.state == .running }) ?? true else { continue }
            do {
                guard try store.claimPairingNotice(id: request.id) else { continue }
                let receipt = await outbox.post(Self.text(request), to: conversation, kind: .notice)
                try store.finishPairingNotice(id: request.id, told: true)
                if let failure = receipt.failure {
                    logger.warning("pairing decision not delivered", metadata: ["request": "\(request.id)", "error": "\(failure)"])
                }
            } catch {
                logger.error("pairing notice failed", metadata: ["request": "\(request.id)", "error": "\(error)"])
            }
        }
    }

    /// What the sender reads.
    static func text(_ request: PairingRequest) -> String {
        switch (request.state, request.role ?? .operator) {
        case (.approved, .operator): "An owner approved your access request: you may now use acpd here (send /acp help)."
        case (.approved, .member): "An owner approved your access request as a member: you may send prompts where a session is bound."
        default: "An owner denied your access request."
        }
    }
}

extension ControlPlaneStore {
    /// Marks a request told without a post (it has no conversation to tell).
    func finishPairingNoticeWithoutPost(_ id: Int64) throws {
        guard try claimPairingNotice(id: id) else { return }
        try finishPairingNotice(id: id, told: true)
    }
}
