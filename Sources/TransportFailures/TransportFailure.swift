import AsyncHTTPClient
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an HTTP exchange failed below HTTP, in a few plain words: "connection
/// refused", "the host db.example is not known", "no answer in time". Every
/// command and the server word these one way, instead of showing NIO's and
/// AsyncHTTPClient's descriptions (`connection reset (error set): Connection
/// refused) (errno: 111)`).
public enum TransportFailure {
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout, .socksHandshakeTimeout, .tlsHandshakeTimeout: return "the connection timed out"
            case .readTimeout, .deadlineExceeded, .writeTimeout: return "no answer in time"
            case .remoteConnectionClosed: return "the server closed the connection"
            case .cancelled: return "cancelled"
            case .invalidURL, .emptyHost, .emptyScheme: return "the URL is not valid"
            default: return "\(error)"
            }
        case let error as NIOConnectionError:
            if let lookup = error.dnsAError ?? error.dnsAAAAError {
                if lookup is SocketAddressError.UnknownHost { return "the host \(error.host) is not known" }
                return "the host \(error.host) could not be looked up (\(lookup))"
            }
            return error.connectionErrors.first.map { describe($0.error) } ?? "the connection failed"
        case let error as SocketAddressError.UnknownHost:
            return "the host \(error.host) is not known"
        case let error as IOError:
            return lowercasedFirst(String(cString: strerror(error.errnoCode)))
        case ChannelError.connectTimeout:
            return "the connection timed out"
        default:
            return "\(error)"
        }
    }

    /// "Connection refused" reads as "connection refused" inside a sentence.
    private static func lowercasedFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
