/**
 * Terminal rendering of run events: one line per stage start and finish, and a progress bar with
 * rate and ETA for long stages. On a terminal the bar redraws in place; otherwise (CI logs, pipes) a
 * progress line is printed at most every `PLAIN_PROGRESS_SECONDS`.
 */

import type { EventSink, RunEvent } from "../runner/events.ts";

/** Seconds between progress lines when output is not a terminal. */
const PLAIN_PROGRESS_SECONDS = 15;
/** Minimum milliseconds between redraws of the bar on a terminal. */
const REDRAW_MS = 100;
const BAR_WIDTH = 24;

export type RenderMode = "normal" | "quiet" | "json";

interface ProgressState {
  firstTime: number;
  firstDone: number;
  lastPrint: number;
}

/** Format seconds as `1h02m`, `3m05s` or `4.2s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** Renders events on stdout/stderr. `quiet` prints only warnings and errors; `json` prints raw events. */
export class TerminalSink implements EventSink {
  readonly #mode: RenderMode;
  readonly #tty: boolean;
  readonly #encoder = new TextEncoder();
  readonly #progress = new Map<string, ProgressState>();
  #barVisible = false;

  constructor(mode: RenderMode, isTerminal = Deno.stderr.isTerminal()) {
    this.#mode = mode;
    this.#tty = isTerminal;
  }

  emit(event: RunEvent): void {
    if (this.#mode === "json") {
      this.#write(Deno.stdout, JSON.stringify(event) + "\n");
      return;
    }
    if (event.type === "warning" || event.type === "error") {
      this.#line(`${event.type}: [${event.node}] ${event.message}`);
      return;
    }
    if (this.#mode === "quiet") return;
    switch (event.type) {
      case "run-start":
        this.#line(`run ${event.run} of spec ${event.spec}`);
        break;
      case "run-end":
        this.#line(`run ${event.ok ? "finished" : "failed"} in ${formatDuration(event.seconds)}`);
        break;
      case "stage-start":
        if (!event.cached) this.#line(`start  ${event.node}  (${event.key.slice(0, 12)})`);
        break;
      case "stage-end":
        this.#progress.delete(event.node);
        this.#line(
          event.cached
            ? `cached ${event.node}  (${event.key.slice(0, 12)})`
            : `done   ${event.node}  in ${formatDuration(event.seconds)}`,
        );
        break;
      case "log":
        this.#line(`       [${event.node}] ${event.message}`);
        break;
      case "progress":
        this.#renderProgress(event);
        break;
      case "metric":
        break;
    }
  }

  #renderProgress(event: Extract<RunEvent, { type: "progress" }>): void {
    const now = Date.now();
    let state = this.#progress.get(event.node);
    if (!state) {
      state = { firstTime: now, firstDone: event.done, lastPrint: 0 };
      this.#progress.set(event.node, state);
    }
    const minGap = this.#tty ? REDRAW_MS : PLAIN_PROGRESS_SECONDS * 1000;
    const finished = event.done >= event.total;
    if (now - state.lastPrint < minGap && !finished) return;
    state.lastPrint = now;

    const elapsed = (now - state.firstTime) / 1000;
    const rate = elapsed > 0 ? (event.done - state.firstDone) / elapsed : 0;
    const eta = rate > 0 ? (event.total - event.done) / rate : NaN;
    const fraction = event.total > 0 ? Math.min(1, event.done / event.total) : 0;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
    const text = `       ${event.node} [${bar}] ${event.done}/${event.total} ${event.unit}` +
      `  ${rate.toFixed(rate < 10 ? 2 : 0)} ${event.unit}/s  ETA ${formatDuration(eta)}` +
      (event.detail ? `  ${event.detail}` : "");
    if (this.#tty) {
      this.#write(Deno.stderr, `\r\x1b[2K${text}`);
      this.#barVisible = true;
    } else {
      this.#line(text);
    }
  }

  #line(text: string): void {
    if (this.#barVisible) {
      this.#write(Deno.stderr, "\r\x1b[2K");
      this.#barVisible = false;
    }
    this.#write(Deno.stderr, text + "\n");
  }

  #write(stream: { writeSync(data: Uint8Array): number }, text: string): void {
    const bytes = this.#encoder.encode(text);
    let offset = 0;
    while (offset < bytes.length) offset += stream.writeSync(bytes.subarray(offset));
  }
}
