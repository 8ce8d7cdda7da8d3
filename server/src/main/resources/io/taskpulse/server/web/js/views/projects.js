// Projects: the list, and one project's dashboard (counts by status, completion,
// throughput over the last hours, recent changes), all from the live store.

import { h, icon, pill, STATUS, STATUSES, FINISHED, fmtAgo, frameScheduler, toast } from '../ui.js';

const HOURS = 12;

export function mount(main, ctx, [id]) {
  return id ? dashboard(main, ctx, id) : list(main, ctx);
}

function countsFor(store, projectId) {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  const tasks = [];
  for (const t of store.tasks.values()) {
    if (projectId !== undefined && t.projectId !== projectId) continue;
    counts[t.status] = (counts[t.status] || 0) + 1;
    tasks.push(t);
  }
  return { counts, tasks, total: tasks.length };
}

function stack(counts, total) {
  return h('div', { class: 'stack', 'aria-hidden': 'true' }, STATUSES.filter((s) => counts[s]).map((s) => {
    const span = h('span', { class: `s-${s}`, title: `${STATUS[s].label}: ${counts[s]}` });
    span.style.setProperty('width', (100 * counts[s]) / Math.max(1, total) + '%');
    return span;
  }));
}

// ---------- the list ----------

function list(main, ctx) {
  const grid = h('div', { class: 'project-list', id: 'project-list' });
  const name = h('input', { type: 'text', id: 'project-name', 'aria-label': 'New project name', placeholder: 'New project name', autocomplete: 'off' });
  const team = h('select', { id: 'project-team', 'aria-label': 'Team' }, h('option', { value: '' }, 'No team (everyone)'),
    (ctx.session.user?.teams || []).map((t) => h('option', { value: t }, t)));
  const form = h('form', { class: 'inline-form' }, name, team, h('button', { class: 'btn', type: 'submit' }, 'Create project'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!name.value.trim()) return;
    try {
      const p = await ctx.api.post('/projects', { name: name.value.trim(), ...(team.value ? { teamId: team.value } : {}) });
      name.value = '';
      await ctx.reload();
      location.hash = '#/projects/' + encodeURIComponent(p.id);
    } catch (err) {
      toast(err.message, 'error');
    }
  });
  main.append(h('div', { class: 'view-head' }, h('h1', {}, 'Projects'), h('div', { class: 'spacer' }), form), grid);

  const draw = () => {
    if (!ctx.projects.length) {
      grid.replaceChildren(h('p', { class: 'empty' }, 'No projects yet.'));
      return;
    }
    grid.replaceChildren(...ctx.projects.map((p) => {
      const { counts, total } = countsFor(ctx.store, p.id);
      const pct = total ? Math.round((100 * counts.completed) / total) : 0;
      return h('a', { class: 'panel project-card', href: '#/projects/' + encodeURIComponent(p.id), dataset: { project: p.id } },
        h('h2', {}, p.name),
        h('div', { class: 'muted' }, `${total} tasks · ${counts.running} running · ${pct}% completed`),
        stack(counts, total),
        h('div', { class: 'muted' }, p.teamId ? `team ${p.teamId}` : 'no team'));
    }));
  };
  const later = frameScheduler(draw);
  let last = 0;
  draw();
  return {
    update() {
      // A summary of everything: redrawn at most twice a second.
      const now = Date.now();
      if (now - last > 500) { last = now; later(); }
      else setTimeout(later, 500);
    },
  };
}

// ---------- one project ----------

function dashboard(main, ctx, id) {
  const { store } = ctx;
  const title = h('h1', { id: 'project-title' }, id);
  const tiles = h('div', { class: 'tiles', id: 'project-tiles' });
  const tileEls = {};
  for (const s of STATUSES) {
    const v = h('div', { class: 'v', dataset: { count: s } }, '0');
    tileEls[s] = v;
    tiles.append(h('div', { class: `tile s-${s}` }, h('div', { class: 'k' }, icon(STATUS[s].icon), STATUS[s].label), v));
  }
  const completion = h('div', { class: 'completion', id: 'project-completion' });
  const chart = h('div', { id: 'project-throughput' });
  const recent = h('ol', { class: 'feed', id: 'project-recent' });
  main.append(
    h('p', {}, h('a', { href: '#/projects' }, '← Projects')),
    h('div', { class: 'view-head' }, title, h('span', { class: 'muted', id: 'project-meta' }), h('div', { class: 'spacer' }),
      h('a', { class: 'btn', href: `#/board?project=${encodeURIComponent(id)}` }, 'Open on the board')),
    h('div', { class: 'grid' },
      tiles,
      h('section', { class: 'panel' }, h('h2', {}, 'Completion'), completion),
      h('div', { class: 'grid two' },
        h('section', { class: 'panel' }, h('h2', {}, `Throughput, last ${HOURS} hours`), chart,
          h('div', { class: 'legend' }, h('span', { class: 's-completed' }, h('i'), 'completed'), h('span', { class: 's-failed' }, h('i'), 'failed'))),
        h('section', { class: 'panel' }, h('h2', {}, 'Recent changes'), recent))));

  let summary = null; // the server's counts when the store does not hold every task
  const draw = () => {
    const project = ctx.projects.find((p) => p.id === id);
    title.textContent = project ? project.name : id;
    main.querySelector('#project-meta').textContent = project ? `${project.id}${project.teamId ? ' · team ' + project.teamId : ''}` : '';
    const local = countsFor(store, id);
    const counts = summary && !store.complete ? summary.counts : local.counts;
    const total = summary && !store.complete ? summary.total : local.total;
    for (const s of STATUSES) {
      const text = String(counts[s] || 0);
      if (tileEls[s].textContent !== text) tileEls[s].textContent = text;
    }
    const pct = total ? (100 * (counts.completed || 0)) / total : 0;
    const fill = h('span');
    fill.style.setProperty('width', pct + '%');
    completion.replaceChildren(
      h('div', { class: 'line' }, h('strong', { id: 'completion-pct' }, `${Math.round(pct)}% completed`),
        h('span', { class: 'muted' }, ` · ${counts.completed || 0} of ${total} tasks`)),
      h('div', { class: 'bar s-completed', role: 'progressbar', 'aria-valuenow': String(Math.round(pct)), 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': 'Completion' }, fill),
      stack(counts, total));
    chart.replaceChildren(throughput(local.tasks));
    const latest = local.tasks.slice().sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt)).slice(0, 8);
    recent.replaceChildren(...(latest.length ? latest.map((t) => h('li', {},
      h('time', { datetime: t.updatedAt }, fmtAgo(t.updatedAt)),
      h('div', { class: 'what' }, pill(t.status), ' ', h('a', { href: '#/tasks/' + encodeURIComponent(t.id) }, `#${t.id} ${t.title}`),
        t.assignee ? h('span', { class: 'via' }, ` · ${t.assignee}`) : null))) : [h('li', { class: 'empty' }, 'No tasks in this project yet.')]));
  };
  const later = frameScheduler(draw);
  draw();
  const poll = () => {
    if (store.complete) return;
    ctx.api.get(`/projects/${encodeURIComponent(id)}/summary`).then((s) => { summary = s; later(); }).catch(() => {});
  };
  poll();
  const timer = setInterval(() => { poll(); later(); }, 30_000); // also moves the hour buckets on
  return {
    update(batch) {
      if (batch.reset || batch.reference) return later();
      for (const tid of batch.changed) {
        const t = store.tasks.get(tid);
        if (t && t.projectId === id) return later();
      }
      for (const [, t] of batch.removed) if (t && t.projectId === id) return later();
      // a task that left the project shows in events
      if (batch.events.some((e) => e.changes && e.changes.projectId)) later();
    },
    unmount() {
      clearInterval(timer);
    },
  };
}

/** Tasks finished per hour (completed and failed), as an SVG bar chart. */
function throughput(tasks) {
  const hour = 3600_000;
  const end = Math.ceil(Date.now() / hour) * hour;
  const start = end - HOURS * hour;
  const done = new Array(HOURS).fill(0);
  const fail = new Array(HOURS).fill(0);
  for (const t of tasks) {
    if (!FINISHED.has(t.status) || !t.finishedAt) continue;
    const at = Date.parse(t.finishedAt);
    if (at < start || at >= end) continue;
    const i = Math.floor((at - start) / hour);
    if (t.status === 'completed') done[i]++;
    else if (t.status === 'failed') fail[i]++;
  }
  const max = Math.max(1, ...done.map((d, i) => d + fail[i]));
  const W = 600;
  const H = 180;
  const pad = 22;
  const bw = (W - pad) / HOURS;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  const total = done.reduce((a, b) => a + b, 0);
  const failed = fail.reduce((a, b) => a + b, 0);
  svg.setAttribute('aria-label', `${total} completed and ${failed} failed in the last ${HOURS} hours`);
  svg.dataset.completed = String(total);
  svg.dataset.failed = String(failed);
  const el = (name, attrs, text) => {
    const n = document.createElementNS(ns, name);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (text !== undefined) n.textContent = text;
    svg.append(n);
    return n;
  };
  el('line', { x1: pad, x2: W, y1: H - 18, y2: H - 18 });
  el('text', { x: 0, y: 12 }, String(max));
  const usable = H - 18 - 16;
  for (let i = 0; i < HOURS; i++) {
    const x = pad + i * bw + 3;
    const hd = (done[i] / max) * usable;
    const hf = (fail[i] / max) * usable;
    if (hd) el('rect', { class: 'done', x, width: bw - 6, y: H - 18 - hd, height: hd }).append(title(`${done[i]} completed`));
    if (hf) el('rect', { class: 'fail', x, width: bw - 6, y: H - 18 - hd - hf, height: hf }).append(title(`${fail[i]} failed`));
    const label = new Date(start + i * hour).getHours();
    if (i % 2 === 0) el('text', { x: x + 2, y: H - 4 }, `${String(label).padStart(2, '0')}h`);
  }
  return svg;

  function title(text) {
    const t = document.createElementNS(ns, 'title');
    t.textContent = text;
    return t;
  }
}
