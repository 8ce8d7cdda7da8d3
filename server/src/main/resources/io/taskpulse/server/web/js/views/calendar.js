// A month of tasks by due date (local time), coloured by status with icon and label,
// kept live: one chip per task, moved or changed in place.

import { h, icon, STATUS, statusLabel } from '../ui.js';

const DOW = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function monthOf(param) {
  const m = /^(\d{4})-(\d{2})$/.exec(param || '');
  const now = new Date();
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, 1) : new Date(now.getFullYear(), now.getMonth(), 1);
}

function key(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function monthKey(d) {
  return key(d).slice(0, 7);
}

export function mount(main, ctx, _m, params) {
  const { store } = ctx;
  let month = monthOf(params.get('month'));
  const title = h('h1', { id: 'calendar-title' });
  const prev = h('button', { class: 'btn', type: 'button', 'aria-label': 'Previous month' }, '‹');
  const next = h('button', { class: 'btn', type: 'button', 'aria-label': 'Next month' }, '›');
  const today = h('button', { class: 'btn', type: 'button' }, 'Today');
  const undated = h('span', { class: 'muted', id: 'calendar-undated' });
  const grid = h('div', { class: 'cal', id: 'calendar', role: 'grid' });
  main.append(h('div', { class: 'view-head' }, title, prev, today, next, h('div', { class: 'spacer' }), undated), grid);

  let days = new Map(); // 'yyyy-mm-dd' -> items container
  let chips = new Map(); // task id -> {el, day}

  const go = (d) => {
    history.replaceState(null, '', '#/calendar?month=' + monthKey(d));
    month = d;
    build();
  };
  prev.addEventListener('click', () => go(new Date(month.getFullYear(), month.getMonth() - 1, 1)));
  next.addEventListener('click', () => go(new Date(month.getFullYear(), month.getMonth() + 1, 1)));
  today.addEventListener('click', () => go(monthOf('')));

  function build() {
    title.textContent = month.toLocaleDateString(undefined, { month: 'long', year: 'numeric' });
    grid.replaceChildren(...DOW.map((d) => h('div', { class: 'dow', role: 'columnheader' }, d)));
    days = new Map();
    chips = new Map();
    const first = new Date(month.getFullYear(), month.getMonth(), 1);
    const offset = (first.getDay() + 6) % 7; // Monday first
    const start = new Date(first.getFullYear(), first.getMonth(), 1 - offset);
    const todayKey = key(new Date());
    for (let i = 0; i < 42; i++) {
      const d = new Date(start.getFullYear(), start.getMonth(), start.getDate() + i);
      const k = key(d);
      const items = h('div', { class: 'day-items' });
      const cell = h('div', { class: `day${d.getMonth() !== month.getMonth() ? ' other' : ''}${k === todayKey ? ' today' : ''}`,
        role: 'gridcell', dataset: { day: k }, 'aria-label': d.toLocaleDateString(undefined, { dateStyle: 'full' }) },
      h('span', { class: 'dnum' }, String(d.getDate())), items);
      days.set(k, items);
      grid.append(cell);
    }
    for (const t of store.tasks.values()) place(t);
    counts();
  }

  function place(t) {
    const cur = chips.get(t.id);
    const k = t.dueAt ? key(new Date(t.dueAt)) : null;
    const items = k ? days.get(k) : null;
    if (!items) {
      if (cur) { cur.el.remove(); chips.delete(t.id); }
      return;
    }
    let el = cur && cur.el;
    if (!el) {
      el = h('a', { class: 'cal-chip', href: '#/tasks/' + encodeURIComponent(t.id), dataset: { id: t.id } });
    }
    el.className = `cal-chip s-${t.status}`;
    el.dataset.status = t.status;
    el.title = `#${t.id} ${t.title} · ${statusLabel(t.status)} · due ${new Date(t.dueAt).toLocaleString()}`;
    el.replaceChildren(icon(STATUS[t.status]?.icon || 'circle'), h('span', {}, t.title),
      h('span', { class: 'sr-only' }, `, ${statusLabel(t.status)}`));
    if (!cur || cur.day !== k) {
      // keep the day's chips in due-time order
      const at = Date.parse(t.dueAt);
      const after = [...items.children].find((c) => Date.parse(store.tasks.get(c.dataset.id)?.dueAt || 0) > at);
      items.insertBefore(el, after || null);
    }
    chips.set(t.id, { el, day: k });
  }

  function counts() {
    let n = 0;
    for (const t of store.tasks.values()) if (!t.dueAt) n++;
    undated.textContent = n ? `${n} task${n === 1 ? '' : 's'} without a due date` : '';
  }

  build();
  return {
    update(batch) {
      if (batch.reset) return build();
      for (const [id] of batch.removed) {
        const c = chips.get(id);
        if (c) { c.el.remove(); chips.delete(id); }
      }
      for (const id of batch.changed) {
        const t = store.tasks.get(id);
        if (t) place(t);
      }
      if (batch.changed.size || batch.removed.size) counts();
    },
    query(p) {
      month = monthOf(p.get('month'));
      build();
    },
  };
}
