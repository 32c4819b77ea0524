import Foundation
import Testing

@testable import ExportLoading

/// Which connection errors end the loader's wait at once, and what it remembers of them (no database needed).
@Suite("ConnectionErrorLog: permanent connection errors end the wait")
struct ConnectionErrorLogTests {
    @Test func permanentErrorsAreNamedAndPassingOnesAreNot() {
        #expect(ConnectionErrorLog.permanentReason("PSQLError(code: sslUnsupported)")?.contains("TLS") == true)
        #expect(
            ConnectionErrorLog.permanentReason(
                "PSQLError(code: server, serverInfo: [sqlState: 28P01, severity: FATAL])")
                == "the server refused the password (SQLSTATE 28P01)")
        #expect(ConnectionErrorLog.permanentReason("PSQLError(code: server, serverInfo: [sqlState: 3D000])") != nil)
        // A server starting, or a dropped connection: the pool's next attempt may succeed.
        #expect(ConnectionErrorLog.permanentReason("PSQLError(code: server, serverInfo: [sqlState: 57P03])") == nil)
        #expect(ConnectionErrorLog.permanentReason("connection refused (errno: 111)") == nil)
    }

    @Test func aWaiterLearnsOfThePermanentErrorAndACancelledAttemptHidesNoEarlierError() async {
        let log = ConnectionErrorLog()
        log.record("connection refused (errno: 111)")
        let waiting = Task { await log.untilPermanentFailure() }
        log.record("PSQLError(code: sslUnsupported)")
        #expect(await waiting.value?.contains("sslmode=require") == true)
        log.record("Swift.CancellationError()")
        #expect(log.lastError == "PSQLError(code: sslUnsupported)")
        // Already known: answered at once.
        #expect(await log.untilPermanentFailure() != nil)
    }

    @Test func aCancelledWaiterReturnsNil() async {
        let log = ConnectionErrorLog()
        let waiting = Task { await log.untilPermanentFailure() }
        waiting.cancel()
        #expect(await waiting.value == nil)
    }
}
