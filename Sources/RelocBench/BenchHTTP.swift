import Foundation

/// A blocking HTTP/1.1 client for the benchmarks: one connection per request to a server on
/// this machine (`Connection: close`), the whole answer read. Enough to time `reloc serve`
/// without a client library.
enum BenchHTTP {
    struct Answer {
        var status: Int
        var body: Data
    }

    /// - Throws: `RelocBenchError` when the connection fails or the answer is not HTTP.
    static func request(port: Int, method: String, path: String, body: [UInt8] = [], contentType: String = "application/octet-stream",
                        timeoutSeconds: Int = 120) throws -> Answer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchHTTPError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchHTTPError("connect: \(String(cString: strerror(errno)))") }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if method == "POST" { head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        try sendAll(fd, Array(head.utf8) + body)
        var received = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { throw BenchHTTPError("recv: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            received += chunk[0..<n]
        }
        guard let split = received.firstRange(of: Array("\r\n\r\n".utf8)),
              let statusLine = String(bytes: received[..<split.lowerBound], encoding: .utf8)?.split(separator: "\r\n").first,
              let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw BenchHTTPError("not an HTTP answer (\(received.count) bytes)")
        }
        return Answer(status: status, body: Data(received[split.upperBound...]))
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw BenchHTTPError("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }
}

struct BenchHTTPError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
