// Shared helpers for the Node tus test drivers (tus_js.mjs, uppy.mjs).
// Kept dependency-free so that argument handling and output stay identical
// across drivers and the Rust tests can parse every driver the same way.
import { basename, extname } from 'node:path'
import { parseArgs } from 'node:util'

// Just enough of a MIME table for the test corpus; unknown extensions get no
// `filetype` so the server has to sniff the content itself.
const MIME_TYPES = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.heic': 'image/heic',
  '.heif': 'image/heif',
  '.jxl': 'image/jxl',
  '.bmp': 'image/bmp',
  '.ico': 'image/x-icon',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.svg': 'image/svg+xml',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.avi': 'video/x-msvideo',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/opus',
  '.wav': 'audio/wav',
  '.aif': 'audio/aiff',
  '.aiff': 'audio/aiff',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
  '.stl': 'model/stl',
  '.obj': 'model/obj',
}

export function guessType(path) {
  return MIME_TYPES[extname(path).toLowerCase()]
}

function die(usage, message) {
  process.stderr.write(`${message}\n${usage}\n`)
  // 2 = usage error, distinct from 1 = an upload failed.
  process.exit(2)
}

function positiveInt(usage, name, value) {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n <= 0) die(usage, `--${name} must be a positive integer, got ${value}`)
  return n
}

// Parses `--endpoint URL --token TOKEN [--parallel N] [--chunk-size BYTES]
// [--meta key=value ...] [--timeout SECONDS] FILE...`.
export function parseCli(usage, { parallel = false } = {}) {
  const options = {
    endpoint: { type: 'string' },
    token: { type: 'string' },
    'chunk-size': { type: 'string' },
    meta: { type: 'string', multiple: true },
    timeout: { type: 'string' },
  }
  if (parallel) options.parallel = { type: 'string' }
  let parsed
  try {
    parsed = parseArgs({ options, allowPositionals: true, strict: true })
  } catch (err) {
    die(usage, err.message)
  }
  const { values, positionals } = parsed
  if (!values.endpoint) die(usage, '--endpoint is required')
  if (values.token == null) die(usage, '--token is required')
  if (positionals.length === 0) die(usage, 'at least one FILE is required')
  const meta = {}
  for (const pair of values.meta ?? []) {
    const eq = pair.indexOf('=')
    if (eq <= 0) die(usage, `--meta expects key=value, got ${pair}`)
    meta[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return {
    endpoint: values.endpoint,
    token: values.token,
    parallel: values.parallel != null ? positiveInt(usage, 'parallel', values.parallel) : 1,
    chunkSize: values['chunk-size'] != null ? positiveInt(usage, 'chunk-size', values['chunk-size']) : undefined,
    meta,
    timeoutMs: (values.timeout != null ? positiveInt(usage, 'timeout', values.timeout) : 120) * 1000,
    files: positionals,
  }
}

// tus metadata for one file: `filename` (basename), `filetype` when the
// extension is known, then the --meta pairs (which may override both).
export function metadataFor(path, meta) {
  const type = guessType(path)
  return { filename: basename(path), ...(type ? { filetype: type } : {}), ...meta }
}

// Status, message and error code from a tus-js-client error. The server
// rejects files with `{"error":{"code":...,"message":...}}`; exposing `code`
// lets tests assert the reason without parsing the message text.
export function describeError(file, err) {
  const res = err?.originalResponse
  const line = { file, error: String(err?.message ?? err) }
  const status = res?.getStatus?.()
  if (status) line.status = status
  const body = res?.getBody?.()
  if (body) {
    try {
      const code = JSON.parse(body)?.error?.code
      if (code != null) line.code = code
    } catch {
      // not JSON: the message already carries the response text
    }
  }
  return line
}

// One JSON object per line on stdout; nothing else is written there.
export function emit(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

// The Node HTTP stack has no request timeout, so a hung server would hang the
// test forever; give up after --timeout seconds and exit 1.
export function watchdog(timeoutMs, onTimeout) {
  const timer = setTimeout(() => {
    onTimeout()
    process.exit(1)
  }, timeoutMs)
  timer.unref()
  return timer
}
