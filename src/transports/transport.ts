import type { WireEvent } from '../shared/types'

/**
 * Delivers finished events. The default pipeline sends from the worker threads;
 * a custom Transport runs on the main thread, after the workers built and
 * scrubbed the event, and is awaited by flush()/close() (not at process exit,
 * where the main thread cannot run JavaScript callbacks).
 */
export interface Transport {
  send (event: WireEvent): void | Promise<void>
  flush? (timeoutMs: number): boolean | Promise<boolean>
  close? (timeoutMs: number): void | Promise<void>
}

/** Marker read by the pipeline: this transport runs inside the workers. */
export const WORKER_SINK = Symbol.for('xrayradar.workerSink')

/** Pretty-prints every event to stdout instead of sending it (what debug: true uses without a DSN). */
export class DebugTransport implements Transport {
  readonly [WORKER_SINK] = 'debug'
  send (event: WireEvent): void {
    process.stdout.write(formatDebug(event))
  }
}

/** Discards every event (counted as delivered): for tests and for switching delivery off. */
export class NullTransport implements Transport {
  readonly [WORKER_SINK] = 'null'
  send (): void {}
}

export function formatDebug (event: WireEvent): string {
  return `[xrayradar] event ${event.event_id} (${event.level}) ${event.message}\n${JSON.stringify(event, null, 2)}\n`
}
