import Foundation
import Hummingbird
import NIOCore

/// An error a client gets in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`,
/// with the matching HTTP status.
struct APIError: Error, HTTPResponseError, Sendable, Equatable {
    var status: HTTPResponse.Status
    var message: String
    /// OpenAI's error type: `invalid_request_error`, `not_found_error`, `server_error`, …
    var type: String
    /// The request field at fault, when there is one.
    var param: String?
    var code: String?
    /// Seconds a client should wait before retrying (`Retry-After`), for 429.
    var retryAfter: Int? = nil

    static func invalid(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: .badRequest, message: message, type: "invalid_request_error", param: param, code: code)
    }

    static func modelNotFound(_ model: String, known: [String]) -> APIError {
        APIError(status: .notFound,
                 message: "The model '\(model)' does not exist on this server (served: \(known.joined(separator: ", ")))",
                 type: "invalid_request_error", param: "model", code: "model_not_found")
    }

    static func notFound(_ message: String) -> APIError {
        APIError(status: .notFound, message: message, type: "not_found_error", param: nil, code: nil)
    }

    /// The model's waiting line is full: 429, as OpenAI answers an overloaded engine, so clients
    /// back off and retry (the `openai` client does so by itself).
    static let busy = APIError(status: .tooManyRequests,
                               message: "The server is at capacity (every queue slot is taken); retry shortly",
                               type: "server_error", param: nil, code: "server_busy", retryAfter: 1)

    static func unavailable(_ message: String) -> APIError {
        APIError(status: .serviceUnavailable, message: message, type: "server_error", param: nil, code: "not_ready")
    }

    static func tooLarge(limit: Int) -> APIError {
        APIError(status: .contentTooLarge, message: "The request body is larger than the limit of \(limit) bytes",
                 type: "invalid_request_error", param: nil, code: "request_too_large")
    }

    static func unauthorized(_ message: String) -> APIError {
        APIError(status: .unauthorized, message: message, type: "invalid_request_error", param: nil, code: "invalid_api_key")
    }

    static func rateLimited(retryAfter: Int) -> APIError {
        APIError(status: .tooManyRequests, message: "Rate limit reached for this API key; retry in \(retryAfter) s",
                 type: "requests", param: nil, code: "rate_limit_exceeded", retryAfter: retryAfter)
    }

    static func internalError(_ message: String) -> APIError {
        APIError(status: .internalServerError, message: message, type: "server_error", param: nil, code: nil)
    }

    /// The JSON body.
    var body: ByteBuffer {
        struct Envelope: Encodable {
            var error: Fields
        }
        struct Fields: Encodable {
            var message: String, type: String, param: String?, code: String?
            enum CodingKeys: String, CodingKey { case message, type, param, code }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(message, forKey: .message)
                try c.encode(type, forKey: .type)
                try c.encode(param, forKey: .param)
                try c.encode(code, forKey: .code)
            }
        }
        let data = (try? JSONEncoder.api.encode(Envelope(error: Fields(message: message, type: type, param: param, code: code))))
            ?? Data(#"{"error":{"message":"error","type":"server_error","param":null,"code":null}}"#.utf8)
        return ByteBuffer(bytes: data)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}

/// Turns every error a route throws into OpenAI's error shape: Hummingbird's own (unknown route,
/// wrong method, body too large) keep their status; anything unexpected becomes a 500 whose
/// message names the error type only (never request content).
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxRequestBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(limit: maxRequestBytes)
        } catch let error as HTTPError {
            let type = error.status == .notFound ? "not_found_error" : "invalid_request_error"
            let message = error.body ?? (error.status == .notFound
                ? "No route \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            throw APIError(status: error.status, message: message, type: error.status.code >= 500 ? "server_error" : type,
                           param: nil, code: nil)
        } catch {
            // The log (the operator's) says what failed; the response names the type only.
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))",
                                                               "detail": "\(error)"])
            throw APIError.internalError("internal error (\(type(of: error)))")
        }
    }
}
