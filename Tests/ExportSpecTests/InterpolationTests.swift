import ExportSpec
import Testing

@Suite("${VAR} interpolation")
struct InterpolationTests {
    private let here = SourceLocation(file: "p.yaml", line: 5, column: 16)

    @Test func resolvesEveryReference() throws {
        let value = Interpolated(raw: "https://${HOST}:${PORT}/x$y", location: here)
        #expect(value.variables == ["HOST", "PORT"])
        #expect(
            try value.resolve(environment: ["HOST": "h.example.com", "PORT": "443"]) == "https://h.example.com:443/x$y")
        #expect(try Interpolated(raw: "plain", location: here).resolve(environment: [:]) == "plain")
    }

    @Test func unsetVariableNamesItAndTheLocationButNoValue() {
        let value = Interpolated(raw: "${ANALYTICS_COMPANY_KEY}", location: here)
        #expect(throws: InterpolationError.unset("ANALYTICS_COMPANY_KEY", at: here)) {
            try value.resolve(environment: ["OTHER": "s3cret"])
        }
        do {
            _ = try value.resolve(environment: ["OTHER": "s3cret"])
        } catch {
            #expect(error.variable == "ANALYTICS_COMPANY_KEY")
            #expect(
                error.description
                    == "p.yaml:5:16: error: the environment variable 'ANALYTICS_COMPANY_KEY' is not set; the spec uses it here (export it before running, e.g. export ANALYTICS_COMPANY_KEY=…)"
            )
            #expect(!error.description.contains("s3cret"))
        }
    }

    @Test func emptyVariableIsAnError() {
        let value = Interpolated(raw: "${KEY}", location: here)
        #expect(throws: InterpolationError.empty("KEY", at: here)) { try value.resolve(environment: ["KEY": ""]) }
    }

    @Test func syntaxErrors() {
        #expect(throws: InterpolationError.syntax("'${' is not closed", at: here)) {
            try Interpolated(raw: "${OPEN", location: here).resolve(environment: ["OPEN": "x"])
        }
        #expect(throws: InterpolationError.syntax("'${}' is not a valid variable reference", at: here)) {
            try Interpolated(raw: "a${}", location: here).resolve(environment: [:])
        }
        #expect(Interpolated.isValidName("_A1"))
        #expect(!Interpolated.isValidName("1A"))
        #expect(!Interpolated.isValidName("A-B"))
        #expect(!Interpolated.isValidName(""))
    }
}
