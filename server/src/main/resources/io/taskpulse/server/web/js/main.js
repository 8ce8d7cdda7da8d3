// Boot: sign-in, the shell (header, badge, navigation), and the hash router over the views.

import { createApi } from './api.js';
import { Session } from './session.js';
import { Store } from './store.js';
import { Live } from './live.js';
import { Actions } from './actions.js';
import { mountBadge } from './badge.js';
import { h, icon, mountNotices, announce, statusLabel } from './ui.js';
import { openTaskForm, openHelp } from './forms.js';
import * as board from './views/board.js';
import * as projects from './views/projects.js';
import * as calendar from './views/calendar.js';
import * as detail from './views/task.js';
import * as activity from './views/activity.js';
import * as manager from './views/manager.js';

const ROUTES = [
  { re: /^\/board$/, view: board, nav: 'board' },
  { re: /^\/projects$/, view: projects, nav: 'projects' },
  { re: /^\/projects\/([^/]+)$/, view: projects, nav: 'projects' },
  { re: /^\/calendar$/, view: calendar, nav: 'calendar' },
  { re: /^\/tasks\/([^/]+)$/, view: detail, nav: null },
  { re: /^\/activity$/, view: activity, nav: 'activity' },
  { re: /^\/manager$/, view: manager, nav: 'manager' },
];

const NAV = [
  ['board', 'Board'], ['projects', 'Projects'], ['calendar', 'Calendar'],
  ['activity', 'Activity'], ['manager', 'Task manager'],
];

const app = document.getElementById('app');
const session = new Session();
const api = createApi(session);
session.api = api;

let ctx = null;

session.addEventListener('signedout', (e) => {
  if (ctx) ctx.teardown();
  ctx = null;
  showLogin(e.detail.reason);
});

if (session.signedIn) startShell();
else showLogin('');

// ---------- sign-in ----------

function showLogin(reason) {
  app.replaceChildren();
  const error = h('p', { class: 'form-error', role: 'alert', id: 'login-error' }, reason || '');
  const user = h('input', { type: 'text', name: 'username', autocomplete: 'username', required: true, id: 'login-user' });
  const pass = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, id: 'login-pass' });
  const submit = h('button', { class: 'btn primary', type: 'submit' }, 'Sign in');
  const form = h('form', { 'aria-labelledby': 'login-title' },
    h('div', { class: 'brand', id: 'login-title' }, icon('logo', 'logo'), 'Taskpulse'),
    h('p', { class: 'muted' }, 'Sign in with your Taskpulse account.'),
    error,
    h('label', { class: 'field' }, 'Username', user),
    h('label', { class: 'field' }, 'Password', pass),
    submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    try {
      await session.login(user.value.trim(), pass.value);
      startShell();
    } catch (err) {
      error.textContent = err.message; // the server's own words, e.g. "wrong username or password"
      pass.select();
    } finally {
      submit.disabled = false;
    }
  });
  app.append(h('div', { class: 'login' }, form));
  mountNotices(app);
  user.focus();
}

// ---------- the shell ----------

function startShell() {
  app.replaceChildren();
  const store = new Store();
  const live = new Live(store, session, api);
  const actions = new Actions(api, store);
  const main = h('main', { id: 'view', tabindex: '-1' });
  const nav = h('nav', { class: 'nav', 'aria-label': 'Views' },
    NAV.map(([id, label]) => h('a', { href: '#/' + id, dataset: { nav: id } }, label)));
  const themeBtn = h('button', { class: 'btn ghost', type: 'button', id: 'theme-toggle' }, icon('theme'));
  const newBtn = h('button', { class: 'btn primary', type: 'button', id: 'new-task',
    'aria-keyshortcuts': 'n', title: 'New task (n)' }, icon('plus'), 'New task');
  const signOut = h('button', { class: 'btn', type: 'button', id: 'sign-out' }, 'Sign out');
  const header = h('header', { class: 'top' },
    h('a', { class: 'brand', href: '#/board' }, icon('logo', 'logo'), 'Taskpulse'),
    nav, h('div', { class: 'spacer' }), newBtn,
    h('div', { id: 'badge-slot' }), themeBtn,
    h('span', { class: 'who', id: 'who' }, session.user?.name || session.user?.id || ''),
    signOut);
  app.append(header, main);
  mountNotices(app);
  const badge = mountBadge(header.querySelector('#badge-slot'), live);

  ctx = { api, session, store, live, actions, main, projects: [], users: [], view: null,
    unsubscribe: null, reload: () => loadReference() };
  ctx.teardown = () => {
    window.removeEventListener('hashchange', route);
    document.removeEventListener('keydown', keys);
    if (ctx.view && ctx.view.unmount) ctx.view.unmount();
    ctx.unsubscribe && ctx.unsubscribe();
    badge.unmount();
    live.stop();
  };
  window.taskpulse = { store, live, session }; // for the curious (and the browser tests)

  newBtn.addEventListener('click', () => openTaskForm(ctx, null));
  signOut.addEventListener('click', () => session.signOut('You signed out.'));
  setupTheme(themeBtn);

  const views = store.subscribe((batch) => ctx.view && ctx.view.update && ctx.view.update(batch));
  const statuses = tellStatusChanges(store);
  ctx.unsubscribe = () => { views(); statuses(); };
  loadReference();
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', keys);
  live.start();
  route();

  function route() {
    if (!location.hash || location.hash === '#' || location.hash === '#/') {
      history.replaceState(null, '', '#/board');
    }
    const [path, query] = location.hash.slice(1).split('?');
    const params = new URLSearchParams(query || '');
    let found = ROUTES.find((r) => r.re.test(path));
    if (!found) {
      history.replaceState(null, '', '#/board');
      found = ROUTES[0];
    }
    const m = (path.match(found.re) || []).slice(1).map(decodeURIComponent);
    const same = ctx.view && ctx.view.module === found.view && ctx.view.path === path;
    if (same && ctx.view.query) {
      ctx.view.query(params); // only the query changed (filters, month)
      return;
    }
    // A keyboard user who followed a link or a card lands on the new view's heading.
    const hadFocus = document.activeElement && document.activeElement !== document.body;
    if (ctx.view && ctx.view.unmount) ctx.view.unmount();
    main.replaceChildren();
    for (const a of nav.querySelectorAll('a')) {
      if (a.dataset.nav === found.nav) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    ctx.view = found.view.mount(main, ctx, m, params) || {};
    ctx.view.module = found.view;
    ctx.view.path = path;
    const heading = main.querySelector('h1');
    if (heading && hadFocus && !main.contains(document.activeElement)) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  }

  function keys(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t.closest && t.closest('input, textarea, select, [contenteditable], dialog')) return;
    if (e.key === 'n') {
      e.preventDefault();
      openTaskForm(ctx, null);
    } else if (e.key === '?') {
      e.preventDefault();
      openHelp();
    } else if (e.key === '/') {
      const search = main.querySelector('input[type="search"]');
      if (search) {
        e.preventDefault();
        search.focus();
      }
    }
  }
}

/**
 * Status changes, told to screen readers through the polite live region: a few by name,
 * a burst as a count, at most every 1.5 s so a busy board does not drown the reader.
 */
function tellStatusChanges(store) {
  const heard = [];
  let timer = 0;
  const say = () => {
    timer = 0;
    const events = heard.splice(0);
    if (events.length > 3) {
      announce(`${events.length} tasks changed status`);
    } else if (events.length) {
      announce(events.map((e) => `${e.task?.title || '#' + e.taskId}: ${statusLabel(e.changes.status[1])}`).join('. '));
    }
  };
  const unsubscribe = store.subscribe((batch) => {
    for (const e of batch.events) {
      if (e.type === 'task.status_changed' && e.changes && e.changes.status) heard.push(e);
    }
    if (heard.length > 100) heard.splice(0, heard.length - 100);
    if (heard.length && !timer) timer = setTimeout(say, 1500);
  });
  return () => {
    clearTimeout(timer);
    unsubscribe();
  };
}

/** Projects and users for the forms and labels; refreshed now and then. */
async function loadReference() {
  const c = ctx;
  try {
    const [p, u] = await Promise.all([api.get('/projects'), api.get('/users')]);
    if (c !== ctx) return;
    c.projects = p.projects;
    c.users = u.users;
    c.store.batch.reference = true;
    c.store.schedule();
  } catch {
    // shown as ids until the next try
  }
}

// ---------- theme ----------

function setupTheme(btn) {
  const order = ['system', 'light', 'dark'];
  const label = () => {
    const t = localStorage.getItem('taskpulse.theme') || 'system';
    btn.setAttribute('aria-label', `Theme: ${t}. Change theme`);
    btn.title = `Theme: ${t}`;
    return t;
  };
  label();
  btn.addEventListener('click', () => {
    const cur = localStorage.getItem('taskpulse.theme') || 'system';
    const next = order[(order.indexOf(cur) + 1) % order.length];
    if (next === 'system') {
      localStorage.removeItem('taskpulse.theme');
      delete document.documentElement.dataset.theme;
    } else {
      localStorage.setItem('taskpulse.theme', next);
      document.documentElement.dataset.theme = next;
    }
    announce(`Theme: ${label()}`);
  });
}
