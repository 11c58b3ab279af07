// Photos go straight from the phone to object storage through the service's presigned PUT: the file is
// hashed here (the service pins size and SHA-256 in the URL), sent with progress shown, retried on
// failure, and a failure that persists is shown with a retry button — never dropped silently.
import { withRetry } from "./api.js";

export async function sha256Hex(file) {
  if (!crypto.subtle) throw new Error("浏览器不支持校验（需要 HTTPS 访问）");
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, "0")).join("");
}

function put(ticket, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(ticket.method || "PUT", ticket.url);
    for (const [name, value] of Object.entries(ticket.headers || {})) {
      if (name.toLowerCase() !== "content-length" && name.toLowerCase() !== "host") xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`上传失败（${xhr.status}）`)));
    xhr.onerror = () => reject(new Error("网络中断，上传失败"));
    xhr.send(file);
  });
}

export function safeName(name) {
  const cleaned = name.replace(/[\\/:*?"<>|\s]+/g, "_").slice(-80);
  return cleaned || "photo.jpg";
}

// One file: a row with a progress bar; resolves with its EvidenceRef once stored. `ticketFor(meta)` asks the
// service for a presigned PUT. Automatic retries first; then the row offers 重试 and the promise waits.
export function uploadRow(list, file, ticketFor) {
  const row = document.createElement("li");
  row.className = "upload";
  row.innerHTML = `<span class="name"></span> <progress max="1" value="0"></progress> <span class="state">等待上传</span>`;
  row.querySelector(".name").textContent = file.name;
  list.append(row);
  const bar = row.querySelector("progress");
  const state = row.querySelector(".state");
  const contentType = file.type || "image/jpeg";

  return new Promise((resolve) => {
    const attempt = async () => {
      state.textContent = "上传中";
      row.classList.remove("failed");
      try {
        const sha256 = await sha256Hex(file);
        const meta = { file_name: safeName(file.name), content_type: contentType, size: file.size, sha256 };
        const ticket = await withRetry(() => ticketFor(meta));
        await withRetry(() => put(ticket, file, (p) => (bar.value = p)), 3);
        bar.value = 1;
        state.textContent = "已上传";
        row.classList.add("done");
        resolve({ key: ticket.key, sha256, size: file.size, content_type: contentType });
      } catch (error) {
        state.textContent = `${error.message}`;
        row.classList.add("failed");
        const retry = document.createElement("button");
        retry.type = "button";
        retry.className = "retry";
        retry.textContent = "重试";
        retry.onclick = () => {
          retry.remove();
          attempt();
        };
        row.append(retry);
      }
    };
    attempt();
  });
}
