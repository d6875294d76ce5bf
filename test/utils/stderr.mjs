// What the SDK says on stderr: written in this process while a function runs (stderrOf), or
// printed by a child process (sdkLines, linesWith over its stderr text).

/** The lines of text, without the empty one after a last newline. */
const linesOfText = (text) => text.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '')

/**
 * The lines written to process.stderr while fn runs, kept from the terminal. When fn returns a
 * promise, resolves with the lines written until it settles (a rejection passes through).
 */
export function stderrOf (fn) {
  const chunks = []
  const write = process.stderr.write
  process.stderr.write = (chunk, encoding, done) => {
    chunks.push(String(chunk))
    const cb = typeof encoding === 'function' ? encoding : done
    if (typeof cb === 'function') process.nextTick(cb)
    return true
  }
  const restore = () => { process.stderr.write = write; return linesOfText(chunks.join('')) }
  let value
  try { value = fn() } catch (err) { restore(); throw err }
  if (typeof value?.then !== 'function') return restore()
  return Promise.resolve(value).then(restore, (err) => { restore(); throw err })
}

/** The SDK's own lines in a stderr text (they start with "[xrayradar]"). */
export const sdkLines = (text) => linesOfText(text).filter((l) => l.startsWith('[xrayradar]'))

/** The lines of a stderr text that contain needle (a string) or match it (a RegExp). */
export const linesWith = (text, needle) => linesOfText(text).filter((l) => typeof needle === 'string' ? l.includes(needle) : needle.test(l))
