// Activity: a live feed of who did what (and through which door: actor.via), and for each
// assignee (people, workers, agents) what they run now and what they ran last.

import { h, icon, pill, fmtTime, fmtAgo, summary, statusLabel, STATUS, FINISHED, frameScheduler } from '../ui.js';

const FEED_ROWS = 200;

export function mount(main, ctx) {
  const { store, api } = ctx;
  const feed = h('ol', { class: 'feed', id: 'activity-feed', 'aria-label': 'Recent events', 'aria-live': 'off' });
  const people = h('div', { class: 'people', id: 'assignees' });
  main.append(
    h('div', { class: 'view-head' }, h('h1', {}, 'Activity')),
    h('div', { class: 'grid two' },
      h('section', { class: 'panel', 'aria-labelledby': 'h-feed' }, h('h2', { id: 'h-feed' }, 'Live feed'), feed),
      h('section', { class: 'panel', 'aria-labelledby': 'h-people' }, h('h2', { id: 'h-people' }, 'Assignees and workers'), people)));

  const rows = new Map(); // offset -> li
  let workers = new Map();

  function eventRow(e) {
    const a = e.actor || {};
    const t = e.task || store.tasks.get(e.taskId) || { id: e.taskId, title: '' };
    return h('li', { dataset: { offset: String(e.offset), type: e.type } },
      h('time', { datetime: e.at, title: e.at }, fmtTime(e.at)),
      h('div', { class: 'what' },
        h('strong', {}, a.id || 'someone'), ' ', describe(e), ' ',
        e.type === 'task.deleted' ? h('span', {}, `#${t.id} ${t.title}`)
          : h('a', { href: '#/tasks/' + encodeURIComponent(e.taskId) }, `#${e.taskId} ${t.title}`),
        ' ', h('span', { class: 'via' }, `· ${a.kind || 'user'} via ${a.via || '?'}`)));
  }

  function addEvents(events, atTop) {
    const frag = document.createDocumentFragment();
    const fresh = events.filter((e) => !rows.has(e.offset));
    // newest first
    for (const e of fresh.sort((x, y) => y.offset - x.offset)) {
      const li = eventRow(e);
      rows.set(e.offset, li);
      frag.append(li);
    }
    if (atTop) feed.prepend(frag);
    else feed.append(frag);
    while (feed.children.length > FEED_ROWS) {
      const last = feed.lastElementChild;
      rows.delete(Number(last.dataset.offset));
      last.remove();
    }
    if (!feed.children.length) feed.append(h('li', { class: 'empty', id: 'feed-empty' }, 'Nothing has happened yet.'));
    else feed.querySelector('#feed-empty')?.remove();
  }

  function drawHistory() {
    feed.replaceChildren();
    rows.clear();
    addEvents(store.recent.slice(-FEED_ROWS), false);
  }

  // ---- assignees ----

  const cards = new Map(); // assignee -> {el, sig}
  function drawPeople() {
    const by = new Map();
    for (const t of store.tasks.values()) {
      if (!t.assignee) continue;
      let p = by.get(t.assignee);
      if (!p) by.set(t.assignee, (p = { running: [], last: null }));
      if (t.status === 'running') p.running.push(t);
      else if (FINISHED.has(t.status) && t.finishedAt && (!p.last || t.finishedAt > p.last.finishedAt)) p.last = t;
    }
    for (const [id, w] of workers) if (!by.has(id)) by.set(id, { running: [], last: null });
    const names = [...by.keys()].sort((a, b) => (by.get(b).running.length - by.get(a).running.length) || a.localeCompare(b));
    const userIds = new Set(ctx.users.map((u) => u.id));
    const seen = new Set();
    let prevEl = null;
    for (const name of names) {
      const p = by.get(name);
      const w = workers.get(name);
      const last = p.last || (w && w.lastTask ? w.lastTask : null);
      const kind = w ? 'worker' : userIds.has(name) ? 'person' : 'agent';
      const sig = JSON.stringify([kind, p.running.map((t) => [t.id, t.version]), last && [last.id, last.status, last.finishedAt], w && [w.lastSeenAt, w.completed, w.failed]]);
      seen.add(name);
      let c = cards.get(name);
      if (!c || c.sig !== sig) {
        const el = person(name, kind, p.running, last, w);
        if (c) c.el.replaceWith(el);
        c = { el, sig };
        cards.set(name, c);
      }
      // keep the order: running ones first
      if (prevEl ? prevEl.nextSibling !== c.el : people.firstChild !== c.el) {
        people.insertBefore(c.el, prevEl ? prevEl.nextSibling : people.firstChild);
      }
      prevEl = c.el;
    }
    for (const [name, c] of cards) {
      if (!seen.has(name)) { c.el.remove(); cards.delete(name); }
    }
    if (!names.length) people.replaceChildren(h('p', { class: 'empty' }, 'No task has an assignee yet.'));
    else people.querySelector('.empty')?.remove();
  }

  function person(name, kind, running, last, w) {
    return h('div', { class: 'panel person', dataset: { assignee: name, kind } },
      h('div', { class: 'person-head' }, h('span', { class: 'avatar', 'aria-hidden': 'true' }, name.slice(0, 1).toUpperCase()),
        h('strong', {}, name), h('span', { class: 'kind' }, kind),
        w ? h('span', { class: 'muted' }, `seen ${fmtAgo(w.lastSeenAt)} · ${w.queues.join(', ')} · ${w.completed} done, ${w.failed} failed`) : null),
      running.length
        ? h('div', { class: 'now' }, h('span', { class: 'muted' }, 'Running now: '),
          running.slice(0, 5).map((t) => h('div', { class: 's-running' },
            h('a', { href: '#/tasks/' + encodeURIComponent(t.id) }, `#${t.id} ${t.title}`),
            h('span', { class: 'muted' }, ` · ${t.progress}%${t.progressMessage ? ' · ' + t.progressMessage : ''}`))),
          running.length > 5 ? h('div', { class: 'muted' }, `and ${running.length - 5} more`) : null)
        : h('div', { class: 'muted' }, 'Idle'),
      last ? h('div', { class: 'last' }, h('span', { class: 'muted' }, 'Last: '), pill(last.status), ' ',
        h('a', { href: '#/tasks/' + encodeURIComponent(last.id) }, `#${last.id} ${last.title}`),
        h('span', { class: 'muted' }, last.finishedAt ? ` · ${fmtAgo(last.finishedAt)}` : ''),
        last.status === 'failed' && last.error != null ? h('div', { class: 'out err' }, summary(last.error))
          : last.output != null ? h('div', { class: 'out' }, summary(last.output)) : null) : null);
  }

  async function loadWorkers() {
    try {
      const r = await api.get('/workers');
      workers = new Map(r.workers.map((w) => [w.id, w]));
      peopleLater();
    } catch {
      // the panel still shows assignees from the tasks
    }
  }

  /** The feed's history: the last events before this page opened. */
  async function loadHistory() {
    if (store.offset === null || store.recent.length >= FEED_ROWS) return;
    try {
      const after = Math.max(0, store.offset - FEED_ROWS * 2);
      const r = await api.get(`/events?after=${after}&limit=${FEED_ROWS * 2}`);
      if (r.recovered) store.addHistory(r.events.filter((e) => e.offset <= store.offset));
    } catch {
      // live events still come
    }
  }

  const peopleLater = frameScheduler(drawPeople);
  drawHistory();
  drawPeople();
  loadWorkers();
  loadHistory();
  const timer = setInterval(loadWorkers, 15_000);

  return {
    update(batch) {
      if (batch.reset || batch.history) {
        drawHistory();
        if (batch.reset) loadHistory();
      } else if (batch.events.length) {
        addEvents(batch.events, true);
      }
      if (batch.changed.size || batch.removed.size || batch.reset || batch.reference) peopleLater();
    },
    unmount() {
      clearInterval(timer);
    },
  };
}

/** Task fields as people say them; the rest as named in the API. */
const FIELD_WORDS = {
  dueAt: 'the due date', progressMessage: 'the progress message', projectId: 'the project',
  teamId: 'the team', sharedWith: 'the shares', notBefore: 'the start time',
  maxAttempts: 'the attempts allowed', retryBackoffSeconds: 'the retry backoff',
  leaseExpiresAt: 'the lease', title: 'the title', description: 'the description',
  assignee: 'the assignee', priority: 'the priority', labels: 'the labels', stage: 'the stage',
  queue: 'the queue', output: 'the output', error: 'the error',
};

/** What an event did, in words. */
function describe(e) {
  const c = e.changes || {};
  switch (e.type) {
    case 'task.created': return 'created';
    case 'task.deleted': return 'deleted';
    case 'task.shared': return `shared${c.sharedWith ? ' with ' + diff(c.sharedWith) : ''}`;
    case 'task.unshared': return 'stopped sharing';
    case 'task.entry_added': return e.entry ? `added a ${e.entry.kind}${e.entry.text ? ' “' + clip(e.entry.text) + '”' : ''} to` : 'added an entry to';
    case 'task.progress': return `reported ${e.task ? e.task.progress + '%' : 'progress'}${e.task && e.task.progressMessage ? ' (' + clip(e.task.progressMessage) + ')' : ''} on`;
    case 'task.status_changed': {
      const [from, to] = c.status || [];
      const node = h('span', {}, 'moved ');
      if (from && to) node.append(statusWord(from), ' → ', statusWord(to));
      return node;
    }
    default: {
      const fields = Object.keys(c).filter((k) => k !== 'updatedAt');
      // An unshare reaches those who keep sight as an update of sharedWith alone.
      if (fields.length === 1 && fields[0] === 'sharedWith') {
        const [before, after] = c.sharedWith;
        const removed = diff([after, before]);
        if (removed) return `stopped sharing with ${removed}`;
      }
      return fields.length ? `changed ${fields.map((f) => FIELD_WORDS[f] || f).join(', ')} of` : 'updated';
    }
  }
}

function statusWord(s) {
  return h('span', { class: `st-word s-${s}` }, icon(STATUS[s]?.icon || 'circle'), ' ', statusLabel(s));
}

function diff([before, after]) {
  const b = new Set(before || []);
  return (after || []).filter((x) => !b.has(x)).join(', ');
}

function clip(s) {
  return s.length > 60 ? s.slice(0, 57) + '…' : s;
}
