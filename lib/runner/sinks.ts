/** Event sinks: a JSON-lines log file, and a fan-out to several sinks. */

import type { EventSink, RunEvent } from "./events.ts";

/**
 * Appends every event as one JSON line to a file. Lines are written synchronously, so the log is
 * complete up to the moment a process dies.
 */
export class JsonLinesSink implements EventSink {
  readonly #file: Deno.FsFile;
  readonly #encoder = new TextEncoder();

  constructor(path: string) {
    this.#file = Deno.openSync(path, { append: true, create: true });
  }

  emit(event: RunEvent): void {
    this.#file.writeSync(this.#encoder.encode(JSON.stringify(event) + "\n"));
  }

  close(): void {
    this.#file.close();
  }
}

/** Sends each event to every sink in order. */
export class TeeSink implements EventSink {
  constructor(readonly sinks: EventSink[]) {}

  emit(event: RunEvent): void {
    for (const sink of this.sinks) sink.emit(event);
  }
}

/** Keeps events in memory; for tests and for collecting stage timings. */
export class MemorySink implements EventSink {
  readonly events: RunEvent[] = [];

  emit(event: RunEvent): void {
    this.events.push(event);
  }
}
