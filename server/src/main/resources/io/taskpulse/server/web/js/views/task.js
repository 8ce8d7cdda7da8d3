// One task: every field, progress, output and error, actions, sharing, and its timeline.
// The timeline is GET /tasks/{id}/entries, then each task.entry_added of this task as the
// live connection brings it (the tasks stream carries them, as task:<id> would); it follows
// new entries unless the reader has scrolled up, and then offers a button instead.

import { h, icon, pill, fmtDateTime, fmtAgo, fmtJson, MOVES, STATUS, statusLabel, safeUrl, announce } from '../ui.js';
import { openMoveDialog, openTaskForm, confirmDialog } from '../forms.js';

export function mount(main, ctx, [id]) {
  const { store, actions, api } = ctx;
  const title = h('h1', { id: 'task-title' }, `#${id}`);
  const status = h('span', { id: 'task-status' });
  const actionBar = h('div', { class: 'actions', id: 'task-actions' });
  const banner = h('div', { class: 'banner bad', hidden: true, id: 'task-gone', role: 'status' });
  const progressBox = h('div', { class: 'progress-big', id: 'task-progress' });
  const fields = h('dl', { class: 'fields', id: 'task-fields' });
  const outputs = h('div', { id: 'task-outputs' });
  const shares = h('div', { id: 'task-shares' });
  const timeline = h('ol', { class: 'timeline', id: 'timeline', 'aria-label': 'Timeline', tabindex: '0' });
  const newButton = h('button', { class: 'btn small new-entries', type: 'button', hidden: true, id: 'new-entries' });
  const timelineNote = h('p', { class: 'muted', id: 'timeline-empty' }, 'Loading the timeline…');
  const entryForm = composer();
  const progressForm = progressEditor();
  const shareList = h('div');
  const drawn = { status: null, shared: null, outputs: null };
  shares.append(shareList, shareForm());

  main.append(
    h('p', {}, h('a', { href: '#/board' }, '← Board')),
    banner,
    h('div', { class: 'detail-head' }, title, status, h('div', { class: 'spacer' })),
    actionBar,
    h('div', { class: 'grid two' },
      h('div', { class: 'grid' },
        h('section', { class: 'panel', 'aria-labelledby': 'h-progress' }, h('h2', { id: 'h-progress' }, 'Progress'),
          progressBox, progressForm.el),
        h('section', { class: 'panel', 'aria-labelledby': 'h-timeline' }, h('h2', { id: 'h-timeline' }, 'Timeline'),
          timelineNote, h('div', { class: 'timeline-wrap' }, timeline, newButton), entryForm.el),
        outputs),
      h('div', { class: 'grid' },
        h('section', { class: 'panel', 'aria-labelledby': 'h-fields' }, h('h2', { id: 'h-fields' }, 'Details'), fields),
        h('section', { class: 'panel', 'aria-labelledby': 'h-shares' }, h('h2', { id: 'h-shares' }, 'Shared with'), shares))));

  let task = store.tasks.get(id) || null;
  const entries = new Map(); // id -> entry
  let unseen = 0;
  let loaded = false;
  const pendingLive = [];

  if (!task) {
    api.get(`/tasks/${encodeURIComponent(id)}`).then((t) => {
      store.put(t);
      task = t;
      render();
    }).catch((e) => {
      banner.hidden = false;
      banner.textContent = e.status === 404 ? `Task #${id} does not exist, or you cannot see it.` : e.message;
      title.textContent = `#${id}`;
    });
  } else {
    render();
  }
  loadEntries();

  async function loadEntries() {
    try {
      let after = null;
      do {
        const page = await api.get(`/tasks/${encodeURIComponent(id)}/entries?limit=1000` + (after ? '&after=' + after : ''));
        for (const e of page.entries) entries.set(String(e.id), e);
        after = page.next;
      } while (after);
      loaded = true;
      for (const e of pendingLive) entries.set(String(e.id), e);
      drawTimeline(true);
    } catch (e) {
      timelineNote.textContent = e.status === 404 ? '' : `The timeline could not be loaded: ${e.message}`;
    }
  }

  function atBottom() {
    return timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 32;
  }

  timeline.addEventListener('scroll', () => {
    if (atBottom()) {
      unseen = 0;
      newButton.hidden = true;
    }
  });
  newButton.addEventListener('click', () => {
    timeline.scrollTop = timeline.scrollHeight;
    unseen = 0;
    newButton.hidden = true;
  });

  function drawTimeline(initial) {
    const sorted = [...entries.values()].sort((a, b) => Number(a.id) - Number(b.id));
    const have = new Set([...timeline.children].map((li) => li.dataset.id));
    const follow = initial || atBottom();
    let added = 0;
    for (const e of sorted) {
      if (have.has(String(e.id))) continue;
      // Entries arrive in id order; a late older one goes where it belongs.
      const li = entryItem(e);
      const next = [...timeline.children].find((x) => Number(x.dataset.id) > Number(e.id));
      timeline.insertBefore(li, next || null);
      added++;
    }
    timelineNote.textContent = entries.size ? '' : 'No entries yet.';
    if (follow) {
      timeline.scrollTop = timeline.scrollHeight;
    } else if (added && !initial) {
      unseen += added;
      newButton.hidden = false;
      newButton.textContent = `↓ ${unseen} new ${unseen === 1 ? 'entry' : 'entries'}`;
    }
  }

  function entryItem(e) {
    const kindIcon = { comment: 'comment', log: 'log', link: 'link' }[e.kind] || 'log';
    const li = h('li', { class: `k-${e.kind}`, dataset: { id: String(e.id), kind: e.kind } },
      h('div', { class: 'e-head' }, icon(kindIcon), h('span', { class: 'e-kind' }, e.kind),
        h('span', {}, e.actorId || ''), h('time', { datetime: e.at, title: fmtDateTime(e.at) }, fmtDateTime(e.at))));
    const d = e.data && typeof e.data === 'object' ? e.data : null;
    const url = d && safeUrl(d.url);
    if (e.kind === 'link' && url) {
      const label = [d.repository, d.number ? '#' + d.number : null].filter(Boolean).join(' ');
      li.append(h('div', { class: 'e-text' },
        h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'entry-link' },
          (label ? label + ' ' : '') + (d.title || url)),
        d.action ? h('span', { class: 'muted' }, ` · ${d.merged ? 'merged' : d.action}`) : null));
      if (e.text) li.append(h('div', { class: 'e-text muted' }, e.text));
    } else {
      if (e.text) li.append(h('div', { class: 'e-text' }, e.text));
      if (d && !e.text) li.append(h('pre', { class: 'out' }, fmtJson(d)));
      else if (url) li.append(h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url));
    }
    return li;
  }

  function render() {
    if (!task) return;
    title.textContent = `#${task.id} ${task.title}`;
    status.replaceChildren(pill(task.status));
    const statusChanged = drawn.status !== null && drawn.status !== task.status;
    document.title = `#${task.id} ${task.title} · Taskpulse`;

    // actions: redrawn only when the status changes, so a focused button keeps its focus
    if (drawn.status !== task.status) drawActions();
    drawn.status = task.status;

    // progress
    const s = `s-${task.status}`;
    progressBox.className = `progress-big ${s}`;
    progressBox.replaceChildren(
      h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
        'aria-valuenow': String(task.progress), 'aria-label': 'Progress' }, barFill(task.progress)),
      h('div', { class: 'line' }, h('span', { id: 'progress-message' }, task.progressMessage || (task.stage ? `stage: ${task.stage}` : '')),
        h('strong', { id: 'progress-value' }, `${task.progress}%`)));
    progressForm.sync(task);

    // fields: every one the task has
    const row = (k, v) => [h('dt', {}, k), h('dd', { dataset: { field: k } }, v ?? '—')];
    const when = (iso) => (iso ? h('time', { datetime: iso, title: fmtAgo(iso) }, fmtDateTime(iso)) : '—');
    const project = task.projectId ? (ctx.projects.find((p) => p.id === task.projectId)?.name || task.projectId) : null;
    fields.replaceChildren(
      ...row('Status', pill(task.status)),
      ...row('Stage', task.stage),
      ...row('Description', task.description ? h('span', { class: 'e-text' }, task.description) : null),
      ...row('Assignee', task.assignee),
      ...row('Owner', task.ownerId),
      ...row('Project', task.projectId ? h('a', { href: `#/projects/${encodeURIComponent(task.projectId)}` }, project) : null),
      ...row('Team', task.teamId),
      ...row('Priority', task.priority),
      ...row('Labels', task.labels?.length ? h('span', { class: 'tags' }, task.labels.map((l) => h('span', { class: 'tag' }, l))) : null),
      ...row('Queue', task.queue),
      ...row('Due', when(task.dueAt)),
      ...row('Created', when(task.createdAt)),
      ...row('Updated', when(task.updatedAt)),
      ...row('Started', when(task.startedAt)),
      ...row('Finished', when(task.finishedAt)),
      ...row('Attempt', `${task.attempt ?? 0} of ${task.maxAttempts ?? '—'}`),
      ...row('Retry backoff', task.retryBackoffSeconds != null ? `${task.retryBackoffSeconds} s` : null),
      ...row('Lease until', when(task.leaseExpiresAt)),
      ...row('Not before', when(task.notBefore)),
      ...row('Schedule', task.scheduleId),
      ...row('Version', String(task.version)));

    // output and error
    const out = JSON.stringify([task.output, task.error]);
    if (drawn.outputs !== out) drawOutputs();
    drawn.outputs = out;

    // sharing: the form stays (what is typed is kept); the list is redrawn when it changes
    const shared = (task.sharedWith || []).join(',');
    if (drawn.shared !== shared) {
      drawn.shared = shared;
      shareList.replaceChildren(task.sharedWith?.length
        ? h('div', { class: 'tags', id: 'share-list' }, task.sharedWith.map((u) => h('span', { class: 'tag', dataset: { user: u } }, u,
          h('button', { type: 'button', 'aria-label': `Stop sharing with ${u}`, onclick: () => actions.unshare(task, u).catch(() => {}) }, '×'))))
        : h('p', { class: 'muted' }, 'Not shared with anyone.'));
    }

    if (statusChanged) announce(`#${task.id} is now ${statusLabel(task.status)}`);
  }

  function drawOutputs() {
    outputs.replaceChildren();
    if (task.output !== null && task.output !== undefined) {
      outputs.append(h('section', { class: 'panel' }, h('h2', {}, 'Output'), h('pre', { class: 'out', id: 'task-output' }, fmtJson(task.output))));
    }
    if (task.error !== null && task.error !== undefined) {
      outputs.append(h('section', { class: 'panel' }, h('h2', {}, 'Error'), h('pre', { class: 'out err', id: 'task-error' }, fmtJson(task.error))));
    }

  }

  function drawActions() {
    const moves = MOVES[task.status] || [];
    const verb = { running: 'Start', completed: 'Complete', failed: 'Fail', cancelled: 'Cancel',
      pending: task.status === 'running' ? 'Hand back' : task.status === 'disabled' ? 'Enable' : 'Retry', disabled: 'Disable' };
    actionBar.replaceChildren(
      ...moves.map((to) => h('button', { class: `btn s-${to}`, type: 'button', dataset: { move: to },
        onclick: () => actions.move(task, to).catch(() => {}) }, icon(STATUS[to].icon), verb[to])),
      h('button', { class: 'btn', type: 'button', id: 'move-other', onclick: () => openMoveDialog(ctx, task) }, 'Move with a note…'),
      h('button', { class: 'btn', type: 'button', id: 'edit-task', onclick: () => openTaskForm(ctx, task) }, 'Edit'),
      h('button', { class: 'btn danger', type: 'button', id: 'delete-task', onclick: remove }, 'Delete'));

  }

  function barFill(p) {
    const span = h('span');
    span.style.setProperty('width', p + '%');
    return span;
  }

  async function remove() {
    const ok = await confirmDialog(`Delete #${task.id}?`, `"${task.title}" and its timeline will be deleted. This cannot be undone.`);
    if (!ok) return;
    try {
      await actions.remove(task);
      location.hash = '#/board';
    } catch {
      // the toast says why
    }
  }

  function shareForm() {
    const who = h('input', { type: 'text', id: 'share-user', 'aria-label': 'User to share with', placeholder: 'user id', list: 'share-people', autocomplete: 'off' });
    const form = h('form', { class: 'inline-form' }, who, h('button', { class: 'btn', type: 'submit' }, 'Share'),
      h('datalist', { id: 'share-people' }, ctx.users.map((u) => h('option', { value: u.id }, u.name))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const user = who.value.trim();
      if (task && user) actions.share(task, user).then(() => { who.value = ''; }).catch(() => {});
    });
    return form;
  }

  function composer() {
    const kind = h('select', { id: 'entry-kind', 'aria-label': 'Entry kind' },
      ['comment', 'log', 'link'].map((k) => h('option', { value: k }, k)));
    const text = h('input', { type: 'text', id: 'entry-text', 'aria-label': 'Entry text', placeholder: 'Add a comment…', autocomplete: 'off' });
    const url = h('input', { type: 'url', id: 'entry-url', 'aria-label': 'Link URL', placeholder: 'https://…', hidden: true });
    const btn = h('button', { class: 'btn', type: 'submit' }, 'Add');
    const el = h('form', { class: 'inline-form', id: 'entry-form' }, kind, text, url, btn);
    kind.addEventListener('change', () => { url.hidden = kind.value !== 'link'; });
    el.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!task) return;
      const body = { kind: kind.value };
      if (text.value.trim()) body.text = text.value.trim();
      if (kind.value === 'link' && url.value.trim()) body.data = { url: url.value.trim(), title: text.value.trim() || url.value.trim() };
      if (!body.text && !body.data) return;
      btn.disabled = true;
      try {
        const entry = await actions.addEntry(task, body);
        if (entry && entry.id) {
          entries.set(String(entry.id), entry);
          drawTimeline(false);
          timeline.scrollTop = timeline.scrollHeight;
        }
        text.value = '';
        url.value = '';
      } catch {
        // the toast says why
      } finally {
        btn.disabled = false;
      }
    });
    return { el };
  }

  function progressEditor() {
    const value = h('input', { type: 'number', min: 0, max: 100, id: 'progress-input', 'aria-label': 'Progress percent' });
    const message = h('input', { type: 'text', id: 'progress-message-input', 'aria-label': 'Progress message', placeholder: 'message', autocomplete: 'off' });
    const btn = h('button', { class: 'btn', type: 'submit' }, 'Set progress');
    const el = h('form', { class: 'inline-form', id: 'progress-form' }, value, message, btn);
    el.addEventListener('submit', (e) => {
      e.preventDefault();
      const n = Number(value.value);
      if (!task || value.value === '' || Number.isNaN(n)) return;
      actions.progress(task, Math.round(n), message.value.trim()).catch(() => {});
    });
    return {
      el,
      sync(t) {
        el.hidden = !(t.status === 'pending' || t.status === 'running');
        if (document.activeElement !== value) value.value = String(t.progress);
      },
    };
  }

  return {
    update(batch) {
      const gone = batch.removed.get(id);
      if (gone) {
        const g = store.gone.get(id);
        const by = g && g.event && g.event.actor ? ` by ${g.event.actor.id}` : '';
        banner.hidden = false;
        banner.textContent = g && g.type === 'task.unshared'
          ? `You can no longer see this task (changed${by}).` : `This task was deleted${by}.`;
        actionBar.replaceChildren();
        progressForm.el.hidden = true;
        entryForm.el.hidden = true;
        return;
      }
      for (const ev of batch.events) {
        if (ev.taskId === id && ev.entry) { // entry_added, and moves with a reason
          if (loaded) entries.set(String(ev.entry.id), ev.entry);
          else pendingLive.push(ev.entry);
        }
      }
      const now = store.tasks.get(id);
      if (now && (!task || now.version !== task.version || batch.reset || batch.reference)) {
        task = now;
        banner.hidden = true;
        render();
      }
      if (loaded && batch.events.some((ev) => ev.taskId === id && ev.entry)) drawTimeline(false);
    },
    unmount() {
      document.title = 'Taskpulse';
    },
  };
}
