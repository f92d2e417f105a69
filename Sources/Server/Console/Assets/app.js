// The Q&A app: sign in with an auth token, the user's conversations (live),
// one conversation with its composer. Writes show at once, are marked
// confirmed with their round-trip time when their txid syncs back, and are
// rolled back with the server's message when refused.

import { API, storedToken, storeToken, takeTokenFromFragment, tokenSubject } from "./api.js";
import { Collection } from "./collection.js";
import { MessagesView, timestampText } from "./messages-view.js";
import { ShapeStream } from "./shape-stream.js";

const $ = (selector) => document.querySelector(selector);

/** A random id (crypto.randomUUID needs a secure context; this does not). */
function newID() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const STATUS_TEXT = { connecting: "connecting…", syncing: "syncing…", live: "live", refused: "token refused" };

class ConsoleApp {
  constructor() {
    this.api = null;
    this.user = null;
    this.conversations = null;
    this.conversationsStream = null;
    this.messages = null;
    this.messagesStream = null;
    this.current = null;
    this.view = new MessagesView($("#messages"));
    /** question id → confirmed round trip in ms */
    this.roundTrips = new Map();
  }

  start() {
    $("#sign-in-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.signIn($("#token-input").value.trim());
    });
    $("#sign-out").addEventListener("click", () => this.signOut());
    $("#new-conversation").addEventListener("submit", (event) => {
      event.preventDefault();
      const title = $("#new-title").value.trim();
      if (title) this.createConversation(title).catch((error) => this.showError(error));
      $("#new-title").value = "";
    });
    $("#composer").addEventListener("submit", (event) => {
      event.preventDefault();
      performance.mark("qactl:enter-handled");
      this.send(performance.now());
    });
    $("#question").addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
      event.preventDefault();
      performance.mark("qactl:enter-handled");
      this.send(event.timeStamp);
    });
    // Back online: retry at once rather than at the end of a backoff.
    window.addEventListener("online", () => {
      this.conversationsStream?.wake();
      this.messagesStream?.wake();
    });
    // A sign-in link opened in a tab that already shows the console.
    window.addEventListener("hashchange", () => {
      const token = takeTokenFromFragment();
      if (token) {
        this.signOut();
        this.signIn(token);
      }
    });
    const token = takeTokenFromFragment() ?? storedToken();
    if (token) this.signIn(token);
    else this.showSignIn("");
  }

  showSignIn(error) {
    $("#app").hidden = true;
    $("#sign-out").hidden = true;
    $("#user").textContent = "";
    $("#sign-in").hidden = false;
    $("#sign-in-error").textContent = error;
    $("#token-input").focus();
  }

  async signIn(token) {
    const user = tokenSubject(token);
    if (!user) return this.showSignIn("That is not an auth token (a JWT with a sub claim).");
    const api = new API(token);
    const source = api.shapeTokenSource("conversations");
    try {
      await source.token(); // proves the token before the app opens
    } catch (error) {
      storeToken(null);
      return this.showSignIn(`The server refused this token: ${error.message}`);
    }
    storeToken(token);
    this.api = api;
    this.user = user;
    $("#sign-in").hidden = true;
    $("#app").hidden = false;
    $("#sign-out").hidden = false;
    $("#user").textContent = `signed in as ${user}`;
    this.conversations = new Collection();
    this.conversations.subscribe(() => this.renderConversations());
    this.conversationsStream = new ShapeStream({
      url: "/shape",
      ...source,
      onBatch: (messages, info) => this.conversations.applyBatch(messages, info),
      onStatus: (status, detail) => this.showStatus("conversations", status, detail),
    });
    this.conversationsStream.start();
    $("#question").focus();
  }

  signOut() {
    this.conversationsStream?.stop();
    this.messagesStream?.stop();
    const status = $("#status");
    status.dataset.state = "";
    status.textContent = "";
    storeToken(null);
    this.current = null;
    this.view.clear();
    $("#conversations").replaceChildren();
    this.showSignIn("");
  }

  showStatus(which, status, detail) {
    if (status === "refused" && detail?.status === 401) {
      this.signOut();
      return this.showSignIn(`Signed out: ${detail.reason}`);
    }
    if (status === "refused") return this.showError(new Error(detail?.reason ?? "refused"));
    // "The server cannot be reached" is over once a stream is live again.
    if (status === "live" && this.errorIsOffline) this.showError(null);
    // The open conversation's stream speaks for the page once there is one.
    if (which === "conversations" && this.messagesStream) return;
    const element = $("#status");
    element.dataset.state = status;
    element.textContent = status === "offline"
      ? `offline, reconnecting in ${Math.ceil((detail?.retryInMs ?? 1000) / 1000)} s`
      : STATUS_TEXT[status] ?? status;
  }

  showError(error) {
    // The auth token expired or was revoked: every write would fail the same way.
    if (error?.status === 401) {
      this.signOut();
      return this.showSignIn(`Signed out: ${error.message}`);
    }
    const element = $("#send-error");
    element.textContent = error ? error.message : "";
    element.hidden = !error;
    this.errorIsOffline = error?.code === "offline";
  }

  renderConversations() {
    const rows = this.conversations.rows().sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    const list = $("#conversations");
    const items = rows.map((row) => {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.id = row.id;
      button.textContent = row.title;
      if (this.conversations.isPending(row.id)) {
        const mark = document.createElement("span");
        mark.className = "pending";
        mark.textContent = " (saving…)";
        button.append(mark);
      }
      if (row.id === this.current) button.setAttribute("aria-current", "true");
      button.addEventListener("click", () => this.open(row.id));
      const item = document.createElement("li");
      item.append(button);
      return item;
    });
    const focused = document.activeElement?.closest("#conversations button")?.dataset.id;
    list.replaceChildren(...items);
    if (focused) list.querySelector(`button[data-id="${CSS.escape(focused)}"]`)?.focus();
    // The most recent conversation opens by itself once the list has synced.
    if (!this.current && rows.length > 0 && this.conversations.ready) this.open(rows[0].id);
    const current = rows.find((row) => row.id === this.current);
    $("#conversation-title").textContent = current ? current.title : "Ask a question to start a conversation";
  }

  /** Opens conversation `id`: shows it at once, and syncs its messages. */
  open(id) {
    if (this.current === id) return;
    this.select(id);
    this.follow(id);
  }

  select(id) {
    this.messagesStream?.stop();
    this.messagesStream = null;
    this.current = id;
    this.view.clear();
    this.showError(null);
    this.messages = new Collection();
    this.messages.subscribe(() => this.renderMessages());
    this.renderConversations();
  }

  follow(id) {
    if (this.current !== id) return;
    this.messagesStream = new ShapeStream({
      url: "/shape",
      ...this.api.shapeTokenSource("messages", { conversationId: id }),
      onBatch: (messages, info) => this.messages.applyBatch(messages, info),
      onStatus: (status, detail) => this.showStatus("messages", status, detail),
    });
    this.messagesStream.start();
  }

  renderMessages() {
    const messages = this.messages;
    this.view.render(
      messages.rows(),
      (id) => {
        if (messages.isPending(id)) return this.roundTrips.has(id) ? "" : "sending…";
        const ms = this.roundTrips.get(id);
        return ms === undefined ? "" : `✓ ${ms} ms`;
      },
      (id) => messages.isPending(id),
    );
  }

  /**
   * Creates a conversation: shown and selected at once (in this task, before
   * any await), synced once the server has it. Rejects, rolled back, when refused.
   */
  async createConversation(title, id = newID()) {
    const now = timestampText(new Date());
    const row = { id, user_id: this.user, title, created_at: now, updated_at: now };
    // Selected first, so the list's render does not open it before the server has it.
    this.select(id);
    const transaction = this.conversations.mutate([row]);
    try {
      const { txid } = await this.api.createConversation(id, title);
      this.follow(id);
      await this.conversations.confirm(transaction, txid);
    } catch (error) {
      this.conversations.rollback(transaction);
      if (this.current === id) {
        this.messagesStream?.stop();
        this.messagesStream = null;
        this.current = null;
        this.view.clear();
        this.renderConversations();
      }
      throw error;
    }
    return id;
  }

  /** Sends the composer's question; `pressedAt` is when Enter was pressed (performance time). */
  async send(pressedAt) {
    const composer = $("#question");
    const content = composer.value.trim();
    if (!content) return;
    composer.value = "";
    this.showError(null);
    // A first question starts a conversation named after it; both show at once.
    let conversationID = this.current;
    let creating = null;
    if (!conversationID) {
      conversationID = newID();
      creating = this.createConversation(titleFrom(content), conversationID);
    }
    const messages = this.messages;
    const questionID = newID();
    const answerID = newID();
    const now = new Date();
    const common = { conversation_id: conversationID, user_id: this.user, updated_at: timestampText(now) };
    // Shown now, in this event's task: the optimistic rows reach the screen in the next frame.
    const transaction = messages.mutate([
      { ...common, id: questionID, role: "user", status: "completed", content, created_at: timestampText(now) },
      { ...common, id: answerID, role: "assistant", status: "pending", content: "", created_at: timestampText(now, 1) },
    ]);
    // Measured: handler → rows in the DOM, handler → the next frame, and the key event's own time → that frame.
    const handled = performance.getEntriesByName("qactl:enter-handled").at(-1)?.startTime ?? pressedAt;
    performance.measure("qactl:optimistic-dom", { start: handled, end: performance.now() });
    requestAnimationFrame(() => {
      performance.measure("qactl:optimistic-frame", { start: handled, end: performance.now() });
      performance.measure("qactl:optimistic-from-event", { start: pressedAt, end: performance.now() });
    });
    const started = performance.now();
    try {
      await creating;
      const { txid } = await this.api.sendQuestion(conversationID, questionID, answerID, content);
      await messages.confirm(transaction, txid, {
        onConfirmed: () => this.roundTrips.set(questionID, Math.max(1, Math.round(performance.now() - started))),
      });
    } catch (error) {
      messages.rollback(transaction);
      if (!composer.value) composer.value = content;
      this.showError(error);
    }
  }
}

/** A new conversation's title: the question's first 60 characters, never half of one (an emoji is two UTF-16 units). */
function titleFrom(content) {
  const characters = Array.from(new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(content), (part) => part.segment);
  return characters.slice(0, 60).join("");
}

new ConsoleApp().start();
