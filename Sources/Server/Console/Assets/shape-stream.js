// A client of the shape protocol (Electric 1.x wire format) through qactl's
// gatekeeper: catch-up from offset -1, live long-polls, 409 refetch, a new
// shape token on 401, and backoff while the server is unreachable.
//
// Batches are handed on only at up-to-date, whole, so a consumer never shows
// half a transaction.

const MAX_BACKOFF_MS = 5_000;

export class ShapeStream {
  /**
   * @param {object} options
   * @param {string} options.url  the gatekeeper, e.g. "/shape"
   * @param {() => Promise<string>} options.token  a valid shape token
   * @param {() => void} options.tokenRefused  the last token got 401
   * @param {(messages: object[], info: {reset: boolean}) => void} options.onBatch
   * @param {(status: string, detail?: object) => void} [options.onStatus]
   */
  constructor(options) {
    this.options = options;
    this.handle = null;
    this.offset = "-1";
    this.cursor = "";
    this.live = false;
    this.running = false;
    this.controller = null;
    this.failures = 0;
    /** Ends the current backoff wait early (the browser is back online). */
    this.wake = () => {};
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.#loop();
  }

  stop() {
    this.running = false;
    this.controller?.abort();
    this.wake();
  }

  #status(status, detail) {
    this.options.onStatus?.(status, detail);
  }

  async #loop() {
    let pending = [];
    // Set by a 409: the next batch replaces everything held so far.
    let reset = false;
    this.#status("connecting");
    while (this.running) {
      const query = new URLSearchParams({ offset: this.offset });
      if (this.offset !== "-1") query.set("handle", this.handle);
      if (this.live) {
        query.set("live", "true");
        query.set("cursor", this.cursor);
      }
      let response;
      try {
        const token = await this.options.token();
        this.controller = new AbortController();
        // no-store: a cached `-1` answer would name a handle the server dropped.
        response = await fetch(`${this.options.url}?${query}`, {
          headers: { authorization: `Bearer ${token}` },
          cache: "no-store",
          signal: this.controller.signal,
        });
      } catch (error) {
        if (!this.running) return;
        // The auth token itself was refused (or the shape is forbidden): retrying cannot help.
        if (error.status === 401 || error.status === 403) {
          this.running = false;
          this.#status("refused", { status: error.status, reason: error.message });
          return;
        }
        await this.#backoff(null, error);
        continue;
      }
      if (response.status === 401) {
        this.options.tokenRefused();
        // A fresh token is tried at once; a second refusal in a row backs off.
        if (this.failures > 0) await this.#backoff(null, new Error("shape token refused"));
        else this.failures = 1;
        continue;
      }
      if (response.status === 409) {
        this.handle = response.headers.get("electric-handle");
        this.offset = "-1";
        this.live = false;
        pending = [];
        reset = true;
        this.#status("syncing");
        continue;
      }
      if (response.status === 400 && this.offset !== "-1") {
        // The server no longer knows our position (its data was reset): start over, after a pause.
        await this.#backoff(response, new Error("the server refused our offset; syncing again from the start"));
        this.offset = "-1";
        this.live = false;
        pending = [];
        reset = true;
        continue;
      }
      if (!response.ok) {
        await this.#backoff(response, new Error(`GET /shape answered ${response.status}`));
        continue;
      }
      let messages;
      try {
        messages = await response.json();
      } catch (error) {
        if (!this.running) return;
        await this.#backoff(null, error);
        continue;
      }
      this.failures = 0;
      this.handle = response.headers.get("electric-handle") ?? this.handle;
      this.offset = response.headers.get("electric-offset") ?? this.offset;
      this.cursor = response.headers.get("electric-cursor") ?? this.cursor;
      let upToDate = false;
      for (const message of messages) {
        if (message.headers?.control === "up-to-date") upToDate = true;
        else pending.push(message);
      }
      if (upToDate) {
        const batch = pending;
        pending = [];
        const wasReset = reset;
        reset = false;
        if (batch.length > 0 || wasReset || !this.live) this.options.onBatch(batch, { reset: wasReset });
        this.live = true;
        this.#status("live");
      } else if (!this.live) {
        this.#status("syncing");
      }
    }
  }

  /** Waits before the next attempt: retry-after when given, else exponential with jitter. */
  async #backoff(response, error) {
    this.failures += 1;
    const retryAfter = Number(response?.headers.get("retry-after"));
    const exponential = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.failures, 6));
    const delay = retryAfter > 0 ? retryAfter * 1000 : exponential / 2 + Math.random() * (exponential / 2);
    this.#status("offline", { retryInMs: Math.round(delay), reason: String(error?.message ?? error) });
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, delay);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = () => {};
  }
}
