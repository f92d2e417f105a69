import Foundation
import Synchronization
import Testing
@testable import QACtlSync
import QACtlTestSupport

/// Caching, refresh before expiry, invalidation and single flight, with a fake fetch.
struct ShapeTokenProviderTests {
    final class Clock: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: 1_000_000))
        func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    @Test func tokensAreCachedPerShapeAndRefreshedBeforeTheyExpire() async throws {
        let clock = Clock()
        let fetched = Mutex(0)
        let provider = ShapeTokenProvider(now: { clock.now.withLock { $0 } }) { request in
            let number = fetched.withLock { count in
                count += 1
                return count
            }
            return ShapeToken(token: "\(request.table)-\(number)", expiresAt: clock.now.withLock { $0 }.addingTimeInterval(300))
        }
        let messages = ShapeTokenRequest(table: "messages", params: ["conversationId": "c-1"])
        let conversations = ShapeTokenRequest(table: "conversations")
        #expect(try await provider.token(for: messages).token == "messages-1")
        #expect(try await provider.token(for: messages).token == "messages-1")
        #expect(try await provider.token(for: conversations).token == "conversations-2")
        clock.advance(269)
        #expect(try await provider.token(for: messages).token == "messages-1")
        // Within 30 s of expiry: a new one.
        clock.advance(2)
        #expect(try await provider.token(for: messages).token == "messages-3")
        // A refused token is dropped; a refusal of an older one changes nothing.
        await provider.invalidate(messages, token: "messages-1")
        #expect(try await provider.token(for: messages).token == "messages-3")
        await provider.invalidate(messages, token: "messages-3")
        #expect(try await provider.token(for: messages).token == "messages-4")
    }

    @Test func concurrentCallersShareOneFetchAndFailuresAreNotCached() async throws {
        let fetched = Mutex(0)
        let failNext = Mutex(true)
        let provider = ShapeTokenProvider { _ in
            fetched.withLock { $0 += 1 }
            try await Task.sleep(for: .milliseconds(100))
            if failNext.withLock({ value in defer { value = false }; return value }) {
                throw APIError(code: "unavailable", message: "try later", status: 503)
            }
            return ShapeToken(token: "t", expiresAt: Date().addingTimeInterval(300))
        }
        let request = ShapeTokenRequest(table: "conversations")
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 { group.addTask { (try? await provider.token(for: request)) == nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 10)
        #expect(fetched.withLock { $0 } == 1)
        let tokens = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<10 { group.addTask { try? await provider.token(for: request).token } }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(tokens == Array(repeating: "t", count: 10))
        #expect(fetched.withLock { $0 } == 2)
        #expect(await provider.fetchCount == 2)
    }

    @Test func shortLivedTokensAreRefreshedHalfWay() async throws {
        let clock = Clock()
        let fetched = Mutex(0)
        let provider = ShapeTokenProvider(now: { clock.now.withLock { $0 } }) { _ in
            let number = fetched.withLock { count in
                count += 1
                return count
            }
            return ShapeToken(token: "t\(number)", expiresAt: clock.now.withLock { $0 }.addingTimeInterval(10))
        }
        let request = ShapeTokenRequest(table: "conversations")
        #expect(try await provider.token(for: request).token == "t1")
        clock.advance(4)
        #expect(try await provider.token(for: request).token == "t1")
        clock.advance(2)
        #expect(try await provider.token(for: request).token == "t2")
    }
}
