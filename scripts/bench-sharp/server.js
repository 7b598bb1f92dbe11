// The reference of `medialib bench transform`: a minimal image server on sharp, the
// library behind most Node image servers, doing what /img does for one source file.
//   node server.js PORT FILE
//   GET /t?w=&h=&fit=cover|inside&q=&fmt=jpeg|webp|avif
// sharp's defaults otherwise (libvips threads, effort), except its operation cache, which
// would let repeated decodes of the same file skip work medialib does per request too.
'use strict';
const http = require('node:http');
const sharp = require('sharp');

sharp.cache(false);
const [port, file] = process.argv.slice(2);

http
  .createServer(async (req, res) => {
    const q = new URL(req.url, 'http://localhost').searchParams;
    const fit = q.get('fit');
    try {
      const out = await sharp(file)
        .rotate()
        .resize({
          width: Number(q.get('w')),
          height: Number(q.get('h')),
          fit,
          withoutEnlargement: fit === 'inside',
        })
        .toFormat(q.get('fmt'), { quality: Number(q.get('q')) })
        .toBuffer();
      res.writeHead(200, { 'content-type': `image/${q.get('fmt')}`, 'content-length': out.length });
      res.end(out);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    }
  })
  .listen(Number(port), '127.0.0.1');
