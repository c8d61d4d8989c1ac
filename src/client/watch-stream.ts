// Decoding a watch response body, the same for every transport: newline-delimited JSON
// `{type, object}` events, split across chunks anywhere (even inside a UTF-8 character).
import { StringDecoder } from 'node:string_decoder';
import { isPlainObject } from '../api/object.js';
import type { WatchEvent } from './client.js';

const WATCH_EVENT_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

function parseWatchLine(line: string): WatchEvent {
  const parsed: unknown = JSON.parse(line);
  if (!isPlainObject(parsed) || typeof parsed['type'] !== 'string' || !WATCH_EVENT_TYPES.has(parsed['type']) || !isPlainObject(parsed['object'])) {
    throw new Error(`malformed watch event: ${line.slice(0, 200)}`);
  }
  // Shape checked above; the object's own fields are the caller's to interpret.
  return parsed as unknown as WatchEvent;
}

/** The events of a watch body; ends quietly when `signal` aborts the read. */
export async function* watchEvents(body: AsyncIterable<Buffer>, signal: AbortSignal): AsyncGenerator<WatchEvent> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  try {
    for await (const chunk of body) {
      pending += decoder.write(chunk);
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line) yield parseWatchLine(line);
      }
    }
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  }
}
