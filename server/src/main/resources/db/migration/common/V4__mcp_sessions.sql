-- MCP sessions (Streamable HTTP, Mcp-Session-Id). Kept in the database so that every node
-- behind a load balancer serves every session, and a DELETE on one node ends it on all.
CREATE TABLE mcp_sessions (
  id               TEXT PRIMARY KEY,
  user_id          TEXT NOT NULL,
  protocol_version TEXT NOT NULL,
  client_name      TEXT,
  client_version   TEXT,
  capabilities     TEXT NOT NULL,   -- the client's capabilities as JSON
  created_at       BIGINT NOT NULL,
  last_used_at     BIGINT NOT NULL
);
CREATE INDEX mcp_sessions_user ON mcp_sessions (user_id, last_used_at);
CREATE INDEX mcp_sessions_last_used ON mcp_sessions (last_used_at);
