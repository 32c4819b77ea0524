// AnalyticsClient
