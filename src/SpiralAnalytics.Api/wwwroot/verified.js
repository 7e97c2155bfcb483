// Verified questions on the chat page: a "Verified" chip on an answer given with a verified question's spec, and (for
// admins) a button that verifies an answer, so the same question (or one close to it) is answered with its spec from now on.

import { ApiError, call } from "./api.js";
import { h } from "./dom.js";

/** The chip of an answer that a verified question's spec gave, or null. */
export function verifiedChip(result) {
  const verified = result?.verified;
  if (!verified) return null;
  const how = verified.match === "exact" ? "the same question" : `a question like it (similarity ${Number(verified.similarity).toFixed(2)})`;
  return h("li", {
    class: "chip chip-verified", "data-chip": "verified", "data-verified-id": verified.id,
    title: `Answered with the spec an admin verified for ${how}: “${verified.question}”`,
  }, h("span", { class: "chip-text", text: "✓ Verified answer" }));
}

/** The admin's "Verify this answer" control, or null for other roles and answers without a job. */
export function verifyControl(jobId, result, role) {
  if (role !== "admin" || !jobId) return null;
  const status = h("span", { class: "verify-status", role: "status" });
  const button = h("button", { type: "button", class: "verify quiet", "aria-pressed": "false" }, "Verify this answer");
  const done = (text) => {
    button.textContent = "Verified";
    button.setAttribute("aria-pressed", "true");
    button.disabled = true;
    status.textContent = text;
  };
  // A follow-up ("and for Atlas?") means something only in its conversation: the API asks for the question in full.
  const fullQuestion = h("input", { type: "text", class: "verify-question", maxlength: "1000", hidden: true,
    "aria-label": "The question in full, as it should be verified" });
  const row = h("div", { class: "verify-row", role: "group", "aria-label": "Verify this answer" }, button, fullQuestion, status);
  if (result?.verified?.match === "exact") done("");
  const verify = async () => {
    button.disabled = true;
    status.textContent = "Verifying…";
    const question = fullQuestion.hidden ? undefined : fullQuestion.value.trim() || undefined;
    try {
      const body = await call("POST", "/api/v1/admin/verified-questions", question ? { job_id: jobId, question } : { job_id: jobId });
      fullQuestion.hidden = true;
      done(body?.action === "replaced"
        ? "Verified again: this question is answered with this spec."
        : "Verified: this question (and ones close to it) is now answered with this spec.");
    } catch (e) {
      button.disabled = false;
      if (e instanceof ApiError && e.status === 400 && /give the question in full/.test(e.message)) {
        fullQuestion.hidden = false;
        if (!fullQuestion.value) fullQuestion.value = result?.question ?? "";
        fullQuestion.focus();
        button.textContent = "Verify with this question";
        status.textContent = "This answered a follow-up: write the question in full, then verify.";
        return;
      }
      status.textContent = e instanceof ApiError && e.status === 403 ? "Only an admin can verify answers." : `Not verified: ${e.message}`;
    }
  };
  button.addEventListener("click", verify);
  fullQuestion.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      verify();
    }
  });
  return row;
}
