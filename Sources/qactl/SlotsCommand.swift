import ArgumentParser
import Foundation
import LocalSetup
import Logging
import PostgresStore
import SQLiteStore

struct SlotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slots",
        abstract: "List and drop the replication slots of qactl instances on a PostgreSQL database.",
        discussion: """
            Every qactl serve on PostgreSQL holds a replication slot (qactl_<host>_<random>), \
            and PostgreSQL keeps the WAL a slot has not confirmed until the slot is dropped: \
            the slot of an instance that is gone for good fills the disk. Set \
            max_slot_wal_keep_size on the server as a safety net. Exit codes: 1 failure, \
            2 usage, 3 refused (the slot is in use, or not qactl's).
            """,
        subcommands: [List.self, Drop.self]
    )

    struct Connection: ParsableArguments {
        @Option(
            name: .customLong("database-url"),
            help: ArgumentHelp("The PostgreSQL database the instances share (env: QACTL_DATABASE_URL).", valueName: "postgres://…"))
        var databaseURL: String?

        @OptionGroup var data: DataDirectoryOptions

        func url() throws -> String {
            guard let url = databaseURL ?? ProcessInfo.processInfo.environment["QACTL_DATABASE_URL"], !url.isEmpty else {
                throw fail("give the database with --database-url (or QACTL_DATABASE_URL)", exit: .usage)
            }
            return url
        }

        /// The slot of this data dir's instance, if it has run on PostgreSQL.
        func ownSlot() async -> String? {
            let path = data.directory.replicationLog
            guard FileManager.default.fileExists(atPath: path), let log = try? FeedLog(path: path) else { return nil }
            return try? await log.meta("slot_name")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each qactl slot: in use or not, and how much WAL the server keeps for it.")

        @OptionGroup var connection: Connection

        @Flag(help: "One JSON object per slot.")
        var json = false

        func run() async throws {
            let slots: [ReplicationSlots.Slot]
            do {
                slots = try await ReplicationSlots.list(url: connection.url(), logger: Logger(label: "qactl.slots"))
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw fail("cannot list the replication slots: \(error)")
            }
            let own = await connection.ownSlot()
            if json {
                for slot in slots {
                    let retained = slot.retainedBytes.map(String.init) ?? "null"
                    emit("{\"name\":\"\(slot.name)\",\"active\":\(slot.isActive),\"wal_status\":\(slot.walStatus.map { "\"\($0)\"" } ?? "null"),\"retained_bytes\":\(retained),\"this_data_dir\":\(slot.name == own)}")
                }
                return
            }
            guard !slots.isEmpty else {
                emit("no qactl replication slots in this database")
                return
            }
            emit("slot".padding(toLength: 40, withPad: " ", startingAt: 0) + "in use  wal status  WAL kept")
            for slot in slots {
                let name = slot.name + (slot.name == own ? " (this data dir)" : "")
                emit(name.padding(toLength: max(40, name.count + 1), withPad: " ", startingAt: 0)
                     + (slot.isActive ? "yes     " : "no      ") + (slot.walStatus ?? "?").padding(toLength: 12, withPad: " ", startingAt: 0)
                     + (slot.retainedBytes.map(Self.size) ?? "-"))
            }
        }

        static func size(_ bytes: Int64) -> String {
            let units = ["B", "kB", "MB", "GB", "TB"]
            var value = Double(bytes), unit = 0
            while value >= 1024 && unit < units.count - 1 {
                value /= 1024
                unit += 1
            }
            return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
        }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop the slot of a qactl instance that is gone for good (refused while an instance uses it).")

        @Argument(help: ArgumentHelp("The slot, as qactl slots list shows it.", valueName: "slot"))
        var name: String

        @OptionGroup var connection: Connection

        func run() async throws {
            let outcome: ReplicationSlots.DropOutcome
            do {
                outcome = try await ReplicationSlots.drop(name, url: connection.url(), logger: Logger(label: "qactl.slots"))
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw fail("cannot drop slot \(name): \(error)")
            }
            switch outcome {
            case .dropped:
                let own = await connection.ownSlot() == name
                emit("dropped \(name)" + (own ? "; this data dir's instance rebuilds its shapes at its next start (clients refetch)" : ""))
            case .notFound: throw fail("there is no replication slot \(name) in this database")
            case .active: throw fail("slot \(name) is in use by a running instance; stop that instance first", exit: .refused)
            case .notQactl: throw fail("\(name) is not a qactl slot (qactl_…); drop other tools' slots with their own tools", exit: .refused)
            }
        }
    }
}
