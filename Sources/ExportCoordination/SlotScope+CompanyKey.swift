import ExportBasics
import Foundation

extension SlotScope {
    /// The scope of `companyKey` at the API whose base URL is `baseURL`; only the key's SHA-256 is kept.
    /// - Throws: `CoordinationError.configuration` when the URL has no scheme or host.
    public init(baseURL: URL, companyKey: String) throws {
        guard let origin = Self.origin(of: baseURL) else {
            throw CoordinationError.configuration("the API base URL \(baseURL.absoluteString) has no scheme or host")
        }
        self.init(origin: origin, companyDigest: Self.digest(companyKey))
    }

    /// `scheme://host:port`, lowercased, the default port made explicit; `nil` without scheme or host.
    public static func origin(of url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), !host.isEmpty else {
            return nil
        }
        let port = url.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : 0)
        return "\(scheme)://\(host):\(port)"
    }

    /// Lowercase hex SHA-256 of `text`.
    static func digest(_ text: String) -> String {
        Hex.sha256(Array(text.utf8))
    }

    /// A short name for files and channels derived from the whole key (origin and company).
    var storeName: String { String(Self.digest(key).prefix(16)) }
}
