// The connection badge: colour, icon-dot and words together; a countdown while waiting.

import { h } from './ui.js';

const WORDS = { websocket: 'WebSocket', sse: 'SSE', longpoll: 'long-poll' };

export function mountBadge(slot, live) {
  const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  const label = h('span', { class: 'label' });
  const countdown = h('span', { class: 'countdown', 'aria-hidden': 'true' });
  const retry = h('button', { class: 'btn small', type: 'button', hidden: true }, 'Retry now');
  const badge = h('div', { class: 'badge', id: 'connection', role: 'status', 'aria-live': 'polite' },
    dot, label, countdown, retry);
  slot.replaceWith(badge);
  retry.addEventListener('click', () => live.retryNow());

  let tick = 0;
  const render = () => {
    const s = live.state;
    badge.dataset.state = s.status;
    badge.dataset.transport = s.transport;
    const via = WORDS[s.transport];
    let text;
    if (s.status === 'connected') {
      text = s.fallback ? `Live · ${via} fallback` : `Live · ${via}`;
    } else if (s.status === 'connecting') {
      text = s.fallback ? `Connecting · trying ${via}…` : 'Connecting…';
    } else if (s.status === 'error') {
      text = `Error: ${s.message || 'the server refused the connection'}`;
    } else {
      text = 'Disconnected';
    }
    label.textContent = text;
    badge.title = s.status === 'connected' && s.fallback
      ? `WebSocket is not reachable from here; updates come over ${via}.` : text;
    retry.hidden = !(s.status === 'disconnected' || s.status === 'error');
    clearInterval(tick);
    countdown.textContent = '';
    if (s.retryAt) {
      const show = () => {
        const left = Math.max(0, Math.ceil((s.retryAt - Date.now()) / 1000));
        countdown.textContent = `· retry in ${left} s`;
      };
      show();
      tick = setInterval(show, 250);
    }
  };
  live.addEventListener('state', render);
  render();
  return {
    unmount() {
      clearInterval(tick);
      live.removeEventListener('state', render);
    },
  };
}
