// Refreshes the parts of a page marked data-live on every new block the
// explorer reports (/events). Pages work without it.
(function () {
  if (!window.EventSource) return;
  var busy = false;
  var es = new EventSource('/events');
  es.onmessage = function (e) {
    var live = document.querySelectorAll('[data-live][id]');
    if (busy || live.length === 0) return;
    busy = true;
    fetch(location.href, { headers: { 'X-Live': '1' } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        live.forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          if (fresh) el.replaceWith(fresh);
        });
        document.body.setAttribute('data-refreshed', JSON.parse(e.data).height);
      })
      .catch(function () {})
      .finally(function () { busy = false; });
  };
})();
