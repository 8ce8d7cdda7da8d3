-- Workers seen claiming or heartbeating, for GET /workers.
CREATE TABLE workers (
  id           TEXT PRIMARY KEY,
  queues       TEXT NOT NULL,   -- queue names, one per line
  last_seen_at BIGINT NOT NULL
);
CREATE INDEX tasks_running_lease ON tasks (status, lease_expires_at);
CREATE INDEX tasks_assignee_finished ON tasks (assignee, finished_at);
