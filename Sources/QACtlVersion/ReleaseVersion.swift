/// qactl's release: one semantic version for the `qactl` tool and the QACtlSync
/// library, so a bug report names one number. CHANGELOG.md's newest entry and
/// the Debian package carry the same (a test checks the changelog).
public enum ReleaseVersion {
    /// `MAJOR.MINOR.PATCH`.
    public static let current = "0.2.0"
}
