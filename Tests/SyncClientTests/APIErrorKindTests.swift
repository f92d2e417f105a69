import Testing
import QACtlSync

/// `APIError.kind`: what an app switches on, for every code the server sends and for the rest.
struct APIErrorKindTests {
    @Test func everyServerCodeHasItsKind() {
        for kind in APIError.Kind.allCases where kind != .other {
            #expect(APIError(code: kind.rawValue, message: "", status: 400).kind == kind)
        }
    }

    @Test func unknownCodesAreOtherOrInternalByStatus() {
        #expect(APIError(code: "teapot", message: "", status: 418).kind == .other)
        #expect(APIError(code: "http_599", message: "", status: 599).kind == .internal)
    }

    @Test func aServerThatIsNotThereIsANetworkError() async throws {
        // Port 9 (discard) on loopback: nothing listens, the connection is refused.
        let api = APIClient(baseURL: "http://127.0.0.1:9", authToken: "unused")
        let error = await #expect(throws: APIError.self) { try await api.createConversation(title: "Hello") }
        #expect(error?.kind == .network)
        #expect(error?.isTransient == true)
    }
}
