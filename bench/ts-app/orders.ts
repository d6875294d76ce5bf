// The bench's TypeScript service (bench/lib/ts-app.mjs bundles it with esbuild and
// a source map): an order pipeline whose failure is thrown 10 frames deep, as in
// bench/lib/data.mjs, from typed code bundled with a dependency (yaml) so the map
// is the size of a small real service's.
import { parse } from 'yaml'

export interface Order { id: number, sku: string, quantity: number, currency: 'EUR' | 'USD' }

const rules = parse('limits:\n  EUR: 500\n  USD: 550\n') as { limits: Record<Order['currency'], number> }

export class PaymentError extends Error {
  override name = 'PaymentError'
  constructor (readonly order: Order, reason: string) {
    super(`Payment failed for order ${order.id} (${reason})`)
  }
}

function validate (order: Order, depth: number): PaymentError {
  if (depth === 0) return new PaymentError(order, 'card declined: insufficient funds')
  return validate(order, depth - 1)
}

export function checkLimit (order: Order): PaymentError | null {
  const limit = rules.limits[order.currency]
  if (order.quantity * 10 <= limit) return validate(order, 7)
  return null
}
