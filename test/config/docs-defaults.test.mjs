// docs/configuration.md's options table against the code: a row for every option, and the
// defaults, ranges and environment variables it shows are those of src/config/defaults.ts and
// src/config/env.ts.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { NUMERIC_OPTIONS, BOOLEAN_DEFAULTS } from '../../dist/config/defaults.js'
import { ENV_VARIABLES } from '../../dist/config/env.js'
import { OPTION_KEYS } from '../../dist/config/types.js'

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8')

/** The rows of the table under "## Options": option → { env, default, what }, cells as written. */
function optionRows (markdown) {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Options\n')) ?? ''
  const rows = new Map()
  for (const line of section.split('\n')) {
    const m = /^\| `(\w+)` \|/.exec(line)
    if (m === null) continue
    // A cell may hold an escaped pipe: `(event) => event \| null`.
    const [, , env, def, what] = line.split(/(?<!\\)\|/).map((c) => c.trim())
    rows.set(m[1], { env, default: def, what })
  }
  return rows
}

const MiB = 1024 * 1024
const HOUR_MS = 3600 * 1000

/** How the docs may write a default: as it is, or in MiB (bytes) or hours (ms) when whole. */
function writtenAs (value, unit) {
  const forms = [`\`${value}\``]
  if (unit === 'bytes' && value % MiB === 0) forms.push(`${value / MiB} MiB`)
  if (unit === 'ms' && value % HOUR_MS === 0) forms.push(`${value / HOUR_MS} h`)
  return forms
}

const rows = optionRows(doc)

t.test('the table was read (a parser that finds nothing would pass everything below)', async (t) => {
  t.ok(rows.size >= 30, `${rows.size} rows`)
  t.same(rows.get('sampleRate'), { env: '`XRAYRADAR_SAMPLE_RATE`', default: '`1`', what: '0 to 1. Sampled-out events count as `dropped.sampled`.' })
  t.match(rows.get('beforeSend')?.what, /event \\\| null/, 'an escaped pipe stays inside its cell')
})

t.test('every option has a row, and every row is an option', async (t) => {
  t.same(OPTION_KEYS.filter((k) => !rows.has(k)), [], 'options missing from the docs')
  t.same([...rows.keys()].filter((k) => !OPTION_KEYS.includes(k)), [], 'rows for options that do not exist')
})

t.test('numeric options: the default, and any range the row states, are the table\'s', async (t) => {
  let ranges = 0
  for (const { key, default: def, min, max, unit } of NUMERIC_OPTIONS) {
    const row = rows.get(key)
    if (row === undefined) { t.fail(`${key} has no row in docs/configuration.md`); continue }
    t.ok(writtenAs(def, unit).includes(row.default), `${key}: the docs show ${row.default}, the default is ${writtenAs(def, unit).join(' or ')}`)
    for (const [, low, high] of row.what.matchAll(/\b(\d+(?:\.\d+)?) to (\d+(?:\.\d+)?)\b/g)) {
      ranges++
      t.same([low, high], [String(min), String(max)], `${key}: the range the docs state`)
    }
  }
  t.ok(ranges >= 3, `${ranges} ranges stated and checked`)
})

t.test('boolean options: the default is the table\'s', async (t) => {
  for (const [key, def] of Object.entries(BOOLEAN_DEFAULTS)) {
    t.equal(rows.get(key)?.default, `\`${def}\``, key)
  }
})

t.test('the env column names exactly the variables the SDK reads for that option', async (t) => {
  for (const key of OPTION_KEYS) {
    const documented = rows.get(key)?.env.match(/XRAYRADAR_\w+/g) ?? []
    const read = ENV_VARIABLES.filter((v) => v.option === key).map((v) => v.name)
    t.same(documented, read, key)
  }
})
