// Servers for tests: on 127.0.0.1 (loopback only) at a free port, closed at the test's teardown;
// and a port where nothing listens.
import http from 'node:http'
import net from 'node:net'

/**
 * Listens on 127.0.0.1 port 0 with server, or with a node:http server for handler (a request
 * listener: a function such as an Express app or Koa's app.callback()). Resolves with
 * { server, port, base, close }; close() runs at t's teardown too, and drops open keep-alive
 * connections, so a test never waits for them to time out.
 */
export async function listen (t, serverOrHandler) {
  const server = typeof serverOrHandler === 'function' ? http.createServer(serverOrHandler) : serverOrHandler
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const { port } = server.address()
  let closed = null
  const close = () => (closed ??= new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()) }))
  t.teardown(close)
  return { server, port, base: `http://127.0.0.1:${port}`, close }
}

/** A loopback port nothing listens on: one the system just gave out and that was closed again. Take it after the test's own listen(0) calls: the system may give it to the next one. */
export async function closedPort () {
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}
