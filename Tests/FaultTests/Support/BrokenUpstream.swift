import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stand-in for a real Electric that misbehaves on purpose (a real Electric
/// cannot run here, and a healthy one would not do this): it accepts
/// connections on loopback and then hangs, resets them, or answers bytes that
/// are not HTTP.
final class BrokenUpstream: Sendable {
    enum Behaviour: String, Sendable, CaseIterable {
        case hang, reset, garbage
        /// A 500 whose body tells of the upstream's internals.
        case internalError
    }

    let port: Int
    private let listener: Int32
    private let stopped = Atomic<Bool>(false)

    init(_ behaviour: Behaviour) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = descriptor
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound, listen(descriptor, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in
            let listener = self.listener
            var held: [Int32] = []
            while !self.stopped.load(ordering: .relaxed) {
                var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) > 0 else { continue }
                let client = accept(listener, nil, nil)
                guard client >= 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 65536)
                _ = recv(client, &buffer, buffer.count, 0)
                switch behaviour {
                case .hang:
                    held.append(client)
                case .reset:
                    var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                    setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                    close(client)
                case .garbage:
                    let bytes = Array("\u{1}\u{2}NOT HTTP AT ALL\r\n\r\n{{{{".utf8)
                    _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    close(client)
                case .internalError:
                    let body = #"{"message":"** (Postgrex.Error) FATAL 53300 internal detail"}"#
                    let bytes = Array("HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n\(body)".utf8)
                    _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    close(client)
                }
            }
            for client in held { close(client) }
            close(listener)
        }.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() { stopped.store(true, ordering: .relaxed) }

    deinit { stop() }
}
