// Lyssna embed player: the buttons, chapters that seek, and a transcript
// that follows playback. Without it the native player still works.
(function () {
  'use strict';
  var player = document.getElementById('player');
  if (!player) return;
  var controls = document.querySelector('.controls');
  var toggle = controls && controls.querySelector('[data-act="toggle"]');
  var now = controls && controls.querySelector('[data-time="now"]');
  var total = controls && controls.querySelector('[data-time="total"]');

  function clock(t) {
    t = Math.max(0, Math.floor(t || 0));
    var h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, s = t % 60;
    var mm = h ? String(m).padStart(2, '0') : String(m);
    return (h ? h + ':' : '') + mm + ':' + String(s).padStart(2, '0');
  }
  function play() {
    var p = player.play();
    if (p && p.catch) p.catch(function () {});
  }
  if (controls) {
    controls.hidden = false;
    controls.addEventListener('click', function (e) {
      var b = e.target.closest('button[data-act]');
      if (!b) return;
      var act = b.getAttribute('data-act');
      if (act === 'toggle') { if (player.paused) play(); else player.pause(); }
      if (act === 'back') player.currentTime = Math.max(0, player.currentTime - 15);
      if (act === 'fwd') player.currentTime = Math.min(player.duration || Infinity, player.currentTime + 15);
    });
    var speed = controls.querySelector('[data-act="speed"]');
    speed.addEventListener('change', function () { player.playbackRate = parseFloat(speed.value) || 1; });
    function state() {
      var playing = !player.paused;
      toggle.textContent = playing ? 'Pause' : 'Play';
      toggle.setAttribute('aria-label', playing ? 'Pause' : 'Play');
    }
    player.addEventListener('play', state);
    player.addEventListener('pause', state);
    player.addEventListener('loadedmetadata', function () {
      if (isFinite(player.duration)) total.textContent = clock(player.duration);
    });
  }

  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[data-seek]');
    if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    var t = parseFloat(a.getAttribute('data-seek'));
    if (!isFinite(t)) return;
    e.preventDefault();
    player.currentTime = t;
    play();
  });

  var lines = document.querySelector('[data-follow]');
  var timed = lines ? Array.prototype.slice.call(lines.querySelectorAll('p[data-start]')) : [];
  var current = null;
  player.addEventListener('timeupdate', function () {
    if (now) now.textContent = clock(player.currentTime);
    var pick = null;
    for (var i = 0; i < timed.length; i++) {
      if (parseFloat(timed[i].getAttribute('data-start')) <= player.currentTime + 0.25) pick = timed[i];
      else break;
    }
    if (pick === current) return;
    if (current) current.removeAttribute('aria-current');
    current = pick;
    if (!current) return;
    current.setAttribute('aria-current', 'true');
    if (lines.closest('details').open) {
      lines.scrollTop = current.offsetTop - lines.offsetTop - lines.clientHeight / 3;
    }
  });
})();
