// The one live connection that feeds the store: WebSocket first, then SSE, then long-poll.
//
// Every attempt resumes from the store's offset and epoch (PROTOCOL section 5); a reply of
// recovered:false comes with a snapshot that replaces the state. When an attempt fails
// before it is live, a health probe tells "the server is away" (wait with backoff, then try
// the preferred transport again) from "the server is there but this transport cannot reach
// it" (try the next transport at once). A transport that was live and drops is retried from
// the top, so a page falls back only as far as it must.

import { listAllTasks } from './api.js';

const TYPES = ['task.created', 'task.updated', 'task.status_changed', 'task.progress',
  'task.entry_added', 'task.shared', 'task.unshared', 'task.deleted'];

export const TRANSPORTS = ['websocket', 'sse', 'longpoll'];

const OPEN_TIMEOUT_MS = 8000;
const PROBE_TIMEOUT_MS = 3000;

/** Full jitter: a random wait up to base * 2^attempt, capped. */
export function backoff(attempt, baseMs = 500, capMs = 10_000) {
  return Math.random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 16));
}

export class Live extends EventTarget {
  constructor(store, session, api) {
    super();
    this.store = store;
    this.session = session;
    this.api = api;
    this.level = 0;
    this.attempt = 0;
    this.transport = null;
    this.retryTimer = 0;
    this.state = { status: 'connecting', transport: TRANSPORTS[0], retryAt: 0, message: '' };
    this.stats = { opened: 0, live: 0, snapshots: 0, resumes: 0, fallbacks: 0, events: 0 };
    this.stopped = true;
    this.onToken = () => this.transport && this.transport.tokenChanged();
    this.onOnline = () => this.retryNow();
  }

  start() {
    this.stopped = false;
    this.session.addEventListener('token', this.onToken);
    window.addEventListener('online', this.onOnline);
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.session.removeEventListener('token', this.onToken);
    window.removeEventListener('online', this.onOnline);
    if (this.transport) this.transport.close();
    this.transport = null;
  }

  retryNow() {
    if (this.stopped || this.state.status === 'connected' || this.state.status === 'connecting') return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  setState(status, extra = {}) {
    this.state = { status, transport: TRANSPORTS[this.level], fallback: this.level > 0,
      retryAt: 0, message: '', ...extra };
    this.dispatchEvent(new Event('state'));
  }

  connect() {
    if (this.stopped) return;
    if (this.transport) this.transport.close();
    const Kind = [WsTransport, SseTransport, PollTransport][this.level];
    this.setState('connecting');
    this.stats.opened++;
    this.transport = new Kind(this);
    this.transport.open();
  }

  // ---- called by transports ----

  /** A transport hands its place to a successor (SSE does when the token changes). */
  handOver(from, to) {
    if (!this.isCurrent(from)) return;
    from.close();
    this.transport = to;
    to.open();
  }

  isCurrent(t) {
    return t === this.transport && !this.stopped;
  }

  live(t, { recovered }) {
    if (!this.isCurrent(t)) return;
    this.attempt = 0;
    this.stats.live++;
    if (recovered) this.stats.resumes++;
    this.setState('connected');
  }

  snapshot(t, tasks, offset, epoch, complete) {
    if (!this.isCurrent(t)) return;
    this.stats.snapshots++;
    this.store.replace(tasks, offset, epoch, complete);
  }

  event(t, ev) {
    if (!this.isCurrent(t)) return;
    if (this.store.apply(ev)) this.stats.events++;
  }

  /** The transport ended. wasLive: it had delivered; error: what the server said, if it did. */
  async ended(t, { wasLive, error }) {
    if (!this.isCurrent(t)) return;
    t.close();
    this.transport = null;
    if (error && error.code === 'token_expired') {
      // Our refresh came too late for this connection: get a token and come straight back.
      if (await this.session.refresh()) return this.connect();
    }
    if (error && error.code === 'unauthorized') {
      if (await this.session.refresh()) return this.connect();
      return this.session.rejected(error.message);
    }
    if (wasLive) {
      this.level = 0; // start again from the preferred transport
      return this.retryLater(error);
    }
    if (this.level < TRANSPORTS.length - 1 && await this.reachable()) {
      if (this.stopped || this.transport) return;
      this.level++;
      this.stats.fallbacks++;
      return this.connect();
    }
    this.retryLater(error);
  }

  retryLater(error) {
    if (this.stopped) return;
    const wait = backoff(this.attempt++);
    const retryAt = Date.now() + wait;
    this.setState(error ? 'error' : 'disconnected', { retryAt, message: error ? error.message : '' });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.level = 0;
      this.connect();
    }, wait);
  }

  /** Whether the server answers plain HTTP (so only the transport is blocked). */
  async reachable() {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), PROBE_TIMEOUT_MS);
    try {
      const res = await fetch('/api/v1/health/live', { cache: 'no-store', signal: ctl.signal });
      return res.ok;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}

// ---------------------------------------------------------------------------------------

class WsTransport {
  constructor(live) {
    this.live = live;
    this.ws = null;
    this.wasLive = false;
    this.hello = false;
    this.closed = false;
    this.error = null;
    this.pingTimer = 0;
    this.pongDue = 0;
    this.subId = 's' + Math.random().toString(36).slice(2, 8);
  }

  open() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    try {
      this.ws = new WebSocket(`${scheme}://${location.host}/api/v1/ws`);
    } catch {
      return this.finish();
    }
    this.openTimer = setTimeout(() => this.finish(), OPEN_TIMEOUT_MS);
    this.ws.onopen = () => this.send({ type: 'auth', token: this.live.session.token });
    this.ws.onmessage = (m) => this.onMessage(m.data);
    this.ws.onclose = () => this.finish();
    this.ws.onerror = () => {};
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  onMessage(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    this.pongDue = 0;
    switch (msg.type) {
      case 'hello': {
        this.hello = true;
        clearTimeout(this.openTimer);
        this.subscribe();
        const every = Math.max(5, msg.heartbeatSeconds || 25) * 1000;
        this.pingTimer = setInterval(() => this.heartbeat(), every);
        break;
      }
      case 'subscribed':
        if (msg.recovered) this.goLive(true);
        break;
      case 'snapshot':
        this.live.snapshot(this, msg.tasks, msg.offset, msg.epoch, msg.complete !== false);
        this.goLive(false);
        break;
      case 'event':
        this.live.event(this, msg.event);
        break;
      case 'error':
        if (msg.code === 'resubscribe' && msg.id === this.subId) {
          // The log dropped our place: start over from a snapshot.
          this.subId = 's' + Math.random().toString(36).slice(2, 8);
          this.live.store.offset = null;
          this.subscribe();
        } else if (!msg.id) {
          this.error = { code: msg.code, message: msg.message }; // the server closes next
        } else if (msg.id === this.subId) {
          // Our subscription was refused: say so and try again later.
          this.error = { code: msg.code, message: msg.message };
          this.ws.close();
          this.finish();
        }
        break;
      default:
        break; // pong, authenticated, unsubscribed
    }
  }

  subscribe() {
    const store = this.live.store;
    const sub = { type: 'subscribe', id: this.subId, stream: 'tasks' };
    if (store.offset !== null) {
      sub.after = store.offset;
      sub.epoch = store.epoch;
    }
    this.send(sub);
  }

  goLive(recovered) {
    if (this.wasLive) return;
    this.wasLive = true;
    this.live.live(this, { recovered });
  }

  /** Our own ping: a connection that stops answering is dropped and reopened. */
  heartbeat() {
    if (this.pongDue && Date.now() > this.pongDue) {
      this.ws.close();
      return this.finish();
    }
    if (!this.pongDue) this.pongDue = Date.now() + 10_000;
    this.send({ type: 'ping', id: 'p' });
  }

  tokenChanged() {
    if (this.hello) this.send({ type: 'auth', token: this.live.session.token });
  }

  finish() {
    if (this.closed) return;
    this.live.ended(this, { wasLive: this.wasLive, error: this.error });
  }

  close() {
    this.closed = true;
    clearTimeout(this.openTimer);
    clearInterval(this.pingTimer);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.onmessage = null;
      if (this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000);
    }
  }
}

// ---------------------------------------------------------------------------------------

class SseTransport {
  /** continuing: it takes over from a live stream (a new token), so the page stays "live". */
  constructor(live, continuing = false) {
    this.live = live;
    this.es = null;
    this.wasLive = false;
    this.closed = false;
    this.continuing = continuing;
  }

  open() {
    const store = this.live.store;
    const q = new URLSearchParams({ streams: 'tasks', token: this.live.session.token });
    if (store.offset !== null) {
      q.set('after', store.offset);
      if (store.epoch) q.set('epoch', store.epoch);
    }
    this.es = new EventSource('/api/v1/events/stream?' + q);
    this.openTimer = setTimeout(() => this.finish(null), OPEN_TIMEOUT_MS);
    this.es.addEventListener('subscribed', (e) => {
      clearTimeout(this.openTimer);
      const data = JSON.parse(e.data);
      if (data.recovered) this.goLive(true);
    });
    this.es.addEventListener('snapshot', (e) => {
      const s = JSON.parse(e.data);
      this.live.snapshot(this, s.tasks, s.offset, s.epoch, s.complete !== false);
      this.goLive(false);
    });
    for (const type of TYPES) {
      this.es.addEventListener(type, (e) => this.live.event(this, JSON.parse(e.data)));
    }
    this.es.addEventListener('error', (e) => {
      // A server frame "event: error" has data; the browser's own error event has none.
      if (typeof e.data === 'string' && e.data) {
        const err = JSON.parse(e.data);
        if (err.code === 'resubscribe') {
          // Our place is gone, or our access changed: a new stream from a snapshot, at once
          // and in place (the page stays live, as when the token changes).
          this.live.store.offset = null;
          return this.live.handOver(this, new SseTransport(this.live, true));
        }
        return this.finish(err);
      }
      this.finish(null);
    });
  }

  goLive(recovered) {
    if (this.wasLive) return;
    this.wasLive = true;
    if (!this.continuing) this.live.live(this, { recovered });
  }

  /** The stream's token is fixed in its URL: reopen with the new one, resuming in place. */
  tokenChanged() {
    if (!this.wasLive || this.closed) return;
    this.live.handOver(this, new SseTransport(this.live, true));
  }

  finish(error) {
    if (this.closed) return;
    this.live.ended(this, { wasLive: this.wasLive, error });
  }

  close() {
    this.closed = true;
    clearTimeout(this.openTimer);
    if (this.es) this.es.close();
  }
}

// ---------------------------------------------------------------------------------------

class PollTransport {
  constructor(live) {
    this.live = live;
    this.ctl = new AbortController();
    this.wasLive = false;
    this.closed = false;
    this.sight = null; // the feed's fingerprint of the account's teams and role, sent back
  }

  async open() {
    const { store, api } = this.live;
    const signal = this.ctl.signal;
    try {
      if (store.offset === null) await this.reload(signal);
      else await this.poll(signal, 0); // proves the feed answers before we say "live"
      this.goLive(true);
      while (!this.closed) await this.poll(signal, 25);
    } catch (e) {
      if (this.closed || e.name === 'AbortError') return;
      // No answer (status 0) is the server being away; an answer is the server's error.
      const error = e.status ? { code: e.status === 401 ? 'unauthorized' : e.code,
        message: e.message } : null;
      this.live.ended(this, { wasLive: this.wasLive, error });
    }
  }

  async reload(signal) {
    const { tasks, offset, epoch, sight } = await listAllTasks(this.live.api, signal);
    this.sight = sight;
    this.live.snapshot(this, tasks, offset, epoch, true);
  }

  async poll(signal, wait) {
    const store = this.live.store;
    const q = new URLSearchParams({ after: store.offset, wait, limit: 500 });
    if (store.epoch) q.set('epoch', store.epoch);
    // The feed answers recovered:false when the account's sight moved (a team left or joined).
    if (this.sight) q.set('sight', this.sight);
    const page = await this.live.api.get('/events?' + q, { signal });
    if (!page.recovered) {
      store.offset = null;
      await this.reload(signal);
      return;
    }
    for (const ev of page.events) this.live.event(this, ev);
    store.advance(page.next);
    this.sight = page.sight;
  }

  goLive(recovered) {
    if (this.wasLive) return;
    this.wasLive = true;
    this.live.live(this, { recovered });
  }

  tokenChanged() {
    // Each request reads the current token.
  }

  close() {
    this.closed = true;
    this.ctl.abort();
  }
}
