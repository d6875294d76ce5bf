import { checkLimit, type Order } from './orders'

let next = 0

/** A fresh error from the service's code, 10 frames deep; its stack has not been read yet. */
export function makeServiceError (): Error {
  next++
  const order: Order = { id: next, sku: `SKU-${next % 97}`, quantity: 3, currency: 'EUR' }
  return checkLimit(order) ?? new Error('no error')
}
