@testable import ACPControlPlane
import Foundation
import TestSupport

/// A pool on a fresh file in a temporary directory, with the store's pragmas.
func withTestPool<T>(maximumReaders: Int = 4, busyTimeoutMilliseconds: Int32 = 5000,
                     _ body: (ConnectionPool, String) throws -> T) async throws -> T {
    try await withTemporaryDirectory { dir in
        let path = dir.appendingPathComponent("test.sqlite").path
        let pool = try ConnectionPool(path: path, configuration: testPoolConfiguration(maximumReaders: maximumReaders,
                                                                                     busyTimeoutMilliseconds: busyTimeoutMilliseconds))
        defer { pool.close() }
        return try body(pool, path)
    }
}

func testPoolConfiguration(maximumReaders: Int = 4, busyTimeoutMilliseconds: Int32 = 5000) -> ConnectionPool.Configuration {
    var configuration = ConnectionPool.Configuration()
    configuration.maximumReaders = maximumReaders
    configuration.busyTimeoutMilliseconds = busyTimeoutMilliseconds
    configuration.prepareWriter = { db throws(SQLiteError) in
        try db.execute(sql: "PRAGMA foreign_keys = ON")
        try db.execute(sql: "PRAGMA synchronous = NORMAL")
    }
    return configuration
}

/// A one-shot flag threads wait on (with a deadline, so a broken test fails instead of hanging).
final class TestFlag: @unchecked Sendable {
    private let condition = NSCondition()
    private var raised = false

    func raise() {
        condition.lock()
        raised = true
        condition.broadcast()
        condition.unlock()
    }

    /// True when raised within `seconds`.
    func wait(seconds: Double = 10) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !raised {
            if !condition.wait(until: deadline) { return raised }
        }
        return true
    }
}

/// Runs `body` on a new thread; the returned flag is raised when it finished.
func onThread(_ body: @escaping @Sendable () -> Void) -> TestFlag {
    let done = TestFlag()
    let thread = Thread {
        body()
        done.raise()
    }
    thread.start()
    return done
}
