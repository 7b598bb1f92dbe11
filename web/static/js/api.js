// The JSON API, as every other client uses it: /api/v1, authenticated here by the
// session cookie. Errors arrive as {"error": {"code", "message"}} and are thrown as
// ApiError so pages can show the server's own explanation.

/** An API error: HTTP `status`, the error's `code`, and the whole JSON `body` (or null). */
export class ApiError extends Error {
  constructor(status, code, message, body = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/** `/api/v1${path}?query` with the empty query values left out. */
export function apiUrl(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "" && value !== false) {
      params.set(key, String(value));
    }
  }
  const qs = params.toString();
  return `/api/v1${path}${qs ? `?${qs}` : ""}`;
}

/**
 * Calls the API and returns the parsed JSON body (null for 204).
 * `body` is sent as JSON. A 401 (the session ended) goes to the login page.
 * Throws ApiError with the server's code and message.
 */
export async function api(path, { method = "GET", query, body, signal } = {}) {
  const init = { method, signal, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(apiUrl(path, query), init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, "network", "The server could not be reached. Check the connection and try again.");
  }
  if (response.status === 401) {
    toLogin();
    throw new ApiError(401, "unauthorized", "Your session has ended. Sign in again.");
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data && data.error;
    throw new ApiError(
      response.status,
      error ? error.code : `http_${response.status}`,
      error ? error.message : `The server answered ${response.status} ${response.statusText}.`,
      data,
    );
  }
  return data;
}

/** Every page of a cursor-paged list (`{items, next_cursor}`), up to `max` items. */
export async function all(path, query = {}, max = 1000) {
  const items = [];
  let cursor;
  do {
    const page = await api(path, { query: { ...query, cursor } });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

export function toLogin() {
  const next = location.pathname + location.search;
  location.assign(`/ui/login?next=${encodeURIComponent(next)}`);
}
