import AnalyticsClient
import ExportExecutor
import ExportSpec
import Foundation

/// The values a run needs from the spec and the environment: the API's address, the company key and every
/// user's password, resolved once. Errors name the spec location and the variable, never a value.
public struct RunSettings: Sendable {
    public var baseURL: String
    public var companyKey: String
    public var users: [APICredentials]

    /// Resolves the spec's `${VAR}`s and password sources.
    /// - Parameters:
    ///   - environment: the process environment.
    ///   - baseDirectory: where `password_file` paths are relative to.
    ///   - simulator: when the spec runs on the in-process simulator, unset variables fall back to demo values
    ///     (the simulator is ours, its credentials protect nothing).
    /// - Throws: `ExecutorError.credentials` listing every unresolved value.
    public static func resolve(
        _ spec: PipelineSpec, environment: [String: String], baseDirectory: String, simulator: Bool
    ) throws -> RunSettings {
        var problems: [String] = []
        func value(_ interpolated: Interpolated, fallback: String) -> String {
            do {
                return try interpolated.resolve(environment: environment)
            } catch {
                if simulator { return fallback }
                problems.append("\(error)")
                return ""
            }
        }
        let baseURL = simulator ? "simulator" : value(spec.api.baseURL, fallback: "")
        let companyKey = value(spec.api.companyKey, fallback: "demo-company")
        var users: [APICredentials] = []
        for (index, user) in spec.api.users.enumerated() {
            let name = value(user.username, fallback: "demo\(index == 0 ? "" : String(index + 1))")
            var password = ""
            switch user.password {
            case .environment(let variable):
                if let set = environment[variable], !set.isEmpty {
                    password = set
                } else if simulator {
                    password = "demo-password"
                } else {
                    problems.append(
                        "\(user.location): error: the environment variable \(variable) (password of \(name)) is not set; "
                            + "export it before running")
                }
            case .file(let path):
                let full = PipelineRun.resolve(path, against: baseDirectory)
                if let text = try? String(contentsOfFile: full, encoding: .utf8) {
                    password = text.trimmingCharacters(in: .whitespacesAndNewlines)
                } else if simulator {
                    password = "demo-password"
                } else {
                    problems.append("\(user.location): error: cannot read the password file \(full)")
                }
            }
            users.append(APICredentials(username: name, password: password))
        }
        guard problems.isEmpty else { throw ExecutorError.credentials(problems.joined(separator: "\n")) }
        return RunSettings(baseURL: baseURL, companyKey: companyKey, users: users)
    }
}
