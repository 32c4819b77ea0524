import ExportSpec
import ExportTestSupport
import Foundation
import Testing

/// `exportpipe validate` and `exportpipe schema` as a real process: stdout, stderr and exit status, exactly.
@Suite("exportpipe validate (binary)")
struct ValidateCommandTests {
    /// A temporary folder with spec files, removed when the test ends.
    final class Folder {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent(
                "exportpipe-validate-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: url) }

        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: url.appendingPathComponent(name))
        }
    }

    static let good = """
        version: 1
        api:
          base_url: simulator
          company_key: demo
          users:
            - username: demo
              password_env: EXPORTPIPE_DEMO_PASSWORD
        window: { from: 2026-10-01, to: 2026-11-01 }
        exports:
          - name: posts
            type: incoming_post

        """

    static let bad = """
        version: 1
        api:
          base_url: simulator
          company_key: demo
          users:
            - username: demo
              password: hunter2
        window: { from: 2026-10-01, to: 2026-11-01 }
        exports:
          - name: states
            type: raw_agent_states
            filtres: { teams: [1] }
          - name: posts
            type: incoming_post
            filters: { teams: [1] }

        """

    static let warns = """
        version: 1
        api:
          base_url: simulator
          company_key: demo
          users: [{ username: demo, password_env: PW }]
        defaults: { locale: pt }
        window: { from: 2026-10-01, to: 2026-11-01 }
        exports: [{ name: posts, type: incoming_post }]

        """

    private let now = ["--now", "2026-11-29"]

    @Test func cleanSpecPrintsOkAndExitsZero() async throws {
        let folder = try Folder()
        try folder.write("good.yaml", Self.good)
        let result = try await CLIRunner().run(["validate", "good.yaml"] + now, workingDirectory: folder.url)
        #expect(result == CLIResult(stdout: "ok: 1 file\n", stderr: "", status: 0, terminatedBySignal: false))
    }

    @Test func badSpecPrintsEveryErrorWithSourceAndCaretAndExitsTwo() async throws {
        let folder = try Folder()
        try folder.write("bad.yaml", Self.bad)
        let result = try await CLIRunner().run(["validate", "bad.yaml"] + now, workingDirectory: folder.url)
        #expect(
            result.stdout == """
                bad.yaml:7:7: error: a password must not be written in the spec (api.users[0].password)
                      password: hunter2
                      ^
                help: put it in an environment variable and write 'password_env: NAME' (or 'password_file: PATH')
                bad.yaml:12:5: error: unknown key 'filtres' in exports[0]
                    filtres: { teams: [1] }
                    ^
                help: did you mean 'filters'?
                bad.yaml:15:16: error: type 'incoming_post' does not take filter 'teams'
                    filters: { teams: [1] }
                               ^
                help: type 'incoming_post' takes: priorities, smart_views, workqueues
                3 errors, 0 warnings in 1 file

                """)
        #expect(result.stderr == "")
        #expect(result.status == 2)
    }

    @Test func githubFormatPrintsAnnotations() async throws {
        let folder = try Folder()
        try folder.write("bad.yaml", Self.bad)
        try folder.write("warns.yaml", Self.warns)
        let result = try await CLIRunner().run(
            ["validate", "--format", "github", "warns.yaml", "bad.yaml"] + now, workingDirectory: folder.url)
        #expect(
            result.stdout == """
                ::warning file=warns.yaml,line=6,col=21::locale 'pt' in defaults.locale is not one the API documents (documented locales: en, es, fr, de, tr, en_US)
                ::error file=bad.yaml,line=7,col=7::a password must not be written in the spec (api.users[0].password) (put it in an environment variable and write 'password_env: NAME' (or 'password_file: PATH'))
                ::error file=bad.yaml,line=12,col=5::unknown key 'filtres' in exports[0] (did you mean 'filters'?)
                ::error file=bad.yaml,line=15,col=16::type 'incoming_post' does not take filter 'teams' (type 'incoming_post' takes: priorities, smart_views, workqueues)
                3 errors, 1 warning in 2 files

                """)
        #expect(result.stderr == "")
        #expect(result.status == 2)
    }

    @Test func warningsAloneExitZero() async throws {
        let folder = try Folder()
        try folder.write("warns.yaml", Self.warns)
        try folder.write("good.yaml", Self.good)
        let result = try await CLIRunner().run(
            ["validate", "good.yaml", "warns.yaml"] + now, workingDirectory: folder.url)
        #expect(
            result.stdout == """
                warns.yaml:6:21: warning: locale 'pt' in defaults.locale is not one the API documents
                defaults: { locale: pt }
                                    ^
                help: documented locales: en, es, fr, de, tr, en_US
                0 errors, 1 warning in 2 files

                """)
        #expect(result.status == 0)
    }

    @Test func missingFileIsAnErrorAndExitsTwo() async throws {
        let folder = try Folder()
        try folder.write("good.yaml", Self.good)
        let result = try await CLIRunner().run(
            ["validate", "missing.yaml", "good.yaml"] + now, workingDirectory: folder.url)
        #expect(
            result.stdout == """
                missing.yaml: error: no such file
                help: check the path; specs usually live in pipelines/
                1 error, 0 warnings in 2 files

                """)
        #expect(result.stderr == "")
        #expect(result.status == 2)
    }

    @Test func yamlSyntaxErrorIsADiagnostic() async throws {
        let folder = try Folder()
        try folder.write("broken.yaml", "version: 1\nexports: [a, b\nwindow: {}\n")
        let result = try await CLIRunner().run(["validate", "broken.yaml"], workingDirectory: folder.url)
        #expect(
            result.stdout == """
                broken.yaml:3:7: error: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 10)
                window: {}
                      ^
                1 error, 0 warnings in 1 file

                """)
        #expect(result.status == 2)
    }

    @Test func noFilesIsAUsageError() async throws {
        let result = try await CLIRunner().run(["validate"])
        #expect(result.stdout == "")
        #expect(
            result.stderr == """
                Error: give at least one pipeline file, e.g. pipelines/demo.yaml
                Usage: exportpipe validate [<specs> ...] [--format <format>] [--now <now>]
                  See 'exportpipe validate --help' for more information.

                """)
        #expect(result.status == 64)
    }

    @Test func shippedPipelinesValidate() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let result = try await CLIRunner().run(
            ["validate", "pipelines/demo.yaml", "pipelines/backfill-18-months.yaml", "pipelines/nightly.yaml"],
            workingDirectory: root)
        #expect(result == CLIResult(stdout: "ok: 3 files\n", stderr: "", status: 0, terminatedBySignal: false))
    }

    @Test func schemaPrintsJSONSchema() async throws {
        let result = try await CLIRunner().run(["schema"])
        #expect(result.status == 0)
        #expect(result.stderr == "")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(result.stdout == SpecSchema.json)
    }
}
