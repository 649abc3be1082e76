extension Duration {
    /// The longest time acpd waits for anything (100 years): every timer, TTL and deadline made
    /// from a number is at most this, so adding it to a clock's now or a `Date` never overflows.
    public static let longestWait: Duration = .seconds(longestWaitSeconds)

    static let longestWaitSeconds = 100 * 365 * 86_400

    /// `count` × `unitSeconds` seconds, saturating: ≤ 0 is `.zero`, an overflowing product or one
    /// beyond `longestWait` is `longestWait`. Never traps, whatever `count` is.
    public static func saturating(_ count: Int, unitSeconds: Int = 1) -> Duration {
        guard count > 0, unitSeconds > 0 else { return .zero }
        let (product, overflow) = count.multipliedReportingOverflow(by: unitSeconds)
        guard !overflow, product <= longestWaitSeconds else { return longestWait }
        return .seconds(product)
    }
}
