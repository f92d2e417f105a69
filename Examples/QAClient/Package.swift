// swift-tools-version:6.1
import PackageDescription

// A small command-line Q&A client on the QACtlSync library, as an app outside
// qactl's package would use it. qactl's own tests build and run it.
let package = Package(
    name: "QAClient",
    platforms: [.macOS(.v15), .iOS(.v18)],
    dependencies: [
        // An app elsewhere writes `.package(url: "<the URL you clone qactl from>", from: "0.2.0")` instead.
        .package(name: "qactl", path: "../..")
    ],
    targets: [
        .executableTarget(name: "qa-client", dependencies: [.product(name: "QACtlSync", package: "qactl")])
    ]
)
