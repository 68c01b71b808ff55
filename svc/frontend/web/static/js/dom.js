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
