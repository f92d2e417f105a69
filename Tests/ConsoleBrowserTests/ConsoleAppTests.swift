import Foundation
import QACtlTestSupport
import Testing

extension ConsoleBrowser {
    /// The Q&A app at `/`, in headless Chromium against a real `qactl serve`.
    struct ConsoleAppTests {
        /// Records, on every DOM change, each message's id, role, state, status and meta line.
        static let recordStates = """
            window.__states = [];
            window.__texts = [];
            const list = document.querySelector('#messages');
            new MutationObserver(() => {
              window.__texts.push([...list.querySelectorAll('.message .text')].map((text) => text.textContent));
              for (const item of list.querySelectorAll('.message')) {
                window.__states.push([item.dataset.id, item.classList.contains('user') ? 'user' : 'assistant',
                  item.dataset.state, item.dataset.status, item.querySelector('.meta').textContent, item.querySelector('.text').textContent]);
              }
            }).observe(list, { subtree: true, childList: true, attributes: true, characterData: true });
            """

        /// The messages on screen: [role, text, state, status, meta].
        static let messages = """
            return [...document.querySelectorAll('#messages .message')].map((item) => [
              item.classList.contains('user') ? 'user' : 'assistant', item.querySelector('.text').textContent,
              item.dataset.state, item.dataset.status, item.querySelector('.meta').textContent]);
            """

        @Test func signInSendConfirmAndStreamAnAnswerLiveInTwoSessions() async throws {
            try await ConsoleFixture.with { fixture in
                let base = fixture.server.baseURL
                let token = try await fixture.api.authToken("alice")
                let first = try await fixture.openBrowser()

                // Sign-in screen first, then the sign-in link `qactl serve --open-as` prints.
                try await first.navigate(base + "/")
                try await first.waitFor("the sign-in form", "return !document.querySelector('#sign-in').hidden")
                try ConsoleFixture.save(try await first.screenshot(), as: "sign-in")
                try await first.navigate(base + "/#token=" + token)
                try await first.waitFor("the app, signed in", "return !document.querySelector('#app').hidden && document.querySelector('#user').textContent")
                #expect(try await first.run("return document.querySelector('#user').textContent") as? String == "signed in as alice")
                #expect(try await first.run("return location.href") as? String == base + "/", "the token is taken out of the address bar")
                try await first.waitFor("live", "return document.querySelector('#status').dataset.state === 'live'")

                // A question shows at once with "sending…", is confirmed with its round trip, and its answer streams in.
                try await first.run(Self.recordStates)
                try await first.type("#question", "What is a shape token?\u{E007}")
                let confirmed = try await first.waitFor("the question confirmed", """
                    const item = [...document.querySelectorAll('#messages .message.user')].find((m) => m.querySelector('.text').textContent === 'What is a shape token?');
                    return item && item.dataset.state === 'confirmed' && /^✓ \\d+ ms$/.test(item.querySelector('.meta').textContent) ? item.dataset.id : null;
                    """) as? String
                let states = try await first.run("return window.__states") as? [[Any]] ?? []
                let question = states.filter { $0.first as? String == confirmed }
                #expect(question.contains { $0[2] as? String == "sending" && $0[4] as? String == "sending…" }, "shown as sending before confirmation: \(question.prefix(3))")
                #expect(states.contains { $0[1] as? String == "assistant" && $0[3] as? String == "pending" && $0[5] as? String == "Generating answer…" })
                try await first.waitFor("the answer completed", timeout: .seconds(30), """
                    const item = document.querySelector('#messages .message.assistant');
                    return item && item.dataset.status === 'completed' && item.querySelector('.text').textContent.length > 20;
                    """)
                // Never shown twice: one question and one answer, whatever happened in between.
                let rows = try await first.run(Self.messages) as? [[Any]] ?? []
                #expect(rows.count == 2, "\(rows)")
                let shownTwice = try await first.run(
                    "return window.__texts.some((texts) => texts.filter((t) => t === 'What is a shape token?').length > 1)") as? Bool
                #expect(shownTwice == false, "the question was never on screen twice")
                try ConsoleFixture.save(try await first.screenshot(), as: "conversation")
                // Dark, from the system's preference.
                try await first.emulateDarkColorScheme()
                try await first.waitFor("the dark colours", "return getComputedStyle(document.body).backgroundColor === 'rgb(22, 22, 24)'")
                try ConsoleFixture.save(try await first.screenshot(), as: "conversation-dark")

                // Performance: first paint, and the optimistic message within one frame of Enter.
                let paint = try await first.run("return performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null") as? Double
                // Reported, not bounded: a fresh browser's first paint mostly measures the machine's load.
                #expect(paint != nil)
                print("console perf: first contentful paint \(paint ?? -1) ms")
                // A second session of the same user, signed in by pasting the token, sees the conversation and then new writes live.
                let second = try await fixture.openBrowser()
                try await second.navigate(base + "/")
                try await second.waitFor("the sign-in form", "return !document.querySelector('#sign-in').hidden")
                try await second.type("#token-input", token)
                try await second.click("#sign-in-form button[type=submit]")
                try await second.waitFor("the first question in the second session", """
                    return [...document.querySelectorAll('#messages .message.user .text')].some((t) => t.textContent === 'What is a shape token?');
                    """)
                try await first.type("#question", "How do I run the tests?\u{E007}")
                try await second.waitFor("the second question, live", """
                    return [...document.querySelectorAll('#messages .message.user .text')].some((t) => t.textContent === 'How do I run the tests?');
                    """)
                // A write from another client (as `qactl chat` makes it) appears in both.
                let conversation = try #require(try await first.run("return document.querySelector('#conversations button[aria-current=true]').dataset.id") as? String)
                let sent = try await fixture.api.post(
                    "/questions/send", json: ["conversationId": conversation, "questionId": "q-chat", "answerId": "a-chat", "content": "Asked from the terminal"], token: token)
                #expect(sent.status == 200)
                for session in [first, second] {
                    try await session.waitFor("the terminal's question", """
                        return [...document.querySelectorAll('#messages .message.user .text')].some((t) => t.textContent === 'Asked from the terminal');
                        """)
                }
                // Per send: handler → rows in the DOM, handler → next frame, key event's timestamp → next frame (ms).
                let sends = try await first.run("""
                    return ['qactl:optimistic-dom', 'qactl:optimistic-frame', 'qactl:optimistic-from-event'].map((name) =>
                      performance.getEntriesByName(name).map((entry) => Math.round(entry.duration * 10) / 10));
                    """) as? [[Double]] ?? []
                print("console perf, per send in ms: Enter handler → optimistic rows in the DOM \(sends.first ?? []), → next frame \(sends.dropFirst().first ?? []), key event timestamp → next frame \(sends.last ?? [])")
                // Each send's rows are in the page within the key event's own task: the page measures that before
                // its first await (the network call), so the measure's presence is the proof, whatever the load.
                // The figures above are the report (about 1 ms and 5 ms on a quiet machine); timings belong in
                // benchmarks, so the bounds here only catch a page that blocks (the full suite loads 2 cores past 20).
                #expect(sends.count == 3 && sends[0].count == 2 && sends[1].count == 2, "\(sends)")
                #expect(sends.count == 3 && sends[0].allSatisfy { $0 < 1000 } && sends[1].allSatisfy { $0 < 1000 }, "\(sends)")
                for session in [first, second] {
                    let errors = severe(try await session.browserLog())
                    #expect(errors.isEmpty, "console errors or CSP violations: \(errors)")
                }
                // First paint again in a warm browser (the first load above includes starting the renderer):
                // the app reloaded, signed in from session storage, with its conversation.
                try await second.navigate(base + "/")
                try await second.waitFor("the reloaded app", "return !document.querySelector('#app').hidden")
                let warmPaint = try await second.run("return performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null") as? Double
                print("console perf: first contentful paint on a reload \(warmPaint ?? -1) ms")
                #expect(warmPaint != nil)
            }
        }

        @Test func anAnswerStreamsInWithoutMovingWhatIsAboveIt() async throws {
            let script = "read question; printf 'Streaming one.'; sleep 0.5; printf ' Streaming two.'; sleep 0.5; printf ' Done.'"
            try await ConsoleFixture.with(serveArguments: ["--answerer", "command", "--answer-command", script]) { fixture in
                let browser = try await fixture.openBrowser()
                try await browser.navigate(fixture.server.baseURL + "/#token=" + (try await fixture.api.authToken("frank")))
                try await browser.waitFor("live", "return document.querySelector('#status').dataset.state === 'live'")
                // Each DOM change: the answer's status and text, and where the question sits on screen.
                try await browser.run("""
                    window.__answer = [];
                    const list = document.querySelector('#messages');
                    new MutationObserver(() => {
                      const answer = list.querySelector('.message.assistant');
                      const question = list.querySelector('.message.user');
                      if (answer && question) window.__answer.push([answer.dataset.status, answer.querySelector('.text').textContent,
                        question.getBoundingClientRect().top, answer.querySelector('.meta').textContent]);
                    }).observe(list, { subtree: true, childList: true, attributes: true, characterData: true });
                    """)
                try await browser.type("#question", "Stream, please\u{E007}")
                try await browser.waitFor("the answer completed", timeout: .seconds(30), """
                    return document.querySelector('#messages .message.assistant')?.dataset.status === 'completed';
                    """)
                let seen = try await browser.run("return window.__answer") as? [[Any]] ?? []
                let statuses = seen.compactMap { $0[0] as? String }
                #expect(statuses.first == "pending" && statuses.last == "completed", "\(statuses)")
                let partial = seen.filter { $0[0] as? String == "streaming" }.compactMap { $0[1] as? String }.filter { !$0.isEmpty && $0 != "Streaming one. Streaming two. Done." }
                #expect(partial.contains { $0.hasPrefix("Streaming one.") }, "partial text was on screen while the answer streamed: \(seen)")
                #expect(seen.contains { $0[0] as? String == "streaming" && $0[3] as? String == "streaming…" })
                #expect(seen.last?[1] as? String == "Streaming one. Streaming two. Done.")
                let tops = Set(seen.compactMap { ($0[2] as? NSNumber)?.doubleValue })
                #expect(tops.count == 1, "the question never moved while its answer grew: \(tops)")
                let errors = severe(try await browser.browserLog())
                #expect(errors.isEmpty, "\(errors)")
            }
        }

        @Test func aRefusedWriteRollsBackWithTheServersMessage() async throws {
            try await ConsoleFixture.with(serveArguments: ["--answerer", "none"]) { fixture in
                let base = fixture.server.baseURL
                let token = try await fixture.api.authToken("bob")
                let browser = try await fixture.openBrowser()
                try await browser.navigate(base + "/#token=" + token)
                try await browser.waitFor("live", "return document.querySelector('#status').dataset.state === 'live'")
                try await browser.type("#question", "First question\u{E007}")
                try await browser.waitFor("the first question confirmed", "return document.querySelector('#messages .message.user')?.dataset.state === 'confirmed'")
                #expect(severe(try await browser.browserLog()).isEmpty)

                // 40,000 bytes: the server refuses it (at most 32,768).
                try await browser.run(Self.recordStates)
                try await browser.run("const q = document.querySelector('#question'); q.value = 'x'.repeat(40000); q.focus();")
                try await browser.type("#question", "\u{E007}")
                let message = try await browser.waitFor("the refusal", """
                    const error = document.querySelector('#send-error');
                    return !error.hidden && error.textContent;
                    """) as? String
                #expect(message == "content must be 1 to 32768 bytes of UTF-8 after trimming")
                try await browser.waitFor("the rollback", "return document.querySelectorAll('#messages .message').length === 2")
                let states = try await browser.run("return window.__states") as? [[Any]] ?? []
                #expect(states.contains { ($0[5] as? String)?.count == 40000 && $0[2] as? String == "sending" }, "the refused question was shown while it was sent")
                #expect(try await browser.run("return document.querySelector('#question').value.length") as? Int == 40000, "the text is given back to edit")
                try ConsoleFixture.save(try await browser.screenshot(), as: "refused-write")
                // The refused request itself is the only error the console shows.
                let errors = severe(try await browser.browserLog())
                #expect(errors.allSatisfy { $0.contains("/questions/send") && $0.contains("400") }, "\(errors)")
            }
        }

        @Test func aFirstQuestionWithAnEmojiWhereTheTitleIsCutStartsItsConversation() async throws {
            try await ConsoleFixture.with(serveArguments: ["--answerer", "none"]) { fixture in
                let token = try await fixture.api.authToken("dora")
                let browser = try await fixture.openBrowser()
                try await browser.navigate(fixture.server.baseURL + "/#token=" + token)
                try await browser.waitFor("live", "return document.querySelector('#status').dataset.state === 'live'")
                // The title is the question's first 60 characters; the emoji is the 60th (two UTF-16 units).
                let question = String(repeating: "a", count: 59) + "😀 and more"
                try await browser.run("const q = document.querySelector('#question'); q.value = arguments[0]; q.focus();", [question])
                try await browser.type("#question", "\u{E007}")
                try await browser.waitFor("the question confirmed", "return document.querySelector('#messages .message.user')?.dataset.state === 'confirmed'")
                let title = try await browser.waitFor("the conversation listed", """
                    return document.querySelector('#conversations button')?.textContent || null;
                    """) as? String
                #expect(title?.hasPrefix(String(repeating: "a", count: 59) + "😀") == true, "\(title ?? "none")")
                #expect(try await browser.run("return document.querySelector('#send-error').hidden") as? Bool == true)
            }
        }

        @Test func aWriteRefusedForAnExpiredAuthTokenSignsOut() async throws {
            try await ConsoleFixture.with(serveArguments: ["--answerer", "none"]) { fixture in
                // Valid for about 8 s more, counting the server's 30 s leeway for clock skew.
                let authority = try await fixture.api.authority
                let issued = Date().addingTimeInterval(-TimeInterval(authority.leeway.components.seconds))
                let token = try await authority.mintAuth(subject: "erin", lifetime: .seconds(8), now: issued).token
                let browser = try await fixture.openBrowser()
                try await browser.navigate(fixture.server.baseURL + "/#token=" + token)
                try await browser.waitFor("live", "return document.querySelector('#status').dataset.state === 'live'")
                try await Task.sleep(for: .seconds(9))
                try await browser.type("#question", "Still there?\u{E007}")
                let message = try await browser.waitFor("the sign-in form again", """
                    return !document.querySelector('#sign-in').hidden && document.querySelector('#sign-in-error').textContent;
                    """) as? String
                #expect(message?.hasPrefix("Signed out: ") == true && message?.contains("expired") == true, "\(message ?? "")")
                #expect(try await browser.run("return document.querySelector('#app').hidden") as? Bool == true)
                #expect(try await browser.run("return document.querySelector('#status').textContent") as? String == "", "no longer 'live'")
            }
        }

        @Test func aTokenTheServerRefusesIsNotSignedIn() async throws {
            try await ConsoleFixture.with { fixture in
                let browser = try await fixture.openBrowser()
                try await browser.navigate(fixture.server.baseURL + "/")
                try await browser.waitFor("the sign-in form", "return !document.querySelector('#sign-in').hidden")
                try await browser.type("#token-input", "not-a-token")
                try await browser.click("#sign-in-form button[type=submit]")
                try await browser.waitFor("the refusal", "return document.querySelector('#sign-in-error').textContent.includes('not an auth token')")
                // A well-formed token signed by another server's key.
                let foreign = try await ServerAPI(server: fixture.server).authority.mintAuth(subject: "mallory").token
                let parts = foreign.split(separator: ".")
                let altered = parts[0] + "." + parts[1] + ".AAAA" + parts[2].dropFirst(4)
                try await browser.run("document.querySelector('#token-input').value = ''")
                try await browser.type("#token-input", String(altered))
                try await browser.click("#sign-in-form button[type=submit]")
                try await browser.waitFor("the server's refusal", "return document.querySelector('#sign-in-error').textContent.includes('The server refused this token')")
                #expect(try await browser.run("return document.querySelector('#app').hidden") as? Bool == true)
            }
        }
    }
}
