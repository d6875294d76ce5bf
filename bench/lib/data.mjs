// The same data for every subject: user, 5 tags, 3 extras, 20 breadcrumbs of ~60 bytes,
// errors thrown from a 10-frame recursion with a unique message each.

export const USER = { id: '48213', username: 'jdoe', email: 'jdoe@example.com' }
export const TAGS = { feature: 'checkout', region: 'eu-west-1', tier: 'gold', locale: 'en-US', version: '4.2.1' }
export const EXTRAS = { cart_value: 99.99, items: 3, coupon: 'SPRING24' }

export function crumb (i) {
  // ~60 bytes of message and data
  return { category: 'http', message: `GET /api/v1/products/${1000 + i}?page=2`, level: 'info', data: { status: 200, ms: 12 + i } }
}

function recurse (depth, message) {
  if (depth === 0) return new Error(message)
  return recurse(depth - 1, message)
}

let counter = 0
/** A fresh Error created 10 frames deep; its stack has not been read yet. */
export function makeError () {
  counter++
  return recurse(8, `Payment failed for order ${counter} (card declined: insufficient funds)`)
}

/** Applies the shared scope through a subject's API. */
export function applyScope (s) {
  s.setUser(USER)
  for (const [k, v] of Object.entries(TAGS)) s.setTag(k, v)
  for (const [k, v] of Object.entries(EXTRAS)) s.setExtra(k, v)
  for (let i = 0; i < 20; i++) s.addBreadcrumb(crumb(i))
}
