import ACPControlPlane
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Turns an error a route throws into the API's JSON error (`{"error": {"code", "message"}}`) by
/// its kind, so a client's mistake is never reported as a failing store:
///
/// | error | status, code |
/// |---|---|
/// | a body over the route's limit (`NIOTooManyBytesError`) | 413 `HTTP_BODY_TOO_LARGE` |
/// | a malformed request (`HTTPParserError`: a bad chunk, a bad header) | 400 `HTTP_BAD_REQUEST` |
/// | Hummingbird's `HTTPResponseError` (e.g. `HTTPError`) | its status, the code of that status |
/// | the store (`StoreError.isStoreFailure`) | 503 `HTTP_UNAVAILABLE` |
/// | anything else | 500 `HTTP_INTERNAL_ERROR` (details in the log only) |
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do { return try await next(request, context) } catch {
            let response = Self.response(for: error)
            let level: Logger.Level = response.status.code >= 500 ? .error : .debug
            context.logger.log(level: level, "API request failed", metadata: [
                "path": "\(request.uri.path)", "status": "\(response.status.code)", "error": "\(String(reflecting: type(of: error)))"])
            return response
        }
    }

    /// The JSON error answering `error`.
    static func response(for error: any Error) -> Response {
        let answer = classify(error)
        var response = APIResponses.error(answer.status, code: answer.code, answer.message)
        for field in answer.headers where response.headers[field.name] == nil { response.headers.append(field) }
        return response
    }

    /// What answers `error`: status, code, message and extra headers (those of an `HTTPError`).
    static func classify(_ error: any Error) -> (status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields) {
        switch error {
        case is NIOTooManyBytesError:
            return (.contentTooLarge, "HTTP_BODY_TOO_LARGE", "the request body is too large", [:])
        case let error as HTTPParserError:
            return (.badRequest, "HTTP_BAD_REQUEST", "malformed HTTP request: \(error)", [:])
        case let error as HTTPError:
            return (error.status, code(for: error.status), error.body ?? error.status.reasonPhrase, error.headers)
        case let error as any HTTPResponseError:
            return (error.status, code(for: error.status), error.status.reasonPhrase, [:])
        case let error where StoreError.isStoreFailure(error):
            return (.serviceUnavailable, "HTTP_UNAVAILABLE", "the state store is unavailable: \(error)", [:])
        default:
            return (.internalServerError, "HTTP_INTERNAL_ERROR", "internal error (see the acpd log)", [:])
        }
    }

    /// The API's code for a status Hummingbird chose.
    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "HTTP_BAD_REQUEST"
        case 401: "HTTP_UNAUTHORIZED"
        case 404: "HTTP_NOT_FOUND"
        case 413: "HTTP_BODY_TOO_LARGE"
        case 429: "HTTP_RATE_LIMITED"
        case 503: "HTTP_UNAVAILABLE"
        case 400..<500: "HTTP_BAD_REQUEST"
        default: "HTTP_INTERNAL_ERROR"
        }
    }
}
