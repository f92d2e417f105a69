import Foundation

/// Where PostgreSQL's server programs are: `pg_config --bindir`, else the
/// newest `/usr/lib/postgresql/*/bin` (Debian puts initdb there, off PATH).
public struct PostgresBinaries: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Finds a directory that holds `initdb`, `postgres`, `pg_ctl`, `pg_isready` and `psql`.
    public static func locate() throws -> PostgresBinaries {
        var candidates: [String] = []
        if let pgConfig = which("pg_config"),
            let output = try? CommandRunner.run(pgConfig, ["--bindir"]), output.status == 0
        {
            candidates.append(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        candidates += versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "\(root)/\($0)/bin" }
        for directory in candidates where Self.isComplete(directory) {
            return PostgresBinaries(directory: directory)
        }
        throw PostgresHarnessError(
            .binariesNotFound,
            "no PostgreSQL server programs found (looked in \(candidates.isEmpty ? root : candidates.joined(separator: ", "))); "
                + "install them with apt-get install postgresql")
    }

    /// The path of program `name` in this directory.
    public func path(_ name: String) -> String { directory + "/" + name }

    private static func isComplete(_ directory: String) -> Bool {
        ["initdb", "postgres", "pg_ctl", "pg_isready", "psql"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: directory + "/" + $0)
        }
    }

    private static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
