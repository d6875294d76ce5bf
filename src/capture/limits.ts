// How much of a user's data one event keeps, named once (docs/configuration.md, "Limits").
// Everything the main thread normalizes or truncates takes its bound from here.

/**
 * Longest message, exception value, request string and string inside user data, in
 * characters. 8 KiB holds any real message or SQL statement, while a 10 MB string
 * handed to capture costs one bounded copy.
 */
export const MAX_STRING_LENGTH = 8192

/**
 * A breadcrumb's message and each string in its data, in characters: a log line or a URL,
 * and a hundred breadcrumbs of this size still fit the default maxPayloadSize.
 */
export const MAX_BREADCRUMB_STRING = 2048

/**
 * Tag keys and values, scope keys, exception type names and fingerprint parts, in
 * characters: short identifiers the ingest indexes and groups by.
 */
export const MAX_SHORT_STRING = 200

/** Tags on one capture's options, as on one scope (MAX_SCOPE_TAGS). */
export const MAX_CAPTURE_TAGS = 100

/** Parts of a custom fingerprint: more says nothing a grouping key needs. */
export const MAX_FINGERPRINT_PARTS = 20

/** How tags given as one object are normalized: flat, MAX_CAPTURE_TAGS keys, short strings. */
export const TAG_LIMITS = { depth: 1, breadth: MAX_CAPTURE_TAGS, stringLength: MAX_SHORT_STRING } as const
