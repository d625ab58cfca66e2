/**
 * Events that stages and the runner emit. The command-line layer renders them; every run also keeps
 * them, one JSON object per line, in `events.jsonl` of its run folder.
 */

export type RunEvent =
  | { type: "run-start"; time: string; spec: string; run: string }
  | { type: "run-end"; time: string; ok: boolean; seconds: number }
  | { type: "stage-start"; time: string; stage: string; node: string; key: string; cached: boolean }
  | {
    type: "stage-end";
    time: string;
    stage: string;
    node: string;
    key: string;
    seconds: number;
    cached: boolean;
  }
  | {
    type: "progress";
    time: string;
    node: string;
    /** Units done so far and the total, in `unit`. */
    done: number;
    total: number;
    unit: string;
    /** Optional short status (loss, learning rate) shown beside the bar. */
    detail?: string;
  }
  | { type: "metric"; time: string; node: string; name: string; value: number; step?: number }
  | { type: "log"; time: string; node: string; message: string }
  | { type: "warning"; time: string; node: string; message: string }
  | { type: "error"; time: string; node: string; message: string };

/** Receives events; implementations render, store or forward them. */
export interface EventSink {
  emit(event: RunEvent): void;
}

/** Stage-facing reporter bound to one plan node, so stages never build event objects by hand. */
export interface StageEvents {
  progress(done: number, total: number, unit: string, detail?: string): void;
  metric(name: string, value: number, step?: number): void;
  log(message: string): void;
  warning(message: string): void;
}

/** Bind an event sink to one plan node. */
export function stageEvents(sink: EventSink, node: string): StageEvents {
  const now = () => new Date().toISOString();
  return {
    progress: (done, total, unit, detail) =>
      sink.emit({ type: "progress", time: now(), node, done, total, unit, detail }),
    metric: (name, value, step) => sink.emit({ type: "metric", time: now(), node, name, value, step }),
    log: (message) => sink.emit({ type: "log", time: now(), node, message }),
    warning: (message) => sink.emit({ type: "warning", time: now(), node, message }),
  };
}

/** A sink that drops everything; for tests and library calls outside a run. */
export const silentSink: EventSink = { emit: () => {} };

/** Stage events that go nowhere. */
export const silentEvents: StageEvents = stageEvents(silentSink, "-");
