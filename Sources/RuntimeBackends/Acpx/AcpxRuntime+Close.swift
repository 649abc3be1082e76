import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

extension AcpxRuntime {
    /// Ends any turn of the session (cancel, then terminate) and runs `acpx sessions close`, which
    /// soft-closes the acpx session and stops its agent. A session this process did not ensure is
    /// closed from its session record (`AcpxOptions.sessionRecordDirectory`) when there is one;
    /// otherwise it is left alone. Idempotent: the record is removed once `sessions close` ran.
    public func close(sessionKey: SessionKey, reason: CloseReason) async {
        var log = logger
        log[metadataKey: "session"] = "\(sessionKey)"
        if let session = await sessions.remove(sessionKey) {
            if let turn = await sessions.turn(sessionKey) {
                await cancel(turn, session: session)
                if let prompt = turn.process { _ = await prompt.terminate(graceSeconds: options.killGraceSeconds) }
            }
            await runClose(session.commandLine, name: session.name, environment: session.environment, reason: reason, log: log)
            removeRecord(sessionKey, log: log)
            return
        }
        guard let record = loadRecord(sessionKey, log: log) else { return }
        // Ensured by an earlier acpd process: no turn of it can be running here. The agent's env is
        // not on record (it may hold secrets); acpx needs only the passthrough variables (HOME) to
        // find its session.
        let commandLine = AcpxCommandLine(acpx: options.command, agentCommand: record.agentCommand, cwd: record.cwd,
                                          permissionMode: options.permissionMode,
                                          queueOwnerTTLSeconds: options.queueOwnerTTLSeconds)
        let environment = AcpxProcess.environment(passthrough: record.envPassthrough, agentEnv: [:])
        log.info("closing an acpx session ensured by an earlier acpd process", metadata: ["agent": "\(record.agentId)"])
        if await runClose(commandLine, name: AcpxSessionName(sessionKey), environment: environment, reason: reason, log: log) {
            removeRecord(sessionKey, log: log)
        }
    }

    /// Runs `acpx sessions close <name>`. Returns whether acpx ran to an exit (whatever its code:
    /// a session acpx no longer knows needs no closing); false when acpx could not be run.
    @discardableResult
    private func runClose(_ commandLine: AcpxCommandLine, name: AcpxSessionName, environment: [String: String],
                          reason: CloseReason, log: Logger) async -> Bool {
        do {
            let completed = try await process.run(argv: commandLine.close(name), environment: environment,
                                                  cwd: commandLine.cwd, label: "acpx close \(name)",
                                                  timeoutSeconds: min(options.controlTimeoutSeconds, 60),
                                                  killGraceSeconds: options.killGraceSeconds)
            let closed = AcpxControlOutput(lines: completed.stdout).closed
            log.info("acpx session closed", metadata: ["reason": "\(reason.rawValue)", "exit": "\(completed.exit)", "confirmed": "\(closed)"])
            return !completed.timedOut
        } catch {
            log.warning("acpx sessions close could not run", metadata: ["error": "\(error)"])
            return false
        }
    }

    func saveRecord(_ record: AcpxSessionRecord, name: AcpxSessionName, log: Logger) {
        guard let records else { return }
        do {
            try records.save(record, name: name)
        } catch {
            log.warning("could not write the acpx session record; a later acpd process will not be able to close this session",
                        metadata: ["directory": "\(records.directory.path)", "error": "\(error)"])
        }
    }

    private func loadRecord(_ key: SessionKey, log: Logger) -> AcpxSessionRecord? {
        guard let records else { return nil }
        do {
            return try records.load(key)
        } catch {
            log.warning("unreadable acpx session record ignored", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func removeRecord(_ key: SessionKey, log: Logger) {
        guard let records else { return }
        do {
            try records.remove(key)
        } catch {
            log.warning("could not remove the acpx session record", metadata: ["error": "\(error)"])
        }
    }
}
