// The uploader: drop files (or choose them) and each becomes a resumable tus upload
// (tus-js-client, vendored) to /api/v1/uploads with its own progress bar, pause, resume,
// retry and cancel. A file is also kept in IndexedDB until it is uploaded, so a page
// reload picks it up again and tus resumes at the offset the server has. Files larger
// than KEEP_MAX_BYTES are not copied into the browser's storage: after a reload they are
// listed as interrupted and resume when the same file is dropped again. A file the server
// would refuse (its type, its size, the quota) is refused here first (`accepts.js`).
import { refusal } from "./accepts.js";
import { api } from "./api.js";
import { focusOn, formatBytes, h, toast } from "./dom.js";

const ENDPOINT = "/api/v1/uploads";
const KEEP_MAX_BYTES = 512 * 1024 * 1024;
const STORE = "files";

/**
 * Whose uploads these are: the signed-in user in this namespace. Kept files and tus's
 * resume entries carry it, so that another user (or namespace) in the same browser never
 * resumes them, and signing out can forget them.
 */
const SCOPE = `${document.body.dataset.userId}@${document.body.dataset.namespace}`;

/** tus-js-client's fingerprint of a file, scoped; its localStorage keys are
 * `tus::{fingerprint}::{random}`, so this scope's all start with RESUME_PREFIX. */
const fingerprint = (file) => `medialib/${SCOPE}/${[file.name, file.type, file.size, file.lastModified].join("/")}`;
const RESUME_PREFIX = `tus::medialib/${SCOPE}/`;

/** Forgets tus's resume entries for `file`: the server will not take it. */
async function forgetResume(file) {
  const storage = window.tus.defaultOptions.urlStorage;
  const entries = (await storage.findUploadsByFingerprint(fingerprint(file)).catch(() => [])) || [];
  for (const entry of entries) await storage.removeUpload(entry.urlStorageKey);
}

/** A tiny IndexedDB wrapper: one object store of {key, file, scope}. */
const kept = {
  db: null,
  async open() {
    if (!("indexedDB" in window)) return null;
    this.db ??= await new Promise((resolve) => {
      const request = indexedDB.open("medialib-uploads", 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
    });
    return this.db;
  },
  async run(mode, action) {
    const db = await this.open();
    if (!db) return null;
    return new Promise((resolve) => {
      const request = action(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
    });
  },
  put(key, file) {
    return this.run("readwrite", (store) => store.put({ key, file, scope: SCOPE }));
  },
  remove(key) {
    return this.run("readwrite", (store) => store.delete(key));
  },
  /** This scope's kept files. */
  async all() {
    const files = (await this.run("readonly", (store) => store.getAll())) || [];
    return files.filter((kept) => kept.scope === SCOPE);
  },
};

/**
 * Forgets this user's unfinished uploads in this browser (signing out): the kept files
 * and tus's resume entries. The server expires the upload sessions themselves.
 */
export async function forgetUploads() {
  for (const { key } of await kept.all()) await kept.remove(key);
  for (const name of Object.keys(localStorage)) {
    if (name.startsWith(RESUME_PREFIX)) localStorage.removeItem(name);
  }
}

/** The server's error message in a failed tus request, else tus-js-client's. */
function explain(error) {
  const body = error.originalResponse?.getBody?.();
  try {
    const message = JSON.parse(body)?.error?.message;
    if (message) return message;
  } catch {
    // Not our JSON: fall through.
  }
  const status = error.originalResponse?.getStatus?.();
  if (status === 0 || !status) return "The connection was lost. Retry to continue where it stopped.";
  return `The upload failed (${status}).`;
}

/**
 * Whether the server refused the file itself (413 too large, 415 type, 422 invalid or
 * corrupt, 403, 507 quota), rather than the transfer (408, 409 offset, 423, 429).
 */
function refused(error) {
  const status = error.originalResponse?.getStatus?.() ?? 0;
  if (status === 507) return true;
  return status >= 400 && status < 500 && ![401, 408, 409, 423, 429].includes(status);
}

/**
 * Wires an uploader section (web/templates/uploader.html). `onAsset(asset)` is called
 * with each asset created (as GET /api/v1/assets/{id} returns it).
 */
export function createUploader(root, { onAsset }) {
  const dropzone = root.querySelector("[data-dropzone]");
  const input = root.querySelector("[data-upload-input]");
  const list = root.querySelector("[data-upload-list]");
  const clear = root.querySelector("[data-upload-clear]");

  /** Shows "Clear finished" while some row has ended (done, failed or refused). */
  const ENDED = ".upload-item:is([data-state=done], [data-state=failed], [data-state=refused])";
  const updateClear = () => {
    if (clear) clear.hidden = !list.querySelector(ENDED);
  };
  new MutationObserver(updateClear).observe(list, { subtree: true, childList: true, attributeFilter: ["data-state"] });
  clear?.addEventListener("click", () => {
    for (const row of list.querySelectorAll(ENDED)) dropRow(row);
    focusOn(input);
  });

  /** Removes an upload's row. Focus in it moves to a neighbour's button, else to the file
   * chooser. */
  function dropRow(row) {
    if (row.contains(document.activeElement)) {
      const near = row.nextElementSibling ?? row.previousElementSibling;
      focusOn(near?.querySelector("button:not([hidden])") ?? input);
    }
    row.remove();
  }

  for (const type of ["dragenter", "dragover"]) {
    dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      dropzone.classList.add("over");
    });
  }
  dropzone.addEventListener("dragleave", () => dropzone.classList.remove("over"));
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    dropzone.classList.remove("over");
    for (const file of event.dataTransfer?.files || []) add(file);
  });
  // A file dropped beside the zone is uploaded too, never opened by the browser in
  // place of the page.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => {
    if (event.defaultPrevented) return;
    event.preventDefault();
    for (const file of event.dataTransfer?.files || []) add(file);
  });
  input.addEventListener("change", () => {
    for (const file of input.files) add(file);
    input.value = "";
  });
  // A drop before this point is lost; scripted drops (the browser tests) wait for it.
  dropzone.dataset.ready = "true";

  /** A row for a file refused before upload: the reason, and Remove. */
  function refuse(file, why) {
    const remove = h("button", { type: "button", class: "button small quiet" }, "Remove");
    const details = why.formats
      ? h("details", { class: "upload-formats" }, h("summary", {}, "Supported formats"), why.formats)
      : null;
    const row = h("li", { class: "upload-item", dataset: { state: "refused" } },
      h("span", { class: "upload-name" }, file.name),
      h("span", { class: "upload-size muted" }, formatBytes(file.size)),
      h("span", { class: "upload-status" }, why.message),
      h("span", { class: "upload-actions" }, remove),
      details);
    remove.addEventListener("click", () => dropRow(row));
    list.prepend(row);
  }

  async function add(file, key = crypto.randomUUID()) {
    const why = await refusal(file);
    if (why) {
      refuse(file, why);
      return;
    }
    list.querySelector(`[data-resume="${CSS.escape(`${file.name}/${file.size}`)}"]`)?.remove();
    // The copy that lets the upload resume after a reload is written meanwhile: IndexedDB
    // can take many seconds to commit on a busy disk, and the upload need not wait.
    const keeping = file.size <= KEEP_MAX_BYTES ? kept.put(key, file) : Promise.resolve();
    const forget = () => keeping.then(() => kept.remove(key));
    const progress = h("progress", { max: 100, value: 0, "aria-label": `Upload of ${file.name}` });
    const status = h("span", { class: "upload-status" }, "Starting…");
    const pause = h("button", { type: "button", class: "button small" }, "Pause");
    const retry = h("button", { type: "button", class: "button small", hidden: true }, "Retry");
    const cancel = h("button", { type: "button", class: "button small quiet" }, "Cancel");
    const remove = h("button", { type: "button", class: "button small quiet", hidden: true }, "Remove");
    const row = h("li", { class: "upload-item", dataset: { state: "uploading" } },
      h("span", { class: "upload-name" }, file.name),
      h("span", { class: "upload-size muted" }, formatBytes(file.size)),
      progress, status, h("span", { class: "upload-actions" }, pause, retry, cancel, remove));
    list.prepend(row);
    const setState = (state, text) => {
      row.dataset.state = state;
      status.textContent = text;
    };

    const upload = new window.tus.Upload(file, {
      endpoint: ENDPOINT,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      removeFingerprintOnSuccess: true,
      fingerprint: async (f) => fingerprint(f),
      metadata: { filename: file.name, filetype: file.type || "application/octet-stream" },
      onProgress(sent, total) {
        const percent = total ? Math.floor((sent / total) * 100) : 0;
        progress.value = percent;
        setState("uploading", `${percent}%`);
      },
      async onSuccess({ lastResponse }) {
        forget();
        progress.value = 100;
        pause.hidden = true;
        cancel.hidden = true;
        const id = lastResponse.getHeader("Medialib-Asset-Id");
        // The same bytes were already an asset: nothing new, told in the row with a link
        // to the one in the library.
        const duplicate = lastResponse.getHeader("Medialib-Duplicate") === "true";
        setState("done", duplicate ? "Already in the library" : "Uploaded");
        if (!duplicate) toast(`${file.name} uploaded`);
        if (!id) return;
        try {
          const asset = await api(`/assets/${id}`);
          const link = h("a", { href: `/ui/assets/${id}` }, file.name);
          row.querySelector(".upload-name").replaceChildren(link);
          if (duplicate) {
            status.replaceChildren("Already in the library as ", h("a", { href: `/ui/assets/${id}` }, asset.title));
            return;
          }
          onAsset(asset);
        } catch (e) {
          toast(e.message, "error");
        }
      },
      onError(error) {
        // Told once, in the row: no notification besides it.
        setState("failed", explain(error));
        progress.hidden = true;
        pause.hidden = true;
        cancel.hidden = true;
        remove.hidden = false;
        // A file the server refused is refused again: no retry, and it is not resumed
        // after a reload either. A lost connection or a busy server may pass later.
        if (refused(error)) {
          forget();
          forgetResume(file);
        } else {
          retry.hidden = false;
        }
      },
    });

    pause.addEventListener("click", () => {
      if (row.dataset.state === "paused") {
        pause.textContent = "Pause";
        setState("uploading", "Resuming…");
        upload.start();
      } else {
        upload.abort();
        pause.textContent = "Resume";
        setState("paused", `Paused at ${progress.value}%`);
      }
    });
    retry.addEventListener("click", () => {
      retry.hidden = true;
      remove.hidden = true;
      progress.hidden = false;
      pause.hidden = false;
      cancel.hidden = false;
      setState("uploading", "Retrying…");
      upload.start();
    });
    remove.addEventListener("click", async () => {
      forget();
      dropRow(row);
      await upload.abort(true).catch(() => {});
    });
    cancel.addEventListener("click", async () => {
      forget();
      dropRow(row);
      // Terminates the upload on the server too (tus termination), freeing its space.
      await upload.abort(true).catch(() => {});
    });

    const previous = await upload.findPreviousUploads();
    if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
    upload.start();
  }

  /** Uploads interrupted by a reload: kept files resume; others are listed. */
  async function restore() {
    const files = (await kept.all()) || [];
    const names = new Set();
    for (const { key, file } of files) {
      names.add(`${file.name}/${file.size}`);
      add(file, key);
    }
    const storage = window.tus.defaultOptions.urlStorage;
    const unfinished = (await storage.findAllUploads().catch(() => [])) || [];
    for (const entry of unfinished.filter((e) => e.urlStorageKey.startsWith(RESUME_PREFIX))) {
      const name = entry.metadata?.filename || "a file";
      if (names.has(`${name}/${entry.size}`)) continue;
      const forget = h("button", { type: "button", class: "button small quiet" }, "Forget");
      const row = h("li", { class: "upload-item", dataset: { state: "interrupted", resume: `${name}/${entry.size}` } },
        h("span", { class: "upload-name" }, name),
        h("span", { class: "upload-size muted" }, formatBytes(entry.size)),
        h("span", { class: "upload-status" }, "Interrupted. Drop or choose the same file to resume."),
        h("span", { class: "upload-actions" }, forget));
      forget.addEventListener("click", async () => {
        await storage.removeUpload(entry.urlStorageKey);
        fetch(entry.uploadUrl, { method: "DELETE", headers: { "Tus-Resumable": "1.0.0" } }).catch(() => {});
        dropRow(row);
      });
      list.append(row);
    }
  }

  restore();
  return { add };
}
