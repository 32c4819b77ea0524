import ExportSpec
import Testing

@Suite("output.load")
struct LoadSpecTests {
    private func spec(_ load: String) -> String {
        specText(exports: "  - { name: posts, type: incoming_post }") + "\noutput:\n  load:\n" + load
    }

    @Test("a URL, a schema and a password variable decode")
    func decodes() throws {
        let result = load(
            spec(
                "    postgres: postgres://loader@db.example.com:5432/dw?sslmode=require\n    schema: analytics\n"
                    + "    password_env: DW_PASSWORD\n"))
        #expect(result.diagnostics.isEmpty, "\(result.shorts)")
        let config = try #require(result.spec?.output.load)
        #expect(config.postgres.raw == "postgres://loader@db.example.com:5432/dw?sslmode=require")
        #expect(config.schema == "analytics")
        #expect(config.passwordEnv == "DW_PASSWORD")
        #expect(load(spec("    postgres: ${WAREHOUSE_URL}\n")).spec?.output.load?.postgres.isInterpolated == true)
    }

    @Test("a password written in the URL is an error at its line and column, and is never echoed")
    func passwordInURL() {
        let result = load(spec("    postgres: postgres://loader:hunter2@db.example.com/dw\n"))
        #expect(
            result.shorts == [
                "14:15: error: output.load.postgres holds a password, and a password never goes in a spec"
            ])
        #expect(!result.diagnostics.contains { "\($0.message) \($0.fix ?? "")".contains("hunter2") })
    }

    @Test("a bad schema, a password in password_env, a missing URL and an unknown key are errors")
    func errors() {
        #expect(
            load(spec("    postgres: postgres://l@h/d\n    schema: Bad-Name\n")).shorts == [
                "15:13: error: output.load.schema 'Bad-Name' must be lowercase letters, digits and '_' (at most 51)"
            ])
        let pasted = load(spec("    postgres: postgres://l@h/d\n    password_env: 'p@ss word!'\n"))
        #expect(pasted.shorts.count == 1)
        #expect(!pasted.shorts[0].contains("p@ss"))
        #expect(load(spec("    schema: dw\n")).shorts == ["13:3: error: output.load is missing 'postgres'"])
        #expect(
            load(spec("    postgres: postgres://l@h/d\n    shema: dw\n")).shorts == [
                "15:5: error: unknown key 'shema' in output.load"
            ])
        #expect(
            load(spec("    postgres: mysql://h/d\n")).shorts == [
                "14:15: error: output.load.postgres 'mysql://h/d' is not a postgres://user@host:5432/db URL"
            ])
    }
}
