// HTTP requests with exactly the headers a test gives (fetch would not send Host, Origin or
// Sec-Fetch-* as given): what a browser sends, written out, against a real collector.
import { request } from 'node:http'

/** Resolves with the status, headers and body (text) of one request. */
export function rawRequest (url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { text += d })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}
