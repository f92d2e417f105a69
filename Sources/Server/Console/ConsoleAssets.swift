import NIOCore

/// One file of the web console, ready to serve.
struct ConsoleAsset: Sendable {
    let name: String
    let body: ByteBuffer
    let contentType: String
    /// A strong validator of the bytes: the browser revalidates (`no-cache`) and gets 304 while it holds.
    let etag: String
}

/// The web console's files, compiled into the binary (see `ConsoleAssets+Generated.swift`):
/// nothing is read from disk or fetched at run time.
enum ConsoleAssets {
    static let byName: [String: ConsoleAsset] = Dictionary(
        uniqueKeysWithValues: sources.map { name, text in
            (name, ConsoleAsset(name: name, body: ByteBuffer(string: text), contentType: contentType(of: name), etag: etag(of: text)))
        })

    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        default: "application/octet-stream"
        }
    }

    /// FNV-1a (64 bit) of the text: cheap, stable across runs and builds.
    static func etag(of text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return "\"" + String(hash, radix: 16) + "\""
    }
}
