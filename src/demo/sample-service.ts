import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as xrayradar from '../index'

// A small shop API instrumented by hand with the public scope API (the framework
// integrations do the same per request): each request runs in its own isolation
// scope with its request data, user and breadcrumbs.

class DatabaseError extends Error { override name = 'DatabaseError' }

const routes: Record<string, () => unknown> = {
  '/checkout': () => {
    const order: { customer?: { id: string } } = {}
    return (order.customer as { id: string }).id // TypeError, as in production
  },
  '/orders/42': () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
    throw new DatabaseError('SELECT * FROM orders WHERE id = $1 failed', { cause: reset })
  },
  '/import': () => {
    throw new AggregateError([new RangeError('row 3: quantity -1 is below 0'), new TypeError('row 7: price is not a number')], 'CSV import rejected 2 rows')
  },
  '/health': () => {
    xrayradar.captureMessage('health check took longer than 500 ms', { level: 'warning', tags: { probe: 'readiness' } })
    return 'ok'
  }
}

export async function startSampleService (): Promise<{ url: string, server: Server }> {
  const server = createServer((req, res) => {
    xrayradar.runWithIsolationScope((scope) => {
      const url = new URL(req.url ?? '/', 'http://shop.local')
      scope.setRequest({ url: `http://shop.local${req.url ?? '/'}`, method: req.method, headers: req.headers as Record<string, string>, query_string: url.search.slice(1) || null })
      scope.setUser({ id: '123', username: 'johndoe', email: 'user@example.com', ip_address: req.socket.remoteAddress ?? null })
      scope.setTag('route', url.pathname)
      xrayradar.addBreadcrumb({ category: 'http', type: 'http', message: `${req.method ?? 'GET'} ${url.pathname}`, data: { method: req.method } })
      const handler = routes[url.pathname]
      try {
        if (handler === undefined) { res.writeHead(404).end(); return }
        res.end(String(handler()))
      } catch (err) {
        xrayradar.captureException(err, { extra: { handler: url.pathname } })
        res.writeHead(500).end('internal error')
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

// /checkout fails twice: the collector's page shows one issue with two events.
export const SAMPLE_PATHS = ['/checkout?coupon=SPRING&api_key=sk_live_123', '/orders/42', '/import', '/health', '/checkout?coupon=SUMMER&api_key=sk_live_123']
