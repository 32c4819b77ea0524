#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a partition's file looks like on disk, as far as the decision needs to know.
public enum PartitionObservation: Sendable, Equatable {
    case absent
    /// The file is there: its size, its modification time (ns since the epoch), and the SHA-256 of its bytes when
    /// they were read (only when size and time alone could not settle whether it changed).
    case present(bytes: Int64, modifiedNs: Int64, sha256: String?)

    /// The modification time of whatever is at `path` (file or folder), ns since the epoch; nil when nothing is.
    public static func modifiedNs(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
            let time = info.st_mtimespec
        #else
            let time = info.st_mtim
        #endif
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// The size and modification time of the file at `path`, or nil when there is no regular file.
    public static func fileStatus(_ path: String) -> (bytes: Int64, modifiedNs: Int64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return fileStatus(info)
    }

    /// `fileStatus` of `path` relative to the open folder `directory`.
    public static func fileStatus(_ path: String, in directory: Int32) -> (bytes: Int64, modifiedNs: Int64)? {
        var info = stat()
        guard fstatat(directory, path, &info, 0) == 0 else { return nil }
        return fileStatus(info)
    }

    private static func fileStatus(_ info: stat) -> (bytes: Int64, modifiedNs: Int64)? {
        guard (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        #if canImport(Darwin)
            let time = info.st_mtimespec
        #else
            let time = info.st_mtim
        #endif
        return (Int64(info.st_size), Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec))
    }
}
