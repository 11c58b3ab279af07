// The browser's calls to the services go through the web's /api proxy, which adds the user's own token
// (kept in an HttpOnly cookie). X-Anju-Web marks a change as coming from these pages (CSRF guard).

export function uuid4() {
  // crypto.getRandomValues works on plain http too (randomUUID needs a secure context)
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `请求失败（${status}）`);
    this.status = status;
    this.problem = problem;
  }
}

export async function api(method, path, body, { idempotencyKey } = {}) {
  const headers = { "Content-Type": "application/json", "X-Anju-Web": "1" };
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  const response = await fetch(`/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Retry a call that failed on the way (network, 5xx); a refusal (4xx) is the service's answer, shown as is.
export async function withRetry(call, attempts = 3) {
  let last;
  for (let i = 0; i < attempts; i++) {
    try {
      return await call();
    } catch (error) {
      last = error;
      if (error instanceof ApiError && error.status < 500) throw error;
      await new Promise((r) => setTimeout(r, 500 * 2 ** i));
    }
  }
  throw last;
}
