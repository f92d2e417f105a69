import Foundation
import Testing
@testable import Tokens

/// The byte-level base64url codec every request's token goes through.
struct Base64URLTests {
    /// The RFC 4648 §5 spelling, made the long way with Foundation.
    static func reference(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    @Test func everyLengthRoundTripsAndMatchesTheReference() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Base64URL.encode(bytes)
            #expect(text == Self.reference(bytes))
            #expect(Base64URL.decode(text[...]).map { Array($0) } == bytes)
        }
    }

    @Test func onlyTheCanonicalSpellingDecodes() {
        #expect(Base64URL.decode("QQ") == Data([0x41]))
        // Same first byte, but the unused low bits are not zero: another spelling of it.
        #expect(Base64URL.decode("QR") == nil)
        #expect(Base64URL.decode("QUI") == Data([0x41, 0x42]))
        #expect(Base64URL.decode("QUJ") == nil)
        for text in ["QQ==", "Q", "QUJD=", "QU+D", "QU/D", "QU D", "é"] {
            #expect(Base64URL.decode(text[...]) == nil, "\(text)")
        }
    }
}
