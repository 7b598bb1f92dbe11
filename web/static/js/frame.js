// What every signed-in page shares: signing out, keyboard shortcuts.
import "./shortcuts.js";
import { api } from "./api.js";
import { toast } from "./dom.js";
import { forgetUploads } from "./upload.js";

for (const button of document.querySelectorAll("[data-action=logout]")) {
  button.addEventListener("click", async () => {
    try {
      // Unfinished uploads stay with their user: not resumed by the next one here.
      await forgetUploads();
      await api("/session", { method: "DELETE" });
      location.assign("/ui/login");
    } catch (e) {
      toast(e.message, "error");
    }
  });
}
