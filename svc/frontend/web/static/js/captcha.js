// The captcha as forms show it: the picture, the same digits spoken for
// people who cannot see it, a button for new digits, and the field to type
// them into. Sign-up always shows it; sign-in shows it once the app asks
// for it (after several failed sign-ins for the account).

import { h, field } from './dom.js';
import { getJSON, showError, APIError } from './common.js';

/** captchaBox builds the captcha controls with ids prefix+"-captcha" (the
 * field, named "captcha" so that an API error naming that field shows
 * next to it), prefix+"-captcha-img", prefix+"-captcha-audio" and
 * prefix+"-captcha-reload". It returns {node, control, load}: load asks
 * for new digits, replacing the session's previous captcha, and shows
 * them; a failure shows in the form that holds node. */
export function captchaBox(prefix) {
  const id = prefix + '-captcha';
  const input = field({
    id, name: 'captcha', label: 'Digits in the picture',
    hint: 'Type the digits you see, or hear in the recording, to show you are a person.',
    autocomplete: 'off', inputmode: 'numeric', pattern: '[0-9]*', required: true, maxlength: 12,
    spellcheck: 'false',
  });
  const img = h('img', {
    id: id + '-img', class: 'captcha-img', width: 160, height: 80,
    alt: 'Picture of digits to type into the field below',
  });
  const reload = h('button', { id: id + '-reload', class: 'link-button', type: 'button', text: 'New digits' });
  // preload="none": the recording is fetched only when played, so a
  // visitor who reads the picture costs the server nothing more.
  const fallback = h('a', { id: id + '-audio-link', text: 'Download the digits as a sound file' });
  const audio = h('audio', {
    id: id + '-audio', class: 'captcha-audio', controls: true, preload: 'none',
    'aria-labelledby': id + '-audio-label',
  }, fallback);
  const node = h('div', { class: 'captcha' },
    h('div', { class: 'captcha-picture' }, img, reload),
    h('div', { class: 'captcha-listen' },
      h('p', { id: id + '-audio-label', class: 'captcha-listen-label', text: 'Cannot see the picture? Listen to the digits:' }),
      audio,
    ),
    input.wrap,
  );

  let loading = null;
  async function loadNew() {
    reload.disabled = true;
    input.control.value = '';
    try {
      const { captcha_id: captchaID } = await getJSON('/captcha/getnew');
      const base = `/captcha/${encodeURIComponent(captchaID)}`;
      img.src = base + '.png';
      audio.pause();
      audio.src = base + '.wav';
      fallback.href = base + '.wav';
      node.dataset.captchaId = captchaID;
    } catch (err) {
      const form = node.closest('form');
      if (form) {
        showError(form, new APIError(err.status || 0,
          `The digits could not be loaded: ${err.message} Use “New digits” to try again.`, 'captcha'));
      }
    } finally {
      reload.disabled = false;
    }
  }
  /** load gets new digits; calls while one is under way share it. */
  function load() {
    if (!loading) loading = loadNew().finally(() => { loading = null; });
    return loading;
  }
  reload.addEventListener('click', () => {
    load();
    input.control.focus();
  });
  return { node, control: input.control, load };
}
