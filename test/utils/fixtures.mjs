// Files the tests run or read: the fixture scripts under test/fixtures/, and spool files
// written as the SDK writes them.
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'

/** The absolute path of test/fixtures/<name>. */
export const fixture = (name) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))

/**
 * A spool file as the SDK writes it for the target of `dsn` (its origin and project):
 * [name, text]. The name starts with the time it was written (`agoMs` ago) and ends with
 * the target's key (16 hex of sha256(origin/project)); the text is the header naming
 * the target, then `lines`, one event body each.
 */
export function spoolFile (dsn, lines, { agoMs = 1000, tag = 'abcdef' } = {}) {
  const { origin, pathname } = new URL(dsn)
  const project = decodeURIComponent(pathname.split('/').filter(Boolean).pop())
  const key = createHash('sha256').update(`${origin}/${project}`).digest('hex').slice(0, 16)
  const name = `${String(Date.now() - agoMs).padStart(15, '0')}-1-0-${tag}.${key}.jsonl`
  return [name, [JSON.stringify({ xrayradar_spool: 2, origin, project }), ...lines].join('\n')]
}
