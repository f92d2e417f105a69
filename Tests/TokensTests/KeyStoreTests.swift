import Foundation
import Testing
@testable import Tokens

struct KeyStoreTests {
    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func createsPrivateKeysOfBothKindsOnFirstUse() throws {
        let dir = TemporaryDirectory()
        let store = KeyStore(dataDirectory: dir.path + "/data")
        #expect(try store.load(.auth) == nil)
        let auth = try store.loadOrCreate(.auth)
        let shape = try store.loadOrCreate(.shape)
        #expect(auth.keys.count == 1 && shape.keys.count == 1)
        #expect(auth.signingKey!.secret.count >= 32)
        #expect(auth.signingKey!.secret != shape.signingKey!.secret)
        #expect(auth.signingKey!.kid.hasPrefix("auth-"))
        #expect(try mode(store.keysDirectory) == 0o700)
        #expect(try mode(store.path(for: .auth)) == 0o600)
        #expect(try mode(store.path(for: .shape)) == 0o600)
        // A second load reads the same keys back: nothing is replaced.
        #expect(try store.loadOrCreate(.auth) == auth)
    }

    @Test func concurrentFirstUseAgreesOnOneKey() async throws {
        let dir = TemporaryDirectory()
        let store = KeyStore(dataDirectory: dir.path)
        let sets = try await withThrowingTaskGroup(of: KeySet.self) { group in
            for _ in 0..<8 { group.addTask { try store.loadOrCreate(.shape) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(sets.map { $0.signingKey!.kid }).count == 1)
    }

    @Test func refusesGroupOrWorldReadableKeyFiles() throws {
        let dir = TemporaryDirectory()
        let store = KeyStore(dataDirectory: dir.path)
        _ = try store.loadOrCreate(.auth)
        chmod(store.path(for: .auth), 0o644)
        let error = #expect(throws: KeyStoreError.self) { try store.load(.auth) }
        #expect(error?.path == store.path(for: .auth))
        #expect(error?.description.contains("chmod 600") == true)
        chmod(store.path(for: .auth), 0o600)
        chmod(store.keysDirectory, 0o755)
        #expect(throws: KeyStoreError.self) { try store.loadOrCreate(.auth) }
    }

    @Test func refusesCorruptOrTruncatedKeyFilesWithoutReplacingThem() throws {
        let dir = TemporaryDirectory()
        let store = KeyStore(dataDirectory: dir.path)
        _ = try store.loadOrCreate(.auth)
        let path = store.path(for: .auth)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))

        let truncatedFile = original.prefix(original.count / 2)
        try truncatedFile.write(to: URL(fileURLWithPath: path))
        var error = #expect(throws: KeyStoreError.self) { try store.loadOrCreate(.auth) }
        #expect(error?.path == path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == truncatedFile, "a corrupt file is never replaced")

        // Valid JSON whose secret was cut short.
        var object = try JSONSerialization.jsonObject(with: original) as! [String: Any]
        var keys = object["keys"] as! [[String: Any]]
        keys[0]["secret"] = String((keys[0]["secret"] as! String).prefix(10))
        object["keys"] = keys
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        error = #expect(throws: KeyStoreError.self) { try store.load(.auth) }
        #expect(error?.description.contains("truncated") == true)

        // A shape key file in the auth slot.
        _ = try store.loadOrCreate(.shape)
        try Data(contentsOf: URL(fileURLWithPath: store.path(for: .shape))).write(to: URL(fileURLWithPath: path))
        #expect(throws: KeyStoreError.self) { try store.load(.auth) }
    }

    @Test func rotationSignsWithTheNewKeyAndStillVerifiesOldTokens() async throws {
        let dir = TemporaryDirectory()
        let store = KeyStore(dataDirectory: dir.path)
        let before = try TokenAuthority(store: store)
        let old = try await before.mintAuth(subject: "alice")

        let rotated = try store.rotate(.auth)
        #expect(rotated.keys.count == 2)
        let after = try TokenAuthority(store: store)
        let new = try await after.mintAuth(subject: "alice")
        #expect(new.keyID != old.keyID)
        #expect(new.keyID == rotated.signingKey!.kid)
        #expect(try await after.verify(old.token, as: .auth).keyID == old.keyID)
        #expect(try await after.verify(new.token, as: .auth).keyID == new.keyID)
        // The shape keys were not touched.
        #expect(try store.load(.shape) == before.shapeKeys)

        // Keeping only the newest key retires the old one.
        try store.rotate(.auth, keep: 1)
        let pruned = try TokenAuthority(store: store)
        await #expect(throws: TokenError.self) { try await pruned.verify(old.token, as: .auth) }
        #expect(pruned.authKeys.keys.count == 1)
    }
}
