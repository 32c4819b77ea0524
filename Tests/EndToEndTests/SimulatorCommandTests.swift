import ExportTestSupport
import Foundation
import Testing

@Suite("exportpipe simulator")
struct SimulatorCommandTests {
    /// The built `exportpipe` binary, found the way every end-to-end test finds it.
    private func binary() throws -> URL { try CLIRunner().binary }

    @Test("--port 0 prints its URL first and answers /api/public/teams")
    func servesTeams() async throws {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = ["simulator", "--port", "0", "--seed", "7", "--time-scale", "1000", "--user", "ci:secret"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        let line = firstLine(of: stdout.fileHandleForReading, process: process, timeout: 30)
        let prefix = "listening on http://127.0.0.1:"
        #expect(line.hasPrefix(prefix))
        let port = try #require(Int(line.dropFirst(prefix.count)))
        #expect(port > 0)

        let data = try await SimulatorProcess.send(
            .GET, "http://127.0.0.1:\(port)/api/public/teams?companyKey=demo-company",
            headers: [("Authorization", "Basic " + Data("ci:secret".utf8).base64EncodedString())])
        let body = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(body["status"] as? String == "PASS")
        #expect(((body["result"] as? [Any])?.count ?? 0) >= 8)

        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
    }

    /// Reads the first line of the child's stdout; the child is terminated if nothing arrives in time.
    private func firstLine(of handle: FileHandle, process: Process, timeout: Double) -> String {
        let child = process
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            if child.isRunning { child.terminate() }
        }
        var bytes: [UInt8] = []
        while true {
            let chunk = handle.readData(ofLength: 1)
            if chunk.isEmpty || chunk.first == 10 { break }
            bytes.append(contentsOf: chunk)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

struct SimulatorCommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
