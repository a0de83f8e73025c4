// The campaign dashboard: draws each section's chart with ECharts (vendor/echarts.min.js)
// from the page's JSON view (dashboard.json) and re-renders charts and tables from it
// every data-refresh-seconds while the page is open and visible. Tables are rendered by
// the server first, so the numbers are there without this script.
(function () {
  'use strict';
  var root = document.getElementById('dashboard');
  if (!root) return;
  var source = root.getAttribute('data-source');
  var every = Math.max(5, parseInt(root.getAttribute('data-refresh-seconds'), 10) || 30) * 1000;
  var charts = {};
  var PALETTE = ['#1668dc', '#15a675', '#f59e0b', '#e8590c', '#7c3aed', '#0891b2'];

  function cell(c) {
    var td = document.createElement('td');
    if (c.num) td.className = 'num';
    td.appendChild(document.createTextNode(c.text));
    if (c.sub) {
      var sub = document.createElement('small');
      sub.className = 'sub';
      sub.textContent = c.sub;
      td.appendChild(sub);
    }
    return td;
  }

  function renderTable(section, table) {
    var note = section.querySelector('.dash-note');
    if (note) note.textContent = table.note;
    var body = section.querySelector('tbody');
    var rows = document.createDocumentFragment();
    table.rows.forEach(function (row) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-key', row.key);
      row.cells.forEach(function (c) { tr.appendChild(cell(c)); });
      rows.appendChild(tr);
    });
    if (!table.rows.length) {
      var empty = document.getElementById('dash-empty-row').content.cloneNode(true);
      empty.querySelector('td').colSpan = table.columns.length;
      rows.appendChild(empty);
    }
    body.replaceChildren(rows);
  }

  function option(chart) {
    var base = { color: PALETTE, animation: false, tooltip: { trigger: chart.kind === 'funnel' ? 'item' : 'axis' } };
    if (chart.kind === 'funnel') {
      var s = chart.series[0];
      base.series = [{
        type: 'funnel', name: s[0], sort: 'none', gap: 2, minSize: '8%', left: '12%', width: '60%',
        label: { show: true, position: 'right', formatter: '{b}  {c}' },
        data: chart.categories.map(function (name, i) { return { name: name, value: s[1][i] }; })
      }];
      return base;
    }
    base.legend = { top: 0 };
    base.grid = { left: 48, right: 24, top: 36, bottom: 28 };
    base.xAxis = { type: 'category', data: chart.categories, axisTick: { alignWithLabel: true } };
    base.yAxis = { type: 'value', minInterval: 1 };
    base.series = chart.series.map(function (s) {
      return { type: chart.kind, name: s[0], data: s[1], barMaxWidth: 36, smooth: false, symbolSize: 6 };
    });
    return base;
  }

  function renderChart(section, table) {
    var box = section.querySelector('[data-chart]');
    if (!box || !table.chart || !window.echarts) return;
    var chart = charts[table.id] || (charts[table.id] = window.echarts.init(box, null, { renderer: 'canvas' }));
    chart.setOption(option(table.chart), true);
    box.setAttribute('data-drawn', String(table.chart.categories.length));
  }

  function render(view) {
    var stamp = document.getElementById('dash-updated');
    if (stamp) stamp.textContent = view.generated_at;
    var kpis = root.querySelectorAll('.dash-kpi');
    view.summary.forEach(function (s, i) {
      if (!kpis[i]) return;
      kpis[i].querySelector('span').textContent = s.label;
      kpis[i].querySelector('strong').textContent = s.value;
    });
    view.tables.forEach(function (table) {
      var section = root.querySelector('[data-table="' + table.id + '"]');
      if (!section) return;
      renderTable(section, table);
      renderChart(section, table);
    });
    root.setAttribute('data-refreshed', String((parseInt(root.getAttribute('data-refreshed'), 10) || 0) + 1));
  }

  function refresh() {
    var stale = document.getElementById('dash-stale');
    return fetch(source, { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) {
        var json = (r.headers.get('content-type') || '').indexOf('application/json') === 0;
        if (!r.ok || !json) throw new Error('dashboard ' + r.status);
        return r.json();
      })
      .then(function (view) { render(view); if (stale) stale.hidden = true; })
      .catch(function () { if (stale) stale.hidden = false; });
  }

  refresh();
  setInterval(function () { if (!document.hidden) refresh(); }, every);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) refresh(); });
  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
})();
