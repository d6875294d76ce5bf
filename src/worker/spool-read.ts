import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { MAX_PAYLOAD_BYTES } from '../shared/limits'

// Reads one spool file, trusting nothing about it: the name is ours, the content
// may not be (a damaged file, a stranger's, a link someone planted). It is opened
// without following a link and without blocking on a FIFO, must be a regular file
// of this uid with one link, and is read a piece at a time (async: the worker's
// live deliveries go on meanwhile) with bounds on what the SDK itself can have
// written, so a huge file costs neither memory nor much reading.

/** The most events the SDK puts in one file: one delivery batch (HttpTransport.batchLimit is at most 64). */
const MAX_EVENTS_PER_FILE = 64
/** The most lines: the events and the header naming their target (spool-target.ts). */
export const MAX_LINES_PER_FILE = MAX_EVENTS_PER_FILE + 1
/** The longest line the SDK writes: one event body, at most the largest maxPayloadSize the options accept. */
export const MAX_LINE_BYTES = MAX_PAYLOAD_BYTES
/** Larger than a full batch of the longest lines: not a file the SDK wrote, skipped unread. */
export const MAX_FILE_BYTES = MAX_LINES_PER_FILE * (MAX_LINE_BYTES + 1)
/** Read size: small enough that a file that turns out not to be ours costs little, large enough for a batch in a few reads. */
const READ_CHUNK_BYTES = 64 * 1024
const NEWLINE = 0x0a

// Where the platform lacks a flag (Windows) it is 0: the checks on the opened file still apply.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)

export type SpoolFileRead =
  | { ok: true, lines: string[], bytes: number }
  /**
   * gone: removed meanwhile. directory: a directory under a spool name (left alone).
   * foreign: a link, FIFO, device, another uid's file or one with other links: never read.
   * too_large: beyond what the SDK writes (size, a line, the line count). unreadable: open or read failed.
   */
  | { ok: false, why: 'gone' | 'directory' | 'foreign' | 'too_large' | 'unreadable' }

export async function readSpoolFile (path: string): Promise<SpoolFileRead> {
  let fh: FileHandle
  try {
    fh = await open(path, OPEN_FLAGS)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // ELOOP: a symbolic link (O_NOFOLLOW); ENXIO: a socket.
    return { ok: false, why: code === 'ENOENT' ? 'gone' : code === 'ELOOP' || code === 'ENXIO' ? 'foreign' : 'unreadable' }
  }
  try {
    const st = await fh.stat()
    if (st.isDirectory()) return { ok: false, why: 'directory' }
    const uid = typeof process.getuid === 'function' ? process.getuid() : null
    if (!st.isFile() || (uid !== null && st.uid !== uid) || st.nlink !== 1) return { ok: false, why: 'foreign' }
    if (st.size > MAX_FILE_BYTES) return { ok: false, why: 'too_large' }
    return await readLines(fh)
  } catch {
    return { ok: false, why: 'unreadable' }
  } finally {
    await fh.close().catch(() => {})
  }
}

/** Non-empty lines, or too_large as soon as a line or the count passes what the SDK writes. */
async function readLines (fh: FileHandle): Promise<SpoolFileRead> {
  const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES)
  const lines: string[] = []
  let parts: Buffer[] = [] // the line being read, when it spans reads
  let partLength = 0
  let bytes = 0
  const push = (line: Buffer): boolean => {
    if (line.length === 0) return true
    lines.push(line.toString('utf8'))
    return lines.length <= MAX_LINES_PER_FILE
  }
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, READ_CHUNK_BYTES, null)
    if (bytesRead === 0) break
    bytes += bytesRead
    const chunk = buf.subarray(0, bytesRead)
    let start = 0
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, nl)
      if (partLength + piece.length > MAX_LINE_BYTES) return { ok: false, why: 'too_large' }
      const line = partLength === 0 ? piece : Buffer.concat([...parts, piece])
      parts = []
      partLength = 0
      if (!push(line)) return { ok: false, why: 'too_large' }
      start = nl + 1
    }
    if (start < bytesRead) {
      const rest = chunk.subarray(start)
      if (partLength + rest.length > MAX_LINE_BYTES) return { ok: false, why: 'too_large' }
      parts.push(Buffer.from(rest)) // copied: buf is reused by the next read
      partLength += rest.length
    }
  }
  if (partLength > 0 && !push(Buffer.concat(parts))) return { ok: false, why: 'too_large' }
  return { ok: true, lines, bytes }
}
