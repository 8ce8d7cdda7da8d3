// The board: tasks in columns by status, or a dense list; filters; live keyed updates.
//
// Every task has one element, kept by id. A batch from the store touches only the elements
// of the tasks that changed (text set only where it differs), so a busy log costs a few DOM
// writes per frame, never a re-render. Cards are ordered by id (newest first), so an update
// never moves a card within its column; content-visibility skips the off-screen ones.

import { h, icon, STATUS, STATUSES, flash, pill, fmtDateTime, debounce, announce, statusLabel } from '../ui.js';
import { openMoveDialog, openTaskForm } from '../forms.js';

export function mount(main, ctx, _match, params) {
  const { store } = ctx;
  const state = readParams(params);
  const title = h('h1', {}, 'Board');
  const count = h('span', { class: 'count', id: 'board-count', 'aria-live': 'off' });
  const modeBtns = ['columns', 'list'].map((m) => h('button', { type: 'button', dataset: { mode: m },
    'aria-pressed': String(state.mode === m) }, m === 'columns' ? 'Columns' : 'List'));
  const project = h('select', { id: 'filter-project', 'aria-label': 'Project' });
  const assignee = h('select', { id: 'filter-assignee', 'aria-label': 'Assignee' });
  const search = h('input', { type: 'search', id: 'filter-q', placeholder: 'Search  /', 'aria-label': 'Search tasks',
    'aria-keyshortcuts': '/', value: state.q });
  const chips = STATUSES.map((s) => h('button', { type: 'button', class: `chip s-${s}`, dataset: { status: s },
    'aria-pressed': String(state.statuses.has(s)) }, icon(STATUS[s].icon), STATUS[s].label));
  const incomplete = h('div', { class: 'banner', hidden: true, id: 'board-incomplete' });
  const body = h('div', { id: 'board-body' });
  main.append(
    h('div', { class: 'view-head' }, title, h('div', { class: 'seg', role: 'group', 'aria-label': 'Layout' }, modeBtns),
      h('div', { class: 'spacer' }), h('span', { class: 'keys' }, 'Keys: ', h('kbd', {}, 'n'), ' new · ',
        h('kbd', {}, '/'), ' search · ', h('kbd', {}, 'm'), ' move · ', h('kbd', {}, '?'), ' help')),
    h('div', { class: 'toolbar', role: 'search' }, project, assignee, search,
      h('div', { class: 'chips', role: 'group', 'aria-label': 'Statuses' }, chips), count),
    incomplete, body);

  let layout = null; // Columns or List
  const known = { assignees: new Set(), projects: '' };

  const matches = (t) => (!state.project || t.projectId === state.project)
    && (!state.assignee || (state.assignee === '-' ? !t.assignee : t.assignee === state.assignee))
    && (!state.statuses.size || state.statuses.has(t.status))
    && (!state.qLower || (`#${t.id} ${t.title} ${t.description || ''}`).toLowerCase().includes(state.qLower));

  function rebuild() {
    const started = performance.now();
    if (layout) layout.destroy();
    layout = state.mode === 'list' ? new List(body, ctx, matches) : new Columns(body, ctx, matches, state);
    layout.build([...store.tasks.values()]);
    refreshOptions(true);
    counts();
    incomplete.hidden = store.complete;
    incomplete.textContent = store.complete ? '' : `Showing the newest ${store.tasks.size.toLocaleString()} tasks; older ones are not loaded.`;
    body.dataset.renderMs = String(Math.round(performance.now() - started));
  }

  function counts() {
    const text = `${NUM.format(layout.visibleCount())} of ${NUM.format(store.tasks.size)} shown`;
    if (count.textContent !== text) count.textContent = text;
  }

  function refreshOptions(force) {
    const projects = ctx.projects.map((p) => p.id + p.name).join('|');
    if (force || projects !== known.projects) {
      known.projects = projects;
      project.replaceChildren(h('option', { value: '' }, 'All projects'),
        ctx.projects.map((p) => h('option', { value: p.id }, p.name)));
      if (state.project && !ctx.projects.some((p) => p.id === state.project)) {
        project.append(h('option', { value: state.project }, state.project));
      }
      project.value = state.project;
    }
    const names = store.assignees();
    if (force || names.some((n) => !known.assignees.has(n))) {
      known.assignees = new Set(names);
      assignee.replaceChildren(h('option', { value: '' }, 'Anyone'), h('option', { value: '-' }, 'Unassigned'),
        names.map((n) => h('option', { value: n }, n)));
      if (state.assignee && state.assignee !== '-' && !known.assignees.has(state.assignee)) {
        assignee.append(h('option', { value: state.assignee }, state.assignee));
      }
      assignee.value = state.assignee;
    }
  }

  function filtersChanged() {
    writeParams(state);
    layout.refilter();
    counts();
  }

  project.addEventListener('change', () => { state.project = project.value; filtersChanged(); });
  assignee.addEventListener('change', () => { state.assignee = assignee.value; filtersChanged(); });
  const onSearch = debounce(() => {
    state.q = search.value.trim();
    state.qLower = state.q.toLowerCase();
    filtersChanged();
  }, 120);
  search.addEventListener('input', onSearch);
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { search.value = ''; onSearch(); }
    if (e.key === 'Enter' || e.key === 'ArrowDown') { e.preventDefault(); layout.focusFirst(); }
  });
  for (const c of chips) {
    c.addEventListener('click', () => {
      const s = c.dataset.status;
      if (state.statuses.has(s)) state.statuses.delete(s); else state.statuses.add(s);
      c.setAttribute('aria-pressed', String(state.statuses.has(s)));
      filtersChanged();
    });
  }
  for (const b of modeBtns) {
    b.addEventListener('click', () => {
      state.mode = b.dataset.mode;
      for (const x of modeBtns) x.setAttribute('aria-pressed', String(x === b));
      writeParams(state);
      rebuild();
    });
  }

  rebuild();

  return {
    update(batch) {
      if (batch.reset) return rebuild();
      for (const [id] of batch.removed) layout.remove(id);
      for (const id of batch.changed) {
        const t = store.tasks.get(id);
        if (t) layout.upsert(t, true);
      }
      if (batch.changed.size || batch.removed.size) {
        layout.settle();
        counts();
      }
      let newName = false;
      for (const id of batch.changed) {
        const a = store.tasks.get(id)?.assignee;
        if (a && !known.assignees.has(a)) newName = true;
      }
      if (newName || batch.reference) refreshOptions(false);
      incomplete.hidden = store.complete;
    },
    query(p) {
      Object.assign(state, readParams(p));
      search.value = state.q;
      for (const c of chips) c.setAttribute('aria-pressed', String(state.statuses.has(c.dataset.status)));
      for (const b of modeBtns) b.setAttribute('aria-pressed', String(b.dataset.mode === state.mode));
      rebuild();
    },
    unmount() {
      if (layout) layout.destroy();
    },
  };
}

function readParams(p) {
  const q = p.get('q') || '';
  return {
    mode: p.get('view') === 'list' ? 'list' : 'columns',
    project: p.get('project') || '',
    assignee: p.get('assignee') || '',
    statuses: new Set((p.get('status') || '').split(',').filter((s) => STATUSES.includes(s))),
    q,
    qLower: q.toLowerCase(),
  };
}

/** Filters live in the address, so a filtered board can be bookmarked and shared. */
function writeParams(s) {
  const p = new URLSearchParams();
  if (s.mode === 'list') p.set('view', 'list');
  if (s.project) p.set('project', s.project);
  if (s.assignee) p.set('assignee', s.assignee);
  if (s.statuses.size) p.set('status', [...s.statuses].join(','));
  if (s.q) p.set('q', s.q);
  const qs = p.toString();
  history.replaceState(null, '', '#/board' + (qs ? '?' + qs : ''));
}

// ---------------------------------------------------------------------------------------

/**
 * Elements kept in id order (newest first) in one container, in chunks of at most CHUNK.
 * Each chunk is skipped by the browser while off screen (content-visibility), so a change
 * styles, lays out and paints one chunk's elements, not the column's 2,000; per element the
 * same skip costs an intersection check each frame, which at 2,000 cards took more time than
 * the changes themselves (measured in DashboardLoadTest with a trace).
 */
class Keyed {
  constructor(container, create, render, height) {
    this.container = container;
    this.create = create;
    this.render = render;
    this.height = height; // an element's usual height, for a chunk not yet drawn
    this.chunks = []; // {el, ids: numbers descending}, in order
    this.els = new Map();
    this.shown = 0; // how many are not hidden, kept as they change (no scan per batch)
  }

  /** Shows or hides an element, keeping the count of shown ones. */
  show(el, visible) {
    if (el.hidden === !visible && el._counted) return;
    if (el._counted && !el.hidden) this.shown--;
    el.hidden = !visible;
    el._counted = true;
    if (visible) this.shown++;
  }

  build(tasks, matches) {
    const sorted = tasks.slice().sort((a, b) => Number(b.id) - Number(a.id));
    const frag = document.createDocumentFragment();
    // Half-full chunks at first: room for new tasks before a chunk splits.
    for (let i = 0; i < sorted.length; i += CHUNK / 2) {
      const part = sorted.slice(i, i + CHUNK / 2);
      const chunk = this.newChunk(part.map((t) => Number(t.id)));
      for (const t of part) {
        const el = this.create(t);
        this.render(el, t, null);
        this.show(el, matches(t));
        el._task = t;
        el._chunk = chunk;
        this.els.set(t.id, el);
        chunk.el.append(el);
      }
      this.chunks.push(chunk);
      frag.append(chunk.el);
    }
    this.container.append(frag);
    this.sizeChunks();
  }

  newChunk(ids) {
    return { el: h('div', { class: 'chunk', role: 'none' }), ids };
  }

  /** A chunk's placeholder size until it is first drawn (then the browser remembers it). */
  sizeChunks() {
    for (const c of this.chunks) {
      let n = 0;
      for (const child of c.el.children) if (!child.hidden) n++;
      c.el.style.setProperty('contain-intrinsic-size', `auto ${n * this.height}px`);
    }
  }

  has(id) {
    return this.els.has(id);
  }

  upsert(t, visible) {
    let el = this.els.get(t.id);
    if (el) {
      this.render(el, t, el._task);
      el._task = t;
      this.show(el, visible);
      return { el, added: false };
    }
    el = this.create(t);
    this.render(el, t, null);
    el._task = t;
    this.els.set(t.id, el);
    const n = Number(t.id);
    // The first chunk holding a smaller id takes it; past them all, the last chunk.
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const ids = this.chunks[mid].ids;
      if (ids[ids.length - 1] > n) lo = mid + 1; else hi = mid;
    }
    if (!this.chunks.length) {
      const chunk = this.newChunk([]);
      this.chunks.push(chunk);
      this.container.append(chunk.el);
    }
    const chunk = this.chunks[Math.min(lo, this.chunks.length - 1)];
    let i = 0;
    while (i < chunk.ids.length && chunk.ids[i] > n) i++;
    const next = i < chunk.ids.length ? this.els.get(String(chunk.ids[i])) : null;
    chunk.ids.splice(i, 0, n);
    chunk.el.insertBefore(el, next);
    el._chunk = chunk;
    this.show(el, visible);
    if (chunk.ids.length > CHUNK) this.split(chunk);
    return { el, added: true };
  }

  split(chunk) {
    const at = this.chunks.indexOf(chunk);
    const half = chunk.ids.length >> 1;
    const later = this.newChunk(chunk.ids.splice(half));
    for (const id of later.ids) {
      const el = this.els.get(String(id));
      el._chunk = later;
      later.el.append(el);
    }
    this.chunks.splice(at + 1, 0, later);
    chunk.el.after(later.el);
  }

  remove(id) {
    const el = this.els.get(id);
    if (!el) return null;
    this.els.delete(id);
    const chunk = el._chunk;
    const i = chunk.ids.indexOf(Number(id));
    if (i >= 0) chunk.ids.splice(i, 1);
    if (!el.hidden) this.shown--;
    el.remove();
    if (!chunk.ids.length) {
      this.chunks.splice(this.chunks.indexOf(chunk), 1);
      chunk.el.remove(); // no empty chunks: an empty column is :empty and says so
    }
    return el;
  }

  refilter(matches) {
    for (const el of this.els.values()) this.show(el, matches(el._task));
    this.sizeChunks();
  }

  visible() {
    return this.shown;
  }

  /** The shown elements in order. */
  visibleEls() {
    const out = [];
    for (const c of this.chunks) for (const el of c.el.children) if (!el.hidden) out.push(el);
    return out;
  }

  firstVisible() {
    for (const c of this.chunks) for (const el of c.el.children) if (!el.hidden) return el;
    return null;
  }

  /** The next (step 1) or previous (step -1) shown element, across chunks. */
  neighbour(el, step) {
    let n = step > 0 ? el.nextElementSibling : el.previousElementSibling;
    let chunk = el.parentElement;
    for (;;) {
      while (n && n.hidden) n = step > 0 ? n.nextElementSibling : n.previousElementSibling;
      if (n) return n;
      chunk = step > 0 ? chunk.nextElementSibling : chunk.previousElementSibling;
      if (!chunk) return null;
      n = step > 0 ? chunk.firstElementChild : chunk.lastElementChild;
    }
  }
}

const CHUNK = 32;

function set(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function projectName(ctx, id) {
  if (!id) return '';
  const p = ctx.projects.find((x) => x.id === id);
  return p ? p.name : id;
}

// ---------------------------------------------------------------------------------------

class Columns {
  constructor(body, ctx, matches, state) {
    this.ctx = ctx;
    this.matches = matches;
    this.state = state;
    this.root = h('div', { class: 'columns', id: 'columns' });
    this.cols = {};
    this.active = null;
    for (const s of STATUSES) {
      const n = h('span', { class: 'n' });
      const list = h('div', { class: 'cards', role: 'list', 'aria-label': `${STATUS[s].label} tasks` });
      const col = h('section', { class: `col s-${s}`, dataset: { status: s }, 'aria-label': STATUS[s].label },
        h('h2', { class: 'col-head' }, icon(STATUS[s].icon), STATUS[s].label, n), list);
      this.cols[s] = { col, list, n, keyed: new Keyed(list, (t) => this.createCard(t), (el, t, prev) => this.renderCard(el, t, prev), 88) };
      this.root.append(col);
      this.dropTarget(col, s);
    }
    body.replaceChildren(this.root);
    this.root.addEventListener('keydown', (e) => this.keys(e));
    this.root.addEventListener('focusin', (e) => {
      const card = e.target.closest && e.target.closest('.card');
      if (card) this.setActive(card);
    });
    this.root.addEventListener('click', (e) => {
      const card = e.target.closest('.card');
      if (card) location.hash = '#/tasks/' + encodeURIComponent(card.dataset.id);
    });
    this.root.addEventListener('dragstart', (e) => {
      const card = e.target.closest && e.target.closest('.card');
      if (!card) return;
      e.dataTransfer.setData('text/plain', card.dataset.id);
      e.dataTransfer.effectAllowed = 'move';
    });
  }

  build(tasks) {
    const by = Object.fromEntries(STATUSES.map((s) => [s, []]));
    for (const t of tasks) (by[t.status] || by.pending).push(t);
    for (const s of STATUSES) this.cols[s].keyed.build(by[s], this.matches);
    this.refilter();
    this.ensureTabStop();
  }

  createCard(t) {
    const el = CARD.cloneNode(true);
    el.dataset.id = t.id;
    return el;
  }

  renderCard(el, t, prev) {
    const [title, meta, meta2, prog] = el.children;
    const [st, who, prio] = meta.children;
    const [proj, due] = meta2.children;
    if (!prev || prev.status !== t.status) {
      if (prev) el.classList.replace(`s-${prev.status}`, `s-${t.status}`);
      else el.classList.add(`s-${t.status}`);
      el.dataset.status = t.status;
      st.firstChild.replaceWith(icon(STATUS[t.status]?.icon || 'circle'));
      st.lastChild.textContent = statusLabel(t.status);
    }
    el.dataset.version = t.version;
    set(title, `#${t.id} ${t.title}`);
    if (!prev || prev.title !== t.title) title.title = t.title;
    set(who, t.assignee ? '@' + t.assignee : 'unassigned');
    set(proj, projectName(this.ctx, t.projectId));
    set(prio, t.priority === 'high' || t.priority === 'urgent' ? t.priority : '');
    prio.className = 'prio-' + t.priority;
    set(due, t.dueAt ? 'due ' + SHORT_DATE.format(new Date(t.dueAt)) : '');
    meta2.hidden = !t.projectId && !t.dueAt;
    const showProgress = t.status === 'running' || (t.status === 'pending' && t.progress > 0);
    prog.hidden = !showProgress;
    if (showProgress) {
      const [bar, pc, pm] = prog.children;
      bar.firstChild.style.setProperty('width', t.progress + '%');
      set(pc, t.progress + '%');
      set(pm, t.progressMessage || t.stage || '');
    }
    el.setAttribute('aria-label', `#${t.id} ${t.title}, ${statusLabel(t.status)}${t.assignee ? ', assigned to ' + t.assignee : ''}${showProgress ? ', ' + t.progress + '%' : ''}`);
  }

  upsert(t) {
    const target = this.cols[t.status] || this.cols.pending;
    let moved = false;
    let hadFocus = false;
    for (const s of STATUSES) {
      const c = this.cols[s];
      if (c !== target && c.keyed.has(t.id)) {
        const old = c.keyed.els.get(t.id);
        hadFocus = document.activeElement === old;
        c.keyed.remove(t.id);
        moved = true;
      }
    }
    const { el } = target.keyed.upsert(t, this.matches(t));
    if (hadFocus) el.focus({ preventScroll: false });
    if (this.active === t.id) el.tabIndex = 0;
    flash(el);
    if (moved && hadFocus) announce(`#${t.id} is now ${statusLabel(t.status)}`);
  }

  /** After a batch: the column counts and the board's one tab stop. */
  settle() {
    this.counts();
    this.ensureTabStop();
  }

  remove(id) {
    for (const s of STATUSES) this.cols[s].keyed.remove(id);
    if (this.active === id) this.active = null;
  }

  refilter() {
    const statuses = this.state.statuses;
    for (const s of STATUSES) {
      const c = this.cols[s];
      c.col.hidden = statuses.size > 0 && !statuses.has(s);
      c.keyed.refilter(this.matches);
    }
    this.counts();
    this.ensureTabStop();
  }

  counts() {
    for (const s of STATUSES) {
      const c = this.cols[s];
      const text = String(c.keyed.visible());
      if (c.n.textContent !== text) c.n.textContent = text;
    }
  }

  visibleCount() {
    let n = 0;
    for (const s of STATUSES) if (!this.cols[s].col.hidden) n += this.cols[s].keyed.visible();
    return n;
  }

  // ---- keyboard: one tab stop for the board, arrows between cards ----

  setActive(card) {
    if (this.active && this.active !== card.dataset.id) {
      const prev = this.find(this.active);
      if (prev) prev.tabIndex = -1;
    }
    this.active = card.dataset.id;
    card.tabIndex = 0;
  }

  find(id) {
    for (const s of STATUSES) {
      const el = this.cols[s].keyed.els.get(id);
      if (el) return el;
    }
    return null;
  }

  ensureTabStop() {
    const cur = this.active && this.find(this.active);
    if (cur && !cur.hidden) return;
    const first = this.firstVisible();
    if (first) this.setActive(first);
  }

  firstVisible() {
    for (const s of STATUSES) {
      if (this.cols[s].col.hidden) continue;
      const el = this.cols[s].keyed.firstVisible();
      if (el) return el;
    }
    return null;
  }

  focusFirst() {
    const el = (this.active && this.find(this.active)) || this.firstVisible();
    if (el) el.focus();
  }

  keys(e) {
    const card = e.target.closest && e.target.closest('.card');
    if (!card || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = this.ctx.store.tasks.get(card.dataset.id);
    const go = (el) => {
      if (!el) return;
      e.preventDefault();
      el.focus();
    };
    const col = STATUSES.map((s) => this.cols[s]).find((c) => c.col === card.closest('.col'));
    switch (e.key) {
      case 'ArrowDown': return go(col.keyed.neighbour(card, 1));
      case 'ArrowUp': return go(col.keyed.neighbour(card, -1));
      case 'ArrowLeft':
      case 'ArrowRight': {
        const cols = STATUSES.map((s) => this.cols[s]).filter((c) => !c.col.hidden);
        const here = cols.indexOf(col);
        const index = col.keyed.visibleEls().indexOf(card);
        const step = e.key === 'ArrowRight' ? 1 : -1;
        for (let i = here + step; i >= 0 && i < cols.length; i += step) {
          const items = cols[i].keyed.visibleEls();
          if (items.length) return go(items[Math.min(index, items.length - 1)]);
        }
        return;
      }
      case 'Home': return go(col.keyed.firstVisible());
      case 'End': { const items = col.keyed.visibleEls(); return go(items[items.length - 1]); }
      case 'Enter':
      case ' ':
        e.preventDefault();
        location.hash = '#/tasks/' + encodeURIComponent(card.dataset.id);
        return;
      case 'm':
        if (t) { e.preventDefault(); openMoveDialog(this.ctx, t); }
        return;
      case 'e':
        if (t) { e.preventDefault(); openTaskForm(this.ctx, t); }
        return;
      default:
    }
  }

  // ---- drag and drop: any column; the server decides whether the move is allowed ----

  dropTarget(col, status) {
    col.addEventListener('dragover', (e) => {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      col.classList.add('drop-target');
    });
    col.addEventListener('dragleave', (e) => {
      if (!col.contains(e.relatedTarget)) col.classList.remove('drop-target');
    });
    col.addEventListener('drop', (e) => {
      e.preventDefault();
      col.classList.remove('drop-target');
      const id = e.dataTransfer.getData('text/plain');
      const t = this.ctx.store.tasks.get(id);
      if (t && t.status !== status) this.ctx.actions.move(t, status).catch(() => {});
    });
  }

  destroy() {
    this.root.remove();
  }
}

const NUM = new Intl.NumberFormat();
const SHORT_DATE = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

const CARD = (() => {
  const li = document.createElement('div');
  li.className = 'card';
  li.setAttribute('role', 'listitem');
  li.tabIndex = -1;
  li.draggable = true;
  li.innerHTML = '<div class="t"></div>'
    + '<div class="m"><span class="st"><i></i><span></span></span><span class="who"></span><span></span></div>'
    + '<div class="m2"><span class="pj"></span><span class="du"></span></div>'
    + '<div class="p" hidden><div class="bar"><span></span></div><span class="pc"></span><span class="pm"></span></div>';
  return li;
})();

// ---------------------------------------------------------------------------------------

class List {
  constructor(body, ctx, matches) {
    this.ctx = ctx;
    this.matches = matches;
    this.rows = h('div', { role: 'rowgroup', id: 'list-rows' });
    this.root = h('div', { class: 'list', role: 'table', 'aria-label': 'Tasks', id: 'task-list' },
      h('div', { class: 'row head', role: 'row' },
        ['Status', 'Id', 'Title', 'Assignee', 'Project', 'Priority', 'Progress', 'Updated']
          .map((x, i) => h('span', { role: 'columnheader', class: ['c-status', 'num', 'c-title', 'c-assignee', 'c-project', 'c-prio', 'c-progress', 'c-updated'][i] }, x))),
      this.rows);
    body.replaceChildren(this.root);
    this.keyed = new Keyed(this.rows, (t) => this.createRow(t), (el, t, prev) => this.renderRow(el, t, prev), 33);
    this.rows.addEventListener('click', (e) => {
      const row = e.target.closest('.row');
      if (row) location.hash = '#/tasks/' + encodeURIComponent(row.dataset.id);
    });
    this.rows.addEventListener('keydown', (e) => {
      const row = e.target.closest('.row');
      if (!row) return;
      const t = ctx.store.tasks.get(row.dataset.id);
      const step = (dir) => {
        const n = this.keyed.neighbour(row, dir);
        if (n) { e.preventDefault(); row.tabIndex = -1; n.tabIndex = 0; n.focus(); }
      };
      if (e.key === 'ArrowDown') step(1);
      else if (e.key === 'ArrowUp') step(-1);
      else if (e.key === 'Enter') location.hash = '#/tasks/' + encodeURIComponent(row.dataset.id);
      else if (e.key === 'm' && t) { e.preventDefault(); openMoveDialog(ctx, t); }
      else if (e.key === 'e' && t) { e.preventDefault(); openTaskForm(ctx, t); }
    });
  }

  build(tasks) {
    this.keyed.build(tasks, this.matches);
    this.tabStop();
  }

  tabStop() {
    if (this.rows.querySelector('.row[tabindex="0"]:not([hidden])')) return;
    const first = this.keyed.firstVisible();
    if (first) first.tabIndex = 0;
  }

  createRow(t) {
    const el = ROW.cloneNode(true);
    el.dataset.id = t.id;
    return el;
  }

  renderRow(el, t, prev) {
    const [st, num, title, who, proj, prio, prog, upd] = el.children;
    if (!prev || prev.status !== t.status) {
      st.replaceChildren(pill(t.status));
      el.dataset.status = t.status;
    }
    el.dataset.version = t.version;
    set(num, '#' + t.id);
    set(title, t.title);
    set(who, t.assignee || '—');
    set(proj, projectName(this.ctx, t.projectId) || '—');
    set(prio, t.priority);
    prog.className = `c-progress s-${t.status}`;
    prog.firstChild.firstChild.style.setProperty('width', t.progress + '%');
    prog.title = t.progress + '%' + (t.progressMessage ? ' · ' + t.progressMessage : '');
    set(upd, fmtDateTime(t.updatedAt));
  }

  upsert(t) {
    const { el } = this.keyed.upsert(t, this.matches(t));
    flash(el);
  }

  remove(id) {
    this.keyed.remove(id);
  }

  settle() {
    this.tabStop();
  }

  refilter() {
    this.keyed.refilter(this.matches);
    this.tabStop();
  }

  visibleCount() {
    return this.keyed.visible();
  }

  focusFirst() {
    const el = this.rows.querySelector('.row[tabindex="0"]') || this.keyed.firstVisible();
    if (el) el.focus();
  }

  destroy() {
    this.root.remove();
  }
}

const ROW = (() => {
  const div = document.createElement('div');
  div.className = 'row';
  div.setAttribute('role', 'row');
  div.tabIndex = -1;
  div.innerHTML = '<span role="cell" class="c-status"></span><span role="cell" class="num"></span>'
    + '<span role="cell" class="c-title"></span><span role="cell" class="c-assignee"></span>'
    + '<span role="cell" class="c-project"></span><span role="cell" class="c-prio"></span>'
    + '<span role="cell" class="c-progress"><div class="bar"><span></span></div></span>'
    + '<span role="cell" class="c-updated"></span>';
  return div;
})();
