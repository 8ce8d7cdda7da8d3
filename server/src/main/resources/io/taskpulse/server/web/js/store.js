// The one client-side store: tasks by id, the log position (offset, epoch) they are true at,
// and the recent events. One live connection feeds it; every view reads it. Views hear of
// changes at most once per animation frame (less often while rendering them is slow: see
// pacedScheduler), as a batch of the ids that changed.

import { pacedScheduler } from './ui.js';

const RECENT_EVENTS = 500;

export class Store {
  constructor() {
    this.tasks = new Map();
    this.offset = null;
    this.shownOffset = null; // the offset the views were last told of (they lag offset by a batch)
    this.epoch = null;
    this.complete = true;
    this.loaded = false;
    this.recent = []; // newest last, at most RECENT_EVENTS
    this.gone = new Map(); // id -> {type, event}: tasks that were deleted or unshared
    this.listeners = new Set();
    this.batch = emptyBatch();
    this.schedule = pacedScheduler(() => this.flush());
  }

  /** fn(batch) with batch = {changed: Set<id>, removed: Map<id, task>, reset, events: [...]}. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** A snapshot: the whole state at an offset. Replaces what was held. */
  replace(tasks, offset, epoch, complete = true) {
    this.tasks = new Map(tasks.map((t) => [t.id, t]));
    this.offset = offset;
    this.epoch = epoch;
    this.complete = complete;
    this.loaded = true;
    this.gone.clear();
    this.batch = emptyBatch();
    this.batch.reset = true;
    this.schedule();
  }

  /** One event of the log. Events at or below the held offset were seen already. */
  apply(ev) {
    if (this.offset !== null && ev.offset <= this.offset) return false;
    this.offset = ev.offset;
    const cur = this.tasks.get(ev.taskId);
    if (ev.type === 'task.deleted' || ev.type === 'task.unshared') {
      // A deletion is final (ids are never reused); losing sight is, until an event gives it back.
      if (cur && (ev.type === 'task.deleted' || ev.version >= cur.version)) {
        this.tasks.delete(ev.taskId);
        this.batch.removed.set(ev.taskId, ev.task || cur);
        this.batch.changed.delete(ev.taskId);
      }
      this.gone.set(ev.taskId, { type: ev.type, event: ev });
    } else if (ev.task && (!cur || ev.task.version > cur.version)) {
      this.tasks.set(ev.taskId, ev.task);
      this.batch.changed.add(ev.taskId);
      this.batch.removed.delete(ev.taskId);
      this.gone.delete(ev.taskId);
    }
    this.remember(ev);
    this.batch.events.push(ev);
    this.schedule();
    return true;
  }

  /** Moves the position on without events (the long-poll feed skips what one may not see). */
  advance(offset) {
    if (this.offset !== null && offset <= this.offset) return;
    this.offset = offset;
    this.schedule(); // an empty batch, so that shownOffset catches up too
  }

  /** A task as an HTTP reply showed it; kept only when newer than what is held. */
  put(task) {
    const cur = this.tasks.get(task.id);
    if (cur && cur.version >= task.version) return;
    this.tasks.set(task.id, task);
    this.gone.delete(task.id);
    this.batch.changed.add(task.id);
    this.batch.removed.delete(task.id);
    this.schedule();
  }

  /** The server says the task is not there (404): drop it. */
  drop(id) {
    const cur = this.tasks.get(id);
    if (!cur) return;
    this.tasks.delete(id);
    this.batch.removed.set(id, cur);
    this.batch.changed.delete(id);
    this.schedule();
  }

  /** Older events for the activity feed (not applied to tasks: the snapshot has them). */
  addHistory(events) {
    const known = new Set(this.recent.map((e) => e.offset));
    const older = events.filter((e) => !known.has(e.offset));
    if (!older.length) return;
    this.recent = [...older, ...this.recent].sort((a, b) => a.offset - b.offset)
      .slice(-RECENT_EVENTS);
    this.batch.history = true;
    this.schedule();
  }

  remember(ev) {
    this.recent.push(ev);
    if (this.recent.length > RECENT_EVENTS * 1.2) this.recent = this.recent.slice(-RECENT_EVENTS);
  }

  flush() {
    const batch = this.batch;
    this.batch = emptyBatch();
    for (const fn of this.listeners) {
      try {
        fn(batch);
      } catch (e) {
        console.error('view update failed', e);
      }
    }
    this.shownOffset = this.offset;
  }

  /** Distinct assignees of the tasks held, sorted. */
  assignees() {
    const out = new Set();
    for (const t of this.tasks.values()) if (t.assignee) out.add(t.assignee);
    return [...out].sort();
  }
}

function emptyBatch() {
  return { changed: new Set(), removed: new Map(), reset: false, history: false, events: [] };
}
