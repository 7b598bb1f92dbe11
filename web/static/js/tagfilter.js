// The library's tag filter: several tags as removable chips, typed with suggestions from
// the namespace's tags (a <datalist>), matched all or any. The chosen slugs live in the
// hidden `tags` field, so that the form, the address and the API read them as one
// comma-separated list.
import { all } from "./api.js";
import { h, toast } from "./dom.js";

/**
 * options:
 * - input: where tag names are typed (it has no name: it is not a filter itself);
 * - chips: where the chosen tags show, each with its remove button;
 * - field: the hidden `tags` field;
 * - options: the <datalist> of suggestions;
 * - match: the "all or any" field, shown from two tags on;
 * - onChange(): told when the chosen tags change.
 */
export function createTagFilter({ input, chips, field, options, match, onChange }) {
  let tags = [];
  const chosen = () => field.value.split(",").filter(Boolean);

  /** Draws the chips and the suggestions from the hidden field. */
  function draw() {
    const slugs = chosen();
    chips.replaceChildren(...slugs.map((slug) => {
      const name = tags.find((t) => t.slug === slug)?.name ?? slug;
      return h("span", { class: "chip" }, name,
        h("button", { type: "button", "aria-label": `Remove tag ${name}`, onclick: () => set(slugs.filter((s) => s !== slug)) }, "×"));
    }));
    match.hidden = slugs.length < 2;
    options.replaceChildren(...tags.filter((t) => !slugs.includes(t.slug)).map((t) => h("option", { value: t.name })));
  }

  function set(slugs) {
    field.value = slugs.join(",");
    draw();
    onChange();
  }

  /** Adds the tag named (or slugged) in the input, if there is one. */
  function add() {
    const typed = input.value.trim();
    if (!typed) return;
    const lower = typed.toLowerCase();
    const tag = tags.find((t) => t.name.toLowerCase() === lower || t.slug === lower);
    if (!tag) {
      toast(`No tag is called “${typed}”. Choose one of the suggestions.`, "error");
      return;
    }
    input.value = "";
    if (!chosen().includes(tag.slug)) set([...chosen(), tag.slug]);
  }

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      add();
    } else if (event.key === "Backspace" && !input.value && chosen().length) {
      set(chosen().slice(0, -1));
    }
  });
  // Typing here is not a search of its own; a suggestion chosen from the list is taken
  // at once.
  input.addEventListener("input", (event) => {
    event.stopPropagation();
    if (event.inputType === "insertReplacementText") add();
  });
  input.addEventListener("change", (event) => event.stopPropagation());
  // "Clear filters" resets the form, which leaves a hidden field's value as it is.
  field.form.addEventListener("reset", () => {
    field.value = "";
    draw();
  });

  return {
    draw,
    /** Loads (or reloads) the namespace's tags, the chips' names and suggestions. */
    async fill() {
      tags = await all("/tags");
      draw();
    },
  };
}
