// The operator's inspector: polls /inspect/api/… once a second with the sync
// secret in a header (kept in this tab's sessionStorage) and shows shapes,
// transactions, clients and request counts; a shape's rows and log on click.

const SECRET_KEY = "qactl.inspectorSecret";
const REFRESH_MS = 1000;
const $ = (selector) => document.querySelector(selector);

class Inspector {
  constructor() {
    this.secret = null;
    this.selected = null;
    this.timer = null;
  }

  start() {
    $("#sign-in-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.signIn($("#secret-input").value);
    });
    $("#sign-out").addEventListener("click", () => this.signOut(""));
    $("#as-user-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.showAsUser($("#as-user-input").value.trim());
    });
    const stored = sessionStorage.getItem(SECRET_KEY);
    if (stored) this.signIn(stored);
    else this.signOut("");
  }

  async get(path) {
    const response = await fetch(`/inspect/api/${path}`, { headers: { authorization: `Bearer ${this.secret}` }, cache: "no-store" });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(json.error?.message ?? `The server answered ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return json;
  }

  async signIn(secret) {
    this.secret = secret;
    try {
      await this.get("overview");
    } catch (error) {
      return this.signOut(error.status ? error.message : `The server cannot be reached: ${error.message}`);
    }
    sessionStorage.setItem(SECRET_KEY, secret);
    $("#sign-in").hidden = true;
    $("#inspector").hidden = false;
    $("#sign-out").hidden = false;
    this.refresh();
  }

  signOut(error) {
    clearTimeout(this.timer);
    this.secret = null;
    sessionStorage.removeItem(SECRET_KEY);
    $("#inspector").hidden = true;
    $("#sign-out").hidden = true;
    $("#sign-in").hidden = false;
    $("#sign-in-error").textContent = error;
    $("#secret-input").focus();
  }

  async refresh() {
    clearTimeout(this.timer);
    if (!this.secret) return;
    try {
      const [overview, shapes, transactions, clients] = await Promise.all(
        ["overview", "shapes", "transactions", "clients"].map((path) => this.get(path)));
      this.renderOverview(overview);
      this.renderShapes(shapes.shapes);
      this.renderTransactions(transactions.transactions);
      this.renderClients(clients.clients);
      this.renderRequests(overview.requests);
      if (this.selected) await this.renderDetail(this.selected);
      this.status("live", `updated ${new Date().toLocaleTimeString()}`);
    } catch (error) {
      if (error.status === 401 || error.status === 403) return this.signOut(error.message);
      this.status("offline", `offline: ${error.message}`);
    }
    this.timer = setTimeout(() => this.refresh(), REFRESH_MS);
  }

  status(state, text) {
    $("#status").dataset.state = state;
    $("#status").textContent = text;
  }

  renderOverview(overview) {
    const sync = overview.sync ?? {};
    const lag = sync.lastApplyLagMilliseconds;
    const stats = [
      ["store", overview.store],
      ["shapes", sync.shapes ?? "—"],
      ["waiting polls", sync.waitingPolls ?? "—"],
      ["live requests", sync.liveRequests ?? "—"],
      ["snapshot requests", sync.snapshotRequests ?? "—"],
      ["change-log position", sync.position ?? "—"],
      ["last commit position", sync.lastSeenLSN ?? "—"],
      ["apply lag (last)", lag === undefined || lag === null ? "—" : `${lag.toFixed(1)} ms`],
      ["caught up", sync.caughtUp === undefined ? "—" : sync.caughtUp ? "yes" : "no"],
      ["clients", overview.clients],
      ["answers queued", overview.answers?.queued ?? "—"],
      ["answers running", overview.answers?.running ?? "—"],
    ];
    const replication = overview.replication;
    if (replication) {
      stats.push(["replication slot", replication.slot], ["replication", replication.connected ? "streaming" : "down, reconnecting"],
        ["slot confirmed up to", replication.confirmedLSN], ["replication reconnects", replication.reconnects]);
    }
    $("#overview").replaceChildren(...stats.map(([name, value]) => {
      const item = document.createElement("div");
      const term = document.createElement("dt");
      term.textContent = name;
      const definition = document.createElement("dd");
      definition.textContent = String(value);
      item.append(term, definition);
      return item;
    }));
  }

  renderShapes(shapes) {
    const now = Date.now();
    this.fill("#shapes", shapes, (shape) => [
      shape.handle, shape.table, shape.where ?? "", JSON.stringify(shape.params), shape.rows ?? "—", shape.logEntries,
      bytes(shape.snapshotBytes + shape.logBytes), shape.subscribers, shape.lastOffset,
      ago(now - shape.createdAtMilliseconds), `${shape.secondsSinceLastRead.toFixed(1)} s ago`,
    ], (row, shape) => {
      row.dataset.handle = shape.handle;
      row.tabIndex = 0;
      row.setAttribute("aria-selected", String(shape.handle === this.selected));
      const open = () => { this.selected = shape.handle; this.refresh(); };
      row.addEventListener("click", open);
      row.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(); } });
    });
    const focused = document.activeElement?.dataset?.handle;
    if (focused) $(`#shapes tr[data-handle="${CSS.escape(focused)}"]`)?.focus();
  }

  async renderDetail(handle) {
    let detail;
    try {
      detail = await this.get(`shapes/${encodeURIComponent(handle)}`);
    } catch (error) {
      if (error.status === 404) { this.selected = null; $("#shape-detail").hidden = true; return; }
      throw error;
    }
    $("#shape-detail").hidden = false;
    $("#shape-detail-title").textContent = `${detail.shape.table} ${detail.shape.where ?? ""} ${JSON.stringify(detail.shape.params)}: ${detail.rows.length} rows`;
    $("#shape-rows").textContent = detail.rows.map((row) => JSON.stringify(row.value)).join("\n") || "(none)";
    $("#shape-log").textContent = detail.log.map((entry) => `${entry.offset}  ${JSON.stringify(entry.message)}`).join("\n") || "(none since the snapshot)";
  }

  /** What `user`'s token would sync: each shape with its rows. */
  async showAsUser(user) {
    $("#as-user-error").textContent = "";
    let view;
    try {
      view = await this.get(`as-user?user=${encodeURIComponent(user)}`);
    } catch (error) {
      $("#as-user-error").textContent = error.message;
      return;
    }
    $("#as-user").replaceChildren(...view.shapes.flatMap((shape) => {
      const title = document.createElement("h3");
      title.textContent = `${shape.table} where ${shape.where} ${JSON.stringify(shape.params)}: ${shape.rows.length} rows`;
      const rows = document.createElement("pre");
      rows.textContent = shape.rows.map((row) => JSON.stringify(row)).join("\n") || "(no rows)";
      return [title, rows];
    }));
  }

  renderTransactions(transactions) {
    this.fill("#transactions", transactions, (record) => [
      record.txid, Object.entries(record.tables).map(([table, count]) => `${table} ${count}`).join(", "), record.rows, record.shapes,
      record.committedAtMilliseconds ? new Date(record.committedAtMilliseconds).toLocaleTimeString() : "—",
      ms(record.commitToAppliedMs), ms(record.commitToDeliveredMs),
    ], (row, record) => { row.dataset.txid = record.txid; });
  }

  renderClients(clients) {
    const now = Date.now();
    this.fill("#clients", clients, (client) => [
      client.user, client.table, JSON.stringify(client.params), client.livePolls, client.requests, client.lastStatus,
      client.lastOffset ?? "—", ago(now - client.lastRequestAtMilliseconds),
    ]);
  }

  renderRequests(routes) {
    this.fill("#requests", routes, (route) => [route.route, route.requests, route.lastMinute, route.errors]);
  }

  /** Replaces a table's body with one row per item. */
  fill(selector, items, cells, decorate) {
    const rows = items.map((item) => {
      const row = document.createElement("tr");
      for (const value of cells(item)) {
        const cell = document.createElement("td");
        cell.textContent = String(value);
        row.append(cell);
      }
      decorate?.(row, item);
      return row;
    });
    $(`${selector} tbody`).replaceChildren(...rows);
  }
}

function bytes(count) {
  return count < 1024 ? `${count} B` : count < 1 << 20 ? `${(count / 1024).toFixed(1)} KB` : `${(count / (1 << 20)).toFixed(1)} MB`;
}

function ms(value) {
  return value === undefined || value === null ? "—" : `${value} ms`;
}

function ago(milliseconds) {
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  return seconds < 60 ? `${seconds} s ago` : seconds < 3600 ? `${Math.round(seconds / 60)} min ago` : `${Math.round(seconds / 3600)} h ago`;
}

new Inspector().start();
