import ExportBasics
import Foundation

/// Writes a small file so that readers see the old contents or the new ones, never a part: the bytes go to a
/// hidden temporary name in the same folder (which node_exporter's textfile collector and browsers ignore),
/// are flushed, and the temporary is renamed over the destination.
enum AtomicFile {
    /// - Throws: `RunReportingError.write` naming the file when the folder cannot be created or written.
    static func write(_ bytes: some Collection<UInt8>, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        let temporary = TemporarySibling.path(for: name, in: directory, tag: "w")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw RunReportingError.write(path, "cannot create its folder: \(error.localizedDescription)")
        }
        TemporarySibling.removeStale(of: name, in: directory)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw RunReportingError.write(path, String(cString: strerror(errno))) }
        var failure: String?
        Array(bytes).withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw RunReportingError.write(path, failure)
        }
    }
}
