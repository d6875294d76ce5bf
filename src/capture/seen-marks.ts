// Which thrown values a client has already decided on, with the event id (undefined when the
// event was dropped): one error reached by several paths (a framework's handler, then the
// unhandled-rejection hook or a logger) is one event.
//
// An Error is marked with a property under this object's own symbol, not entered in a WeakMap.
// A WeakMap with an entry per capture is a hash table that keeps growing, shrinking and being
// rebuilt, alive, in the main thread's young generation: at 5,000 captures/s each scavenge copied
// ~70 KiB more, and V8 grows the young generation once enough bytes survive, so the host's heap
// grew by ~15 MiB over 20 s (docs/benchmarks-notes.md, figure 2b). A property dies with its
// error. It is non-enumerable, so JSON, spreads, Object.assign and console output do not show it,
// and the symbol is this object's own, so two clients do not see each other's marks.
// Anything else thrown (plain objects, functions, frozen or sealed errors, proxies that refuse)
// goes to the WeakMap: rare, and the user's own objects are left as they are.

/**
 * A mark names the error it was made for: a copy made with the error's property descriptors
 * (Object.create(proto, Object.getOwnPropertyDescriptors(err))) carries the property too, and is
 * another error, to be captured in its own right.
 */
interface Mark { readonly error: object, readonly id: string | undefined }

export class SeenMarks {
  private readonly key = Symbol('xrayradar.captured')
  private readonly others = new WeakMap<object, string | undefined>()

  /** Whether value was marked, and with which id (in the mark); null when it was not. Never throws. */
  get (value: object): { id: string | undefined } | null {
    try {
      // Own only: an error whose prototype is a marked error is not that error.
      if (value instanceof Error && Object.prototype.hasOwnProperty.call(value, this.key)) {
        const mark = (value as unknown as Record<symbol, Mark | undefined>)[this.key]
        if (mark?.error === value) return mark
      }
    } catch {}
    return this.others.has(value) ? { id: this.others.get(value) } : null
  }

  has (value: object): boolean {
    return this.get(value) !== null
  }

  /** Marks value as decided on, with id (undefined: dropped). Never throws. */
  set (value: object, id: string | undefined): void {
    try {
      if (value instanceof Error && Object.isExtensible(value)) {
        const mark: Mark = { error: value, id }
        Object.defineProperty(value, this.key, { value: mark, enumerable: false, writable: false, configurable: true })
        return
      }
    } catch {}
    try { this.others.set(value, id) } catch {}
  }
}
