import CoreMetrics
import Synchronization

/// A metrics factory that remembers the last value of every gauge and the sum of every counter,
/// keyed `label{k=v,…}` (dimensions sorted).
final class RecordingMetrics: MetricsFactory, Sendable {
    private let values = Mutex<[String: Double]>([:])
    private let timings = Mutex<[String: [Int64]]>([:])

    static func name(_ label: String, _ dimensions: [(String, String)]) -> String {
        let dims = dimensions.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        return dims.isEmpty ? label : "\(label){\(dims)}"
    }

    func value(_ name: String) -> Double? { values.withLock { $0[name] } }
    func timings(_ name: String) -> [Int64] { timings.withLock { $0[name] ?? [] } }

    private final class Handler: CounterHandler, RecorderHandler, TimerHandler, Sendable {
        let name: String
        let owner: RecordingMetrics
        init(_ name: String, _ owner: RecordingMetrics) {
            self.name = name
            self.owner = owner
        }
        func increment(by amount: Int64) { owner.values.withLock { $0[name, default: 0] += Double(amount) } }
        func reset() { owner.values.withLock { $0[name] = 0 } }
        func record(_ value: Int64) { owner.values.withLock { $0[name] = Double(value) } }
        func record(_ value: Double) { owner.values.withLock { $0[name] = value } }
        func recordNanoseconds(_ duration: Int64) { owner.timings.withLock { $0[name, default: []].append(duration) } }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { Handler(Self.name(label, dimensions), self) }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Handler(Self.name(label, dimensions), self)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { Handler(Self.name(label, dimensions), self) }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
