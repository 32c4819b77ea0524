/// The YAML of the end-to-end tests' usual pipeline: two exports over six fixed days, a month before the suite's
/// "now" (`TestCalendar`), so the same chunks are cut whatever day the suite runs. `posts` fans out over two work
/// queues in 2-day chunks; `responses` reads one work queue in chunks of `chunk`. The API user `u1` takes its
/// password from `EP_PASSWORD`, the company key comes from `EP_COMPANY_KEY`.
public enum TwoExportsPipeline {
    /// - Parameters:
    ///   - baseURL: an external simulator's URL, or `simulator` for the in-process one.
    ///   - name: the pipeline's name.
    ///   - chunk: the default chunk (`responses` uses it).
    public static func yaml(baseURL: String, name: String, chunk: String) -> String {
        """
        version: 1
        name: \(name)
        api:
          base_url: \(baseURL)
          company_key: ${EP_COMPANY_KEY}
          users:
            - username: u1
              password_env: EP_PASSWORD
        defaults: { timezone: Europe/Berlin, locale: en, chunk: \(chunk) }
        window: { from: 2026-10-24, to: 2026-10-30 }
        exports:
          - name: posts
            type: incoming_post
            filters: { workqueues: [4, 5] }
            split_by: workqueue
            chunk: 2d
          - name: responses
            type: response
            filters: { workqueues: [6] }
        output: { dir: out, state_dir: state }
        """
    }
}
