import Foundation
import QACtlTestSupport
import Testing

extension ConsoleBrowser {
    /// How a browser gets into the app (the link `qactl serve --open-as` prints)
    /// and how it rides out a server that goes away.
    struct ConsoleSessionTests {
        @Test func theSignInLinkServePrintsSignsInWithoutTheTokenReachingTheServer() async throws {
            try await ConsoleFixture.with(serveArguments: ["--open-as", "dave", "--answerer", "none", "--log-level", "info"]) { fixture in
                let output = fixture.server.stdout
                let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("  console ") }, "\(output)")
                let link = try #require(line.split(separator: " ").last.map(String.init))
                #expect(link.hasPrefix(fixture.server.baseURL + "/#token="), "\(line)")
                let token = try #require(link.components(separatedBy: "#token=").dropFirst().first)
                let browser = try await fixture.openBrowser()
                try await browser.navigate(link)
                try await browser.waitFor("dave signed in", "return document.querySelector('#user').textContent === 'signed in as dave'")
                try await browser.waitFor("live", "return document.querySelector('#status').dataset.state === 'live'")
                #expect(try await browser.run("return location.href") as? String == fixture.server.baseURL + "/")
                try await browser.type("#question", "Hello from the link\u{E007}")
                try await browser.waitFor("the question confirmed", "return document.querySelector('#messages .message.user')?.dataset.state === 'confirmed'")
                // The fragment never travels: the server's request log holds no trace of the token.
                #expect(fixture.server.stderr.contains("route=/questions/send") || fixture.server.stderr.contains("\"route\":\"/questions/send\""),
                        "the request log is on")
                #expect(!fixture.server.stderr.contains(token))
                #expect(!fixture.server.stderr.contains(String(token.prefix(40))))
            }
        }

        /// Also a refused shape token (401 after the shape key changed): a new one is fetched and the stream resumes.
        @Test func theAppShowsOfflineWhileTheServerIsGoneAndCarriesOnWhenItIsBack() async throws {
            try await ConsoleFixture.with(serveArguments: ["--answerer", "none"]) { fixture in
                let browser = try await fixture.openBrowser()
                try await browser.navigate(fixture.server.baseURL + "/#token=" + (try await fixture.api.authToken("erin")))
                try await browser.waitFor("live", "return document.querySelector('#status').dataset.state === 'live'")
                try await browser.type("#question", "Before the restart\u{E007}")
                try await browser.waitFor("the question confirmed", "return document.querySelector('#messages .message.user')?.dataset.state === 'confirmed'")

                try await fixture.server.stop()
                let status = try await browser.waitFor("offline", timeout: .seconds(30), """
                    const status = document.querySelector('#status');
                    return status.dataset.state === 'offline' && status.textContent;
                    """) as? String
                #expect(status?.hasPrefix("offline, reconnecting in ") == true, "\(status ?? "")")
                try ConsoleFixture.save(try await browser.screenshot(), as: "offline")

                // Meanwhile the shape key is replaced: the browser's cached shape tokens get 401 and it fetches new ones.
                let rotated = try runQACtl(["token", "rotate", "shape", "--keep", "1", "--data-dir", fixture.server.dataDirectory])
                #expect(rotated.status == 0, "\(rotated.stderr)")
                try await fixture.server.restart()
                try await browser.waitFor("live again", timeout: .seconds(30), "return document.querySelector('#status').dataset.state === 'live'")
                try await browser.type("#question", "After the restart\u{E007}")
                try await browser.waitFor("the second question confirmed", """
                    return [...document.querySelectorAll('#messages .message.user')].filter((m) => m.dataset.state === 'confirmed').length === 2;
                    """)
                let texts = try await browser.run("return [...document.querySelectorAll('#messages .message.user .text')].map((t) => t.textContent)") as? [String]
                #expect(texts == ["Before the restart", "After the restart"])
                let log = try await browser.browserLog().map(\.message)
                #expect(log.contains { $0.contains("/shape?") && $0.contains("401") }, "an old shape token was refused: \(log)")
            }
        }
    }
}
