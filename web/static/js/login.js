// The login form: posts JSON to /api/v1/session so a wrong password is shown on the
// page. Without JavaScript the form posts itself and the server redirects.
const form = document.getElementById("login");
const error = document.getElementById("login-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const data = new FormData(form);
  const body = { name: data.get("name"), password: data.get("password") };
  const namespace = (data.get("namespace") || "").trim();
  if (namespace) body.namespace = namespace;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const response = await fetch("/api/v1/session", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    if (response.ok) {
      location.assign(data.get("redirect") || "/ui/");
      return;
    }
    const problem = await response.json().catch(() => null);
    error.textContent = problem?.error?.message ?? `Sign-in failed (${response.status}).`;
  } catch {
    error.textContent = "The server could not be reached. Check the connection and try again.";
  } finally {
    button.disabled = false;
  }
  error.hidden = false;
  document.getElementById("password").select();
});
