import AnalyticsAPI
import AnalyticsClient
import Foundation

extension NightlyWorkspace {
    /// One export of each of `requests`, made now from the workspace's simulator with the pipeline's own client and
    /// credentials (submit, status every 5 API seconds, download): the bytes a settled partition of that window must
    /// equal.
    /// - Throws: the client's errors, or `CLIRunnerError` when a job does not complete.
    public func referenceExports(_ requests: [ExportRequest]) async throws -> [[UInt8]] {
        let transport = AsyncHTTPClientTransport()
        let clock = ScaledClock(scale: Double(timeScale))
        let client = AnalyticsClient(
            configuration: AnalyticsClient.Configuration(baseURL: simulator.baseURL, companyKey: Self.companyKey),
            transport: transport, clock: clock)
        let credentials = APICredentials(username: Self.username, password: Self.password)
        let scratch = directory.path + "/reference.csv"
        do {
            var files: [[UInt8]] = []
            for request in requests {
                let job = try await client.submit(request, as: credentials)
                var status = try await client.status(of: job, as: credentials)
                while status.outcome == .inFlight {
                    try await clock.sleep(until: clock.now() + 5)
                    status = try await client.status(of: job, as: credentials)
                }
                guard status.outcome == .completed, let url = job.downloadURL ?? status.jobInfo.downloadUrl else {
                    throw CLIRunnerError(
                        description: "the reference export \(request.type) did not complete: \(status)")
                }
                _ = try await client.download(from: url, to: scratch, as: credentials)
                files.append(Array(try Data(contentsOf: URL(fileURLWithPath: scratch))))
            }
            try? FileManager.default.removeItem(atPath: scratch)
            try await transport.shutdown()
            return files
        } catch {
            try? await transport.shutdown()
            throw error
        }
    }
}
