// Lyssna listener pages: small enhancements. Everything works without them.
(function () {
  'use strict';

  function plainClick(e) {
    return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
  }

  // Chapter and transcript timestamps seek the on-page player instead of
  // following the #t= media fragment link.
  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[data-seek]');
    var player = document.getElementById('player');
    if (!a || !player || !plainClick(e)) return;
    var t = parseFloat(a.getAttribute('data-seek'));
    if (!isFinite(t)) return;
    e.preventDefault();
    player.currentTime = t;
    var p = player.play();
    if (p && p.catch) p.catch(function () {});
  });

  // Transcript languages switch in place, keeping the player going.
  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[data-transcript]');
    var section = document.getElementById('transcript');
    if (!a || !section || !plainClick(e) || !window.fetch || !window.DOMParser) return;
    e.preventDefault();
    fetch(a.href, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('transcript');
      if (!fresh) throw new Error('no transcript in answer');
      section.lang = fresh.lang;
      section.replaceChildren.apply(section, Array.prototype.map.call(fresh.childNodes, function (n) {
        return document.importNode(n, true);
      }));
      history.replaceState(null, '', a.href);
      var current = section.querySelector('a[aria-current="true"]');
      if (current) current.focus();
    }).catch(function () {
      window.location.href = a.href;
    });
  });

  // Copy buttons appear only where the clipboard can be used.
  document.querySelectorAll('button[data-copy]').forEach(function (b) {
    if (!navigator.clipboard) return;
    b.hidden = false;
    var status = b.parentNode.querySelector('.copy-status');
    b.addEventListener('click', function () {
      navigator.clipboard.writeText(b.getAttribute('data-copy')).then(function () {
        if (status) status.textContent = 'Copied.';
      }, function () {
        if (status) status.textContent = 'Copying failed: select the address and copy it.';
      });
    });
  });

  document.querySelectorAll('button[data-print]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { window.print(); });
  });
})();
