import Foundation
import PostgresHarness
import QACtlTestSupport
import Testing

extension ConsoleBrowser {
    /// The inspector at `/inspect` in headless Chromium, and `qactl inspect`, against a real `qactl serve`.
    struct InspectorTests {
        @Test func theInspectorListsShapesAndShowsTheSendInItsTimeline() async throws {
            try await ConsoleFixture.with(serveArguments: ["--sync-secret", "op-secret", "--answerer", "none"]) { fixture in
                let base = fixture.server.baseURL
                // A user sends a question from the app.
                let app = try await fixture.openBrowser()
                try await app.navigate(base + "/#token=" + (try await fixture.api.authToken("carol")))
                try await app.waitFor("live", "return document.querySelector('#status').dataset.state === 'live'")
                try await app.type("#question", "Where are the shapes?\u{E007}")
                try await app.waitFor("the question confirmed", "return document.querySelector('#messages .message.user')?.dataset.state === 'confirmed'")

                // The operator: a wrong secret is refused, the right one opens the inspector.
                let inspector = try await fixture.openBrowser(height: 1300)
                try await inspector.navigate(base + "/inspect")
                try await inspector.waitFor("the sign-in form", "return !document.querySelector('#sign-in').hidden")
                try await inspector.type("#secret-input", "guess\u{E007}")
                try await inspector.waitFor("the refusal", "return document.querySelector('#sign-in-error').textContent.includes(\"not this server's sync secret\")")
                try await inspector.run("document.querySelector('#secret-input').value = ''")
                try await inspector.type("#secret-input", "op-secret\u{E007}")
                try await inspector.waitFor("both of carol's shapes", """
                    const tables = [...document.querySelectorAll('#shapes tbody tr')].map((row) => row.children[1].textContent);
                    return tables.includes('conversations') && tables.includes('messages');
                    """)
                try await inspector.waitFor("the send, delivered, in the timeline", """
                    return [...document.querySelectorAll('#transactions tbody tr')].some((row) =>
                      row.children[1].textContent.includes('messages 2') && /^\\d+ ms$/.test(row.children[6].textContent));
                    """)
                try await inspector.waitFor("carol's live poll", """
                    return [...document.querySelectorAll('#clients tbody tr')].some((row) => row.children[0].textContent === 'carol' && row.children[3].textContent !== '0');
                    """)
                // A shape's rows on click (and from the keyboard: the rows are focusable).
                try await inspector.click("#shapes tbody tr:nth-child(1)")
                try await inspector.run("""
                    const row = [...document.querySelectorAll('#shapes tbody tr')].find((r) => r.children[1].textContent === 'messages');
                    row.click();
                    """)
                try await inspector.waitFor("the messages shape's rows", "return document.querySelector('#shape-rows').textContent.includes('Where are the shapes?')")
                try ConsoleFixture.save(try await inspector.screenshot(), as: "inspector")
                // "As user": exactly what carol's token syncs.
                try await inspector.type("#as-user-input", "carol\u{E007}")
                try await inspector.waitFor("carol's shapes and rows", """
                    const titles = [...document.querySelectorAll('#as-user h3')].map((h) => h.textContent);
                    return titles.length === 2 && titles[0].startsWith('conversations where user_id = $1 ["carol"]: 1 rows')
                      && titles[1].startsWith('messages where conversation_id = $1') && titles[1].endsWith(': 2 rows')
                      && document.querySelector('#as-user').textContent.includes('Where are the shapes?');
                    """)
                for session in [app, inspector] {
                    let errors = severe(try await session.browserLog()).filter { !$0.contains("/inspect/api/overview") }
                    #expect(errors.isEmpty, "console errors or CSP violations: \(errors)")
                }

                // The same views from the command line.
                let shapes = try runQACtl(["inspect", "shapes", "--server", base, "--secret", "op-secret"])
                #expect(shapes.status == 0)
                #expect(shapes.stdout.contains("conversation_id = $1") && shapes.stdout.hasPrefix("handle"), "\(shapes.stdout)")
                let timeline = try runQACtl(["inspect", "transactions", "--json", "--server", base], environment: ["QACTL_SYNC_SECRET": "op-secret"])
                #expect(timeline.status == 0)
                let records = (try JSONSerialization.jsonObject(with: Data(timeline.stdout.utf8)) as? [String: Any])?["transactions"] as? [[String: Any]] ?? []
                #expect(records.contains { ($0["tables"] as? [String: Int])?["messages"] == 2 }, "\(timeline.stdout)")
                let asCarol = try runQACtl(["inspect", "as-user", "carol", "--server", base, "--secret", "op-secret"])
                #expect(asCarol.status == 0)
                #expect(asCarol.stdout.hasPrefix("conversations  where user_id = $1  params [\"carol\"]  1 rows"), "\(asCarol.stdout)")
                #expect(asCarol.stdout.contains("Where are the shapes?"), "\(asCarol.stdout)")
                let nobody = try runQACtl(["inspect", "as-user", "nobody", "--json", "--server", base, "--secret", "op-secret"])
                #expect(nobody.stdout.contains("\"conversations\":0"), "\(nobody.stdout)")
                let refused = try runQACtl(["inspect", "--server", base, "--secret", "guess"])
                #expect(refused.status == 3)
                #expect(refused.stderr.contains("not this server's sync secret"), "a wrong secret is called wrong: \(refused.stderr)")
                let unknown = try runQACtl(["inspect", "everything", "--server", base, "--secret", "op-secret"])
                #expect(unknown.status == 2)
                let extra = try runQACtl(["inspect", "overview", "extra", "--server", base, "--secret", "op-secret"])
                #expect(extra.status == 2 && extra.stderr.contains("the overview view takes no argument (extra)"), "\(extra.stderr)")
            }
        }

        @Test func withoutASyncSecretTheInspectorStaysClosed() async throws {
            try await ConsoleFixture.with { fixture in
                let answer = try await HTTP.send(fixture.server.baseURL + "/inspect/api/overview", headers: [("authorization", "Bearer anything")])
                #expect(answer.status == 403)
                let closed = try runQACtl(["inspect", "--server", fixture.server.baseURL, "--secret", "anything"])
                #expect(closed.status == 3)
                #expect(closed.stderr.contains("--sync-secret"), "\(closed.stderr)")
            }
        }
    }
}

/// Runs `qactl` with `arguments`; its exit status and output.
func runQACtl(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let inherited = ProcessInfo.processInfo.environment.keys.filter { $0.hasPrefix("QACTL_") }
    let run = try CommandRunner.run(TestServer.executable, arguments, environment: environment, unsetting: Array(inherited))
    return (run.status, run.stdout, run.stderr)
}
