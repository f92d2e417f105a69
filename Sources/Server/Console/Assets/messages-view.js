// The conversation's messages as a keyed list: each row keeps its element,
// only changed text is touched, so streaming answers and confirmations never
// rebuild (or flicker) what is already on screen.

/** Postgres text form of a time, as the server writes created_at (UTC, microseconds). */
export function timestampText(date, extraMicros = 0) {
  const iso = date.toISOString(); // 2026-12-01T20:41:05.123Z
  const micros = String(Number(iso.slice(20, 23)) * 1000 + extraMicros).padStart(6, "0");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${micros}+00`;
}

function byCreation(a, b) {
  return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1;
}

export class MessagesView {
  /** @param {HTMLOListElement} list */
  constructor(list) {
    this.list = list;
    this.items = new Map();
    // Whether to follow new messages: kept from scroll events, so rendering
    // never reads layout (a forced layout in the Enter handler delays the frame).
    this.followBottom = true;
    this.scrollPending = false;
    list.addEventListener("scroll", () => {
      this.followBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    }, { passive: true });
  }

  clear() {
    this.items.clear();
    this.list.replaceChildren();
    this.followBottom = true;
  }

  /**
   * @param {object[]} rows
   * @param {(id: string) => string} meta  the line under a message ("sending…", "✓ 17 ms")
   * @param {(id: string) => boolean} pending  whether a row is an unconfirmed write
   */
  render(rows, meta, pending) {
    const sorted = [...rows].sort(byCreation);
    const keep = new Set();
    let previous = null;
    for (const row of sorted) {
      keep.add(row.id);
      let item = this.items.get(row.id);
      if (!item) {
        item = this.#create(row);
        this.items.set(row.id, item);
      }
      this.#update(item, row, meta(row.id), pending(row.id));
      const expected = previous ? previous.nextSibling : this.list.firstChild;
      if (item !== expected) this.list.insertBefore(item, expected);
      previous = item;
    }
    for (const [id, item] of this.items) {
      if (keep.has(id)) continue;
      item.remove();
      this.items.delete(id);
    }
    if (this.followBottom && !this.scrollPending) {
      this.scrollPending = true;
      requestAnimationFrame(() => {
        this.scrollPending = false;
        this.list.scrollTop = this.list.scrollHeight;
      });
    }
  }

  #create(row) {
    const item = document.createElement("li");
    item.className = `message ${row.role === "user" ? "user" : "assistant"}`;
    item.dataset.id = row.id;
    const who = document.createElement("div");
    who.className = "visually-hidden";
    who.textContent = row.role === "user" ? "You asked:" : "Answer:";
    const text = document.createElement("div");
    text.className = "text";
    const meta = document.createElement("div");
    meta.className = "meta";
    item.append(who, text, meta);
    return item;
  }

  #update(item, row, metaText, isPending) {
    const [, text, meta] = item.children;
    let shown = row.content ?? "";
    if (row.role === "assistant" && row.status === "pending") shown = "Generating answer…";
    if (text.textContent !== shown) text.textContent = shown;
    if (item.dataset.status !== row.status) item.dataset.status = row.status;
    const state = isPending ? "sending" : "confirmed";
    if (item.dataset.state !== state) item.dataset.state = state;
    const line = row.role === "assistant" && row.status === "streaming" ? "streaming…" : metaText;
    if (meta.textContent !== line) meta.textContent = line;
    item.setAttribute("aria-busy", String(row.status === "pending" || row.status === "streaming"));
  }
}
