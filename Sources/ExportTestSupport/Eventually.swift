import Foundation

/// `eventually` waited longer than its bound for what it was told to wait for.
public struct NeverHappened: Error, CustomStringConvertible {
    public var what: String
    public var seconds: Double
    /// The caller, `file:line`.
    public var location: String

    public var description: String { "never happened within \(Int(seconds)) s: \(what) (waited at \(location))" }
}

/// Waits until `condition` holds, asking again every 5 ms; throws `NeverHappened` (naming `what` and the caller)
/// after `seconds`: a guard against a hang, not a timed assertion (the full suite on two cores can starve a test for
/// many seconds, so the bound is generous).
public func eventually(
    _ what: String, seconds: Double = 120, fileID: String = #fileID, line: Int = #line,
    _ condition: () async throws -> Bool
) async throws {
    let start = Date()
    while try await !condition() {
        if Date().timeIntervalSince(start) > seconds {
            throw NeverHappened(what: what, seconds: seconds, location: "\(fileID):\(line)")
        }
        try await Task.sleep(nanoseconds: 5_000_000)
    }
}
