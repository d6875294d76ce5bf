// Every row of the numeric options' table (src/config/defaults.ts) is what resolveOptions
// enforces: its default when unset, its bounds accepted, one step past them refused with a
// message naming them, fractions refused where the row says whole numbers only.
import t from 'tap'
import { ConfigurationError } from 'xrayradar'
import { NUMERIC_OPTIONS, BOOLEAN_DEFAULTS } from '../../dist/config/defaults.js'
import { ENV_VARIABLES, optionsFromEnv } from '../../dist/config/env.js'
import { resolveOptions } from '../../dist/config/options.js'

// timeout is given in seconds and resolved to timeoutMs; every other option keeps its name.
const resolved = (opts, key) => {
  const o = resolveOptions(opts, {})
  return key === 'timeout' ? o.timeoutMs / 1000 : o[key]
}

function refusal (opts) {
  try { resolveOptions(opts, {}) } catch (err) { return err }
  return null
}

t.test('the table has the numeric options (a table read wrongly would pass the loops below)', async (t) => {
  t.ok(NUMERIC_OPTIONS.length >= 13, `${NUMERIC_OPTIONS.length} rows`)
  t.same(NUMERIC_OPTIONS.find((r) => r.key === 'maxPayloadSize'), { key: 'maxPayloadSize', default: 102400, min: 1024, max: 16777216, integer: true, unit: 'bytes' })
})

for (const row of NUMERIC_OPTIONS) {
  t.test(`${row.key}: default ${row.default}, ${row.min} to ${row.max}${row.integer ? ', whole' : ''}`, async (t) => {
    // A minimum named by another option (maxInFlight: workers) is tried with that option set.
    const base = typeof row.min === 'number' ? {} : { [row.min]: 4 }
    const min = typeof row.min === 'number' ? row.min : 4
    t.equal(resolved({}, row.key), row.default, 'unset: the default')
    t.equal(resolved({ ...base, [row.key]: min }, row.key), min, 'the minimum is accepted')
    t.equal(resolved({ ...base, [row.key]: row.max }, row.key), row.max, 'the maximum is accepted')
    for (const bad of [min - 1, row.max + 1]) {
      const err = refusal({ ...base, [row.key]: bad })
      t.ok(err instanceof ConfigurationError, `${bad} is refused`)
      t.match(err?.message, `${row.key} must be ${row.integer ? 'a whole number' : 'a number'} from ${min} to ${row.max}${row.unit === null ? '' : ` ${row.unit}`}`, 'naming the bounds and unit')
      if (row.hint !== undefined) t.match(err?.message, `(${row.hint})`)
    }
    const fraction = min + 0.5
    if (row.integer) t.match(refusal({ ...base, [row.key]: fraction })?.message, `${row.key} must be a whole number`, `${fraction} is refused`)
    else t.equal(resolved({ ...base, [row.key]: fraction }, row.key), fraction, `${fraction} is accepted`)
    t.match(refusal({ ...base, [row.key]: String(row.default) })?.message, `${row.key} must be`, 'a string holding a number is refused')
  })
}

t.test('boolean options: the table\'s default when unset, refused when not a boolean', async (t) => {
  const o = resolveOptions({ dsn: 'http://127.0.0.1:9/1' }, {})
  t.ok(Object.keys(BOOLEAN_DEFAULTS).length >= 7)
  for (const [key, def] of Object.entries(BOOLEAN_DEFAULTS)) {
    // spool is resolved into spoolDir: null when off.
    if (key === 'spool') t.equal(o.spoolDir !== null, def, 'spool')
    else t.equal(o[key], def, key)
    t.match(refusal({ [key]: 'yes' })?.message, `${key} must be true or false; got "yes".`)
  }
  t.equal(resolveOptions({ dsn: 'http://127.0.0.1:9/1', spool: !BOOLEAN_DEFAULTS.spool }, {}).spoolDir !== null, !BOOLEAN_DEFAULTS.spool, 'spool: the other value is taken')
})

t.test('a numeric environment variable takes a fraction exactly when its option does', async (t) => {
  const numeric = ENV_VARIABLES.filter((v) => v.kind === 'number')
  t.ok(numeric.length >= 4, numeric.map((v) => v.name).join(', '))
  for (const { name, option } of numeric) {
    const row = NUMERIC_OPTIONS.find((r) => r.key === option)
    if (row.integer) t.throws(() => optionsFromEnv({ [name]: '1.5' }), { message: `${name}="1.5" is not a whole number` })
    else t.same(optionsFromEnv({ [name]: '1.5' }), { [option]: 1.5 }, name)
    t.same(optionsFromEnv({ [name]: '2' }), { [option]: 2 }, `${name}=2`)
  }
})
