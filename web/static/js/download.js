// Many originals as one ZIP file, with its progress on the page: the archive streams
// from POST /api/v1/assets/download and is counted against the originals' bytes (the
// Medialib-Original-Bytes header), then saved under the name the server gives it.
import { formatBytes, h, toast } from "./dom.js";

/** Downloads the originals of `ids` as one ZIP file, showing how far it has come. */
export async function downloadZip(ids) {
  const label = h("span", {}, `Preparing ${ids.length === 1 ? "1 file" : `${ids.length} files`}…`);
  const bar = h("progress", { max: 1, value: 0, "aria-label": "Download" });
  const box = h("div", { class: "download-progress", role: "status" }, label, bar);
  document.body.append(box);
  try {
    const response = await fetch("/api/v1/assets/download", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/zip" },
      body: JSON.stringify({ ids }),
    });
    if (!response.ok) {
      const data = await response.json().catch(() => null);
      throw new Error(data?.error?.message ?? `The server answered ${response.status}.`);
    }
    const expected = Number(response.headers.get("Medialib-Original-Bytes")) || 0;
    const reader = response.body.getReader();
    const parts = [];
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      received += value.length;
      // The archive is a little larger than its files: the bar waits at 99 % for the end.
      if (expected) bar.value = Math.min(received / expected, 0.99);
      label.textContent = `Downloading ${formatBytes(received)} of about ${formatBytes(expected)}`;
    }
    const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? "medialib.zip";
    const url = URL.createObjectURL(new Blob(parts, { type: "application/zip" }));
    const link = h("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    bar.value = 1;
    label.textContent = `Downloaded ${name} (${formatBytes(received)})`;
  } catch (e) {
    // A network error midway (the server breaks a download off when a file cannot be
    // read) lands here too.
    toast(`The download did not finish: ${e.message}`, "error");
    box.remove();
    return;
  }
  setTimeout(() => box.remove(), 6000);
}
