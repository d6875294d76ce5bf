import { workerData, threadId } from 'node:worker_threads'
import type { WorkerData, CollectTask, Collected } from '../shared/worker-protocol'
import { DeliveryWorker } from './delivery-worker'

// The file piscina loads in each worker thread. The thread's start message is the
// workerData the pool started it with (the pool sends no task to worker-side sinks):
// the worker is made from it here and starts at once. Everything it holds lives in
// that object (delivery-worker.ts), not in this module.
const worker = new DeliveryWorker(workerData as WorkerData, threadId)
worker.start()

/** The pool's task, for main-thread transports: build up to max events and hand them back. */
export default function task (msg: CollectTask): Collected[] {
  return worker.collect(msg)
}
