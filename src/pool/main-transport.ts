import type { RingConsumer } from '../ring/consumer'
import type { Transport } from '../transports/transport'
import type { CollectTask, Collected } from '../shared/worker-protocol'
import type { DeliveryPool } from './delivery-pool'
import type { Diagnose } from './diagnose'

// A custom transport (`transport: { send }`) runs on the main thread: the workers build
// the events and hand them back in batches ('collect' tasks), and this sends each
// through the transport and settles it.

// Events a custom (main-thread) transport takes back from a worker per task: one
// task's structured clone stays small while a burst still needs few round trips.
const COLLECT_BATCH = 64

export class MainTransportSender {
  private readonly transport: Transport
  private readonly consumer: RingConsumer
  private readonly delivery: DeliveryPool
  private readonly diagnose: Diagnose
  private collecting = false

  constructor (transport: Transport, consumer: RingConsumer, delivery: DeliveryPool, diagnose: Diagnose) {
    this.transport = transport
    this.consumer = consumer
    this.delivery = delivery
    this.diagnose = diagnose
  }

  /** An event was enqueued: collect it, unless a collecting round is already under way (it takes it too). */
  wake (): void {
    if (!this.collecting) this.startCollecting()
  }

  /** Closes the transport; false when its close() failed. Never rejects. */
  async close (timeoutMs: number): Promise<boolean> {
    const transport = this.transport
    if (typeof transport.close !== 'function') return true
    try {
      await transport.close(timeoutMs)
      return true
    } catch (err) {
      // Once per client (close runs once); init() closes the previous client unawaited.
      this.diagnose(`the custom transport's close() failed (${err instanceof Error ? err.message : String(err)}); what it still held may not have been sent.`, true)
      return false
    }
  }

  private startCollecting (): void {
    this.collecting = true
    setImmediate(() => { void this.collect() })
  }

  private async collect (): Promise<void> {
    try {
      while (!this.delivery.isClosed && this.consumer.hasUnclaimed()) {
        const pool = this.delivery.start()
        if (pool === null) break // the events were settled as worker_unavailable
        const batch = await pool.run({ op: 'collect', max: COLLECT_BATCH } satisfies CollectTask) as Collected[]
        await Promise.all(batch.map(async ({ seq, event }) => {
          try {
            await this.transport.send(event)
            this.consumer.settle(seq, 'delivered')
          } catch {
            this.consumer.settle(seq, 'network_error')
          }
        }))
      }
    } catch {
      // The pool is gone (close) or a worker died; what is left stays pending in the stats.
    } finally {
      this.collecting = false
      if (!this.delivery.isClosed && this.consumer.hasUnclaimed()) this.startCollecting()
    }
  }
}
