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

/**
 * Paths listed in the event of grouped GraphQL errors (extra.graphql_error_paths): the first
 * few show which items failed; the count says how many. More would only spend the payload
 * (a list of 2,000 failing items is 2,000 paths of the same shape).
 */
export const MAX_GRAPHQL_ERROR_PATHS = 10

/**
 * Events one GraphQL operation (one subscription event) sends at most: one per distinct
 * failure (error type and field), so a query cannot turn into thousands of events by
 * aliasing one failing field many times. More distinct failures than this in one response
 * are a shared cause (a data source down); further ones are counted (dropped.grouped).
 */
export const MAX_GRAPHQL_ERROR_EVENTS = 10
