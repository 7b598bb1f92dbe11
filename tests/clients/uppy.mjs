#!/usr/bin/env node
// Uploads all files as ONE batch (a single uppy.upload() call, files upload
// concurrently) with @uppy/core + @uppy/tus in Node, and prints one JSON line
// per file in argument order. See README.md for the contract with the Rust tests.
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'

import Uppy from '@uppy/core'
import Tus from '@uppy/tus'
import * as tus from 'tus-js-client'

import { describeError, emit, guessType, parseCli, watchdog } from './common.mjs'

const USAGE =
  'usage: node uppy.mjs --endpoint URL --token TOKEN [--chunk-size BYTES] [--meta key=value ...] [--timeout SECONDS] FILE...'

const args = parseCli(USAGE)
// Output line per argument position (the same path may be given twice).
const results = new Array(args.files.length)

function printAll() {
  args.files.forEach((file, i) => emit(results[i] ?? { file, error: 'no result' }))
}

watchdog(args.timeoutMs, () => {
  args.files.forEach((file, i) => {
    results[i] ??= { file, error: `timed out after ${args.timeoutMs / 1000}s` }
  })
  printAll()
})

// Upload URL -> Medialib-Asset-Id, filled from every response that carries
// the header. PATCH and HEAD go to the upload URL itself; a POST goes to the
// endpoint and names the upload in its Location header.
const assetIds = new Map()
function onAfterResponse(req, res) {
  const id = res.getHeader('Medialib-Asset-Id')
  if (id == null) return
  let url = req.getURL()
  if (req.getMethod() === 'POST') {
    const location = res.getHeader('Location')
    if (location == null) return
    url = new URL(location, args.endpoint).href
  }
  assetIds.set(url, id)
}

// The only shim Uppy needs in Node: Uppy hands tus-js-client the file's Blob,
// but tus-js-client's Node build only reads Buffers and streams. Everything
// else (window/navigator) is feature-tested by Uppy and absent in Node 20.
const nodeFileReader = {
  async openFile(input, chunkSize) {
    if (input instanceof Blob) input = Buffer.from(await input.arrayBuffer())
    return tus.defaultOptions.fileReader.openFile(input, chunkSize)
  },
}

const uppy = new Uppy({ autoProceed: false })
uppy.use(Tus, {
  endpoint: args.endpoint,
  // An empty --token sends no Authorization header (for auth tests).
  headers: args.token === '' ? {} : { Authorization: `Bearer ${args.token}` },
  retryDelays: [0, 200, 500],
  ...(args.chunkSize ? { chunkSize: args.chunkSize } : {}),
  fileReader: nodeFileReader,
  onAfterResponse,
})

const fileIds = new Map() // uppy file id -> argument index
for (const [i, file] of args.files.entries()) {
  try {
    const buffer = await readFile(file)
    const type = guessType(file)
    const id = uppy.addFile({
      name: basename(file),
      // Without a type Uppy guesses one from the extension itself.
      ...(type ? { type } : {}),
      data: new Blob([buffer], type ? { type } : {}),
      // Uppy sends all meta fields as tus metadata, including its own
      // `name`, `type` and `relativePath` plus `filename`/`filetype` copies.
      meta: args.meta,
      source: 'cli',
    })
    fileIds.set(id, i)
  } catch (err) {
    // e.g. unreadable file, or Uppy refusing a duplicate of a file already added
    results[i] = { file, error: String(err?.message ?? err) }
  }
}

uppy.on('upload-success', (uppyFile, response) => {
  const i = fileIds.get(uppyFile.id)
  const url = response.uploadURL
  // Fallback: the last response's own headers (response.body.xhr is Node's
  // http.IncomingMessage here).
  const id = assetIds.get(url) ?? response.body?.xhr?.headers?.['medialib-asset-id'] ?? null
  results[i] = { file: args.files[i], url, asset_id: id }
})
uppy.on('upload-error', (uppyFile, err, response) => {
  const i = fileIds.get(uppyFile.id)
  // Uppy may wrap the tus error in a NetworkError that keeps it as `cause`.
  const line = describeError(args.files[i], err?.originalResponse ? err : (err?.cause ?? err))
  if (line.status == null && response?.status) line.status = response.status
  results[i] = line
})

if (fileIds.size > 0) {
  try {
    await uppy.upload()
  } catch (err) {
    for (const i of fileIds.values()) {
      results[i] ??= { file: args.files[i], error: String(err?.message ?? err) }
    }
  }
}
printAll()
const failed = args.files.some((_, i) => results[i] == null || results[i].error != null)
process.exit(failed ? 1 : 0)
