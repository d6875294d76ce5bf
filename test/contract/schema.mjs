// The subset of JSON Schema that event.schema.json uses (type, const, enum, pattern,
// minLength, minimum, maximum, minItems, properties, required, additionalProperties, items, local $ref),
// so the contract test needs no schema library. Returns one line per violation, each
// naming the path; an empty list means the value conforms.

const typeOf = (v) => v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v

function hasType (v, t) {
  if (t === 'integer') return Number.isInteger(v)
  if (t === 'number') return typeof v === 'number' && Number.isFinite(v)
  return typeOf(v) === t
}

function resolve (root, ref) {
  if (!ref.startsWith('#/')) throw new Error(`only local $ref is supported: ${ref}`)
  return ref.slice(2).split('/').reduce((node, key) => node[key], root)
}

function check (root, schema, v, at, out) {
  if (schema.type !== undefined) {
    const types = [].concat(schema.type)
    if (!types.some((t) => hasType(v, t))) { out.push(`${at} must be ${types.join(' or ')}, is ${typeOf(v)}`); return }
    if (v === null) return // null allowed here: nothing more to check
  }
  // A $ref beside other keywords: both apply (the "type" beside it is what allows null).
  if (schema.$ref !== undefined) check(root, resolve(root, schema.$ref), v, at, out)
  if ('const' in schema && v !== schema.const) out.push(`${at} must be ${JSON.stringify(schema.const)}, is ${JSON.stringify(v)}`)
  if (schema.enum !== undefined && !schema.enum.includes(v)) out.push(`${at} must be one of ${schema.enum.join(', ')}, is ${JSON.stringify(v)}`)
  if (typeof v === 'string') {
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(v)) out.push(`${at} does not match ${schema.pattern}: ${JSON.stringify(v)}`)
    if (schema.minLength !== undefined && v.length < schema.minLength) out.push(`${at} is shorter than ${schema.minLength}`)
  }
  if (typeof v === 'number') {
    if (schema.minimum !== undefined && v < schema.minimum) out.push(`${at} is below ${schema.minimum}: ${v}`)
    if (schema.maximum !== undefined && v > schema.maximum) out.push(`${at} is above ${schema.maximum}: ${v}`)
  }
  if (Array.isArray(v)) {
    if (schema.minItems !== undefined && v.length < schema.minItems) out.push(`${at} has fewer than ${schema.minItems} items`)
    if (schema.items !== undefined) v.forEach((item, i) => check(root, schema.items, item, `${at}[${i}]`, out))
  }
  if (typeOf(v) === 'object') {
    const props = schema.properties ?? {}
    for (const key of schema.required ?? []) if (!(key in v)) out.push(`${at}.${key} is missing`)
    for (const [key, value] of Object.entries(v)) {
      if (key in props) check(root, props[key], value, `${at}.${key}`, out)
      else if (schema.additionalProperties === false) out.push(`${at}.${key} is not in the contract`)
      else if (typeof schema.additionalProperties === 'object') check(root, schema.additionalProperties, value, `${at}.${key}`, out)
    }
  }
}

/** Violations of `schema` by `value`, one line each ("event.contexts.tags.a must be string, is number"). */
export function validate (schema, value) {
  const out = []
  check(schema, schema, value, 'event', out)
  return out
}
