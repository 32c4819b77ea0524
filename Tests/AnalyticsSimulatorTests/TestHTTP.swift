import AnalyticsAPI
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A minimal HTTP client for the simulator tests: no redirects followed, a deadline on every request.
struct TestHTTP: Sendable {
    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw TestFailure("body is not a JSON object: \(text.prefix(200))")
            }
            return object
        }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(type, from: Data(body)) }
    }

    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    static let demo = ("demo", "demo-password")

    static func request(
        _ url: String, method: HTTPMethod = .GET, credentials: (String, String)? = demo, body: String? = nil,
        contentType: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let credentials {
            let token = Data("\(credentials.0):\(credentials.1)".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(token)")
        }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(20))
        let buffer = try await response.body.collect(upTo: 256 << 20)
        return Reply(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: Array(buffer.readableBytesView))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Reads RFC 4180 CSV (quoted fields with commas, doubled quotes and line breaks; CRLF records).
enum CSVTestParser {
    static func parse(_ bytes: [UInt8]) -> [[String]] {
        var records: [[String]] = []
        var field: [UInt8] = []
        var record: [String] = []
        var inQuotes = false
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(b)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(b)
                }
            } else if b == UInt8(ascii: "\"") {
                inQuotes = true
            } else if b == UInt8(ascii: ",") {
                record.append(String(decoding: field, as: UTF8.self))
                field = []
            } else if b == 13 && i + 1 < bytes.count && bytes[i + 1] == 10 {
                record.append(String(decoding: field, as: UTF8.self))
                records.append(record)
                field = []
                record = []
                i += 1
            } else {
                field.append(b)
            }
            i += 1
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(String(decoding: field, as: UTF8.self))
            records.append(record)
        }
        return records
    }
}

/// Builders shared by the simulator tests.
enum Fixtures {
    /// 2025-03-03T00:00:00Z, a Monday.
    static let monday: Int64 = 1_740_960_000_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    static func submitURL(_ base: String, _ type: ExportType, _ items: [QueryItem], companyKey: String = "demo-company")
        -> String
    {
        base + APIPaths.submit(type) + "?" + PercentEncoding.encodeQuery([QueryItem("companyKey", companyKey)] + items)
    }

    static func request(
        _ type: ExportType, from start: Int64 = monday, hours: Int64 = 6,
        selection: ExportSelection = ExportSelection(),
        timezone: String? = nil
    ) -> ExportRequest {
        ExportRequest(
            type: type, startTime: start, endTime: start + hours * hour, selection: selection, timezone: timezone)
    }
}
