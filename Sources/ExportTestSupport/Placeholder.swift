// ExportTestSupport
