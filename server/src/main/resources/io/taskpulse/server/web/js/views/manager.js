// The task manager: running tasks with progress and elapsed time (cancel), and the ones
// that finished in the last day (retry a failed or cancelled one; clear them from view).

import { h, pill, fmtDuration, fmtAgo, summary, FINISHED, frameScheduler } from '../ui.js';

const DAY = 24 * 3600_000;
const CLEARED_KEY = 'taskpulse.manager.cleared';
const MAX_ROWS = 200;

export function mount(main, ctx) {
  const { store, actions } = ctx;
  const runningList = h('div', { id: 'manager-running' });
  const finishedList = h('div', { id: 'manager-finished' });
  const runningCount = h('span', { class: 'muted', id: 'running-count' });
  const finishedCount = h('span', { class: 'muted', id: 'finished-count' });
  const waiting = h('a', { class: 'muted', id: 'manager-waiting' });
  const clear = h('button', { class: 'btn', type: 'button', id: 'clear-finished' }, 'Clear finished');
  main.append(
    h('div', { class: 'view-head' }, h('h1', {}, 'Task manager'), h('div', { class: 'spacer' }), waiting),
    h('div', { class: 'grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'h-running' },
        h('div', { class: 'section-head' }, h('h2', { id: 'h-running' }, 'Running'), runningCount), runningList),
      h('section', { class: 'panel', 'aria-labelledby': 'h-finished' },
        h('div', { class: 'section-head' }, h('h2', { id: 'h-finished' }, 'Finished in the last 24 hours'), finishedCount,
          h('div', { class: 'spacer' }), clear), finishedList)));

  let cleared = loadCleared();
  const rows = new Map(); // id -> {el, sig, section}

  clear.addEventListener('click', () => {
    cleared = { before: new Date().toISOString(), ids: [] };
    saveCleared(cleared);
    draw();
  });

  function hidden(t) {
    return (cleared.before && t.finishedAt && t.finishedAt <= cleared.before) || cleared.ids.includes(t.id);
  }

  function row(t) {
    const running = t.status === 'running';
    const fill = h('span');
    fill.style.setProperty('width', (running ? t.progress : t.status === 'completed' ? 100 : t.progress) + '%');
    const buttons = [];
    if (running) {
      buttons.push(h('button', { class: 'btn small danger', type: 'button', dataset: { action: 'cancel' },
        'aria-label': `Cancel #${t.id} ${t.title}`, onclick: () => actions.move(store.tasks.get(t.id) || t, 'cancelled').catch(() => {}) }, 'Cancel'));
    } else {
      if (t.status === 'failed' || t.status === 'cancelled') {
        buttons.push(h('button', { class: 'btn small', type: 'button', dataset: { action: 'retry' },
          'aria-label': `Retry #${t.id} ${t.title}`, onclick: () => actions.move(store.tasks.get(t.id) || t, 'pending').catch(() => {}) }, 'Retry'));
      }
      buttons.push(h('button', { class: 'btn small ghost', type: 'button', dataset: { action: 'dismiss' },
        'aria-label': `Clear #${t.id} from view`, onclick: () => { cleared.ids.push(t.id); saveCleared(cleared); draw(); } }, '×'));
    }
    const sub = running
      ? [t.assignee ? `@${t.assignee}` : 'unassigned', t.progressMessage].filter(Boolean).join(' · ')
      : [t.assignee ? `@${t.assignee}` : null, summary(t.status === 'failed' ? t.error : t.output)].filter(Boolean).join(' · ');
    const elapsed = h('span', { class: 'elapsed', dataset: { started: t.startedAt || '', finished: t.finishedAt || '' } });
    return h('div', { class: `mrow s-${t.status}`, dataset: { id: t.id, status: t.status } },
      h('div', { class: 'title' }, h('a', { href: '#/tasks/' + encodeURIComponent(t.id) }, `#${t.id} ${t.title}`),
        h('div', { class: 'sub' }, sub || '\u00a0')),
      h('div', { class: 'bar-cell' }, running ? h('div', { class: 'bar', role: 'progressbar', 'aria-valuenow': String(t.progress),
        'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': `Progress of #${t.id}` }, fill) : pill(t.status),
      running ? h('div', { class: 'muted', dataset: { progress: String(t.progress) } }, `${t.progress}%`) : null),
      elapsed,
      h('div', { class: 'actions' }, buttons));
  }

  function tickElapsed() {
    const now = Date.now();
    for (const el of main.querySelectorAll('.elapsed')) {
      const { started, finished } = el.dataset;
      if (!started) { el.textContent = finished ? fmtAgo(finished, now) : ''; continue; }
      const end = finished ? Date.parse(finished) : now;
      const text = finished ? `took ${fmtDuration(end - Date.parse(started))}` : fmtDuration(end - Date.parse(started));
      if (el.textContent !== text) el.textContent = text;
    }
  }

  function draw() {
    const now = Date.now();
    const running = [];
    const finished = [];
    let pending = 0;
    for (const t of store.tasks.values()) {
      if (t.status === 'running') running.push(t);
      else if (t.status === 'pending') pending++;
      else if (FINISHED.has(t.status) && t.finishedAt && now - Date.parse(t.finishedAt) < DAY && !hidden(t)) finished.push(t);
    }
    running.sort((a, b) => (a.startedAt || '').localeCompare(b.startedAt || ''));
    finished.sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
    fill(runningList, running.slice(0, MAX_ROWS), 'running', 'Nothing is running.');
    fill(finishedList, finished.slice(0, MAX_ROWS), 'finished', 'Nothing finished recently.');
    runningCount.textContent = `${running.length}${running.length > MAX_ROWS ? ` (showing ${MAX_ROWS})` : ''}`;
    finishedCount.textContent = `${finished.length}${finished.length > MAX_ROWS ? ` (showing ${MAX_ROWS})` : ''}`;
    waiting.textContent = pending ? `${pending} pending →` : '';
    waiting.href = '#/board?status=pending';
    tickElapsed();
  }

  /** Keyed rows: a row is rebuilt only when its task changed, and moved only when out of place. */
  function fill(list, tasks, section, empty) {
    const keep = new Set(tasks.map((t) => t.id));
    for (const [id, r] of rows) {
      if (r.section === section && !keep.has(id)) { r.el.remove(); rows.delete(id); }
    }
    let prev = null;
    for (const t of tasks) {
      let r = rows.get(t.id);
      if (r && (r.section !== section || r.version !== t.version)) {
        const el = row(t);
        const focused = r.el.contains(document.activeElement) ? document.activeElement.dataset.action : null;
        r.el.replaceWith(el);
        r = { el, version: t.version, section };
        rows.set(t.id, r);
        if (focused) el.querySelector(`[data-action="${focused}"]`)?.focus();
      } else if (!r) {
        r = { el: row(t), version: t.version, section };
        rows.set(t.id, r);
      }
      const want = prev ? prev.nextSibling : list.firstChild;
      if (want !== r.el) list.insertBefore(r.el, want);
      prev = r.el;
    }
    const note = list.querySelector('.empty');
    if (!tasks.length && !note) list.append(h('p', { class: 'empty' }, empty));
    if (tasks.length && note) note.remove();
  }

  const later = frameScheduler(draw);
  draw();
  const timer = setInterval(tickElapsed, 1000);
  return {
    update() {
      later();
    },
    unmount() {
      clearInterval(timer);
    },
  };
}

function loadCleared() {
  try {
    const c = JSON.parse(sessionStorage.getItem(CLEARED_KEY) || 'null');
    if (c && Array.isArray(c.ids)) return c;
  } catch { /* none */ }
  return { before: null, ids: [] };
}

function saveCleared(c) {
  sessionStorage.setItem(CLEARED_KEY, JSON.stringify(c));
}
