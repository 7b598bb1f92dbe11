// What the server accepts (GET /api/v1/capabilities), so the uploader can refuse a file
// before sending a byte of it: a type the server does not take, a file over the upload
// limit, or one the namespace's quota has no room for. The server checks again on
// upload; this only spares editors a long wait for a refusal.
import { api } from "./api.js";
import { formatBytes, h } from "./dom.js";

let capabilities = null;

/** The server's capabilities, asked once per page; null when they cannot be read. */
function load() {
  capabilities ??= api("/capabilities").catch(() => null);
  return capabilities;
}

/** Two sizes as people read them, in bytes when rounding would show them equal. */
function apart(a, b) {
  if (formatBytes(a) !== formatBytes(b)) return [formatBytes(a), formatBytes(b)];
  const bytes = (n) => `${n.toLocaleString("en")} bytes`;
  return [bytes(a), bytes(b)];
}

/** The file's extension, lower case, or "" without one. */
function extension(name) {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/** The accepted formats by kind, as a short list for people. */
export function formatsList(caps) {
  const labels = { image: "Images", video: "Video", audio: "Audio", document: "Documents", model3d: "3D models" };
  const byKind = new Map();
  for (const format of caps.formats) {
    if (!byKind.has(format.kind)) byKind.set(format.kind, []);
    byKind.get(format.kind).push(format.name);
  }
  return h("ul", { class: "formats-list" },
    ...[...byKind].map(([kind, names]) => h("li", {}, h("strong", {}, `${labels[kind] || kind}: `), names.join(", "))));
}

/**
 * Why `file` would be refused, as one sentence with what to do, plus whether to offer
 * the list of supported formats; null when it may be sent (or the server's capabilities
 * are unknown: the server then decides).
 */
export async function refusal(file) {
  const caps = await load();
  if (!caps) return null;
  const ext = extension(file.name);
  if (ext && !caps.formats.some((f) => f.extensions.includes(ext))) {
    return {
      message: `${file.name} is a .${ext} file, which this library does not take. Convert it to a supported format first.`,
      formats: formatsList(caps),
    };
  }
  const max = caps.limits.max_upload_bytes;
  if (file.size > max) {
    const [size, limit] = apart(file.size, max);
    return {
      message: `${file.name} is ${size}, over the ${limit} limit for one file. Make it smaller, or ask an admin to raise the limit.`,
    };
  }
  const { bytes, max_bytes: quota, assets, max_assets: maxAssets } = caps.quota;
  if (quota !== null && bytes + file.size > quota) {
    return {
      message: `${file.name} does not fit: the library holds ${formatBytes(bytes)} of its ${formatBytes(quota)}. Delete media you no longer need, or ask an admin for more room.`,
    };
  }
  if (maxAssets !== null && assets >= maxAssets) {
    return {
      message: `The library is full: it holds its ${maxAssets} files. Delete media you no longer need, or ask an admin for more room.`,
    };
  }
  return null;
}
