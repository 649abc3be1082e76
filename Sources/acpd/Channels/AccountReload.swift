import Logging

/// What a reload (SIGHUP) does to one platform's accounts, the same for Telegram and Discord:
/// an account whose settings changed is restarted with them, one removed from the config is
/// stopped (if it ran), one added is logged (the daemon's channel set is fixed: it starts with
/// acpd's next start), the others are not touched.
enum AccountReload {
    /// What happens to one running account.
    enum Change<Account> {
        /// Gone from the config: stop it.
        case removed
        /// New settings: restart with them (or stop, when they disable it).
        case changed(Account)
    }

    /// Calls `perform` for each account of `ids` (the channels that exist) whose entry in `next`
    /// differs from `previous`, logs each change under `kind` (`telegram`, `discord`), and returns
    /// the settings now in force.
    static func apply<Account: Equatable>(kind: String, ids: [String], previous: [String: Account], next: [String: Account],
                                          isEnabled: (Account) -> Bool, logger: Logger,
                                          perform: (String, Change<Account>) -> Void) -> [String: Account] {
        var running = previous
        for id in ids {
            guard let account = next[id] else {
                if let old = previous[id], isEnabled(old) {
                    perform(id, .removed)
                    logger.notice("\(kind) account removed from the config: stopped", metadata: ["account": "\(id)"])
                }
                running[id] = nil
                continue
            }
            guard previous[id] != account else { continue }
            perform(id, .changed(account))
            running[id] = account
            logger.notice(isEnabled(account) ? "\(kind) account settings changed: restarted" : "\(kind) account disabled: stopped",
                          metadata: ["account": "\(id)"])
        }
        for id in next.keys.sorted() where !ids.contains(id) {
            logger.warning("\(kind) account added to the config; it starts when acpd restarts", metadata: ["account": "\(id)"])
        }
        return running
    }
}
