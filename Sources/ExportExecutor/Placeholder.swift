// ExportExecutor
