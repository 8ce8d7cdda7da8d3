-- Workers seen claiming or heartbeating, for GET /workers.
CREATE TABLE workers (
  id           TEXT PRIMARY KEY,
  queues       TEXT NOT NULL,   -- queue names, one per line
  last_seen_at BIGINT NOT NULL
);
CREATE INDEX tasks_running_lease ON tasks (status, lease_expires_at);
CREATE INDEX tasks_assignee_finished ON tasks (assignee, finished_at);

-- Schedules create tasks on a timetable; next_run_at is taken under a row lock, so each fire
-- time creates exactly one task whichever node fires it.
CREATE TABLE schedules (
  id           TEXT PRIMARY KEY,
  owner_id     TEXT NOT NULL,
  team_id      TEXT,
  cron         TEXT NOT NULL,
  timezone     TEXT NOT NULL,
  template     TEXT NOT NULL,
  enabled      SMALLINT NOT NULL,
  catch_up     TEXT NOT NULL,
  next_run_at  BIGINT,
  last_run_at  BIGINT,
  last_task_id TEXT,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL
);
CREATE INDEX schedules_due ON schedules (enabled, next_run_at);

-- GitHub webhook deliveries seen, so a redelivery changes nothing.
CREATE TABLE github_deliveries (
  id          TEXT PRIMARY KEY,
  received_at BIGINT NOT NULL
);
