// 我要报案: the claim is reported first (so the legal clock starts at once), then each photo is uploaded
// and attached; the page moves to the claim, with its deadlines, when every photo is stored.
import { api, uuid4, withRetry } from "./api.js";
import { uploadRow } from "./upload.js";

const form = document.getElementById("report-claim");
const status = document.getElementById("report-status");
const list = document.getElementById("uploads");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  const data = new FormData(form);
  const claimId = `clm-${uuid4().slice(0, 18)}`;
  const idem = uuid4(); // the same key on every retry: the service stores one claim
  try {
    status.textContent = "正在提交报案……";
    const claim = await withRetry(() =>
      api("POST", "/claims/v1/claims", {
        claim_id: claimId,
        unit_id: form.dataset.unit,
        owner_id: form.dataset.owner,
        part: data.get("part"),
        item: data.get("item"),
        location: data.get("location"),
        description: data.get("description"),
      }, { idempotencyKey: idem }),
    );
    if (claim.status === "refused") {
      status.textContent = `报案未被受理：${claim.refusal?.detail || "请联系保险公司"}`;
      return;
    }
    const files = [...form.querySelector("input[type=file]").files];
    if (files.length) status.textContent = "报案已受理，正在上传照片……";
    const base = `/claims/v1/claims/${claimId}`;
    await Promise.all(
      files.map(async (file) => {
        const ref = await uploadRow(list, file, (meta) =>
          api("POST", `${base}/evidence-uploads`, { claim_id: claimId, stage: "report", ...meta }),
        );
        const key = uuid4();
        await withRetry(() => api("POST", `${base}/evidence`, { claim_id: claimId, evidence: ref, stage: "report" }, { idempotencyKey: key }));
      }),
    );
    status.textContent = "报案已受理，照片已全部上传。";
    window.location.assign(`/claims/${claimId}`);
  } catch (error) {
    status.textContent = `提交失败：${error.message}`;
    submit.disabled = false;
  }
});
