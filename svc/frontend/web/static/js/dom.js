// Building the page from data without ever parsing data as HTML: text is
// always set as text nodes, attributes with setAttribute, listeners with
// addEventListener. Nothing here parses a string as markup, and style and
// inline handler attributes are refused (the Content-Security-Policy would
// block them anyway).

/** h creates an element. props are attributes (true for a boolean
 * attribute; false, null and undefined leave it out), with three special
 * keys: "class", "text" (the element's textContent) and "on" (an object of
 * event listeners). children are nodes or strings (added as text). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') {
      el.className = value;
    } else if (key === 'text') {
      el.textContent = value;
    } else if (key === 'on') {
      for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    } else if (key === 'style' || key.startsWith('on')) {
      throw new Error(`h: ${key} is not allowed; use a class or the "on" key`);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** field builds a labelled form control with its hint and its error slot:
 * the control gets the id, the hint id+"-hint", the error slot id+"-error"
 * (live, so a screen reader announces a new error). control is "input",
 * "textarea" or "select"; options are the select's [value, label] pairs.
 * It returns {wrap, control}. */
export function field({ id, label, hint, control = 'input', options = [], value, ...attrs }) {
  const described = [hint ? id + '-hint' : '', id + '-error'].filter(Boolean).join(' ');
  const el = h(control, { id, 'aria-describedby': described, ...attrs });
  if (control === 'select') {
    for (const [v, text] of options) el.append(h('option', { value: v, text }));
  }
  if (value !== undefined && value !== null) el.value = value;
  const wrap = h('div', { class: 'field' },
    h('label', { for: id, text: label }),
    hint ? h('p', { id: id + '-hint', class: 'hint', text: hint }) : null,
    el,
    h('p', { id: id + '-error', class: 'field-error', 'aria-live': 'polite' }),
  );
  return { wrap, control: el };
}

/** formError builds a form's error summary, shown for errors that name no
 * field. */
export function formError(formId) {
  return h('div', { id: formId + '-error', class: 'form-error', role: 'alert', hidden: true });
}

/** formatDate formats a calendar date "YYYY-MM-DD" for reading, in the
 * reader's language, without a time zone shifting it by a day. */
export function formatDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  if (!m) return iso || '';
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeZone: 'UTC' }).format(d);
}

/** formatMonth formats an RFC 3339 time as month and year. */
export function formatMonth(rfc3339) {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' }).format(d);
}

/** initial returns the first letter or digit of a name, for its avatar
 * ("?" when it has none). */
export function initial(name) {
  const m = /[\p{L}\p{N}]/u.exec(String(name || ''));
  return m ? m[0].toLocaleUpperCase() : '?';
}

// urlRe finds the web addresses in a text: http: or https: and what
// follows up to a space or an angle bracket or quote. Punctuation that
// usually ends a sentence is left out of the link (see linkParts).
const urlRe = /\bhttps?:\/\/[^\s<>"'`]+/giu;

/** linkParts splits text into plain strings and {url} links, for text
 * that people typed: only http: and https: addresses become links, and a
 * trailing full stop, comma or unmatched closing bracket stays text. */
export function linkParts(text) {
  const parts = [];
  let last = 0;
  for (const m of String(text || '').matchAll(urlRe)) {
    let url = m[0];
    // Trailing punctuation belongs to the sentence, and a closing bracket
    // only to a URL that opened one (as in "(see the address)").
    for (;;) {
      const end = url[url.length - 1];
      if (/[.,;:!?]/.test(end)) url = url.slice(0, -1);
      else if (end === ')' && count(url, '(') < count(url, ')')) url = url.slice(0, -1);
      else break;
    }
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      continue;
    }
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname) continue;
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push({ url });
    last = m.index + url.length;
  }
  if (last < String(text || '').length) parts.push(String(text).slice(last));
  return parts;
}

function count(s, ch) {
  return s.split(ch).length - 1;
}

/** linkify returns the nodes showing text with its web addresses as
 * links: text nodes and anchors whose href is set with setAttribute and
 * whose words are text, never markup. The links open the other site in
 * a new tab without telling it where the reader came from, and tell
 * search engines the site does not vouch for them. */
export function linkify(text) {
  return linkParts(text).map((p) => (typeof p === 'string'
    ? document.createTextNode(p)
    : h('a', { href: p.url, rel: 'noopener noreferrer nofollow ugc', target: '_blank', class: 'ext-link', text: p.url })));
}

/** formatTime formats an RFC 3339 time for reading: "3 min ago" for
 * the last day, else the date (with the year when it is not this one). */
export function formatTime(rfc3339, now = Date.now()) {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return '';
  const s = Math.round((now - d.getTime()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
  if (s < 45) return rtf.format(0, 'second');
  if (s < 3600) return rtf.format(-Math.round(s / 60), 'minute');
  if (s < 86400) return rtf.format(-Math.round(s / 3600), 'hour');
  const opts = { month: 'short', day: 'numeric' };
  if (d.getFullYear() !== new Date(now).getFullYear()) opts.year = 'numeric';
  return new Intl.DateTimeFormat(undefined, opts).format(d);
}

/** formatFullTime formats an RFC 3339 time with date and time, for a
 * title or a single post's page. */
export function formatFullTime(rfc3339) {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' }).format(d);
}

/** plural returns "1 like" or "3 likes". */
export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/** avatar is a person's round initial, hidden from screen readers, whose
 * name is always beside it. */
export function avatar(name, size = '') {
  return h('span', { class: 'avatar' + (size ? ' avatar-' + size : ''), 'aria-hidden': 'true', text: initial(name) });
}

/** personLink links to a person's page by name. */
export function personLink(p, props = {}) {
  return h('a', { href: `/u/${p.id}`, class: 'person-link', ...props, text: p.display_name });
}

/** namesText says who did something: "Ann", "Ann and Bob", or "Ann and
 * 3 others" for count people of whom names are the latest. */
export function namesText(names, count) {
  const n = Math.max(count || 0, names.length);
  if (names.length === 0) return n === 1 ? 'Someone' : `${n} people`;
  if (n === 1) return names[0];
  if (n === 2 && names.length >= 2) return `${names[0]} and ${names[1]}`;
  return `${names[0]} and ${n - 1} ${n - 1 === 1 ? 'other' : 'others'}`;
}
