import ACPControlPlane

extension ACPSettings {
    /// The control plane's settings from `acp.*` (CONTRACT.md §3): limits, timeouts, TTLs, the
    /// permission policy, the environment passthrough and the allowed agents. Each number is
    /// clamped to its `ConfigLimits` range (the validator already held it there; this keeps a
    /// config changed in code from reaching the control plane out of range).
    public var controlPlaneSettings: ControlPlaneSettings {
        var settings = ControlPlaneSettings(
            maxConcurrentSessions: ConfigLimits.clamp(maxConcurrentSessions, to: ConfigLimits.maxConcurrentSessions),
            turnTimeoutSeconds: ConfigLimits.clamp(turnTimeoutSeconds, to: ConfigLimits.turnTimeoutSeconds),
            runtimeTTLMinutes: ConfigLimits.clamp(runtimeTTLMinutes, to: ConfigLimits.runtimeTTLMinutes),
            idempotencyTTLHours: ConfigLimits.clamp(idempotencyTTLHours, to: ConfigLimits.idempotencyTTLHours),
            permissionMode: PermissionMode(rawValue: permissions.mode.rawValue) ?? .ask,
            permissionTimeoutSeconds: ConfigLimits.clamp(permissions.timeoutSeconds, to: ConfigLimits.permissionTimeoutSeconds),
            envPassthrough: envPassthrough, allowedAgents: allowedAgents, workspaceRoots: workspaceRoots)
        settings.maxStoredOutputChars = ConfigLimits.clamp(stream.maxOutputChars, to: ConfigLimits.maxOutputChars)
        return settings
    }
}
