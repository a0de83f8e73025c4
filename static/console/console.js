// Small helpers for every console page; pages work without it.
// data-copy="#id": copies that element's text.  data-confirm="...": asks before submitting.
(function () {
  'use strict';
  document.addEventListener('click', function (e) {
    var btn = e.target.closest('[data-copy]');
    if (!btn) return;
    var source = document.querySelector(btn.getAttribute('data-copy'));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var label = btn.textContent;
      btn.textContent = '✓';
      setTimeout(function () { btn.textContent = label; }, 1500);
    });
  });
  document.addEventListener('submit', function (e) {
    var question = e.target.getAttribute('data-confirm');
    if (question && !window.confirm(question)) e.preventDefault();
  });
})();
