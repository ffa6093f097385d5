/** Helpers for the discovery tests: a capturing logger and polling for a condition. */
import { Logger } from '../util/log.js';

/** A logger that keeps its lines. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: new Logger({ write: (s: string) => lines.push(s) }, 'debug'), lines };
}

/** Resolves once `pred` holds, polling every 5 ms; rejects after `timeout` ms with `what`. */
export async function waitFor(pred: () => boolean, what: string, timeout = 3000): Promise<void> {
  const end = Date.now() + timeout;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
