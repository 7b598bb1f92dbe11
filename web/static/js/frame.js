// What every signed-in page shares: signing out.
import { api } from "./api.js";
import { toast } from "./dom.js";

for (const button of document.querySelectorAll("[data-action=logout]")) {
  button.addEventListener("click", async () => {
    try {
      await api("/session", { method: "DELETE" });
      location.assign("/ui/login");
    } catch (e) {
      toast(e.message, "error");
    }
  });
}
