/**
 * The implementation of the Taskpulse client. Not API: anything here may change in any
 * release; use the types of {@code io.taskpulse.client}.
 */
package io.taskpulse.client.internal;
