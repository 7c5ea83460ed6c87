/* Pan and zoom for the ER diagrams (x121-docs; no dependencies, nothing from the network but
   the site's own SVG files). Each .x121-erd frame names its SVG in data-src: the file is fetched
   and inlined (so its links act on the page), then: drag to pan, wheel or buttons to zoom,
   double-click or "fit" to reset. A drag longer than a few pixels does not count as a click.
   Without script or from file:// the frame's <object> shows the SVG as it is. */
(function () {
  "use strict";
  function setup(frame) {
    var svg = frame.querySelector("svg");
    if (!svg || frame.dataset.x121Ready) return;
    frame.dataset.x121Ready = "1";
    var vb0 = svg.getAttribute("viewBox").split(/[\s,]+/).map(Number);
    var vb = vb0.slice();
    function apply() { svg.setAttribute("viewBox", vb.join(" ")); }
    function point(evt) {
      var r = svg.getBoundingClientRect();
      var s = Math.max(vb[2] / r.width, vb[3] / r.height);  // "meet": the larger scale wins
      var ox = (r.width * s - vb[2]) / 2, oy = (r.height * s - vb[3]) / 2;
      return { x: vb[0] - ox + (evt.clientX - r.left) * s, y: vb[1] - oy + (evt.clientY - r.top) * s, s: s };
    }
    function zoom(factor, at) {
      var c = at || { x: vb[0] + vb[2] / 2, y: vb[1] + vb[3] / 2 };
      vb = [c.x - (c.x - vb[0]) * factor, c.y - (c.y - vb[1]) * factor, vb[2] * factor, vb[3] * factor];
      apply();
    }
    frame.addEventListener("wheel", function (evt) {
      evt.preventDefault();
      zoom(evt.deltaY < 0 ? 0.85 : 1 / 0.85, point(evt));
    }, { passive: false });
    var drag = null, moved = false;
    frame.addEventListener("pointerdown", function (evt) {
      if (evt.button !== 0) return;
      drag = { x: evt.clientX, y: evt.clientY, vb: vb.slice(), s: point(evt).s };
      moved = false;
    });
    window.addEventListener("pointermove", function (evt) {
      if (!drag) return;
      var dx = evt.clientX - drag.x, dy = evt.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) moved = true;
      if (!moved) return;
      frame.classList.add("x121-dragging");
      vb = [drag.vb[0] - dx * drag.s, drag.vb[1] - dy * drag.s, drag.vb[2], drag.vb[3]];
      apply();
    });
    window.addEventListener("pointerup", function () { drag = null; frame.classList.remove("x121-dragging"); });
    frame.addEventListener("click", function (evt) {
      if (moved) { evt.preventDefault(); evt.stopPropagation(); moved = false; }
    }, true);
    frame.addEventListener("dblclick", function () { vb = vb0.slice(); apply(); });
    var bar = document.createElement("div");
    bar.className = "x121-erd-bar";
    [["+", function () { zoom(0.8); }], ["\u2212", function () { zoom(1.25); }],
     ["fit", function () { vb = vb0.slice(); apply(); }]].forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b[0];
      btn.title = b[0] === "fit" ? "Reset the view" : (b[0] === "+" ? "Zoom in" : "Zoom out");
      btn.addEventListener("click", b[1]);
      bar.appendChild(btn);
    });
    frame.appendChild(bar);
  }
  function load(frame) {
    if (frame.dataset.x121Loading || frame.querySelector("svg")) { setup(frame); return; }
    frame.dataset.x121Loading = "1";
    fetch(frame.dataset.src).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (text) {
      var doc = new DOMParser().parseFromString(text, "image/svg+xml");
      var svg = doc.documentElement;
      if (!svg || svg.nodeName !== "svg") return;
      var old = frame.querySelector("object");
      if (old) old.remove();
      frame.insertBefore(document.importNode(svg, true), frame.firstChild);
      setup(frame);
    }).catch(function () { /* keep the <object> fallback */ });
  }
  function all() { document.querySelectorAll(".x121-erd").forEach(load); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all); else all();
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(all);
})();
