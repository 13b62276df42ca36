// Lyssna producer pages: upload progress and list editing. Everything works
// without this script (plain forms); it only adds progress and saves trips.
'use strict';

// formatBytes writes sizes as the server does (web/kit.Size): binary units.
function formatBytes(n) {
  if (n >= 1 << 30) return (n / (1 << 30)).toFixed(1) + ' GiB';
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1) + ' MiB';
  if (n >= 1 << 10) return Math.round(n / (1 << 10)) + ' KiB';
  return n + ' bytes';
}

// Uploads: send the form with XMLHttpRequest to show bytes and percent, with
// a cancel button. The server answers a success with a redirect (which the
// request follows) and an error with the page, whose message is shown here.
function enhanceUpload(form) {
  const box = form.querySelector('[data-progress]');
  const bar = box.querySelector('progress');
  const label = box.querySelector('[data-progress-text]');
  const cancel = box.querySelector('[data-upload-cancel]');
  const submit = form.querySelector('[data-upload-submit]');
  const errorBox = form.querySelector('.error[role="alert"]');
  let xhr = null;
  function showError(msg) {
    errorBox.textContent = msg;
    errorBox.hidden = false;
  }
  function done() {
    xhr = null;
    submit.disabled = false;
  }
  cancel.addEventListener('click', () => {
    if (xhr) xhr.abort();
  });
  form.addEventListener('submit', (ev) => {
    const input = form.querySelector('input[type="file"]');
    if (!input.files.length) return; // let the browser say a file is needed
    ev.preventDefault();
    errorBox.hidden = true;
    xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.floor((e.loaded / e.total) * 100);
      bar.value = pct;
      bar.setAttribute('aria-valuetext', pct + ' percent');
      label.textContent = formatBytes(e.loaded) + ' of ' + formatBytes(e.total) + ' (' + pct + '%)';
    });
    xhr.upload.addEventListener('load', () => {
      label.textContent = 'Uploaded. Reading the file…';
    });
    xhr.addEventListener('load', () => {
      const target = xhr.responseURL;
      if (xhr.status === 200 && target && target.split('#')[0] !== form.action) {
        window.location.assign(target);
        return;
      }
      const doc = new DOMParser().parseFromString(xhr.responseText, 'text/html');
      const msg = doc.getElementById(errorBox.id);
      const fallback = doc.querySelector('main p');
      showError((msg && msg.textContent.trim()) || (fallback && fallback.textContent.trim()) || ('The upload failed (' + xhr.status + ').'));
      box.hidden = true;
      done();
    });
    xhr.addEventListener('error', () => {
      showError('The connection broke off during the upload. Check your network and try again.');
      box.hidden = true;
      done();
    });
    xhr.addEventListener('abort', () => {
      label.textContent = '';
      showError('Upload cancelled. Nothing was saved.');
      box.hidden = true;
      done();
    });
    bar.value = 0;
    label.textContent = 'Starting…';
    box.hidden = false;
    submit.disabled = true;
    xhr.send(new FormData(form));
  });
}

// Lists: add, remove and move items in the page, renumbering the inputs'
// names and ids (LIST[i].field) so the server reads them in order.
function enhanceList(fieldset) {
  const list = fieldset.dataset.list;
  const prefix = fieldset.dataset.idPrefix;
  const items = fieldset.querySelector('[data-items]');
  const tmpl = fieldset.querySelector('template[data-row-template]');
  const nameRE = new RegExp('^' + list + '\\[\\d+\\]');
  const idRE = new RegExp('^' + prefix + '-\\d+');
  const valueRE = new RegExp('^(up|down|remove):' + list + ':\\d+$');
  function renumber() {
    Array.from(items.children).forEach((li, i) => {
      li.querySelectorAll('[name]').forEach((el) => {
        if (el.name === 'action') {
          if (valueRE.test(el.value)) el.value = el.value.replace(/\d+$/, String(i));
        } else {
          el.name = el.name.replace(nameRE, list + '[' + i + ']');
        }
      });
      li.querySelectorAll('[id], [for], [aria-describedby]').forEach((el) => {
        for (const a of ['id', 'for', 'aria-describedby']) {
          const v = el.getAttribute(a);
          if (v) el.setAttribute(a, v.split(' ').map((t) => t.replace(idRE, prefix + '-' + i)).join(' '));
        }
      });
      li.querySelectorAll('[data-n]').forEach((el) => { el.textContent = String(i + 1); });
    });
  }
  fieldset.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button');
    if (!btn || !fieldset.contains(btn)) return;
    const li = btn.closest('[data-item]');
    if (btn.hasAttribute('data-list-add')) {
      ev.preventDefault();
      items.appendChild(tmpl.content.cloneNode(true));
      renumber();
      const added = items.lastElementChild;
      const first = added && added.querySelector('input, textarea');
      if (first) first.focus();
      return;
    }
    if (!li || li.parentElement !== items) return;
    if (btn.hasAttribute('data-remove')) {
      ev.preventDefault();
      const next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      renumber();
      const focus = next ? next.querySelector('input, textarea') : fieldset.querySelector('[data-list-add]');
      if (focus) focus.focus();
    } else if (btn.dataset.move === 'up') {
      ev.preventDefault();
      if (li.previousElementSibling) items.insertBefore(li, li.previousElementSibling);
      renumber();
      btn.focus();
    } else if (btn.dataset.move === 'down') {
      ev.preventDefault();
      if (li.nextElementSibling) items.insertBefore(li.nextElementSibling, li);
      renumber();
      btn.focus();
    }
  });
}

// Import progress: poll the import's JSON every 1.5 s and update the
// numbers and the bar; when it has finished, reload once so the page shows
// the result (the link to the show, the failed items). Without this script
// the page reloads itself (meta refresh) and has a reload link.
function followImport(box) {
  const url = box.dataset.importProgress;
  const bar = box.querySelector('progress');
  const set = (sel, v) => { const el = box.querySelector(sel); if (el) el.textContent = String(v); };
  const reload = box.querySelector('[data-import-reload]');
  if (reload) reload.hidden = true;
  function tick() {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then((r) => { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then((j) => {
        set('[data-import-state]', j.state);
        set('[data-import-done]', j.items_done);
        set('[data-import-failed]', j.items_failed);
        set('[data-import-total]', j.items_total);
        if (j.items_total > 0) {
          bar.max = j.items_total;
          bar.value = j.items_done;
        }
        bar.setAttribute('aria-valuetext', j.items_done + ' of ' + j.items_total + ' items');
        if (j.finished) {
          window.location.reload();
          return;
        }
        window.setTimeout(tick, 1500);
      })
      .catch(() => {
        if (reload) reload.hidden = false; // offer the link, and try again later
        window.setTimeout(tick, 10000);
      });
  }
  window.setTimeout(tick, 1500);
}

document.querySelectorAll('form[data-upload]').forEach(enhanceUpload);
document.querySelectorAll('fieldset[data-list]').forEach(enhanceList);
document.querySelectorAll('[data-import-progress]').forEach((box) => {
  if (box.dataset.state !== 'done' && box.dataset.state !== 'failed') followImport(box);
});
