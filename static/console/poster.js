// The poster designer: the QR, nickname and avatar boxes dragged and resized on the
// background with pointer events (mouse, touch, pen), kept inside the image, written to
// the form's number fields (the background's own pixels); the white card is outlined;
// a server-drawn preview of the design refreshed a moment after each change, saying
// whether its code scans at full and at half size. Without this script the form still
// works by typing numbers.
(function () {
  'use strict';
  var stage = document.getElementById('poster-stage');
  var form = document.getElementById('poster-form');
  if (!stage || !form) return;
  var W = +stage.dataset.width, H = +stage.dataset.height;
  var qr = document.getElementById('qr-box'), name = document.getElementById('name-box');
  var avatar = document.getElementById('avatar-box'), card = document.getElementById('card-box');
  var preview = document.getElementById('poster-preview');
  var status = document.getElementById('qr-status');
  var field = function (n) { return form.elements[n]; };
  var num = function (n) { var v = parseInt(field(n).value, 10); return isNaN(v) ? null : v; };
  var clamp = function (v, lo, hi) { return Math.max(lo, Math.min(hi, v)); };
  var SAMPLE_CHARS = 4; // the sample nickname, 小明同学

  // Where things are, in image pixels, with the renderer's defaults for empty fields.
  function layout() {
    var size = num('qr_size') || 220;
    var qx = num('qr_x') || 0, qy = num('qr_y') || 0;
    var ns = num('name_size') || clamp(Math.floor(size / 7), 16, 64);
    var line = ns * 1.2;
    var below = qy + size + ns * 0.5;
    var ny = num('name_y');
    if (ny === null) ny = below + line <= H ? below : Math.max(0, qy - line - ns * 0.5);
    var nx = num('name_x');
    if (nx === null) nx = qx + size / 2;
    return { qx: qx, qy: qy, size: size, nx: nx, ny: ny, ns: ns, nw: ns * SAMPLE_CHARS, nh: line,
      ax: num('avatar_x'), ay: num('avatar_y'), asz: num('avatar_size'),
      cx: num('card_x'), cy: num('card_y'), cw: num('card_width'), ch: num('card_height') };
  }

  // A box placed in image pixels, or hidden when the design has none.
  function put(box, x, y, w, h, s) {
    var shown = x !== null && y !== null && w && h;
    box.hidden = !shown;
    if (!shown) return;
    box.style.left = x * s + 'px';
    box.style.top = y * s + 'px';
    box.style.width = w * s + 'px';
    box.style.height = h * s + 'px';
  }

  function place() {
    var s = stage.clientWidth / W, L = layout();
    qr.style.left = L.qx * s + 'px';
    qr.style.top = L.qy * s + 'px';
    qr.style.width = qr.style.height = L.size * s + 'px';
    name.style.left = (L.nx - L.nw / 2) * s + 'px';
    name.style.top = L.ny * s + 'px';
    name.style.width = L.nw * s + 'px';
    name.style.height = L.nh * s + 'px';
    name.style.fontSize = L.ns * s + 'px';
    put(avatar, L.ax, L.ay, L.asz, L.asz, s);
    put(card, L.cx, L.cy, L.cw, L.ch, s);
  }

  function set(n, v) { field(n).value = Math.round(v); }

  // One gesture on a box: move it, or resize it from its handle.
  function gesture(box, kind) {
    box.addEventListener('pointerdown', function (e) {
      if (!form.querySelector('button[type=submit]')) return; // read-only role
      e.preventDefault();
      var resize = e.target.classList.contains('handle');
      var s = stage.clientWidth / W, start = layout(), x0 = e.clientX, y0 = e.clientY;
      box.setPointerCapture(e.pointerId);
      box.classList.add('active');
      function move(ev) {
        var dx = (ev.clientX - x0) / s, dy = (ev.clientY - y0) / s;
        if (kind === 'qr' && !resize) {
          set('qr_x', clamp(start.qx + dx, 0, W - start.size));
          set('qr_y', clamp(start.qy + dy, 0, H - start.size));
        } else if (kind === 'qr') {
          var max = Math.min(W - start.qx, H - start.qy, 2000);
          set('qr_size', clamp(start.size + Math.max(dx, dy), Math.min(120, max), max));
        } else if (kind === 'avatar' && !resize) {
          set('avatar_x', clamp(start.ax + dx, 0, W - start.asz));
          set('avatar_y', clamp(start.ay + dy, 0, H - start.asz));
        } else if (kind === 'avatar') {
          set('avatar_size', clamp(start.asz + Math.max(dx, dy), 32, Math.min(600, W - start.ax, H - start.ay)));
        } else if (!resize) {
          set('name_x', clamp(start.nx + dx, start.nw / 2, W - start.nw / 2));
          set('name_y', clamp(start.ny + dy, 0, H - start.nh));
          if (num('name_size') === null) set('name_size', start.ns);
        } else {
          set('name_size', clamp(start.ns + dy / 1.2, 12, Math.min(200, (H - start.ny) / 1.2)));
          if (num('name_x') === null) set('name_x', start.nx);
          if (num('name_y') === null) set('name_y', start.ny);
        }
        place();
        refreshSoon();
      }
      function end() {
        box.classList.remove('active');
        box.removeEventListener('pointermove', move);
        box.removeEventListener('pointerup', end);
        box.removeEventListener('pointercancel', end);
      }
      box.addEventListener('pointermove', move);
      box.addEventListener('pointerup', end);
      box.addEventListener('pointercancel', end);
    });
  }

  var timer = null, shown = null, asked = 0;
  function refreshSoon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  }

  function refresh() {
    if (!preview) return;
    var query = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.name !== '_csrf') query.set(el.name, el.value);
    });
    var url = stage.dataset.preview + '&' + query.toString();
    var ticket = ++asked;
    status.textContent = status.dataset.wait;
    status.className = 'badge';
    fetch(url, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      var reads = r.headers.get('X-Fission-Qr-Reads') === 'true';
      var small = r.headers.get('X-Fission-Qr-Reads-Small') === 'true';
      return r.blob().then(function (b) { return { blob: b, reads: reads, small: small }; });
    }).then(function (got) {
      if (ticket !== asked) return; // a newer layout is on its way
      if (shown) URL.revokeObjectURL(shown);
      shown = URL.createObjectURL(got.blob);
      preview.src = shown;
      var both = got.reads && got.small;
      preview.dataset.reads = got.reads;
      preview.dataset.readsSmall = got.small;
      status.textContent = both ? status.dataset.ok : got.reads ? status.dataset.small : status.dataset.bad;
      status.className = 'badge ' + (both ? 'ok' : got.reads ? 'warn' : 'danger');
    }).catch(function () {
      if (ticket !== asked) return;
      status.textContent = status.dataset.bad;
      status.className = 'badge danger';
    });
  }

  gesture(qr, 'qr');
  gesture(name, 'name');
  gesture(avatar, 'avatar');
  form.addEventListener('input', function () { place(); refreshSoon(); });
  window.addEventListener('resize', place);
  place();
  refresh();
})();
