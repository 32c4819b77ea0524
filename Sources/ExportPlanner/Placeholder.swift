// ExportPlanner
