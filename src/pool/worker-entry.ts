import { existsSync } from 'node:fs'
import { basename, isAbsolute, join, resolve } from 'node:path'
import type Piscina from 'piscina'
import type { EmbeddedWorker } from './materialise'

// Where the pool's threads come from. Installed normally, piscina and our worker
// file are on disk next to this file. Inside someone's bundle (esbuild, webpack,
// ncc) neither is: piscina starts threads from its own worker.js and ours from
// dist/worker/index.js, files a bundler does not copy. Then the worker side,
// bundled at our build time and embedded as strings, is written to a private
// directory and piscina is loaded from there (docs/bundling.md).

export interface WorkerEntry {
  Piscina: typeof Piscina
  /** The task file each thread loads. */
  filename: string
}

const OWN_FILE = 'worker-entry.js'

/**
 * Our real worker file, or null inside a bundle: there __filename is the bundle's,
 * a bundler's stand-in, or not defined at all (ESM output; webpack folds
 * `typeof __filename` to "string" even then, hence the catch).
 */
function installedWorkerFile (): string | null {
  let own: string
  let dir: string
  try {
    own = __filename
    dir = __dirname
  } catch {
    return null
  }
  if (typeof own !== 'string' || typeof dir !== 'string' || !isAbsolute(dir) || basename(own) !== OWN_FILE) return null
  const file = resolve(dir, '../worker/index.js')
  return existsSync(file) ? file : null
}

/**
 * The piscina class and task file to start the pool with. warn gets one line if
 * the usual worker directory was refused. Throws an Error that names the fix
 * when no safe directory can be written: the pool cannot start then.
 */
export function workerEntry (warn: (message: string) => void): WorkerEntry {
  const installed = installedWorkerFile()
  if (installed !== null) return { Piscina: (require('piscina') as typeof import('piscina')).Piscina, filename: installed }
  // Required only here: a normal install never loads the embedded copy or the code that writes it.
  const { materialise } = require('./materialise') as typeof import('./materialise')
  const dir = materialise(require('./embedded-worker') as EmbeddedWorker, warn)
  // A require the user's bundler cannot see, so it loads the written file, not a bundled copy.
  const load = process.getBuiltinModule('node:module').createRequire(join(dir, 'piscina.js'))
  return { Piscina: (load('./piscina.js') as typeof import('piscina')).Piscina, filename: join(dir, 'xrayradar-worker.js') }
}
