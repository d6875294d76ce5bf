// The worker's decoded-blob cache is bounded by packed bytes as well as by count: breadcrumb
// lists that change between captures each make a new blob, and a bound by count alone kept
// 1,024 decoded lists alive in the worker's heap. What recurs is still kept.
import t from 'tap'
import { BlobCache, BLOB_CACHE_BYTES, BLOB_CACHE_ENTRIES } from '../../dist/worker/blob-cache.js'

const list = (id) => [{ message: `crumb of blob ${id}` }]

t.test('blobs of 10 KiB each, never seen again: the cache holds at most its bytes', async (t) => {
  const cache = new BlobCache()
  for (let id = 1; id <= 1000; id++) cache.set(id, list(id), 10 * 1024)
  t.ok(cache.bytes <= BLOB_CACHE_BYTES, `${cache.bytes} packed bytes kept, bound ${BLOB_CACHE_BYTES}`)
  t.ok(cache.size < 1000 && cache.size >= Math.floor(BLOB_CACHE_BYTES / (10 * 1024)) - 1, `${cache.size} entries`)
  t.equal(cache.get(1), undefined, 'the oldest went first')
  t.same(cache.get(1000), list(1000), 'the newest is there')
})

t.test('a blob that keeps recurring stays while new ones come and go', async (t) => {
  const cache = new BlobCache()
  const global = { tags: { service: 'shop' } }
  cache.set(1, global, 300)
  for (let id = 2; id < 2000; id++) {
    cache.set(id, list(id), 10 * 1024)
    if (id % 50 === 0) t.equal(cache.get(1), global) || t.fail(`lost at ${id}`)
  }
  t.equal(cache.get(1), global, 'the same decoded object, not decoded again')
})

t.test('small blobs: bounded by count', async (t) => {
  const cache = new BlobCache()
  for (let id = 1; id <= 3000; id++) cache.set(id, `stack ${id}`, 40)
  t.equal(cache.size, BLOB_CACHE_ENTRIES)
})

t.test('a blob larger than the whole bound is not kept, and evicts nothing', async (t) => {
  const cache = new BlobCache()
  cache.set(1, list(1), 100)
  cache.set(2, list(2), BLOB_CACHE_BYTES + 1)
  t.equal(cache.get(2), undefined)
  t.same(cache.get(1), list(1))
})
