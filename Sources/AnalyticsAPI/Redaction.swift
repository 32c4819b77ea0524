import Foundation

/// Removes secrets from text before it is logged, printed or stored in a printable form.
///
/// Secrets are: the values of `analyticsAccessToken`, `companyKey`, `sig`, `signature`, `token` and
/// `X-Amz-*` query parameters (signed URLs), Basic credentials in `Authorization` headers, the password of a URL's
/// user info (`postgres://user:password@host`: a database URL from the environment), and any password a caller
/// registers. The names stay so a reader still sees which parameter was there.
public enum Redaction {
    /// The text shown in place of a secret.
    public static let mask = "<redacted>"

    /// Query parameter names whose values are secrets (compared case-insensitively; `x-amz-` is a prefix).
    public static let secretParameters: Set<String> = [
        "analyticsaccesstoken", "companykey", "sig", "signature", "token", "expires", "password",
    ]

    /// Redacts secret query values in every URL-like substring of `text` and any of the `extraSecrets`
    /// (e.g. passwords) wherever they occur.
    public static func redact(_ text: String, extraSecrets: [String] = []) -> String {
        var result = redactQueryValues(redactUserInfoPasswords(text))
        for secret in extraSecrets where secret.count >= 3 {
            result = result.replacingOccurrences(of: secret, with: mask)
            let encoded = PercentEncoding.encodeComponent(secret)
            if encoded != secret { result = result.replacingOccurrences(of: encoded, with: mask) }
        }
        return result
    }

    /// Whether a query parameter name carries a secret.
    public static func isSecretParameter(_ name: String) -> Bool {
        let lower = name.lowercased()
        return secretParameters.contains(lower) || lower.hasPrefix("x-amz-")
    }

    /// Whether `text` holds a URL whose user info carries a password (`scheme://user:password@host`).
    public static func hasUserInfoPassword(_ text: String) -> Bool {
        text.firstMatch(of: userInfoPassword) != nil
    }

    /// `scheme://user:password@` → `scheme://user:<redacted>@`, anywhere in `text`.
    static func redactUserInfoPasswords(_ text: String) -> String {
        guard text.contains("://") else { return text }
        return text.replacing(userInfoPassword) { match in "\(match.1):\(mask)@" }
    }

    // `scheme://user:` then a password up to the last `@` before the host (a password may hold `@` only
    // percent-encoded; a mask already there stays as it is).
    nonisolated(unsafe) private static let userInfoPassword = /([A-Za-z][A-Za-z0-9+.\-]*:\/\/[^\s:\/@]*):([^\s\/@]+)@/

    private static func redactQueryValues(_ text: String) -> String {
        // Scan for `name=value` pairs introduced by `?`, `&` or the start of a query-like run.
        var out = ""
        out.reserveCapacity(text.count)
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            out.append(character)
            index = text.index(after: index)
            guard character == "?" || character == "&" || character == " " || character == "\n" else { continue }
            // Read a parameter name.
            var nameEnd = index
            while nameEnd < text.endIndex,
                text[nameEnd].isLetter || text[nameEnd].isNumber || text[nameEnd] == "-"
                    || text[nameEnd] == "_"
            {
                nameEnd = text.index(after: nameEnd)
            }
            guard nameEnd < text.endIndex, text[nameEnd] == "=", nameEnd > index else { continue }
            let name = String(text[index..<nameEnd])
            guard isSecretParameter(name) else { continue }
            out.append(contentsOf: name)
            out.append("=")
            out.append(contentsOf: mask)
            var valueEnd = text.index(after: nameEnd)
            // A value redacted already (text redacted twice) is the mask itself, `>` included.
            if text[valueEnd...].hasPrefix(mask) {
                index = text.index(valueEnd, offsetBy: mask.count)
                continue
            }
            while valueEnd < text.endIndex, !" &\"'\n\r\t,)>".contains(text[valueEnd]) {
                valueEnd = text.index(after: valueEnd)
            }
            index = valueEnd
        }
        return out
    }
}
