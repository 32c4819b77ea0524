import AnalyticsAPI
import Foundation

/// Fresh ids for a job, shaped like the real API's: a version-3 UUID `workflowId`, an AWS-SWF-like `runId`
/// (base64, starting with "23", always containing `+`, `/` and `=`), and a base64 `analyticsAccessToken`.
///
/// They come from the system's random source, not the seed: a restarted simulator must never hand out an id
/// that a client's journal holds for a job of an earlier instance.
struct JobIdentifiers: Sendable {
    var workflowId: String
    var runId: String
    var token: String

    static func make() -> JobIdentifiers {
        var rng = SystemRandomNumberGenerator()
        var high = rng.next() as UInt64
        var low = rng.next() as UInt64
        high = (high & ~0xF000) | (3 << 12)
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let workflowId = SyntheticCompany.uuidString(high: high, low: low)
        var runBytes = [UInt8](repeating: 0, count: 32)
        for i in runBytes.indices { runBytes[i] = rng.next() }
        var run = Array(Data(runBytes).base64EncodedString())  // 43 characters and one "="
        // Guarantee the characters clients must percent-encode; the "/" never overwrites the only "+".
        if !run.contains("+") { run[7] = "+" }
        if !run.contains("/") { run[run[19] == "+" ? 20 : 19] = "/" }
        var tokenBytes = [UInt8](repeating: 0, count: 16)
        for i in tokenBytes.indices { tokenBytes[i] = rng.next() }
        return JobIdentifiers(
            workflowId: workflowId, runId: "23" + String(run), token: Data(tokenBytes).base64EncodedString())
    }

    static func randomHex(bytes: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        var out = ""
        for _ in 0..<bytes {
            let b = rng.next() as UInt8
            out += String(b >> 4, radix: 16) + String(b & 15, radix: 16)
        }
        return out
    }
}
