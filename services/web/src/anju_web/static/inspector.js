// The inspector's project page: record a risk issue with photos (uploaded first: the issue must cite
// stored evidence, RSK-04) and review rectifications — 销项 or 退回整改 (RSK-05).
import { api, uuid4, withRetry } from "./api.js";
import { uploadRow } from "./upload.js";

const form = document.getElementById("raise-issue");
if (form) {
  const projectId = form.dataset.project;
  const base = `/risk/v1/risk/projects/${projectId}`;
  const status = document.getElementById("issue-status");
  document.getElementById("locate")?.addEventListener("click", () => {
    if (!navigator.geolocation) return (status.textContent = "无法获取定位");
    navigator.geolocation.getCurrentPosition(
      (p) => (form.location.value = `${form.location.value}（定位 ${p.coords.latitude.toFixed(5)},${p.coords.longitude.toFixed(5)}）`),
      () => (status.textContent = "无法获取定位，请手动填写位置"),
    );
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    const data = new FormData(form);
    try {
      status.textContent = "正在上传照片……";
      const files = [...form.querySelector("input[type=file]").files];
      const list = document.getElementById("uploads");
      const evidence = await Promise.all(
        files.map((file) => uploadRow(list, file, (meta) => api("POST", `${base}/evidence-uploads`, { project_id: projectId, ...meta }))),
      );
      status.textContent = "正在提交……";
      const issueId = `iss-${uuid4().slice(0, 13)}`;
      const idem = uuid4();
      await withRetry(() =>
        api("POST", `${base}/issues`, {
          project_id: projectId,
          issue_id: issueId,
          severity: data.get("severity"),
          location: data.get("location"),
          part: data.get("part"),
          responsible_unit_id: data.get("responsible_unit_id"),
          description: data.get("description"),
          rectify_by: data.get("rectify_by"),
          evidence,
        }, { idempotencyKey: idem }),
      );
      status.textContent = "已记录。";
      window.location.reload();
    } catch (error) {
      status.textContent = `提交失败：${error.message}`;
      submit.disabled = false;
    }
  });
}

for (const review of document.querySelectorAll("form.review")) {
  review.addEventListener("submit", async (event) => {
    event.preventDefault();
    const decision = event.submitter?.value || "close";
    const out = review.querySelector(".status");
    const { project, issue } = review.dataset;
    const body = { project_id: project, issue_id: issue, decision, comment: review.comment.value };
    if (decision === "send_back" && review.rectify_by.value) body.rectify_by = review.rectify_by.value;
    try {
      out.textContent = "提交中……";
      await api("POST", `/risk/v1/risk/projects/${project}/issues/${issue}/review`, body, { idempotencyKey: uuid4() });
      out.textContent = decision === "close" ? "已销项" : "已退回整改";
      window.location.reload();
    } catch (error) {
      out.textContent = `提交失败：${error.message}`;
    }
  });
}
