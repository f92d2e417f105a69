import Crypto
import Foundation
import QACtlTestSupport
import Testing
import Tokens

/// `qactl token …` end to end: real argv in a real process.
struct TokenCommandTests {
    let dir = TemporaryDirectory()
    var dataArgs: [String] { ["--data-dir", dir.path] }

    func mintAuth(_ sub: String = "alice", extra: [String] = []) throws -> String {
        let result = try QACtlProcess.run(["token", "mint", "auth", "--sub", sub] + extra + dataArgs)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func decode(_ token: String, verify: Bool = true, json: Bool = false) throws -> QACtlProcess.Result {
        try QACtlProcess.run(["token", "decode", "-"] + (verify ? ["--verify"] : []) + (json ? ["--json"] : []) + dataArgs, stdin: token)
    }

    /// Re-signs `claims` under `header` with the data dir's own auth key.
    func resign(header: [String: Any], claims: [String: Any], secret: [UInt8]) -> String {
        SignedToken.make(header: header, claims: claims, secret: secret)
    }

    @Test func aFreshAccountGetsItsDataDirCreatedPrivate() throws {
        // A new account: HOME exists, ~/.local/share does not yet.
        let environment = ["HOME": dir.path, "XDG_DATA_HOME": ""]
        let minted = try QACtlProcess.run(["token", "mint", "auth", "--sub", "alice"], environment: environment)
        #expect(minted.status == 0, "\(minted.stderr)")
        let verified = try QACtlProcess.run(["token", "decode", "-", "--verify"], stdin: minted.stdout, environment: environment)
        #expect(verified.status == 0, "\(verified.stderr)")
        for path in [".local", ".local/share", ".local/share/qactl", ".local/share/qactl/keys"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: dir.path + "/" + path)
            #expect((attributes[.posixPermissions] as? Int) == 0o700, "\(path)")
        }
    }

    @Test func mintThenDecodeVerifyPrintsHeaderClaimsExpiryAndValid() throws {
        let token = try mintAuth()
        let result = try decode(token)
        #expect(result.status == 0)
        #expect(result.stdout.contains("Header"))
        #expect(result.stdout.contains("kid"))
        #expect(result.stdout.contains("Claims"))
        #expect(result.stdout.contains("sub  alice"))
        #expect(result.stdout.contains("aud  qactl:api"))
        #expect(result.stdout.contains("expires in 11h59m") || result.stdout.contains("expires in 12h"))
        #expect(result.stdout.contains("Verdict  valid"))
        #expect(result.stderr.isEmpty)
    }

    @Test func refusesAlteredExpiredAndForeignTokensWithReasonAndExitCode() throws {
        let token = try mintAuth()
        let keys = try KeyStore(dataDirectory: dir.path).load(.auth)!.keys[0]
        let parts = token.split(separator: ".").map(String.init)
        let header = try JSONSerialization.jsonObject(with: Data(base64URL: parts[0])!) as! [String: Any]
        let claims = try JSONSerialization.jsonObject(with: Data(base64URL: parts[1])!) as! [String: Any]

        // One signature byte changed.
        var signature = Array(parts[2].utf8)
        signature[3] = signature[3] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
        var result = try decode(parts[0] + "." + parts[1] + "." + String(decoding: signature, as: UTF8.self))
        #expect(result.status == 3)
        #expect(result.stdout.contains("bad signature"))
        #expect(result.stderr.contains("bad signature"))

        // The header's kid changed.
        var otherHeader = header
        otherHeader["kid"] = "auth-19990101-00000000"
        result = try decode(resign(header: otherHeader, claims: claims, secret: keys.secret))
        #expect(result.status == 3)
        #expect(result.stdout.contains("unknown key"))

        // Past its exp by 5 s: within the servers' clock-skew leeway, so valid, and said so.
        var late = claims
        late["exp"] = Int(Date().timeIntervalSince1970) - 5
        result = try decode(resign(header: header, claims: late, secret: keys.secret))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Verdict  valid (past its exp, within the leeway allowed for clock skew)"), "\(result.stdout)")

        // Re-signed with another data dir's key (same kid).
        let other = TemporaryDirectory()
        let foreign = try KeyStore(dataDirectory: other.path).loadOrCreate(.auth).keys[0]
        result = try decode(resign(header: header, claims: claims, secret: foreign.secret))
        #expect(result.status == 3)
        #expect(result.stdout.contains("bad signature"))

        // The same token after its expiry (signed with the real key, exp 3 hours ago).
        var expired = claims
        let now = Int(Date().timeIntervalSince1970)
        expired["iat"] = now - 4 * 3600
        expired["exp"] = now - 3 * 3600
        result = try decode(resign(header: header, claims: expired, secret: keys.secret))
        #expect(result.status == 3)
        #expect(result.stdout.contains("expired 3h ago"))
        #expect(result.stdout.contains("Verdict  expired"))

        // Without --verify, an expired token is still shown, exit 0.
        result = try decode(resign(header: header, claims: expired, secret: keys.secret), verify: false)
        #expect(result.status == 0)
        #expect(!result.stdout.contains("Verdict"))
    }

    @Test func aTimeClaimThatIsNoTimeIsMalformedNotACrash() throws {
        let token = try mintAuth()
        let parts = token.split(separator: ".").map(String.init)
        let claims = try JSONSerialization.jsonObject(with: Data(base64URL: parts[1])!) as! [String: Any]
        let values: [(String, Any)] = [("exp", 1e19), ("exp", -1e19), ("exp", 1e300), ("exp", Int64.max), ("iat", -1e30), ("nbf", 1e19), ("exp", "tomorrow")]
        for (claim, value) in values {
            var odd = claims
            odd[claim] = value
            for verify in [true, false] {
                let result = try decode(try SignedToken.auth(claims: odd, dataDirectory: dir.path), verify: verify)
                #expect(result.status == 2, "\(claim) \(value): \(result.stderr)")
                #expect(result.stderr.contains("the \(claim) claim is not a time"), "\(result.stderr)")
            }
        }
    }

    @Test func garbageInputIsOneLineAndExitTwo() throws {
        let token = try mintAuth()
        for garbage in ["", "garbage", "a.b", String(token.prefix(token.count / 2)), "\u{0}\u{1}\u{2}", "Bearer " + token, String(repeating: "x.", count: 10_000)] {
            let result = try decode(garbage)
            #expect(result.status == 2, "\(garbage.prefix(40))")
            #expect(result.stdout.isEmpty)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("qactl: not a token"), "\(result.stderr)")
        }
    }

    @Test func shapeTokensShowTheirShapeAndJSON() throws {
        let result = try QACtlProcess.run(["token", "mint", "shape", "--sub", "bob", "--table", "messages", "--param", "conversationId=c-1", "--ttl", "5m"] + dataArgs)
        #expect(result.status == 0)
        let decoded = try decode(result.stdout, json: true)
        #expect(decoded.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(decoded.stdout.utf8)) as! [String: Any]
        #expect(object["kind"] as? String == "shape")
        let shape = object["shape"] as! [String: Any]
        #expect(shape["table"] as? String == "messages")
        #expect(shape["where"] as? String == "conversation_id = $1")
        #expect(shape["params"] as? [String] == ["c-1"])
        #expect((object["verification"] as? [String: Any])?["valid"] as? Bool == true)
        let expiresIn = object["expiresInSeconds"] as! Double
        #expect(expiresIn > 290 && expiresIn <= 300)

        let text = try decode(result.stdout)
        #expect(text.stdout.contains("where conversation_id = $1"))

        // The operator tool still needs the parameter a messages shape is built from.
        let missing = try QACtlProcess.run(["token", "mint", "shape", "--sub", "bob", "--table", "messages"] + dataArgs)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("conversationId"))
        let unknown = try QACtlProcess.run(["token", "mint", "shape", "--sub", "bob", "--table", "secrets"] + dataArgs)
        #expect(unknown.status == 2)
        // A misspelt parameter is not silently dropped (a conversations token would then grant more than meant).
        let misspelt = try QACtlProcess.run(["token", "mint", "shape", "--sub", "bob", "--table", "messages", "--param", "conversationID=c-1"] + dataArgs)
        #expect(misspelt.status == 2 && misspelt.stdout.isEmpty)
        #expect(misspelt.stderr.contains("--param conversationID: messages has no such parameter (it takes conversationId)"), "\(misspelt.stderr)")
        let none = try QACtlProcess.run(["token", "mint", "shape", "--sub", "bob", "--table", "conversations", "--param", "conversationId=c-1"] + dataArgs)
        #expect(none.status == 2 && none.stderr.contains("(it takes none)"), "\(none.stderr)")
        // Two values for one parameter: not the last one silently.
        let twice = try QACtlProcess.run(
            ["token", "mint", "shape", "--sub", "bob", "--table", "messages", "--param", "conversationId=c-1", "--param", "conversationId=c-2"] + dataArgs)
        #expect(twice.status == 2 && twice.stdout.isEmpty)
        #expect(twice.stderr.contains("--param conversationId is given twice"), "\(twice.stderr)")
    }

    @Test func rotationKeepsOldTokensValidAndSignsNewOnesWithTheNewKey() throws {
        let old = try mintAuth()
        let rotate = try QACtlProcess.run(["token", "rotate", "auth"] + dataArgs)
        #expect(rotate.status == 0)
        #expect(rotate.stdout.contains("2 keys verify"))
        let new = try mintAuth()
        #expect(try decode(old).status == 0)
        #expect(try decode(new).status == 0)
        let oldKid = try JSONSerialization.jsonObject(with: Data(try decode(old, json: true).stdout.utf8)) as! [String: Any]
        let newKid = try JSONSerialization.jsonObject(with: Data(try decode(new, json: true).stdout.utf8)) as! [String: Any]
        #expect((oldKid["header"] as! [String: Any])["kid"] as? String != (newKid["header"] as! [String: Any])["kid"] as? String)

        #expect(try QACtlProcess.run(["token", "rotate", "auth", "--keep", "1"] + dataArgs).status == 0)
        let retired = try decode(old)
        #expect(retired.status == 3)
        #expect(retired.stdout.contains("unknown key"))
    }

    @Test func unsafeKeyFilesAreAClearErrorNamingTheFile() throws {
        _ = try mintAuth()
        let path = dir.path + "/keys/auth.json"
        chmod(path, 0o644)
        let result = try QACtlProcess.run(["token", "mint", "auth", "--sub", "alice"] + dataArgs)
        #expect(result.status == 1)
        #expect(result.stderr.contains(path))
        #expect(result.stdout.isEmpty)
    }

    @Test func rotatingAllWithOneKeyFileDamagedRotatesNothing() throws {
        _ = try mintAuth()
        let auth = dir.path + "/keys/auth.json", shape = dir.path + "/keys/shape.json"
        let authBefore = try Data(contentsOf: URL(fileURLWithPath: auth))
        try Data("{garbage".utf8).write(to: URL(fileURLWithPath: shape))
        let result = try QACtlProcess.run(["token", "rotate"] + dataArgs)
        #expect(result.status == 1)
        #expect(result.stderr.contains(shape) && result.stderr.contains("no key was rotated"), "\(result.stderr)")
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: auth)) == authBefore, "the auth keys are as they were")
    }

    @Test func dataDirComesFromTheEnvironment() throws {
        let result = try QACtlProcess.run(["token", "mint", "auth", "--sub", "carol"], environment: ["QACTL_DATA_DIR": dir.path])
        #expect(result.status == 0)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/keys/auth.json"))
        #expect(try decode(result.stdout).status == 0)
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try QACtlProcess.run(["token", "mint", "auth"] + dataArgs).status == 2)
        #expect(try QACtlProcess.run(["token", "mint", "auth", "--sub", "a", "--ttl", "soon"] + dataArgs).status == 2)
        #expect(try QACtlProcess.run(["token", "frobnicate"]).status == 2)
    }
}

extension Data {
    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}
