// Helpers every page of the client shares: calls to the JSON API, showing
// its errors next to the form field they name, the once-per-session domain
// report, and the WebSocket URL choice.

/** An APIError is a failed API call: the HTTP status (0 when the server
 * could not be reached), the server's message, and the input it names. */
export class APIError extends Error {
  constructor(status, message, field = '', retryAfter = 0) {
    super(message);
    this.name = 'APIError';
    this.status = status;
    this.field = field;
    this.retryAfter = retryAfter;
  }
}

/** api calls the JSON API and returns the decoded body (null for 204).
 * Failures throw an APIError carrying the server's {"error","field"}. A
 * call given an AbortSignal that fires rejects with the browser's
 * AbortError (see isAbort), not an APIError: nobody is waiting for it. */
export async function api(method, path, body, { signal } = {}) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin', signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new APIError(0, 'Kin could not be reached. Check your connection and try again.');
  }
  let data = null;
  if ((res.headers.get('Content-Type') || '').startsWith('application/json')) {
    try {
      data = await res.json();
    } catch (err) {
      if (isAbort(err)) throw err;
      data = null;
    }
  }
  if (!res.ok) {
    const message = data && typeof data.error === 'string' && data.error
      ? sentence(data.error)
      : `Something went wrong on the server (${res.status}). Try again in a moment.`;
    const field = data && typeof data.field === 'string' ? data.field : '';
    const retryAfter = Number.parseInt(res.headers.get('Retry-After') || '0', 10) || 0;
    throw new APIError(res.status, message, field, retryAfter);
  }
  return res.status === 204 ? null : data;
}

/** getJSON, postJSON, putJSON and del are api for one method. */
export const getJSON = (path, opts) => api('GET', path, undefined, opts);
export const postJSON = (path, body, opts) => api('POST', path, body, opts);
export const putJSON = (path, body, opts) => api('PUT', path, body, opts);
export const del = (path, opts) => api('DELETE', path, undefined, opts);

/** isAbort reports whether err is the rejection of an aborted call. */
export function isAbort(err) {
  return !!err && err.name === 'AbortError';
}

/** withCursor returns path with ?cursor= (or &cursor=) added when cursor
 * is set. */
export function withCursor(path, cursor) {
  if (!cursor) return path;
  return path + (path.includes('?') ? '&' : '?') + 'cursor=' + encodeURIComponent(cursor);
}

/** errorText is what to tell a person about a failed action. */
export function errorText(err) {
  return err instanceof APIError ? err.message : 'Something went wrong. Try again.';
}

/** sentence capitalizes a server message for display and ends it with a
 * full stop. */
export function sentence(msg) {
  const s = String(msg).trim();
  if (!s) return s;
  const first = s[0].toUpperCase() + s.slice(1);
  return /[.!?]$/.test(first) ? first : first + '.';
}

/** errorSlot returns the element that shows errors for a form control:
 * the element whose id is the control's id followed by "-error". */
function errorSlot(control) {
  return control.id ? document.getElementById(control.id + '-error') : null;
}

/** clearErrors removes every error a form shows. */
export function clearErrors(form) {
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) {
    el.removeAttribute('aria-invalid');
    const slot = errorSlot(el);
    if (slot) slot.textContent = '';
  }
  const summary = document.getElementById(form.id + '-error');
  if (summary) {
    summary.textContent = '';
    summary.hidden = true;
  }
}

/** showError shows err on form: next to the control whose name is the
 * error's field, focusing it, or in the form's error summary (the element
 * whose id is the form's id followed by "-error") when no field is named. */
export function showError(form, err) {
  clearErrors(form);
  const message = err instanceof APIError ? err.message : 'Something went wrong. Try again.';
  const control = err && err.field ? form.elements.namedItem(err.field) : null;
  const slot = control && control instanceof HTMLElement ? errorSlot(control) : null;
  if (slot) {
    control.setAttribute('aria-invalid', 'true');
    slot.textContent = message;
    control.focus();
    return;
  }
  const summary = document.getElementById(form.id + '-error');
  if (summary) {
    summary.textContent = message;
    summary.hidden = false;
  }
}

/** busy marks a form's submit button as working (or done), so a double
 * click cannot send the form twice. */
export function busy(button, working, label) {
  if (working) {
    button.dataset.label = button.textContent;
    button.textContent = label;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  } else {
    button.textContent = button.dataset.label || button.textContent;
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

const domainFlag = 'kin.domain-posted';

/** postDomainOnce tells the domainname service which host this browser
 * reached the site under, once per browser session. The flag is set once
 * the server has answered, whatever it said, so a refused host is not
 * retried on every page; a network failure is retried next time. */
export async function postDomainOnce() {
  try {
    if (sessionStorage.getItem(domainFlag)) return;
  } catch {
    return; // storage disabled: do not post on every page load instead
  }
  try {
    await fetch('/api/v1/domain', { method: 'POST', credentials: 'same-origin' });
    sessionStorage.setItem(domainFlag, '1');
  } catch {
    // Offline or blocked: try again on the next page load.
  }
}

/** wsURL returns the WebSocket URL for path on host (this page's host by
 * default): wss: when the page came over https:, ws: otherwise, so
 * development on plain HTTP needs no certificate and production never
 * downgrades. */
export function wsURL(path, host = location.host) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${host}${path.startsWith('/') ? path : '/' + path}`;
}

/** localPath returns next when it is a path on this site (so a link
 * cannot send someone to another site after signing in), else fallback. */
export function localPath(next, fallback = '/') {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) {
    return fallback;
  }
  return next;
}

/** whileVisible calls fn every ms milliseconds while the page is visible,
 * not while the tab is hidden, and once at once when it becomes visible
 * again, until signal fires. */
export function whileVisible(ms, fn, signal) {
  let timer = 0;
  const schedule = () => {
    clearTimeout(timer);
    if (signal.aborted || document.visibilityState !== 'visible') return;
    timer = setTimeout(async () => {
      try {
        await fn();
      } finally {
        schedule();
      }
    }, ms);
  };
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') {
      clearTimeout(timer);
      return;
    }
    Promise.resolve(fn()).finally(schedule);
  }, { signal });
  signal.addEventListener('abort', () => clearTimeout(timer));
  schedule();
}
