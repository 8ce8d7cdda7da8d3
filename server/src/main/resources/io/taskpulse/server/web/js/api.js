// The HTTP API (/api/v1) with the session's token. Errors carry the server's code and message.

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

export function createApi(session) {
  async function request(method, path, { body, headers = {}, signal, auth = true } = {}) {
    const h = { ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    if (auth && session.token) h.Authorization = 'Bearer ' + session.token;
    let res;
    try {
      res = await fetch('/api/v1' + path, {
        method, headers: h, signal, cache: 'no-store',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, 'network', 'The server cannot be reached.', {});
    }
    const text = await res.text();
    let json = null;
    if (text) {
      try { json = JSON.parse(text); } catch { json = null; }
    }
    if (!res.ok) {
      const err = json && json.error;
      const e = new ApiError(res.status, err?.code || 'http_' + res.status,
        err?.message || `${res.status} ${res.statusText}`, err?.details);
      if (res.status === 401 && auth) session.rejected(e.message);
      throw e;
    }
    return json;
  }

  return {
    get: (path, o) => request('GET', path, o),
    post: (path, body, o) => request('POST', path, { ...o, body }),
    patch: (path, body, o) => request('PATCH', path, { ...o, body }),
    put: (path, o) => request('PUT', path, o),
    del: (path, o) => request('DELETE', path, o),
    request,
  };
}

/** Every page of GET /tasks (newest first) and the offset of the first page. */
export async function listAllTasks(api, signal) {
  let cursor = null;
  let offset = null;
  let epoch = null;
  let sight = null;
  const tasks = [];
  do {
    const q = '/tasks?limit=500' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
    const page = await api.get(q, { signal });
    if (offset === null) {
      offset = page.offset; // the lowest: later pages are as new or newer
      epoch = page.epoch;
      sight = page.sight; // what the account could see when the snapshot began
    }
    tasks.push(...page.tasks);
    cursor = page.nextCursor;
  } while (cursor);
  return { tasks, offset, epoch, sight };
}
