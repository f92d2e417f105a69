extension BuiltinEvaluation {
    /// Questions about qactl and its sync model, with the sections of qactl's own documentation
    /// (README.md and the command guide, commands.md) that answer them. The sections named are
    /// the lasting ones (tokens, serve, chat, tail-txid, PostgreSQL, failure modes,
    /// architecture, the command guide), so that README edits elsewhere do not break the set.
    public static let questions: [Question] = [
        // What is …
        Question("What is a shape token?", .whatIs, [readme("qactl"), readme("qactl token"), guide("qactl token"), guide("qactl token mint shape")]),
        Question("What is an auth token?", .whatIs, [readme("qactl"), readme("qactl token"), guide("qactl token"), guide("qactl token mint auth")]),
        Question("What does qactl tail-txid do?", .whatIs, [readme("qactl tail-txid"), guide("qactl tail-txid")]),
        Question("What is the data dir?", .whatIs, [readme("Data dir")]),
        Question("What does the gatekeeper check?", .whatIs, [readme("qactl serve"), readme("The API, by hand"), readme("Architecture")]),
        Question("What does the SyncClient library give a Swift app?", .whatIs, [readme("The Swift sync client")]),
        Question("What does the ShapeWire module own?", .whatIs, [readme("Architecture")]),
        Question("What does exit code 3 mean?", .whatIs, [guide("Exit codes"), readme("qactl token")]),
        Question("What is the default lifetime of a shape token?", .whatIs, [readme("qactl serve"), guide("qactl serve"), guide("qactl token mint shape")]),
        Question("What is a LiveQuery?", .whatIs, [readme("The Swift sync client")]),
        Question("What does qactl chat show on a terminal?", .whatIs, [readme("qactl chat"), guide("qactl chat")]),
        // How do I …
        Question("How do I mint a shape token?", .howTo, [readme("qactl token"), guide("qactl token mint shape")]),
        Question("How do I rotate the signing keys?", .howTo, [readme("qactl token"), guide("qactl token rotate")]),
        Question("How do I run the server on PostgreSQL?", .howTo, [readme("On PostgreSQL"), guide("qactl serve")]),
        Question("How do I ask one question from the command line and exit?", .howTo, [readme("qactl chat"), guide("qactl chat")]),
        Question("How do I wait until a txid is visible?", .howTo, [readme("qactl tail-txid"), guide("qactl tail-txid")]),
        Question("How do I change the address the server listens on?", .howTo, [readme("qactl serve"), guide("qactl serve")]),
        Question("How do I decode and verify a token?", .howTo, [readme("qactl token"), guide("qactl token decode")]),
        Question("How do I start a new conversation in qactl chat?", .howTo, [readme("qactl chat"), guide("qactl chat")]),
        Question("How do I put a real Electric behind the gatekeeper?", .howTo, [readme("qactl serve"), guide("qactl serve"), readme("Running several instances")]),
        Question("How do I run the tests?", .howTo, [readme("Tests"), readme("Set-up")]),
        Question("How are the man pages and shell completions generated?", .howTo, [readme("Docs")]),
        Question("How can I get JSON output from qactl chat?", .howTo, [readme("qactl chat"), guide("qactl chat")]),
        Question("How do I follow the PostgreSQL replication stream with tail-txid?", .howTo, [readme("qactl tail-txid"), guide("qactl tail-txid")]),
        Question("How do I mint an auth token for alice?", .howTo, [readme("qactl token"), guide("qactl token mint auth"), readme("qactl chat")]),
        Question("Which option sets the long-poll timeout?", .howTo, [readme("qactl serve"), guide("qactl serve")]),
        Question("Which option chooses the answerer?", .howTo, [guide("qactl serve")]),
        Question("Where are the signing keys kept?", .howTo, [readme("Data dir"), guide("qactl token")]),
        Question("How do I scroll back in the chat view?", .howTo, [readme("qactl chat"), guide("qactl chat")]),
        Question("How do I answer from my own folder of documents?", .howTo, [guide("qactl serve")]),
        // Something is wrong
        Question("The server says wal_level is 'replica'. What should I change?", .troubleshooting, [readme("On PostgreSQL")]),
        Question("What happens when PostgreSQL is down?", .troubleshooting, [readme("Failure modes")]),
        Question("What happens if the replication slot is dropped?", .troubleshooting, [readme("Failure modes"), readme("Running several instances"), guide("qactl slots")]),
        Question("Why does qactl serve refuse to start when the database file is empty?", .troubleshooting, [readme("Failure modes"), guide("qactl serve")]),
        Question("What happens if I start a second qactl serve on the same data dir?", .troubleshooting, [readme("Failure modes"), readme("qactl serve")]),
        Question("Why does /healthz answer 503?", .troubleshooting, [readme("The API, by hand"), readme("Failure modes")]),
        Question("A key file is readable by other users. What does qactl do?", .troubleshooting, [readme("Data dir")]),
        Question("What happens to an answer being generated when the server gets SIGTERM?", .troubleshooting, [readme("Failure modes")]),
        Question("What happens when the disk is full?", .troubleshooting, [readme("Failure modes")]),
        Question("qactl chat --ask exited with status 4. Why?", .troubleshooting, [readme("qactl chat"), guide("qactl chat"), guide("Exit codes")]),
        Question("Why is asking for another user's conversation forbidden?", .troubleshooting, [readme("The API, by hand")]),
        // The sync model
        Question("How does a client know its optimistic write has synced?", .syncModel, [readme("qactl"), guide("qactl"), readme("The Swift sync client"), readme("qactl chat")]),
        Question("How are snapshots taken on PostgreSQL?", .syncModel, [readme("On PostgreSQL")]),
        Question("What happens to clients after a TRUNCATE?", .syncModel, [readme("On PostgreSQL")]),
        Question("How does a write reach a client's live poll?", .syncModel, [readme("Architecture")]),
        Question("Do shapes survive a server restart?", .syncModel, [readme("qactl serve")]),
        // Not about qactl
        Question("What is a good recipe for banana bread?", .offTopic),
        Question("Who won the football world cup in 2018?", .offTopic),
        Question("How do I install Docker on Windows?", .offTopic),
        Question("What's the weather like in Paris tomorrow?", .offTopic),
        Question("Can you write me a poem about the sea?", .offTopic),
        Question("How do I configure a Kubernetes ingress controller?", .offTopic),
    ]

    private static func readme(_ heading: String) -> String { "README.md § \(heading)" }
    private static func guide(_ heading: String) -> String { "commands.md § \(heading)" }
}
