// Changes to tasks through the HTTP API. Each sends If-Match with the version the page shows;
// a refusal shows the server's message, and the page then fetches the task's true state.
// Replies go into the store at once, so the page does not wait for the live event.

import { toast, announce, statusLabel } from './ui.js';

export class Actions {
  constructor(api, store) {
    this.api = api;
    this.store = store;
  }

  /** Runs a call; on failure says why (the server's words) and reloads the task. */
  async run(taskId, what, call, { quiet = false } = {}) {
    try {
      const reply = await call();
      if (reply && reply.id && reply.version) this.store.put(reply);
      if (!quiet) announce(what);
      return reply;
    } catch (e) {
      toast(e.message, 'error');
      announce(`${what} failed: ${e.message}`);
      if (taskId) await this.reload(taskId);
      throw e;
    }
  }

  async reload(id) {
    try {
      this.store.put(await this.api.get(`/tasks/${enc(id)}`));
    } catch (e) {
      if (e.status === 404) this.store.drop(id);
    }
  }

  create(fields, idempotencyKey) {
    return this.run(null, `Created ${fields.title}`, () => this.api.post('/tasks', fields,
      { headers: { 'Idempotency-Key': idempotencyKey } }));
  }

  patch(task, fields, version = task.version) {
    return this.run(task.id, `Saved #${task.id}`, () => this.api.patch(`/tasks/${enc(task.id)}`,
      fields, { headers: ifMatch(version) }));
  }

  /** A status move through its endpoint; note is the reason, output or error. */
  move(task, to, note) {
    const id = enc(task.id);
    const headers = ifMatch(task.version);
    const text = note && note.trim() ? note.trim() : null;
    const what = `#${task.id} ${statusLabel(task.status)} → ${statusLabel(to)}`;
    return this.run(task.id, what, () => {
      switch (to) {
        case 'running': return this.api.post(`/tasks/${id}/start`, undefined, { headers });
        case 'completed': return this.api.post(`/tasks/${id}/complete`,
          text ? { output: parseMaybeJson(text) } : {}, { headers });
        case 'failed': return this.api.post(`/tasks/${id}/fail`,
          text ? { error: { message: text } } : {}, { headers });
        case 'cancelled': return this.api.post(`/tasks/${id}/cancel`,
          text ? { reason: text } : {}, { headers });
        case 'pending': return this.api.post(`/tasks/${id}/reopen`,
          text ? { reason: text } : {}, { headers });
        default: return this.api.patch(`/tasks/${id}`, { status: to }, { headers });
      }
    });
  }

  progress(task, progress, message) {
    const body = { progress };
    if (message) body.message = message;
    return this.run(task.id, `#${task.id} progress ${progress}%`,
      () => this.api.post(`/tasks/${enc(task.id)}/progress`, body));
  }

  addEntry(task, entry) {
    return this.run(task.id, `Added a ${entry.kind} to #${task.id}`,
      () => this.api.post(`/tasks/${enc(task.id)}/entries`, entry));
  }

  share(task, userId) {
    return this.run(task.id, `Shared #${task.id} with ${userId}`,
      () => this.api.put(`/tasks/${enc(task.id)}/shares/${enc(userId)}`));
  }

  unshare(task, userId) {
    return this.run(task.id, `Stopped sharing #${task.id} with ${userId}`,
      () => this.api.del(`/tasks/${enc(task.id)}/shares/${enc(userId)}`));
  }

  async remove(task) {
    await this.run(task.id, `Deleted #${task.id}`, () => this.api.del(`/tasks/${enc(task.id)}`,
      { headers: ifMatch(task.version) }));
    this.store.drop(task.id);
    toast(`Deleted #${task.id} ${task.title}`);
  }
}

function ifMatch(version) {
  return version ? { 'If-Match': `"${version}"` } : {};
}

function enc(s) {
  return encodeURIComponent(s);
}

function parseMaybeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
