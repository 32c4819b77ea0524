// AnalyticsSimulator
