// The bare sender's shared counters (an Int32Array over a SharedArrayBuffer), one slot each;
// required by the worker (bare-sender-worker.cjs) and the thread that starts it (bare-sender.mjs).
module.exports = {
  /** Sends the captures asked for: bumped by the main thread, one per capture. */
  ASKED: 0,
  /** Sends the ingest answered (or that failed): stored by the worker, awaited by flush(). */
  ANSWERED: 1,
  /** Slots in all: the array's length. */
  SLOTS: 2
}
