import { statSync, accessSync, constants } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { isAbsolute, join, dirname, basename } from 'node:path'

// Where the spool lives when spoolDir is not given: a per-user place, never one
// directory shared by every user of the machine (another user could pre-create
// it, read, forge or delete spooled events). In order:
//   $XDG_STATE_HOME/xrayradar/spool/<key>  (when set: the user keeps state there)
//   $XDG_CACHE_HOME/xrayradar/spool/<key>  (when set)
//   ~/.cache/xrayradar/spool/<key>
//   <tmpdir>/xrayradar-<uid>/spool/<key>   (no usable home: a service account
//                                           with HOME=/nonexistent or a read-only one)
// <key> is 16 hex of sha256(DSN origin + project): one directory per project.
// The last three levels are the SDK's own (owner-only, owned by the process uid;
// see src/worker/safe-dir.ts); the worker checks every level before use.

const APP = 'xrayradar'
const SPOOL = 'spool'
/** The levels spoolKey()'s directory adds under its base: xrayradar, spool, the key. */
const DEFAULT_OWN_LEVELS = 3
const KEY_PATTERN = /^[0-9a-f]{16}$/
const APP_PATTERN = /^xrayradar(-\d+)?$/


function uid (): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null
}

/**
 * A directory this user can keep files under: absolute, a directory it owns and
 * may write, or missing with such a parent (~/.cache on a fresh account; never
 * a whole missing home such as /nonexistent).
 */
function usable (dir: string | undefined, orMissing = true): dir is string {
  if (dir === undefined || dir === '' || !isAbsolute(dir)) return false
  try {
    const st = statSync(dir)
    const me = uid()
    if (!st.isDirectory() || (me !== null && st.uid !== me)) return false
    accessSync(dir, constants.W_OK)
    return true
  } catch (err) {
    return orMissing && (err as NodeJS.ErrnoException).code === 'ENOENT' && usable(dirname(dir), false)
  }
}

function home (env: NodeJS.ProcessEnv): string | undefined {
  if (env.HOME !== undefined && env.HOME !== '') return env.HOME
  try { return homedir() } catch { return undefined }
}

/** The default spool directory for a project key, for the user running this process. */
export function defaultSpoolDir (key: string, env: NodeJS.ProcessEnv = process.env): string {
  const h = home(env)
  const candidates = [env.XDG_STATE_HOME, env.XDG_CACHE_HOME, h === undefined ? undefined : join(h, '.cache')]
  for (const base of candidates) {
    if (usable(base)) return join(base, APP, SPOOL, key)
  }
  return join(tmpdir(), `${APP}-${uid() ?? 'user'}`, SPOOL, key)
}

/**
 * How many trailing levels of a spool directory are the SDK's own: three for
 * the default layout (…/xrayradar[-uid]/spool/<key>), else one (the directory
 * the user named; levels the SDK has to create are its own as well).
 */
export function spoolOwnLevels (dir: string): number {
  const key = basename(dir)
  const spool = basename(dirname(dir))
  const app = basename(dirname(dirname(dir)))
  return KEY_PATTERN.test(key) && spool === SPOOL && APP_PATTERN.test(app) ? DEFAULT_OWN_LEVELS : 1
}
