// senaite-sync console: keeps a running run's progress current without
// reloading the page. Every two seconds it asks /console/runs/ID/live for
// the progress section, puts it in place of the old one and works out the
// rate (smoothed over some 15 s) and the time left; when the run has
// ended it reloads the page once, for the final counts. No library, no
// build step; the page's Content-Security-Policy allows this file only.
(function () {
  'use strict';
  var box = document.getElementById('live');
  if (!box) { return; }
  var rate = null, last = null;
  function human(s) {
    if (s >= 3600) { return Math.floor(s / 3600) + 'h' + Math.round((s % 3600) / 60) + 'm'; }
    if (s >= 60) { return Math.floor(s / 60) + 'm' + Math.round(s % 60) + 's'; }
    return Math.round(s) + 's';
  }
  function observe(el) {
    var done = Number(el.dataset.done), total = Number(el.dataset.total), at = Number(el.dataset.at);
    if (last && at > last.at && done >= last.done) {
      var dt = (at - last.at) / 1000, r = (done - last.done) / dt;
      rate = rate === null ? r : rate + (1 - Math.pow(2, -dt / 15)) * (r - rate);
    }
    last = { done: done, at: at };
    var eta = el.querySelector('.eta');
    if (eta && rate !== null && rate > 0 && total > done) {
      eta.textContent = rate.toFixed(1) + ' objects/s, about ' + human((total - done) / rate) + ' left';
    }
  }
  function tick() {
    fetch(box.dataset.src, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok && !r.redirected ? r.text() : null; })
      .then(function (html) {
        if (html === null) { setTimeout(tick, 5000); return; }
        var holder = document.createElement('div');
        holder.innerHTML = html;
        var next = holder.querySelector('#live');
        if (!next) { setTimeout(tick, 5000); return; }
        box.replaceWith(next);
        box = next;
        if (box.dataset.final === '1') { window.location.reload(); return; }
        observe(box);
        setTimeout(tick, 2000);
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  observe(box);
  setTimeout(tick, 2000);
}());
