// qactl's JSON API from the browser: the auth token (kept in this tab's
// sessionStorage, never in a URL the server sees), shape tokens cached until
// shortly before they expire, and errors as readable messages.

const AUTH_KEY = "qactl.authToken";

export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The auth token from a sign-in link's fragment (`#token=…`), removed from the address bar. */
export function takeTokenFromFragment() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get("token");
  if (!token) return null;
  history.replaceState(null, "", location.pathname + location.search);
  return token;
}

export function storedToken() {
  return sessionStorage.getItem(AUTH_KEY);
}

export function storeToken(token) {
  if (token) sessionStorage.setItem(AUTH_KEY, token);
  else sessionStorage.removeItem(AUTH_KEY);
}

/** The user a token names (its `sub`), or null when it is not a JWT. Display only: the server verifies. */
export function tokenSubject(token) {
  try {
    const part = token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
    const claims = JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")));
    return typeof claims.sub === "string" ? claims.sub : null;
  } catch {
    return null;
  }
}

export class API {
  constructor(authToken) {
    this.authToken = authToken;
    this.shapeTokens = new Map();
  }

  async post(path, body) {
    let response;
    try {
      response = await fetch(path, {
        method: "POST",
        headers: { authorization: `Bearer ${this.authToken}`, "content-type": "application/json" },
        body: JSON.stringify(body),
        cache: "no-store",
      });
    } catch {
      throw new APIError(0, "offline", "The server cannot be reached");
    }
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = json.error ?? {};
      throw new APIError(response.status, error.code ?? "internal", error.message ?? `The server answered ${response.status}`);
    }
    return json;
  }

  /** A provider of shape tokens for one shape, for ``ShapeStream``. */
  shapeTokenSource(table, params) {
    const key = JSON.stringify([table, params]);
    return {
      token: async () => {
        const cached = this.shapeTokens.get(key);
        if (cached && cached.expiresAt - Date.now() > 30_000) return cached.token;
        const issued = await this.post("/shapes/auth-token", params ? { table, params } : { table });
        this.shapeTokens.set(key, { token: issued.token, expiresAt: Date.parse(issued.expiresAt) });
        return issued.token;
      },
      tokenRefused: () => this.shapeTokens.delete(key),
    };
  }

  createConversation(id, title) {
    return this.post("/conversations", { id, title });
  }

  sendQuestion(conversationId, questionId, answerId, content) {
    return this.post("/questions/send", { conversationId, questionId, answerId, content });
  }
}
