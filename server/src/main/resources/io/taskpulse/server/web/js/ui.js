// Small DOM helpers, the status table, icons, formatting, toasts and announcements.

export const STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'disabled'];

export const STATUS = {
  pending: { label: 'Pending', icon: 'circle' },
  running: { label: 'Running', icon: 'play' },
  completed: { label: 'Completed', icon: 'check' },
  failed: { label: 'Failed', icon: 'cross' },
  cancelled: { label: 'Cancelled', icon: 'ban' },
  disabled: { label: 'Disabled', icon: 'pause' },
};

/** The moves the server allows (PROTOCOL section 2); the server stays the judge. */
export const MOVES = {
  pending: ['running', 'cancelled', 'disabled'],
  running: ['completed', 'failed', 'cancelled', 'pending'],
  completed: ['pending'],
  failed: ['pending'],
  cancelled: ['pending'],
  disabled: ['pending'],
};

export const FINISHED = new Set(['completed', 'failed', 'cancelled']);

const PATHS = {
  circle: '<circle cx="8" cy="8" r="5.2" fill="none" stroke="currentColor" stroke-width="2"/>',
  play: '<path d="M5 3.2v9.6L13 8z" fill="currentColor"/>',
  check: '<path d="M3 8.5l3.2 3.2L13 4.8" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>',
  cross: '<path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"/>',
  ban: '<circle cx="8" cy="8" r="5.6" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M4.2 11.8l7.6-7.6" stroke="currentColor" stroke-width="1.8"/>',
  pause: '<path d="M5 3.5v9M11 3.5v9" stroke="currentColor" stroke-width="2.4" stroke-linecap="round"/>',
  plus: '<path d="M8 3v10M3 8h10" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>',
  link: '<path d="M6.5 9.5l3-3M7 4.5l1-1a2.8 2.8 0 014 4l-1 1M9 11.5l-1 1a2.8 2.8 0 01-4-4l1-1" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round"/>',
  comment: '<path d="M3 3.5h10v7H7l-3 2.5v-2.5H3z" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/>',
  log: '<path d="M3 4h10M3 8h7M3 12h9" stroke="currentColor" stroke-width="1.6" stroke-linecap="round"/>',
  theme: '<circle cx="8" cy="8" r="5.5" fill="none" stroke="currentColor" stroke-width="1.6"/><path d="M8 2.5a5.5 5.5 0 010 11z" fill="currentColor"/>',
  logo: '<circle cx="8" cy="8" r="7" fill="#3B82F6"/><path d="M3 8.5h2.5l1.5-3.5 2 6.5 1.5-3h2.5" fill="none" stroke="#fff" stroke-width="1.4" stroke-linecap="round" stroke-linejoin="round"/>',
};

/** An inline SVG icon (no font or file needed). */
export function icon(name, cls = 'icon') {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.innerHTML = PATHS[name] || PATHS.circle;
  return svg;
}

/** h('div', {class: 'x', onclick: f}, child, 'text', [more]) -> Element. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'text') el.textContent = v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, v);
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** A status pill: colour, icon and label together (never colour alone). */
export function pill(status) {
  const s = STATUS[status] || { label: status, icon: 'circle' };
  return h('span', { class: `pill s-${status}`, dataset: { status } }, icon(s.icon), s.label);
}

export function statusLabel(status) {
  return STATUS[status]?.label ?? status;
}

// ---------- formatting ----------

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function fmtDateTime(iso) {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

export function fmtTime(iso) {
  return iso ? timeOnly.format(new Date(iso)) : '';
}

export function fmtAgo(iso, now = Date.now()) {
  if (!iso) return '—';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 0) return 'in ' + fmtDuration(-s * 1000);
  if (s < 5) return 'just now';
  return fmtDuration(s * 1000) + ' ago';
}

export function fmtDuration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const hr = Math.floor(m / 60);
  if (hr < 48) return `${hr}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(hr / 24)}d ${hr % 24}h`;
}

export function fmtJson(value) {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** A one-line summary of an output or error value. */
export function summary(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof value.message === 'string') return value.message;
  return JSON.stringify(value);
}

export function numericId(a, b) {
  return Number(b) - Number(a) || (a < b ? 1 : a > b ? -1 : 0);
}

/** Only http(s) links are rendered as links: data from a timeline is not trusted. */
export function safeUrl(url) {
  try {
    const u = new URL(String(url), location.href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

// ---------- toasts and announcements ----------

let toastBox;
let announcer;

export function mountNotices(root) {
  toastBox = h('div', { class: 'toasts', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  announcer = h('div', { class: 'sr-only', 'aria-live': 'polite', id: 'announcer' });
  root.append(toastBox, announcer);
}

export function toast(message, kind = 'info') {
  if (!toastBox) return;
  const close = h('button', { 'aria-label': 'Dismiss', type: 'button' }, '×');
  const el = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('span', { class: 'msg' }, message), close);
  const remove = () => el.remove();
  close.addEventListener('click', remove);
  toastBox.append(el);
  while (toastBox.children.length > 4) toastBox.firstElementChild.remove();
  setTimeout(remove, kind === 'error' ? 10000 : 5000);
  return el;
}

/** Says something to screen readers without showing it. */
export function announce(text) {
  if (!announcer) return;
  announcer.textContent = '';
  setTimeout(() => { announcer.textContent = text; }, 30);
}

/** Runs fn at most once per animation frame (or 250 ms when frames are not drawn). */
export function frameScheduler(fn) {
  let raf = 0;
  let timer = 0;
  const run = () => {
    cancelAnimationFrame(raf);
    clearTimeout(timer);
    raf = 0;
    timer = 0;
    fn();
  };
  return () => {
    if (raf || timer) return;
    raf = requestAnimationFrame(run);
    timer = setTimeout(run, 250);
  };
}

/**
 * Like frameScheduler, but paced: when a run and the frame it caused took longer than about
 * one and a half frames, the next run waits twice that long (at most 400 ms). While events
 * pour in, rendering them keeps at most a third of the page's time and scrolling, typing and
 * the highlight stay smooth; a quiet page still shows each change in the next frame.
 */
export function pacedScheduler(fn) {
  let notBefore = 0;
  let timer = 0;
  let frame = null;
  const run = () => {
    const now = performance.now();
    if (now < notBefore) {
      if (!timer) timer = setTimeout(() => { timer = 0; frame(); }, notBefore - now);
      return;
    }
    notBefore = now + 250; // until the next frame says what this one cost (none while hidden)
    fn();
    requestAnimationFrame(() => {
      const cost = performance.now() - now;
      notBefore = now + cost + (cost > 24 ? Math.min(2 * cost, 400) : 0);
    });
  };
  frame = frameScheduler(run);
  return frame;
}

/**
 * Briefly highlights an element that changed, without moving anything: its ::after overlay
 * fades (a CSS animation of its opacity). Two class names with the same keyframes restart the
 * animation without forcing a style or layout pass (element.animate() would force one each call).
 */
export function flash(el) {
  if (el.classList.contains('flash-a')) {
    el.classList.replace('flash-a', 'flash-b');
  } else if (el.classList.contains('flash-b')) {
    el.classList.replace('flash-b', 'flash-a');
  } else {
    el.classList.add('flash-a');
  }
}

export function debounce(fn, ms) {
  let t = 0;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}
