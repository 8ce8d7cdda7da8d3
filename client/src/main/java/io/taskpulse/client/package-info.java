/** The Taskpulse Java client: HTTP API calls and live subscriptions that resume by themselves. */
package io.taskpulse.client;
