// Putting the SDK's methods on Node's objects (prototypes once per process, servers and some
// responses per object) so that nothing else sees a difference, and taking them back.

type Fn = (this: unknown, ...args: never[]) => unknown

/**
 * Replaces an object's emit (or another method) with a non-enumerable own property:
 * Object.keys(obj) and code that copies an object's own keys see what they saw without the SDK.
 * ~0.15 µs more than a plain assignment (measured, Node 20 and 24): done on prototypes and
 * servers once, per object only for an HTTP/2 stream or a response whose emit was replaced.
 */
export function setOwnMethod (target: object, name: string, fn: Fn): void {
  Object.defineProperty(target, name, { value: fn, writable: true, configurable: true, enumerable: false })
}

/**
 * Puts make(own) as target's method name, where own is target's own method before (undefined
 * where it inherits one, or holds no function), and returns the undo. The undo puts back what
 * target had (its own property, or none) only while the method is still ours: code that wrapped
 * it after us keeps its wrapper, which calls ours. Throws where the property cannot be defined
 * (nothing changed then).
 */
export function replaceMethod<F extends Fn> (target: object, name: string, make: (own: F | undefined) => F): () => void {
  const before = Object.getOwnPropertyDescriptor(target, name)
  const fn = make(before !== undefined && typeof before.value === 'function' ? before.value as F : undefined)
  setOwnMethod(target, name, fn)
  return () => {
    try {
      const t = target as Record<string, unknown>
      if (t[name] !== fn) return
      if (before === undefined) delete t[name]
      else Object.defineProperty(target, name, before)
    } catch {}
  }
}
