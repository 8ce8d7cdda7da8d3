// The signed-in session: the token in sessionStorage, refreshed before it expires.

const KEY = 'taskpulse.session';

function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part + '==='.slice((part.length + 3) % 4)));
  } catch {
    return {};
  }
}

export class Session extends EventTarget {
  constructor() {
    super();
    this.token = null;
    this.user = null;
    this.expiresAt = 0;
    this.refreshAt = 0;
    this.timer = 0;
    this.refreshing = null;
    this.api = null;
    try {
      const saved = JSON.parse(sessionStorage.getItem(KEY) || 'null');
      if (saved && saved.token) this.adopt(saved, saved.receivedAt);
    } catch { /* nothing kept */ }
    document.addEventListener('visibilitychange', () => {
      // Background tabs run timers late: check on return.
      if (!document.hidden && this.token && Date.now() >= this.refreshAt) this.refresh();
    });
  }

  get signedIn() {
    return !!this.token && Date.now() < this.expiresAt;
  }

  /** Takes a login or refresh reply. The lifetime comes from the token (exp - iat), so a
   * client clock that is off does not matter; the refresh is due when 3/4 of it has passed,
   * at most 5 minutes before the end, and a second earlier still (token times are whole
   * seconds, so the real end can be up to a second sooner). */
  adopt(reply, receivedAt = Date.now()) {
    this.token = reply.token;
    this.user = reply.user;
    const c = claims(reply.token);
    const lifetime = c.exp && c.iat ? (c.exp - c.iat) * 1000
      : Date.parse(reply.expiresAt) - receivedAt;
    this.expiresAt = receivedAt + lifetime;
    this.refreshAt = receivedAt + lifetime - Math.min(5 * 60_000, lifetime / 4) - 1000;
    sessionStorage.setItem(KEY, JSON.stringify({ ...reply, receivedAt }));
    this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    if (!this.token) return;
    this.timer = setTimeout(() => this.refresh(), Math.max(0, this.refreshAt - Date.now()));
  }

  async login(username, password) {
    const reply = await this.api.post('/auth/login', { username, password }, { auth: false });
    this.adopt(reply);
    this.dispatchEvent(new Event('signedin'));
  }

  /** Gets a fresh token; one at a time. Resolves to true when a new token is in place. */
  refresh() {
    if (this.refreshing) return this.refreshing;
    this.refreshing = (async () => {
      try {
        const reply = await this.api.post('/auth/refresh');
        this.adopt(reply);
        this.dispatchEvent(new Event('token'));
        return true;
      } catch (e) {
        if (e.status === 401) return false; // rejected() has signed out
        // The server is away: try again soon, while the token still lasts.
        const left = this.expiresAt - Date.now();
        if (left > 0) {
          clearTimeout(this.timer);
          this.timer = setTimeout(() => this.refresh(), Math.min(10_000, Math.max(1000, left / 2)));
        }
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** The server refused the token: the session is over. */
  rejected(message) {
    if (!this.token) return;
    this.signOut(message || 'Your session ended. Sign in again.');
  }

  signOut(reason = '') {
    clearTimeout(this.timer);
    this.token = null;
    this.user = null;
    sessionStorage.removeItem(KEY);
    this.dispatchEvent(new CustomEvent('signedout', { detail: { reason } }));
  }
}
