import ChatCore
import AsyncHTTPClient
import JSONKit
import Metrics
import NIOCore

/// Files: `getFile` and the download from `<apiRoot>/file/bot<token>/<file_path>`.
extension TelegramBotAPI {
    /// How long a file download may take in all.
    static let downloadTimeout: Duration = .seconds(300)

    /// `getFile`: the file's `file_path` (valid for at least an hour) and size. Telegram answers
    /// 400 "file is too big" for a file over its 20 MB download limit.
    public func getFile(_ fileId: String) async throws(TelegramAPIError) -> TelegramFile {
        try await call("getFile", ["file_id": .string(fileId)], as: TelegramFile.self)
    }

    /// Downloads `filePath` (from `getFile`), streamed: nil as soon as it is found to be bigger
    /// than `limit` bytes (by its `Content-Length` or while reading; the rest is not read).
    /// Counted in `acpd_channel_requests_total{method="download"}`.
    public func download(filePath: String, limit: Int) async throws(TelegramAPIError) -> [UInt8]? {
        let result: Result<[UInt8]?, TelegramAPIError>
        do {
            result = try await fetch(filePath: filePath, limit: limit)
        } catch {
            result = .failure(Self.classify(error))
        }
        let label: String = switch result {
        case .success(.some): "ok"
        case .success(.none): "too_big"
        case .failure(let error): error.metricResult
        }
        Counter(label: "acpd_channel_requests_total", dimensions: [("channel", "telegram"), ("method", "download"), ("result", label)]).increment()
        return try result.get()
    }

    private func fetch(filePath: String, limit: Int) async throws -> Result<[UInt8]?, TelegramAPIError> {
        let path = filePath.split(separator: "/").map { PercentEncoding.encode($0) }.joined(separator: "/")
        var request = HTTPClientRequest(url: "\(apiRoot)/file/bot\(token)/\(path)")
        request.method = .GET
        let response = try await client.execute(request, timeout: Self.timeAmount(Self.downloadTimeout))
        let status = Int(response.status.code)
        guard status == 200 else {
            // Errors come as the usual JSON answer (or none at all).
            let body = try await response.body.collect(upTo: 64 << 10)
            let json = body.withUnsafeReadableBytes { try? JSONParser.parse($0) }
            let description = json?["description"]?.stringValue ?? "HTTP \(status)"
            return .failure(.api(code: status, description: description, retryAfter: nil))
        }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > limit { return .success(nil) }
        var bytes: [UInt8] = []
        for try await chunk in response.body {
            guard bytes.count + chunk.readableBytes <= limit else { return .success(nil) }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return .success(bytes)
    }
}
