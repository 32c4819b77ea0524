import AnalyticsSimulator
import ArgumentParser

extension SimulatorCommand {
    /// `--add-column` and `--drop-column` as a `SchemaDrift`.
    func drift() throws -> SchemaDrift {
        func change(_ text: String?, _ flag: String) throws -> SchemaDrift.Change? {
            guard let text else { return nil }
            guard let change = SchemaDrift.Change(parsing: text) else {
                throw ValidationError("\(flag) must be COLUMN@YYYY-MM-DD, e.g. \(flag) score@2026-03-10")
            }
            return change
        }
        return SchemaDrift(
            added: try change(addColumn, "--add-column"), dropped: try change(dropColumn, "--drop-column"))
    }
}
