// Follows a session's event stream (SSE over fetch, so it can carry credentials headers), reconnecting with
// Last-Event-ID after a drop. Events are handed over once each, in order: anything at or below the last seen
// sequence number is skipped.
import { open, ApiError } from './api.js';

const QUIET_LIMIT_MS = 40_000; // the server sends a heartbeat every 15 s

/**
 * Starts following. Callbacks: onEvent(event), onEnd({status, failure}), onState('live'|'reconnecting'|'ended').
 * Returns {stop()}.
 */
export function follow(sessionId, { after = 0, onEvent, onEnd, onState = () => {} }) {
  let last = after;
  let stopped = false;
  let controller = null;

  async function run() {
    let delay = 500;
    while (!stopped) {
      let ended = false;
      controller = new AbortController();
      let watchdog = null;
      const kick = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), QUIET_LIMIT_MS);
      };
      try {
        const headers = { Accept: 'text/event-stream' };
        if (last > 0) headers['Last-Event-ID'] = String(last);
        const res = await open(`/api/sessions/${encodeURIComponent(sessionId)}/events`, headers, controller.signal);
        onState('live');
        kick();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          kick();
          buffer += value.replaceAll('\r\n', '\n');
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const frame = parse(buffer.slice(0, cut));
            buffer = buffer.slice(cut + 2);
            if (!frame) continue;
            if (frame.event === 'end') {
              ended = true;
              onEnd(JSON.parse(frame.data));
            } else {
              const event = JSON.parse(frame.data);
              if (event.seq > last) {
                last = event.seq;
                onEvent(event);
              }
            }
          }
        }
        delay = 500;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) {
          stopped = true;
          onState('ended');
          return;
        }
      } finally {
        clearTimeout(watchdog);
      }
      if (ended || stopped) {
        onState('ended');
        return;
      }
      onState('reconnecting');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 8000);
    }
  }

  run();
  return {
    stop() {
      stopped = true;
      controller?.abort();
    },
    get lastSeq() {
      return last;
    },
  };
}

function parse(text) {
  let event = 'message';
  const data = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length ? { event, data: data.join('\n') } : null;
}
