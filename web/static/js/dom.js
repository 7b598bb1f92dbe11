// Small DOM helpers shared by the pages.

/**
 * Creates an element: h("a", {href: "/", class: "x"}, "text", child).
 * Attributes set to false/null/undefined are left out; `on*` functions become listeners;
 * `dataset` takes an object. Text children are text nodes, never HTML.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/**
 * Shows a short message in the page's live region; `kind` is "info" or "error". An
 * `action` ({label, run}) adds a button, such as Undo, which closes the message when
 * used; such a message stays longer, so that there is time to use it.
 */
export function toast(message, kind = "info", action = null) {
  const box = document.getElementById("toasts");
  if (!box) return;
  const item = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : null }, message);
  if (action) {
    item.append(" ", h("button", { type: "button", class: "toast-action", onclick: () => { item.remove(); action.run(); } }, action.label));
  }
  box.append(item);
  // At most three at once: a burst of uploads must not wall off the page.
  while (box.children.length > MAX_TOASTS) box.firstElementChild.remove();
  setTimeout(() => item.remove(), kind === "error" || action ? 8000 : 4000);
}

/**
 * Asks a question in a modal dialog whose buttons say what they do: `message` (text or
 * nodes), then `confirm` and "Cancel". Resolves to whether `confirm` was chosen; Escape
 * or Cancel is no.
 */
export function ask(message, confirm) {
  return new Promise((resolve) => {
    const yes = h("button", { type: "submit", class: "button danger", value: "yes" }, confirm);
    const no = h("button", { type: "submit", class: "button quiet", value: "no" }, "Cancel");
    const dialog = h("dialog", { class: "ask", "aria-label": confirm },
      h("form", { method: "dialog" }, h("p", {}, message), h("div", { class: "ask-actions" }, no, yes)));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}

/** Notifications shown at once; older ones give way. */
const MAX_TOASTS = 3;

/** Bytes as B, KiB, MiB, GiB (binary units, one decimal). */
export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  // Compared as shown (one decimal), so that 1023.97 KiB reads 1.0 MiB, not 1024.0 KiB.
  while (unit < units.length - 1 && (unit === 0 ? value : Number(value.toFixed(1))) >= 1024) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** An RFC 3339 time as the reader's local date and time. */
export function formatDate(rfc3339) {
  if (!rfc3339) return "";
  const date = new Date(rfc3339);
  return Number.isNaN(date.getTime()) ? rfc3339 : date.toLocaleString();
}

/** Seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.round(seconds);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return hh ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

/** `fn` called once `ms` have passed without another call. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Whether the signed-in user may upload and edit (from the page's <body>). */
export function canWrite() {
  return document.body.dataset.canWrite === "true";
}

/**
 * Moves the focus to `element`, making it focusable from script if it is not (a heading
 * or a box), so that a keyboard user is not left on a control that is gone.
 */
export function focusOn(element) {
  if (!element) return;
  if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) element.tabIndex = -1;
  element.focus();
}

/**
 * Shows `message` (and an optional action button) in a state box, or hides it. Focus in
 * the box (on its "Try again") moves to the new button, or to the page's heading when
 * the box hides.
 */
export function showState(box, message, action) {
  const hadFocus = box.contains(document.activeElement);
  box.replaceChildren();
  box.hidden = !message;
  if (message) {
    box.append(h("p", {}, message));
    if (action) box.append(h("button", { type: "button", class: "button", onclick: action.run }, action.label));
  }
  if (hadFocus) focusOn(box.hidden ? document.querySelector("main h1") : box.querySelector("button") ?? box);
}

/** Copies `text` to the clipboard and says so. */
export async function copy(text, what = "URL") {
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied`);
  } catch {
    window.prompt(`Copy the ${what}:`, text);
  }
}
