// portolan's site report: filters for the flow table and the platform choice for rules.
// Plain JavaScript, no network. Without it the page shows everything.
(function () {
  'use strict';
  var form = document.getElementById('filters');
  var flows = Array.prototype.slice.call(document.querySelectorAll('tbody.flow'));
  var count = document.getElementById('filter-count');
  var texts = null;  // each flow's text, lower case, computed on the first search

  function value(id) {
    var element = document.getElementById(id);
    return element ? element.value.trim() : '';
  }

  // "445", "tcp/445" or "udp/53" against "tcp/135 tcp/1025-5000 gre".
  function portMatches(ports, wanted) {
    var match = /^(?:(tcp|udp)\/?)?\s*(\d{1,5})$/i.exec(wanted);
    if (!match) return ports.split(' ').indexOf(wanted.toLowerCase()) >= 0;
    var protocol = match[1] ? match[1].toLowerCase() : '';
    var port = parseInt(match[2], 10);
    return ports.split(' ').some(function (item) {
      var parts = item.split('/');
      if (parts.length !== 2 || (protocol && parts[0] !== protocol)) return false;
      var range = parts[1].split('-');
      var low = parseInt(range[0], 10);
      var high = range.length > 1 ? parseInt(range[1], 10) : low;
      return port >= low && port <= high;
    });
  }

  function has(list, item) {
    return (' ' + list + ' ').indexOf(' ' + item + ' ') >= 0;
  }

  // "AAA>BBB": a flow goes from every zone of its sources to every zone of its destinations.
  function crosses(data, pair) {
    var parts = pair.split('>');
    return has(data.fromZones, parts[0]) && has(data.toZones, parts[1]);
  }

  function apply() {
    var text = value('filter-text').toLowerCase();
    var status = value('filter-status');
    var role = value('filter-role');
    var host = value('filter-host');
    var port = value('filter-port');
    var zones = value('filter-zones');
    if (text && !texts) texts = flows.map(function (flow) { return flow.textContent.toLowerCase(); });
    var shown = 0;
    flows.forEach(function (flow, index) {
      var data = flow.dataset;
      var ok = (!status || data.status === status) && (!role || has(data.roles, role)) &&
               (!host || has(data.hosts, host)) && (!zones || crosses(data, zones)) &&
               (!port || portMatches(data.ports, port)) && (!text || texts[index].indexOf(text) >= 0);
      flow.hidden = !ok;
      if (ok) shown += 1;
    });
    if (count) count.textContent = shown + ' of ' + flows.length + ' flows';
  }

  function showPlatform() {
    var chosen = value('platform');
    Array.prototype.forEach.call(document.querySelectorAll('.rule-sample[data-platform]'), function (rule) {
      rule.hidden = chosen !== '' && rule.getAttribute('data-platform') !== chosen;
    });
  }

  // A link to a flow that the filters hide clears them, so that the link leads somewhere.
  function reveal() {
    var target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (target && target.hidden && form) {
      form.reset();
      document.getElementById('filter-zones').value = '';
      apply();
      target.scrollIntoView();
    }
  }

  if (form) {
    form.hidden = false;
    form.addEventListener('input', apply);
    form.addEventListener('change', apply);
    form.addEventListener('submit', function (event) { event.preventDefault(); });
    form.addEventListener('reset', function () {
      document.getElementById('filter-zones').value = '';
      setTimeout(apply, 0);
    });
    apply();
  }
  var platform = document.getElementById('platform');
  if (platform) {
    if (platform.options.length > 1) platform.selectedIndex = 1;
    platform.addEventListener('change', showPlatform);
    showPlatform();
  }
  window.addEventListener('hashchange', reveal);

  // A matrix cell can also narrow the flow table to its zone pair.
  var zones = document.getElementById('filter-zones');
  if (form && zones) {
    Array.prototype.forEach.call(document.querySelectorAll('td[data-zones] details'), function (details) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'zone-filter';
      button.textContent = 'Show in the flow table';
      button.addEventListener('click', function () {
        zones.value = details.parentNode.getAttribute('data-zones');
        apply();
        if (count) count.textContent += ' (zones ' + zones.value + ')';
        document.getElementById('flows').scrollIntoView();
      });
      details.appendChild(button);
    });
  }

  // Printing shows every detail; what was closed closes again afterwards.
  var closed = [];
  window.addEventListener('beforeprint', function () {
    closed = Array.prototype.filter.call(document.querySelectorAll('details'), function (d) { return !d.open; });
    closed.forEach(function (d) { d.open = true; });
  });
  window.addEventListener('afterprint', function () {
    closed.forEach(function (d) { d.open = false; });
    closed = [];
  });
})();
