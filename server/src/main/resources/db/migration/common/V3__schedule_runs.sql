-- Each fire time of a schedule, at most once. The primary key is what makes "one task per fire
-- time" hold across nodes and crashes: a node whose clock lags, or a schedule moved back onto a
-- time it already fired, finds the row and creates nothing. POST /schedules/{id}/run is not a
-- fire time and writes no row. Rows older than a week are trimmed (ScheduleService.trimRuns).
CREATE TABLE schedule_runs (
  schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  fired_for   BIGINT NOT NULL,
  task_id     BIGINT,
  fired_at    BIGINT NOT NULL,
  PRIMARY KEY (schedule_id, fired_for)
);
CREATE INDEX schedule_runs_fired_for ON schedule_runs (fired_for);
