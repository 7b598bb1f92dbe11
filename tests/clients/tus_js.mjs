#!/usr/bin/env node
// Uploads files one after another with tus-js-client (Node build) and prints
// one JSON line per file. See README.md for the contract with the Rust tests.
import { readFile } from 'node:fs/promises'

import { Upload } from 'tus-js-client'

import { describeError, emit, metadataFor, parseCli, watchdog } from './common.mjs'

const USAGE =
  'usage: node tus_js.mjs --endpoint URL --token TOKEN [--parallel N] [--chunk-size BYTES] [--meta key=value ...] [--timeout SECONDS] FILE...'

const args = parseCli(USAGE, { parallel: true })
let pending = [...args.files]
watchdog(args.timeoutMs, () => {
  for (const file of pending) emit({ file, error: `timed out after ${args.timeoutMs / 1000}s` })
})

function uploadOne(file, data) {
  return new Promise((resolve) => {
    let assetId = null
    const upload = new Upload(data, {
      endpoint: args.endpoint,
      // An empty --token sends no Authorization header (for auth tests).
      headers: args.token === '' ? {} : { Authorization: `Bearer ${args.token}` },
      metadata: metadataFor(file, args.meta),
      // With parallelUploads > 1 the file is split into that many
      // `Upload-Concat: partial` uploads, then one `final;...` POST.
      parallelUploads: args.parallel,
      ...(args.chunkSize ? { chunkSize: args.chunkSize } : {}),
      // Retries only happen for network errors, 5xx, 409 and 423;
      // other 4xx (rejected files) fail at once.
      retryDelays: [0, 200, 500],
      // Called for every request, including those of the partial uploads
      // (they inherit all options). The asset id belongs to the whole file,
      // so only the completing PATCH, a HEAD, or the `final` POST count.
      onAfterResponse(req, res) {
        if (String(req.getHeader('Upload-Concat') ?? '').startsWith('partial')) return
        const id = res.getHeader('Medialib-Asset-Id')
        if (id != null) assetId = id
      },
      onSuccess({ lastResponse }) {
        // lastResponse is the completing PATCH, or the `final` POST for
        // parallel uploads, i.e. the same response onAfterResponse saw last.
        const id = assetId ?? lastResponse?.getHeader('Medialib-Asset-Id') ?? null
        resolve({ file, url: upload.url, asset_id: id })
      },
      onError(err) {
        resolve(describeError(file, err))
      },
    })
    upload.start()
  })
}

let failed = false
for (const file of args.files) {
  let line
  try {
    // A Buffer (not a stream) because parallelUploads needs random access
    // (slicing) into the input; test files are small.
    line = await uploadOne(file, await readFile(file))
  } catch (err) {
    line = { file, error: String(err?.message ?? err) }
  }
  if (line.error != null) failed = true
  emit(line)
  pending = pending.slice(1)
}
process.exit(failed ? 1 : 0)
