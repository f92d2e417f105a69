import HTTPTypes
import Hummingbird

/// The web console: `/` (the Q&A app), `/inspect` (the operator's inspector)
/// and their files under `/console/`. The pages hold no data and no token;
/// everything they show comes from the API with the token in a header.
struct ConsoleRoutes {
    /// Scripts and styles only from this server, no inline script or style, no
    /// framing, no plugin; fetches only to this server.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func register(on router: some RouterMethods<APIRequestContext>) {
        Self.page("/", on: router) { _ in "index.html" }
        Self.page("/console/:name", on: router) { context in context.parameters.get("name") ?? "" }
    }

    /// GET and HEAD of a console file (HEAD: a link checker's or a balancer's probe, the same headers without the body).
    static func page(
        _ path: RouterPath, on router: some RouterMethods<APIRequestContext>, _ name: @escaping @Sendable (APIRequestContext) -> String
    ) {
        router.get(path) { request, context in serve(name(context), request) }
        router.head(path) { request, context in
            let full = serve(name(context), request)
            var headers = full.headers
            if let length = full.body.contentLength { headers[.contentLength] = String(length) }
            return Response(status: full.status, headers: headers)
        }
    }

    static func serve(_ name: String, _ request: Request) -> Response {
        guard let asset = ConsoleAssets.byName[name] else {
            var fields = HTTPFields()
            fields[.contentType] = "text/plain; charset=utf-8"
            fields[.cacheControl] = "no-store"
            return Response(status: .notFound, headers: fields, body: ResponseBody(byteBuffer: .init(string: "no console file named \(name)\n")))
        }
        var fields = HTTPFields()
        fields[.contentType] = asset.contentType
        fields[.eTag] = asset.etag
        // Revalidated on every load (a new qactl serves new files at the same
        // names), answered 304 while unchanged.
        fields[.cacheControl] = "no-cache"
        fields[.contentSecurityPolicy] = contentSecurityPolicy
        fields[.xContentTypeOptions] = "nosniff"
        fields[HTTPField.Name("referrer-policy")!] = "no-referrer"
        fields[HTTPField.Name("cross-origin-opener-policy")!] = "same-origin"
        if let tags = request.headers[.ifNoneMatch], tags.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag }) {
            return Response(status: .notModified, headers: fields)
        }
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: asset.body))
    }
}
