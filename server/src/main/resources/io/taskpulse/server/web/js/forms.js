// Dialogs: create and edit a task, move it, confirm, and the keyboard help. Native <dialog>
// gives focus trapping and Escape; focus returns to where it was when a dialog closes.

import { h, icon, STATUS, STATUSES, MOVES, statusLabel } from './ui.js';

function dialog(title, ...body) {
  const opener = document.activeElement;
  const d = h('dialog', { 'aria-label': title });
  d.append(...body);
  document.body.append(d);
  d.addEventListener('close', () => {
    d.remove();
    let back = opener;
    // A card that moved while the dialog was open was redrawn: give focus to the new one.
    if (back && !back.isConnected && back.dataset && back.dataset.id) {
      back = document.querySelector(`${back.tagName.toLowerCase()}.${back.classList[0]}`
        + `[data-id="${CSS.escape(back.dataset.id)}"]`);
    }
    if (back && back.isConnected && back.focus) back.focus();
  });
  d.showModal();
  return d;
}

const FIELDS = ['title', 'description', 'status', 'stage', 'assignee', 'projectId', 'teamId',
  'priority', 'labels', 'queue', 'dueAt', 'maxAttempts', 'retryBackoffSeconds'];

/** Create (task null) or edit a task. Edits send only what changed, with If-Match. */
export function openTaskForm(ctx, task, preset = {}) {
  const editing = !!task;
  const shown = task ? { ...task } : null; // the version this form shows and will send
  const idempotencyKey = crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
  const error = h('div', { class: 'form-error', role: 'alert', id: 'task-form-error' });
  const stale = h('div', { class: 'banner', hidden: true, id: 'task-form-stale' });
  const input = (name, attrs = {}) => h('input', { name, id: 'f-' + name, type: 'text', ...attrs });
  const f = {
    title: input('title', { required: true, maxlength: 500, autocomplete: 'off' }),
    description: h('textarea', { name: 'description', id: 'f-description', rows: 3 }),
    status: h('select', { name: 'status', id: 'f-status' },
      (editing ? STATUSES : ['pending', 'disabled']).map((s) => h('option', { value: s }, statusLabel(s)))),
    stage: input('stage', { maxlength: 200 }),
    assignee: input('assignee', { list: 'f-people', autocomplete: 'off' }),
    projectId: h('select', { name: 'projectId', id: 'f-projectId' }, h('option', { value: '' }, '— none —'),
      ctx.projects.map((p) => h('option', { value: p.id }, p.name))),
    teamId: h('select', { name: 'teamId', id: 'f-teamId' }, h('option', { value: '' }, '— none —'),
      teamsFor(ctx, task).map((t) => h('option', { value: t }, t))),
    priority: h('select', { name: 'priority', id: 'f-priority' },
      ['low', 'normal', 'high', 'urgent'].map((p) => h('option', { value: p }, p))),
    labels: input('labels', { placeholder: 'comma, separated' }),
    queue: input('queue'),
    dueAt: h('input', { name: 'dueAt', id: 'f-dueAt', type: 'datetime-local' }),
    maxAttempts: input('maxAttempts', { type: 'number', min: 1, max: 100 }),
    retryBackoffSeconds: input('retryBackoffSeconds', { type: 'number', min: 0, max: 86400 }),
  };
  const people = h('datalist', { id: 'f-people' },
    [...new Set([...ctx.users.map((u) => u.id), ...ctx.store.assignees()])].map((id) => h('option', { value: id })));
  const initial = toFormFields(task || { status: 'pending', priority: 'normal', maxAttempts: 3,
    retryBackoffSeconds: 10, ...preset });
  for (const k of FIELDS) f[k].value = initial[k] ?? '';

  const label = (text, el) => h('label', { class: 'field' }, text, el);
  const submit = h('button', { class: 'btn primary', type: 'submit' }, editing ? 'Save' : 'Create task');
  const cancel = h('button', { class: 'btn', type: 'button', value: 'cancel' }, 'Cancel');
  const form = h('form', { method: 'dialog', novalidate: true },
    h('div', { class: 'dhead' }, h('h2', {}, editing ? `Edit #${task.id}` : 'New task'),
      editing ? h('span', { class: 'muted', id: 'f-version' }, `version ${task.version}`) : null),
    stale, error,
    label('Title', f.title),
    label('Description', f.description),
    h('div', { class: 'two' }, label('Status', f.status), label('Priority', f.priority)),
    h('div', { class: 'two' }, label('Assignee', f.assignee), label('Stage', f.stage)),
    h('div', { class: 'two' }, label('Project', f.projectId), label('Team', f.teamId)),
    h('div', { class: 'two' }, label('Due', f.dueAt), label('Labels', f.labels)),
    h('details', {}, h('summary', {}, 'Queue and retries'),
      h('div', { class: 'two' }, label('Queue', f.queue), label('Max attempts', f.maxAttempts)),
      label('Retry backoff (seconds)', f.retryBackoffSeconds)),
    people,
    h('div', { class: 'dfoot' }, cancel, submit));
  const d = dialog(editing ? `Edit task ${task.id}` : 'New task', form);
  cancel.addEventListener('click', () => d.close());
  f.title.focus();

  // A live change while the form is open is shown, never merged into what the user typed.
  const unsub = editing ? ctx.store.subscribe(() => {
    const now = ctx.store.tasks.get(task.id);
    if (!now) {
      stale.hidden = false;
      stale.textContent = 'This task was deleted or you can no longer see it.';
    } else if (now.version !== shown.version) {
      stale.hidden = false;
      stale.textContent = `Changed since you opened this form: now version ${now.version}. `
        + 'Saving sends the version you see, and the server will refuse it.';
    }
  }) : () => {};
  d.addEventListener('close', unsub);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    for (const el of Object.values(f)) el.removeAttribute('aria-invalid');
    const values = fromForm(f);
    if (!values.title) {
      error.textContent = 'A title is required.';
      f.title.setAttribute('aria-invalid', 'true');
      f.title.focus();
      return;
    }
    submit.disabled = true;
    try {
      let saved;
      if (editing) {
        const before = fromForm(toFormFields(shown));
        const changed = {};
        for (const k of FIELDS) {
          if (JSON.stringify(values[k]) !== JSON.stringify(before[k])) changed[k] = values[k];
        }
        if (!Object.keys(changed).length) {
          d.close();
          return;
        }
        saved = await ctx.actions.patch(shown, changed, shown.version);
      } else {
        const body = {};
        for (const [k, v] of Object.entries(values)) if (v !== null && v !== '') body[k] = v;
        if (body.status === 'pending') delete body.status;
        if (Array.isArray(body.labels) && !body.labels.length) delete body.labels;
        saved = await ctx.actions.create(body, idempotencyKey);
      }
      d.close();
      if (!editing && saved) {
        // Keep the keyboard where the new task is: its card on the board, once drawn.
        requestAnimationFrame(() => requestAnimationFrame(() => {
          const card = document.querySelector(`[data-id="${CSS.escape(saved.id)}"]`);
          if (card) card.focus();
        }));
      }
    } catch (err) {
      error.textContent = err.message;
      const field = err.details && err.details.field;
      if (field && f[field]) {
        f[field].setAttribute('aria-invalid', 'true');
        f[field].focus();
      }
    } finally {
      submit.disabled = false;
    }
  });
  return d;
}

function teamsFor(ctx, task) {
  const teams = new Set(ctx.session.user?.teams || []);
  if (task && task.teamId) teams.add(task.teamId);
  return [...teams].sort();
}

function toFormFields(t) {
  return {
    title: t.title || '', description: t.description || '', status: t.status || 'pending',
    stage: t.stage || '', assignee: t.assignee || '', projectId: t.projectId || '',
    teamId: t.teamId || '', priority: t.priority || 'normal',
    labels: (t.labels || []).join(', '), queue: t.queue || '',
    dueAt: t.dueAt ? localInput(t.dueAt) : '',
    maxAttempts: t.maxAttempts ?? '', retryBackoffSeconds: t.retryBackoffSeconds ?? '',
  };
}

/** Values (form elements or plain) as the API wants them: null clears, numbers are numbers. */
function fromForm(f) {
  const v = (k) => (f[k] instanceof Element ? f[k].value : f[k]);
  const text = (k) => {
    const s = String(v(k) ?? '').trim();
    return s === '' ? null : s;
  };
  const num = (k) => {
    const s = String(v(k) ?? '').trim();
    return s === '' ? null : Number(s);
  };
  const due = text('dueAt');
  return {
    title: text('title'), description: text('description'), status: text('status'),
    stage: text('stage'), assignee: text('assignee'), projectId: text('projectId'),
    teamId: text('teamId'), priority: text('priority') || 'normal',
    labels: String(v('labels') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    queue: text('queue'), dueAt: due ? new Date(due).toISOString() : null,
    maxAttempts: num('maxAttempts'), retryBackoffSeconds: num('retryBackoffSeconds'),
  };
}

function localInput(iso) {
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The moves from a task's status, as buttons; the note becomes a reason, output or error. */
export function openMoveDialog(ctx, task) {
  const note = h('input', { type: 'text', id: 'move-note', placeholder: 'Reason, output or error (optional)', autocomplete: 'off' });
  const targets = MOVES[task.status] || [];
  const verbs = { running: 'Start', completed: 'Complete', failed: 'Fail', cancelled: 'Cancel',
    pending: task.status === 'running' ? 'Hand back' : 'Reopen', disabled: 'Disable' };
  const buttons = targets.map((to) => h('button', { class: `btn s-${to}`, type: 'button', dataset: { to } },
    icon(STATUS[to].icon), `${verbs[to]} → ${statusLabel(to)}`));
  const error = h('div', { class: 'form-error', role: 'alert' });
  const list = h('div', { class: 'move-list', role: 'group', 'aria-label': 'Move to' }, buttons);
  const close = h('button', { class: 'btn', type: 'button' }, 'Close');
  const body = h('div', { class: 'dbody' },
    h('div', { class: 'dhead' }, h('h2', {}, `Move #${task.id}`), h('span', { class: 'muted' }, task.title)),
    error, list, h('label', { class: 'field' }, 'Note', note), h('div', { class: 'dfoot' }, close));
  const d = dialog(`Move task ${task.id}`, body);
  close.addEventListener('click', () => d.close());
  list.addEventListener('keydown', (e) => {
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowRight') {
      e.preventDefault();
      buttons[(i + 1) % buttons.length].focus();
    } else if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') {
      e.preventDefault();
      buttons[(i - 1 + buttons.length) % buttons.length].focus();
    }
  });
  for (const b of buttons) {
    b.addEventListener('click', async () => {
      for (const x of buttons) x.disabled = true;
      try {
        await ctx.actions.move(task, b.dataset.to, note.value);
        d.close();
      } catch (e) {
        error.textContent = e.message;
        for (const x of buttons) x.disabled = false;
      }
    });
  }
  if (buttons[0]) buttons[0].focus();
  if (!buttons.length) error.textContent = `No move is allowed from ${statusLabel(task.status)}.`;
  return d;
}

/** Asks before something that cannot be undone. Resolves true when confirmed. */
export function confirmDialog(title, message, yes = 'Delete') {
  return new Promise((resolve) => {
    const ok = h('button', { class: 'btn danger', type: 'button', id: 'confirm-yes' }, yes);
    const no = h('button', { class: 'btn', type: 'button', id: 'confirm-no' }, 'Keep it');
    const d = dialog(title, h('div', { class: 'dbody', role: 'alertdialog', 'aria-describedby': 'confirm-msg' },
      h('h2', {}, title), h('p', { id: 'confirm-msg' }, message), h('div', { class: 'dfoot' }, no, ok)));
    let answer = false;
    ok.addEventListener('click', () => { answer = true; d.close(); });
    no.addEventListener('click', () => d.close());
    d.addEventListener('close', () => resolve(answer));
    no.focus();
  });
}

export function openHelp() {
  const row = (k, what) => h('tr', {}, h('td', {}, k.map((x) => h('kbd', {}, x))), h('td', {}, what));
  const close = h('button', { class: 'btn', type: 'button' }, 'Close');
  const d = dialog('Keyboard', h('div', { class: 'dbody' }, h('h2', {}, 'Keyboard'),
    h('table', {}, h('tbody', {},
      row(['n'], 'New task'), row(['/'], 'Search the board'),
      row(['↑', '↓', '←', '→'], 'Move between cards on the board'),
      row(['Enter'], 'Open the card'), row(['m'], 'Move the card to another status'),
      row(['e'], 'Edit the card'), row(['Esc'], 'Close a dialog'), row(['?'], 'This help'))),
    h('div', { class: 'dfoot' }, close)));
  close.addEventListener('click', () => d.close());
  close.focus();
}
