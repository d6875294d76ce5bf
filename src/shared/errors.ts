// Every error class the SDK throws, in one place, each with a stable `code`. Messages say what
// to fix; anything that could hold a DSN secret or the auth token is redacted before it lands here.
// Not here: two internal signals, each beside the one module that throws it, that never reach the
// application and carry no code of ours: pool/materialise.ts' Refused (caught there, said as one
// warning) and pool/exec-argv.ts' WorkersUnavailable (a plain Error whose message, Node's own code
// first, is the worker_unavailable diagnostic: a code or name of ours would change that line).

export class XrayRadarError extends Error {
  override name = 'XrayRadarError'
  readonly code: string
  constructor (message: string, code = 'XRAYRADAR_ERROR') {
    super(message)
    this.code = code
  }
}

/** A configuration value is missing, of the wrong type or out of range. */
export class ConfigurationError extends XrayRadarError {
  override name = 'ConfigurationError'
  constructor (message: string) { super(message, 'XRAYRADAR_CONFIG') }
}

/** The DSN cannot be parsed. The message names the expected form. */
export class InvalidDsnError extends ConfigurationError {
  override name = 'InvalidDsnError'
}

/** Delivery to the ingest server failed in a way that retrying will not fix. */
export class TransportError extends XrayRadarError {
  override name = 'TransportError'
  readonly status: number | undefined
  constructor (message: string, status?: number) {
    super(message, 'XRAYRADAR_TRANSPORT')
    this.status = status
  }
}

/**
 * @internal An answer retrying may fix (5xx, 408): p-retry tries again. Thrown and caught inside
 * a delivery worker; only its status reaches the diagnostic line.
 */
export class RetryableTransportError extends TransportError {
  override name = 'RetryableTransportError'
}

/**
 * A directory the SDK would keep files in (the spool) could be touched by
 * another user: not owned by this process's uid, writable by group or others,
 * a symbolic link, or not a directory. Raised in the worker and reported as one
 * stderr line; never thrown to the application.
 */
export class UnsafeDirectoryError extends XrayRadarError {
  override name = 'UnsafeDirectoryError'
  /** The level of the path that failed the check. */
  readonly path: string
  /** What is wrong with it, to follow the path in a sentence. */
  readonly problem: string
  /** What to do about it, one sentence. */
  readonly fix: string
  constructor (path: string, problem: string, fix: string) {
    super(`${path} ${problem}. ${fix}.`, 'XRAYRADAR_UNSAFE_DIR')
    this.path = path
    this.problem = problem
    this.fix = fix
  }
}

/** Raised when setupFastifyErrorHandler cannot add its hooks: not given a Fastify instance, or called once the app was ready. */
export class FastifyHandlerError extends XrayRadarError {
  override name = 'FastifyHandlerError'
  constructor (message: string) { super(message, 'XRAYRADAR_FASTIFY_SETUP') }
}

/** Raised when setupNestErrorHandler cannot work with what it was given. */
export class NestHandlerError extends XrayRadarError {
  override name = 'NestHandlerError'
  constructor (message: string) { super(message, 'XRAYRADAR_NEST_SETUP') }
}
