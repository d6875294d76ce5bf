// The drain loop's batches (worker/delivery-worker.ts): once a batch has emptied the ring, what
// arrives next gathers for the linger before it is claimed, instead of going out at once as a
// batch of one (each batch is a bottleneck job, ~0.2 ms of CPU). A real DeliveryWorker in a
// worker thread, a real ring and a loopback ingest; see the fixture for the script.
import t from 'tap'
import { Worker } from 'node:worker_threads'
import { startCollector } from 'xrayradar'
import { fixture } from '../utils/fixtures.mjs'

t.test('a record that lands while a batch is built waits for the next ones instead of going alone', async (t) => {
  const collector = await startCollector({})
  t.teardown(() => collector.close())
  const worker = new Worker(fixture('drain-batches.mjs'), { workerData: { dsn: collector.dsn('1') } })
  t.teardown(() => worker.terminate())
  const got = await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject) })
  t.same(got.sizes, [4, 4], 'the first four, then the one that landed meanwhile with the three after it')
  t.equal(got.delivered, 8, 'every record delivered')
  t.equal(collector.events.length, 8, 'the ingest stored all eight')
})
