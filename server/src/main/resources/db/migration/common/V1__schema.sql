-- One schema for both databases; ${generated_id} is the one difference (Db.migrate).
-- Times are epoch milliseconds (BIGINT); JSON values are TEXT, written and read by the app.

CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  password_hash TEXT,
  admin         SMALLINT NOT NULL DEFAULT 0,
  disabled      SMALLINT NOT NULL DEFAULT 0,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);

CREATE TABLE teams (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE team_members (
  team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE projects (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  team_id    TEXT,
  owner_id   TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE tasks (
  id                    ${generated_id},
  title                 TEXT NOT NULL,
  description           TEXT,
  status                TEXT NOT NULL,
  stage                 TEXT,
  progress              INTEGER NOT NULL DEFAULT 0,
  progress_message      TEXT,
  output                TEXT,
  error                 TEXT,
  owner_id              TEXT NOT NULL,
  assignee              TEXT,
  project_id            TEXT,
  team_id               TEXT,
  shared_with           TEXT NOT NULL DEFAULT '[]',
  priority              TEXT NOT NULL,
  priority_rank         INTEGER NOT NULL,
  labels                TEXT NOT NULL DEFAULT '[]',
  queue                 TEXT,
  due_at                BIGINT,
  created_at            BIGINT NOT NULL,
  updated_at            BIGINT NOT NULL,
  started_at            BIGINT,
  finished_at           BIGINT,
  version               BIGINT NOT NULL,
  attempt               INTEGER NOT NULL DEFAULT 0,
  max_attempts          INTEGER NOT NULL DEFAULT 3,
  retry_backoff_seconds INTEGER NOT NULL DEFAULT 10,
  lease_expires_at      BIGINT,
  not_before            BIGINT,
  schedule_id           TEXT
);
CREATE INDEX tasks_owner ON tasks (owner_id);
CREATE INDEX tasks_assignee ON tasks (assignee);
CREATE INDEX tasks_team ON tasks (team_id);
CREATE INDEX tasks_project ON tasks (project_id);
CREATE INDEX tasks_queue_pending ON tasks (queue, status, priority_rank DESC, id);

-- Who a task is shared with, for visibility in queries; tasks.shared_with mirrors it.
CREATE TABLE task_shares (
  task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  PRIMARY KEY (task_id, user_id)
);
CREATE INDEX task_shares_user ON task_shares (user_id);

CREATE TABLE task_entries (
  id       ${generated_id},
  task_id  BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  kind     TEXT NOT NULL,
  text     TEXT,
  data     TEXT,
  actor_id TEXT NOT NULL,
  at       BIGINT NOT NULL
);
CREATE INDEX task_entries_task ON task_entries (task_id, id);

-- A create with an Idempotency-Key: a retry returns the first result.
CREATE TABLE idempotency_keys (
  user_id      TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  task_id      BIGINT NOT NULL,
  response     TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- The log. One row, updated last in every writing transaction: its row lock is held until
-- commit, so offsets are handed out in commit order with no gaps (DESIGN point 2).
CREATE TABLE log_head (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  last_offset BIGINT NOT NULL,
  trimmed_to  BIGINT NOT NULL,
  epoch       TEXT NOT NULL
);

CREATE TABLE events (
  event_offset   BIGINT PRIMARY KEY,
  type       TEXT NOT NULL,
  task_id    BIGINT NOT NULL,
  project_id TEXT,
  prior_project_id TEXT,
  at         BIGINT NOT NULL,
  -- Who may see the event, one id per line: those who see the task after the change, and
  -- those who saw it only before (they receive the event that took their sight, then nothing).
  viewers       TEXT NOT NULL,
  teams         TEXT NOT NULL,
  prior_viewers TEXT NOT NULL,
  prior_teams   TEXT NOT NULL,
  statuses      TEXT NOT NULL,  -- the task's status after and before, for subscription filters
  assignees     TEXT NOT NULL,  -- the task's assignee after and before
  payload       TEXT NOT NULL   -- the event's JSON, served as stored
);
CREATE INDEX events_task ON events (task_id, event_offset);
CREATE INDEX events_project ON events (project_id, event_offset);
CREATE INDEX events_at ON events (at);
