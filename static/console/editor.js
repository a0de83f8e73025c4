// The campaign editor: the phone frame follows the form as it is typed. The unsaved form
// is posted to the preview endpoint (debounced) and the page it returns is shown in a
// sandboxed frame, where its form cannot be sent.
(function () {
  'use strict';
  var form = document.getElementById('editor-form');
  var frame = document.getElementById('preview-frame');
  if (!form || !frame || form.querySelector('fieldset[disabled]')) return;
  var url = form.getAttribute('data-preview-url');
  var state = document.getElementById('preview-state');
  var timer = null;
  var seq = 0;

  function show(text) {
    if (state) state.textContent = text || '';
  }

  function refresh() {
    var mine = ++seq;
    show(state && state.getAttribute('data-loading'));
    fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      body: new URLSearchParams(new FormData(form))
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      if (mine !== seq) return; // a newer draft is on its way
      frame.removeAttribute('src');
      frame.srcdoc = html;
      show('');
    }).catch(function () {
      if (mine === seq) show(state && state.getAttribute('data-failed'));
    });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }

  form.addEventListener('input', later);
  form.addEventListener('change', later);
  refresh();
})();
