/* The ER diagram viewer of x121-docs (no dependencies, nothing from the network but the site's own
   SVG files).  Each .x121-erd frame names its SVG in data-src: the file is fetched and inlined (so
   its links act on the page and its text stays selectable and searchable), then:
   - it opens legible: the whole diagram when it fits with its text at least ~11 px high, otherwise
     a readable region centred on the diagram's focus (or best-connected) table, with a minimap;
   - drag pans; Ctrl/Cmd + wheel or the buttons zoom at the pointer; the plain wheel scrolls the page;
     buttons for 1:1, fit and full screen; Escape leaves full screen;
   - a search box finds a table and centres on it; a click on a table highlights its FKs and
     neighbours (a second click follows its link); a click on an edge shows the FK's definition.
   The diagram's <metadata> (JSON written by the generator) names tables and FKs.  Catalog text only
   ever reaches the page through textContent and DOM attributes, never through innerHTML.
   Without script or from file:// the frame's <object> shows the SVG as it is.
   A view whose file ends in .graph.json (a large schema's distance-2 views) holds DOT text and the
   metadata instead of an SVG: it is laid out here by Graphviz in WebAssembly (vendor/viz-global.js,
   loaded on the first such view), with the generator's aspect-ratio rule, and then shown the same way. */
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var BROWSER = /\.graph\.json$/;  // erd.BROWSER
  var ASPECT_MIN = 1 / 3, ASPECT_MAX = 3;  // erd.ASPECT_MIN, erd.ASPECT_MAX
  var SCRIPT = document.currentScript ? document.currentScript.src : "";
  var READ_PX = 13;     // text height (CSS px) the readable view aims at
  var MIN_FIT_PX = 11;  // the whole diagram is shown when its text is at least this high
  var counter = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function indexOf(g, letter) {
    var m = (g.getAttribute("class") || "").match(new RegExp("(?:^|\\s)" + letter + "(\\d+)(?:\\s|$)"));
    return m ? Number(m[1]) : -1;
  }
  function median(values) {
    if (!values.length) return 0;
    values.sort(function (a, b) { return a - b; });
    return values[Math.floor(values.length / 2)];
  }

  function Viewer(frame, svg) {
    this.frame = frame;
    this.svg = svg;
    var vb = svg.getAttribute("viewBox").split(/[\s,]+/).map(Number);
    this.full = { x: vb[0], y: vb[1], w: vb[2], h: vb[3] };
    var meta = svg.querySelector("metadata.x121-erd-data");
    try { this.meta = meta ? JSON.parse(meta.textContent) : { tables: [], fks: [] }; }
    catch (e) { this.meta = { tables: [], fks: [] }; }
    this.nodes = {};
    this.edges = {};
    var self = this;
    svg.querySelectorAll("g.node").forEach(function (g) { var i = indexOf(g, "t"); if (i >= 0) self.nodes[i] = g; });
    svg.querySelectorAll("g.edge").forEach(function (g) { var i = indexOf(g, "f"); if (i >= 0) self.edges[i] = g; });
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    this.selected = -1;
    this.build();
    this.initialView();
  }

  Viewer.prototype.build = function () {
    var self = this, frame = this.frame;
    // Wider, invisible hit areas so a thin edge can be clicked.
    Object.keys(this.edges).forEach(function (i) {
      self.edges[i].querySelectorAll("path").forEach(function (p) {
        var hit = p.cloneNode(false);
        hit.setAttribute("class", "x121-hit");
        hit.setAttribute("stroke", "transparent");
        hit.setAttribute("stroke-width", "9");
        hit.setAttribute("fill", "none");
        hit.removeAttribute("stroke-dasharray");
        p.parentNode.insertBefore(hit, p);
      });
    });
    var bar = el("div", "x121-erd-bar");
    var search = el("input", "x121-erd-search");
    search.type = "search";
    search.placeholder = "Find a table";
    search.setAttribute("aria-label", "Find a table in this diagram");
    var list = el("datalist");
    list.id = "x121-erd-list-" + (++counter);
    this.meta.tables.forEach(function (t) { var o = el("option"); o.value = t.name; list.appendChild(o); });
    search.setAttribute("list", list.id);
    search.addEventListener("keydown", function (evt) { if (evt.key === "Enter") { evt.preventDefault(); self.find(search.value); } });
    search.addEventListener("input", function (evt) {
      // a pick from the list of names (not typing, and not leaving the box: that would move the view)
      if (evt.inputType === "insertReplacementText" || evt.inputType === undefined) self.find(search.value);
    });
    bar.appendChild(search);
    bar.appendChild(list);
    [["+", "Zoom in", function () { self.zoomBy(1.25); }],
     ["\u2212", "Zoom out", function () { self.zoomBy(0.8); }],
     ["1:1", "Natural size", function () { self.setScale(4 / 3); }],
     ["fit", "Whole diagram", function () { self.fit(); }],
     ["full", "Full screen (Escape leaves)", function () { self.toggleFull(); }]].forEach(function (b) {
      var btn = el("button", "x121-erd-btn", b[0]);
      btn.type = "button";
      btn.title = b[1];
      btn.setAttribute("aria-label", b[1]);
      btn.addEventListener("click", b[2]);
      bar.appendChild(btn);
    });
    frame.appendChild(bar);
    this.panel = el("div", "x121-erd-panel");
    this.panel.hidden = true;
    frame.appendChild(this.panel);
    frame.appendChild(this.legend());
    this.buildMinimap();

    frame.addEventListener("wheel", function (evt) {
      if (!(evt.ctrlKey || evt.metaKey)) return;  // the plain wheel scrolls the page
      evt.preventDefault();
      self.zoomAt(evt.deltaY < 0 ? 1.2 : 1 / 1.2, evt.clientX, evt.clientY);
    }, { passive: false });
    var drag = null;
    svg_listen(this.svg, "pointerdown", function (evt) {
      if (evt.button !== 0) return;
      drag = { x: evt.clientX, y: evt.clientY, vx: self.view.x, vy: self.view.y, moved: false };
    });
    window.addEventListener("pointermove", function (evt) {
      if (!drag) return;
      var dx = evt.clientX - drag.x, dy = evt.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
      if (!drag.moved) return;
      frame.classList.add("x121-dragging");
      self.view.x = drag.vx - dx / self.view.s;
      self.view.y = drag.vy - dy / self.view.s;
      self.apply();
    });
    window.addEventListener("pointerup", function () {
      frame.classList.remove("x121-dragging");
      if (drag && drag.moved) self.justDragged = true;
      drag = null;
    });
    this.svg.addEventListener("click", function (evt) { self.onClick(evt); }, true);
    document.addEventListener("keydown", function (evt) {
      if (evt.key === "Escape" && frame.classList.contains("x121-full")) self.toggleFull();
    });
    window.addEventListener("resize", function () { self.apply(); });
  };

  function svg_listen(svg, name, fn) { svg.addEventListener(name, fn); }

  Viewer.prototype.legend = function () {
    var box = el("div", "x121-erd-legend"), body = el("div", "x121-l-body");
    var toggle = el("button", "x121-l-toggle", "Legend");
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", "true");
    toggle.addEventListener("click", function () {
      body.hidden = !body.hidden;
      toggle.setAttribute("aria-expanded", String(!body.hidden));
    });
    box.appendChild(toggle);
    [["x121-l-cascade", "ON DELETE CASCADE"], ["x121-l-null", "ON DELETE SET NULL / SET DEFAULT"],
     ["x121-l-restrict", "ON DELETE RESTRICT / NO ACTION"], ["x121-l-mark", "\u25cf ON UPDATE CASCADE"],
     ["x121-l-mark", "\u25cb ON UPDATE SET NULL / SET DEFAULT"], ["x121-l-mark", "\u22a3 ON UPDATE RESTRICT / NO ACTION"],
     ["x121-l-inferred", "inferred (no FK declared)"]].forEach(function (r) {
      var row = el("div", "x121-l-row");
      row.appendChild(el("span", "x121-l-sample " + r[0]));
      row.appendChild(el("span", null, r[1]));
      body.appendChild(row);
    });
    box.appendChild(body);
    body.hidden = true;  // folded: a click on "Legend" opens it (the SVG draws it under the diagram too)
    toggle.setAttribute("aria-expanded", "false");
    return box;
  };

  Viewer.prototype.buildMinimap = function () {
    var map = document.createElementNS(SVGNS, "svg");
    map.setAttribute("class", "x121-erd-minimap");
    map.setAttribute("viewBox", [this.full.x, this.full.y, this.full.w, this.full.h].join(" "));
    map.setAttribute("aria-hidden", "true");
    var g = this.svg.querySelector("g.graph");
    if (g) {
      var copy = g.cloneNode(true);
      copy.querySelectorAll("text, title, a, .x121-hit").forEach(function (t) {
        if (t.tagName.toLowerCase() === "a") {
          while (t.firstChild) t.parentNode.insertBefore(t.firstChild, t);
          t.remove();
        } else {
          t.remove();
        }
      });
      copy.querySelectorAll("text").forEach(function (t) { t.remove(); });
      map.appendChild(copy);
    }
    var rect = document.createElementNS(SVGNS, "rect");
    rect.setAttribute("class", "x121-erd-viewport");
    map.appendChild(rect);
    var self = this;
    function go(evt) {
      var r = map.getBoundingClientRect();
      var s = Math.min(r.width / self.full.w, r.height / self.full.h);
      var ox = (r.width - self.full.w * s) / 2, oy = (r.height - self.full.h * s) / 2;
      self.centreOn(self.full.x + (evt.clientX - r.left - ox) / s, self.full.y + (evt.clientY - r.top - oy) / s);
    }
    var down = false;
    map.addEventListener("pointerdown", function (evt) { down = true; go(evt); evt.stopPropagation(); });
    map.addEventListener("pointermove", function (evt) { if (down) go(evt); });
    window.addEventListener("pointerup", function () { down = false; });
    this.minimap = map;
    this.minimapRect = rect;
    this.frame.appendChild(map);
  };

  Viewer.prototype.size = function () {
    return { w: this.frame.clientWidth || 600, h: this.frame.clientHeight || 400 };
  };

  Viewer.prototype.textHeight = function () {
    // Median height of the diagram's text in user units, from the font sizes Graphviz wrote (a line
    // box is ~1.17 font sizes high in the sans-serif fonts; measuring boxes before the fonts settle
    // gives wrong figures).
    if (this._textH) return this._textH;
    var sizes = [];
    this.svg.querySelectorAll("g.graph text").forEach(function (t) {
      var fs = parseFloat(t.getAttribute("font-size"));
      if (fs > 0) sizes.push(fs);
    });
    this._textH = (median(sizes) || 10) * 1.17;
    return this._textH;
  };

  Viewer.prototype.initialView = function () {
    var frame = this.frame, textH = this.textHeight();
    var width = frame.clientWidth || 600;
    var maxH = Math.max(320, Math.round(window.innerHeight * 0.78));
    var fitS = Math.min(width / this.full.w, maxH / this.full.h, 4 / 3);
    if (fitS * textH >= MIN_FIT_PX) {
      frame.style.height = Math.ceil(this.full.h * fitS + 2) + "px";
      this.view = { x: this.full.x, y: this.full.y, s: fitS };
      this.whole = true;
    } else {
      var s = READ_PX / textH;
      frame.style.height = Math.min(maxH, Math.ceil(this.full.h * s + 2)) + "px";
      this.view = { x: this.full.x, y: this.full.y, s: s };
      this.whole = false;
      this.apply();
      var start = this.meta.start;
      if (start !== null && start !== undefined && this.nodes[start]) this.centreOnNode(start);
    }
    this.apply();
    frame.dataset.readyMs = String(Math.round(performance.now()));  // since navigation: the bench reads it
    frame.classList.add("x121-ready");
  };

  Viewer.prototype.apply = function () {
    var sz = this.size(), v = this.view;
    var w = sz.w / v.s, h = sz.h / v.s;
    this.svg.setAttribute("viewBox", [v.x, v.y, w, h].map(function (n) { return n.toFixed(2); }).join(" "));
    var r = this.minimapRect;
    if (r) {
      r.setAttribute("x", v.x); r.setAttribute("y", v.y); r.setAttribute("width", w); r.setAttribute("height", h);
      var all = w >= this.full.w - 1 && h >= this.full.h - 1 && v.x <= this.full.x + 1 && v.y <= this.full.y + 1;
      this.minimap.style.display = all ? "none" : "";
    }
  };

  Viewer.prototype.clientToUser = function (cx, cy) {
    var r = this.svg.getBoundingClientRect();
    return { x: this.view.x + (cx - r.left) / this.view.s, y: this.view.y + (cy - r.top) / this.view.s };
  };

  Viewer.prototype.zoomAt = function (factor, cx, cy) {
    var p = this.clientToUser(cx, cy), r = this.svg.getBoundingClientRect();
    var s = Math.min(Math.max(this.view.s * factor, 0.02), 8);
    this.view = { x: p.x - (cx - r.left) / s, y: p.y - (cy - r.top) / s, s: s };
    this.apply();
  };

  Viewer.prototype.zoomBy = function (factor) {
    // Buttons zoom at the selected table, else at the middle of the frame.
    var r = this.svg.getBoundingClientRect();
    if (this.selected >= 0 && this.nodes[this.selected]) {
      var b = this.nodes[this.selected].getBoundingClientRect();
      this.zoomAt(factor, b.left + b.width / 2, b.top + b.height / 2);
    } else {
      this.zoomAt(factor, r.left + r.width / 2, r.top + r.height / 2);
    }
  };

  Viewer.prototype.setScale = function (s) {
    var r = this.svg.getBoundingClientRect();
    this.zoomAt(s / this.view.s, r.left + r.width / 2, r.top + r.height / 2);
  };

  Viewer.prototype.fit = function () {
    var sz = this.size();
    var s = Math.min(sz.w / this.full.w, sz.h / this.full.h);
    this.view = { x: this.full.x - (sz.w / s - this.full.w) / 2, y: this.full.y - (sz.h / s - this.full.h) / 2, s: s };
    this.apply();
  };

  Viewer.prototype.centreOn = function (x, y) {
    var sz = this.size();
    this.view.x = x - sz.w / this.view.s / 2;
    this.view.y = y - sz.h / this.view.s / 2;
    this.apply();
  };

  Viewer.prototype.nodeBox = function (i) {
    // The node's box in the diagram's user units (from its rendered box: Graphviz translates the graph).
    var r = this.nodes[i].getBoundingClientRect(), p = this.clientToUser(r.left, r.top);
    return { x: p.x, y: p.y, w: r.width / this.view.s, h: r.height / this.view.s };
  };

  Viewer.prototype.centreOnNode = function (i) {
    var b = this.nodeBox(i), sz = this.size();
    // Show a tall table from its header rather than its middle.
    var y = b.h * this.view.s > sz.h * 0.9 ? b.y + sz.h / this.view.s * 0.45 : b.y + b.h / 2;
    this.centreOn(b.x + b.w / 2, y);
  };

  Viewer.prototype.find = function (text) {
    var q = (text || "").trim().toLowerCase();
    if (!q) return false;
    var tables = this.meta.tables, hit = -1;
    for (var i = 0; i < tables.length && hit < 0; i++) if (tables[i].name.toLowerCase() === q) hit = i;
    for (var j = 0; j < tables.length && hit < 0; j++) if (tables[j].name.toLowerCase().indexOf(q) >= 0) hit = j;
    if (hit < 0 || !this.nodes[hit]) { this.say("No table matches \u201c" + text + "\u201d in this diagram."); return false; }
    if (this.view.s * this.textHeight() < MIN_FIT_PX) {
      this.view.s = READ_PX / this.textHeight();  // zoom in to a readable scale first
      this.apply();
    }
    this.select(hit);
    this.centreOnNode(hit);
    return true;
  };

  Viewer.prototype.clear = function () {
    this.svg.classList.remove("x121-dimmed");
    this.svg.querySelectorAll(".x121-on, .x121-sel").forEach(function (g) {
      g.classList.remove("x121-on"); g.classList.remove("x121-sel");
    });
    this.selected = -1;
    this.panel.hidden = true;
  };

  Viewer.prototype.select = function (i) {
    this.clear();
    var self = this, t = this.meta.tables[i], out = [], inc = [];
    this.selected = i;
    this.svg.classList.add("x121-dimmed");
    this.nodes[i].classList.add("x121-on", "x121-sel");
    this.meta.fks.forEach(function (fk, f) {
      if (fk.from !== i && fk.to !== i) return;
      if (self.edges[f]) self.edges[f].classList.add("x121-on");
      var other = fk.from === i ? fk.to : fk.from;
      if (self.nodes[other]) self.nodes[other].classList.add("x121-on");
      (fk.from === i ? out : inc).push(fk);
    });
    var p = this.panel;
    p.replaceChildren();
    var head = el("div", "x121-p-head");
    var a = el("a", null, t.name);
    a.href = t.href;
    head.appendChild(a);
    head.appendChild(this.closer());
    p.appendChild(head);
    p.appendChild(el("div", null, out.length + " FK" + (out.length === 1 ? "" : "s") + " out, " +
                     inc.length + " in. Click the table again (or its name here) to open its page."));
    p.hidden = false;
  };

  Viewer.prototype.closer = function () {
    var self = this, x = el("button", "x121-p-close", "\u00d7");
    x.type = "button";
    x.title = "Close";
    x.addEventListener("click", function () { self.clear(); });
    return x;
  };

  Viewer.prototype.say = function (text) {
    var p = this.panel;
    p.replaceChildren();
    var head = el("div", "x121-p-head");
    head.appendChild(el("span", null, text));
    head.appendChild(this.closer());
    p.appendChild(head);
    p.hidden = false;
  };

  Viewer.prototype.showFk = function (f) {
    var fk = this.meta.fks[f];
    if (!fk) return;
    this.clear();
    this.svg.classList.add("x121-dimmed");
    if (this.edges[f]) this.edges[f].classList.add("x121-on", "x121-sel");
    [fk.from, fk.to].forEach(function (n) { if (this.nodes[n]) this.nodes[n].classList.add("x121-on"); }, this);
    var p = this.panel;
    p.replaceChildren();
    var head = el("div", "x121-p-head");
    head.appendChild(el("strong", null, fk.name));
    head.appendChild(this.closer());
    p.appendChild(head);
    var dl = el("dl", "x121-p-def");
    function row(k, v) { if (v === undefined || v === "") return; dl.appendChild(el("dt", null, k)); dl.appendChild(el("dd", null, v)); }
    if (fk.count !== undefined) {
      row("from", fk.child);
      row("to", fk.parent);
    } else {
      row("from", fk.child + " (" + (fk.columns || []).join(", ") + ")");
      row("to", fk.parent + ((fk.ref_columns || []).length ? " (" + fk.ref_columns.join(", ") + ")" : ""));
      row("ON DELETE", fk.on_delete);
      row("ON UPDATE", fk.on_update);
      row("definition", fk.definition);
      row("comment", fk.comment);
    }
    p.appendChild(dl);
    p.hidden = false;
  };

  Viewer.prototype.onClick = function (evt) {
    if (this.justDragged) { this.justDragged = false; evt.preventDefault(); evt.stopPropagation(); return; }
    var node = evt.target.closest ? evt.target.closest("g.node") : null;
    var edge = evt.target.closest ? evt.target.closest("g.edge") : null;
    if (node) {
      var i = indexOf(node, "t");
      if (i >= 0 && i !== this.selected && !(evt.ctrlKey || evt.metaKey || evt.shiftKey)) {
        evt.preventDefault();
        this.select(i);
      }
      return;  // a second click on the selected table follows its link
    }
    if (edge) {
      evt.preventDefault();
      this.showFk(indexOf(edge, "f"));
      return;
    }
    this.clear();
  };

  Viewer.prototype.toggleFull = function () {
    var on = !this.frame.classList.contains("x121-full");
    this.frame.classList.toggle("x121-full", on);
    document.documentElement.classList.toggle("x121-has-full", on);
    var c = this.clientToUser(this.frame.getBoundingClientRect().left + this.size().w / 2,
                              this.frame.getBoundingClientRect().top + this.size().h / 2);
    if (!on && this.savedHeight) this.frame.style.height = this.savedHeight;
    if (on) { this.savedHeight = this.frame.style.height; this.frame.style.height = ""; }
    this.centreOn(c.x, c.y);
  };

  var vizReady = null;
  function viz() {
    // Graphviz in WebAssembly, loaded once per page from beside this script (the site's own file).
    if (!vizReady) {
      vizReady = new Promise(function (resolve, reject) {
        if (window.Viz) { resolve(window.Viz); return; }
        var s = document.createElement("script");
        s.src = new URL("vendor/viz-global.js", SCRIPT || document.baseURI).href;
        s.onload = function () { if (window.Viz) resolve(window.Viz); else reject(new Error("no Viz")); };
        s.onerror = function () { reject(new Error("cannot load " + s.src)); };
        document.head.appendChild(s);
      }).then(function (V) { return V.instance(); });
      vizReady.catch(function () { vizReady = null; });  // the next view tries again
    }
    return vizReady;
  }

  function layOut(graph) {
    // erd._layout's rule: laid out again in the other direction when outside 1:3..3:1, then stretched
    // by `ratio`. The DOT ends with the generator's closing brace: later graph attributes win.
    return viz().then(function (v) {
      function render(extra) {
        var text = v.renderString(graph.dot.replace(/\}\s*$/, extra + "}"), { format: "svg", engine: "dot" });
        var m = text.match(/<svg width="([\d.]+)pt" height="([\d.]+)pt"/);
        return { text: text, aspect: m && Number(m[2]) ? Number(m[1]) / Number(m[2]) : 1 };
      }
      function fits(r) { return r.aspect >= ASPECT_MIN && r.aspect <= ASPECT_MAX; }
      var first = render("");
      if (fits(first)) return first.text;
      var turn = 'graph [rankdir="TB"];\n', other = render(turn);
      if (fits(other)) return other.text;
      var best = Math.abs(Math.log(first.aspect)) <= Math.abs(Math.log(other.aspect)) ? first : other;
      var ratio = best.aspect > ASPECT_MAX ? 1 / ASPECT_MAX * 1.02 : 1 / ASPECT_MIN * 0.98;
      return render((best === other ? turn : "") + 'graph [ratio="' + ratio.toFixed(4) + '"];\n').text;
    });
  }

  function fitText(svg) {
    // Graphviz sized each cell by its built-in font metrics, the page draws the text in its own fonts:
    // a text longer than its cell is narrowed to fit (it never runs into the next cell or out of its box).
    svg.querySelectorAll("g.node").forEach(function (g) {
      var cells = Array.prototype.map.call(g.querySelectorAll("polygon"), function (p) { return p.getBBox(); });
      g.querySelectorAll("text").forEach(function (t) {
        var x = Number(t.getAttribute("x")), y = Number(t.getAttribute("y")), cell = null;
        cells.forEach(function (b) {
          if (x >= b.x - 0.5 && x <= b.x + b.width && y >= b.y && y <= b.y + b.height + 0.5 &&
              (!cell || b.width * b.height < cell.width * cell.height)) cell = b;
        });
        if (!cell) return;
        var room = t.getAttribute("text-anchor") === "middle" ? cell.width - 4 : cell.x + cell.width - x - 2;
        if (room > 0 && t.getComputedTextLength() > room) {
          t.setAttribute("textLength", room.toFixed(2));
          t.setAttribute("lengthAdjust", "spacingAndGlyphs");
        }
      });
    });
  }

  function empty(frame) {
    frame.querySelectorAll("object, svg.x121-erd-main, .x121-erd-bar, .x121-erd-panel, .x121-erd-legend, " +
                           ".x121-erd-minimap, .x121-erd-note").forEach(function (o) { o.remove(); });
  }

  function show(frame, text, meta) {
    var doc = new DOMParser().parseFromString(text, "image/svg+xml");
    var svg = doc.documentElement;
    if (!svg || svg.nodeName !== "svg") return false;
    if (meta) {
      // what erd.normalize_svg does at build time: no generated ids, the metadata inside the SVG
      svg.querySelectorAll("[id]").forEach(function (e) { e.removeAttribute("id"); });
      var m = doc.createElementNS(SVGNS, "metadata");
      m.setAttribute("class", "x121-erd-data");
      m.textContent = JSON.stringify(meta);
      svg.insertBefore(m, svg.firstChild);
    }
    empty(frame);
    var node = document.importNode(svg, true);
    node.classList.add("x121-erd-main");
    frame.insertBefore(node, frame.firstChild);
    if (meta) fitText(node);
    frame.x121 = new Viewer(frame, node);
    return true;
  }

  function inline(frame, src, done) {
    var browser = BROWSER.test(src);
    fetch(src).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return browser ? r.json() : r.text();
    }).then(function (data) {
      if (!browser) return [data, null];
      return layOut(data).then(function (text) { return [text, data.meta]; });
    }).then(function (drawn) {
      if (frame.dataset.src !== src) return;  // the reader chose another view meanwhile
      if (!show(frame, drawn[0], drawn[1])) return;
      frame.dataset.shown = src;  // the view now drawn (the tests and the bench wait for it)
      if (done) done();
    }).catch(function (err) {
      if (!browser || frame.dataset.src !== src) return;  // an SVG: keep the <object> fallback
      empty(frame);
      frame.appendChild(el("p", "x121-erd-note", "This view is laid out in your browser by Graphviz in " +
        "WebAssembly, which could not run here (" + String(err && err.message || err) + "). The site's " +
        "Content-Security-Policy must allow 'wasm-unsafe-eval' in script-src (overrides/main.html)."));
    });
  }

  function views(frame) {
    // Links under the frame to other views of the same subject (distance 2, with hubs): swapped in place.
    var links = frame.nextElementSibling;
    if (!links || !links.classList.contains("x121-erd-links")) return;
    links.querySelectorAll("a[data-x121-view]").forEach(function (a) {
      a.addEventListener("click", function (evt) {
        evt.preventDefault();
        var prev = links.querySelector(".x121-view-current");
        if (prev) prev.classList.remove("x121-view-current");
        a.classList.add("x121-view-current");
        frame.dataset.src = a.getAttribute("data-x121-view");
        inline(frame, frame.dataset.src);
      });
    });
  }

  function load(frame) {
    if (frame.dataset.x121Loading) return;
    frame.dataset.x121Loading = "1";
    views(frame);
    inline(frame, frame.dataset.src);
  }
  function all() { document.querySelectorAll(".x121-erd").forEach(load); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all); else all();
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(all);
})();
