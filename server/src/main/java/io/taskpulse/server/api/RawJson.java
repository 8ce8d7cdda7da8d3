package io.taskpulse.server.api;

/** JSON text already serialized (events as stored in the log), written as-is. */
record RawJson(String text) {}
