// How much of a user's data one event keeps, named once (docs/wire-protocol.md, "Limits the SDK
// applies before sending"): every bound the main thread normalizes or cuts to, and the worker's
// cuts to fit maxPayloadSize. Options a user can set (maxBreadcrumbs, maxPayloadSize, …) are in
// src/config. Staying local, each beside the one worker stage that applies it: the default
// fingerprint's (worker/grouping.ts), source context's (worker/context-lines.ts) and the bounds
// on files the worker reads (source maps, spool files, package.json); timings stay with their waits.

/** Bounds for normalize(): levels walked, keys or items kept per level, characters per string. */
export interface NormalizeLimits {
  depth: number
  breadth: number
  stringLength: number
}

// --- strings, in characters -------------------------------------------------------------

/**
 * Longest message, exception value, request string and string inside user data. 8 KiB holds
 * any real message or SQL statement, while a 10 MB string handed to capture costs one bounded copy.
 */
export const MAX_STRING_LENGTH = 8192

/**
 * A breadcrumb's message and each string in its data: a log line or a URL, and a hundred
 * breadcrumbs of this size still fit the default maxPayloadSize.
 */
export const MAX_BREADCRUMB_STRING = 2048

/** Strings in the user (id, username, email, ip_address, data): identifiers and addresses, far below 1 KiB. */
export const MAX_USER_STRING = 1024

/**
 * Tag keys and values, scope keys, exception type names and fingerprint parts: short
 * identifiers the ingest indexes and groups by.
 */
export const MAX_SHORT_STRING = 200

/**
 * The frames part of a raw stack, cut at a line end. V8 keeps 10 frames by default (a few
 * KiB); 64 KiB holds the hundreds an app gets from a raised Error.stackTraceLimit, while a
 * deep recursion's stack of megabytes costs one bounded copy.
 */
export const MAX_STACK_LENGTH = 64 * 1024

/**
 * Stacks whose frames are not found after their "Name: message" header (the message was
 * changed after the throw) are searched again from their start only up to this length: a
 * multi-megabyte stack string without frames is scanned once, not twice. Real stacks are
 * far shorter.
 */
export const MAX_STACK_RESCAN = 1024 * 1024

// --- counts ------------------------------------------------------------------------------

/** Tags on one capture's options, as on one scope (MAX_SCOPE_TAGS). */
export const MAX_CAPTURE_TAGS = 100

/**
 * Keys one scope holds per map. An event carries at most maxPayloadSize (100 KB by default),
 * and one object handed to normalize() keeps 100 keys (USER_DATA_LIMITS), so a scope holding
 * more is almost always a key per request id or per user: a leak that would only be cut away
 * in the worker. Beyond the cap a NEW key is ignored (existing keys can still change or be
 * removed) and stderr says so once.
 */
export const MAX_SCOPE_TAGS = MAX_CAPTURE_TAGS
/** Extra keys on one scope: see MAX_SCOPE_TAGS. */
export const MAX_SCOPE_EXTRA = 100
/** Contexts on one scope: see MAX_SCOPE_TAGS. */
export const MAX_SCOPE_CONTEXTS = 100

/** Breadcrumbs a Scope keeps when addBreadcrumb is given no max: the maxBreadcrumbs option's default. */
export const DEFAULT_MAX_BREADCRUMBS = 100

/** Parts of a custom fingerprint: more says nothing a grouping key needs. */
export const MAX_FINGERPRINT_PARTS = 20

/**
 * Exception values per event (the captured error plus its nearest causes and AggregateError
 * members): enough to see the chain, while an event with a long chain (each value carries its
 * own stack) stays within maxPayloadSize.
 */
export const MAX_EXCEPTION_VALUES = 10

/**
 * Linked errors (causes, AggregateError members) read at most per capture, to count what
 * MAX_EXCEPTION_VALUES left out: a chain can be unbounded, and counting must stay cheap.
 */
export const MAX_CHAIN_WALK = 1000

/**
 * Members of an AggregateError named in the description of one with an empty message: Node's
 * connect over several addresses (a dual-stack "localhost": ::1, then 127.0.0.1) has one per address.
 */
export const MAX_MEMBERS_DESCRIBED = 3

/** Keys named in the value of a captured non-Error object ("…captured with keys: a, b"): enough to recognise it. */
export const MAX_NON_ERROR_KEYS_NAMED = 10

// --- shapes for normalize() --------------------------------------------------------------

/**
 * extra, contexts, the request and capture options: 6 levels and 100 keys or items per level
 * keep the structures apps attach (a request, a config object) and bound a huge or endless one;
 * 100 keys, as a scope holds per map.
 */
export const USER_DATA_LIMITS: NormalizeLimits = { depth: 6, breadth: 100, stringLength: MAX_STRING_LENGTH }

/** How tags given as one object are normalized: flat, MAX_CAPTURE_TAGS keys, short strings. */
export const TAG_LIMITS = { depth: 1, breadth: MAX_CAPTURE_TAGS, stringLength: MAX_SHORT_STRING } as const

/** A tag value that is not a string becomes the JSON of its first level: a tag is a short label, cut to MAX_SHORT_STRING. */
export const TAG_VALUE_LIMITS: NormalizeLimits = { depth: 1, breadth: 10, stringLength: MAX_SHORT_STRING }

/** The user: a few identifying fields and small data, so shallower and narrower than extra. */
export const USER_LIMITS: NormalizeLimits = { depth: 4, breadth: 50, stringLength: MAX_USER_STRING }

/**
 * A breadcrumb's data (a log record's fields, a request's summary): an event carries up to
 * maxBreadcrumbs of them, so each is kept smaller than extra.
 */
export const BREADCRUMB_DATA_LIMITS: NormalizeLimits = { depth: 4, breadth: 50, stringLength: MAX_BREADCRUMB_STRING }

/**
 * beforeSend's result: an event whose parts were bounded already, made plain data again (the
 * callback may add cycles or class instances). Looser than USER_DATA_LIMITS so nothing the event
 * held is cut a second time: user data (depth 6) sits 3 levels down (contexts.extra.key), lists
 * reach maxBreadcrumbs' maximum (1,000), strings a raw stack (MAX_STACK_LENGTH).
 */
export const BEFORE_SEND_LIMITS: NormalizeLimits = { depth: 12, breadth: 1000, stringLength: MAX_STACK_LENGTH }

/**
 * A log record's fields (pino, winston), copied as plain data before normalize(): a request or
 * a socket in a record is named, not walked, so 3 levels and 50 keys hold any real record.
 */
export const LOG_FIELD_DEPTH = 3
/** See LOG_FIELD_DEPTH. */
export const LOG_FIELD_BREADTH = 50

/**
 * util.inspect's bounds for the SDK's copy of a console line: Node's own default depth (2, as
 * the console printed it), and 20 items of an array instead of Node's 100: the copy is cut to
 * MAX_BREADCRUMB_STRING or MAX_STRING_LENGTH anyway, and console.log(bigArray) in a hot path
 * must not pay a long second formatting.
 */
export const CONSOLE_INSPECT_DEPTH = 2
/** See CONSOLE_INSPECT_DEPTH. */
export const CONSOLE_INSPECT_ARRAY_LENGTH = 20

// --- GraphQL -----------------------------------------------------------------------------

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

// --- the worker's cuts to fit maxPayloadSize, step by step (worker/truncate.ts) -----------

/**
 * The first step, as the Python SDK's: message and exception values to 1,000 characters, each
 * stack to its 50 frames nearest the throw, breadcrumbs to the newest 100, so an event truncated
 * here looks like one truncated there.
 */
export const FIT_MESSAGE_LENGTH = 1000
/** See FIT_MESSAGE_LENGTH. */
export const FIT_FRAMES_PER_STACK = 50
/** See FIT_MESSAGE_LENGTH. */
export const FIT_BREADCRUMBS = 100
/** After source context is gone: the newest 10 breadcrumbs, the ones that led to the error. */
export const FIT_FEW_BREADCRUMBS = 10
/** Then each string in extra: 256 characters still show an id or a short value. */
export const FIT_EXTRA_STRING_LENGTH = 256

/**
 * The largest maxPayloadSize the options accept, and so the longest event body the spool writes
 * as one line and reads back (worker/spool-read.ts): one bound on both sides of the disk.
 */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024
