/* The page logic of a graph view: draw, rank, explain, filter, expand (paged, undoable), export.
 * Data comes from the JSON block #kg-data written by viz/render.py. No request leaves the page
 * except to the API the page was served from (api_base): expansion and the detail panel. */
(function () {
  "use strict";
  var t0 = performance.now();
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var schema = data.schema;
  var statusEl = document.getElementById("kg-status");
  var container = document.getElementById("kg-net");
  var PAGE = data.expand_limit || 25;
  var purpose = new URLSearchParams(window.location.search).get("purpose");
  var hashFocus = /[#&]focus=([^&]+)/.exec(window.location.hash);
  var initialFocus = hashFocus ? decodeURIComponent(hashFocus[1]) : null;

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function setStatus(text, isError) {
    statusEl.textContent = text || "";
    statusEl.className = isError ? "kg-status kg-error" : "kg-status";
  }

  // --- data sets: the picture shows the focus set (when the view has one) or everything ------
  var base = {};
  data.nodes.forEach(function (n) { base[n.id] = n; });
  var focusSet = data.focus ? new Set(data.focus) : null;
  var focusMode = !!focusSet;
  var added = {};      // nodes added by expansion: shown in both modes
  var addedEdges = {};
  var hiddenLegend = {};
  var district = "";
  var nodes = new vis.DataSet();
  var edges = new vis.DataSet();
  var options = data.options;
  var preset = data.layout === "preset" || !(options.physics && options.physics.enabled);
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  window.kgNetwork = network;
  window.kgStabilized = false;

  function modeNodes() {
    var out = [];
    data.nodes.forEach(function (n) {
      if (focusMode && !focusSet.has(n.id)) return;
      var copy = Object.assign({}, n);
      if (focusMode && n.kgFx !== undefined) { copy.x = n.kgFx; copy.y = n.kgFy; }
      out.push(copy);
    });
    Object.keys(added).forEach(function (id) { out.push(added[id]); });
    return out;
  }
  function load(afterLayout) {
    window.kgStabilized = false;
    nodes.clear();
    edges.clear();
    var list = modeNodes();
    nodes.add(list);
    var ids = new Set(list.map(function (n) { return n.id; }));
    edges.add(data.edges.filter(function (e) { return ids.has(e.from) && ids.has(e.to); }));
    Object.keys(addedEdges).forEach(function (id) {
      var e = addedEdges[id];
      if (ids.has(e.from) && ids.has(e.to) && !edges.get(id)) edges.add(e);
    });
    applyFilters();
    if (!preset) {
      network.setOptions({ physics: options.physics });
      network.stabilize(options.physics.stabilization ? options.physics.stabilization.iterations : 200);
    } else {
      settle(afterLayout);
    }
    $("kg-count").textContent = nodes.length;
    buildLegend();
    buildRanked();
  }

  // Labels of the message-carrying nodes are made readable (>= 13 px on screen) at the fitted zoom.
  function readableLabels() {
    var scale = network.getScale() || 1;
    var size = Math.min(220, Math.max(14, 15 / scale));
    // In "show all" the context of the focus picture goes back to normal labels; only the ranked
    // items (the message) stay readable.
    var rankedIds = new Set(data.ranked.map(function (r) { return r.id; }));
    var onlyRanked = !!focusSet && !focusMode;
    var upd = [];
    nodes.forEach(function (n) {
      if (n.kgImportant) {
        var s = onlyRanked && !rankedIds.has(n.id) ? 14 : size;
        var f = Object.assign({}, n.font || {}, { size: s });
        if (f.bold) f.bold = { size: s };
        upd.push({ id: n.id, font: f });
      }
    });
    if (upd.length) nodes.update(upd);
    // Important nodes are drawn last, on top of the others.
    var imp = nodes.get({ filter: function (n) { return n.kgImportant; } });
    if (imp.length) {
      var pos = network.getPositions(imp.map(function (n) { return n.id; }));
      imp.forEach(function (n) { if (pos[n.id]) { n.x = pos[n.id].x; n.y = pos[n.id].y; } });
      nodes.remove(imp.map(function (n) { return n.id; }));
      nodes.add(imp);
    }
  }
  var FIT = { animation: false, maxZoomLevel: 2.5 };
  function settle(cb) {
    network.fit(FIT);
    readableLabels();
    network.fit(FIT);
    network.once("afterDrawing", function () {
      var first = !window.kgStabilized && !window.kgStableMs;
      window.kgStabilized = true;
      if (first) {
        window.kgStableMs = performance.now() - t0;
        document.body.setAttribute("data-stable", "1");
      }
      if (cb) cb();
      if (first && initialFocus) { var f = initialFocus; initialFocus = null; setTimeout(function () { focusNode(f); }, 0); }
    });
    network.redraw();
  }
  network.on("afterDrawing", function firstDraw() {
    if (nodes.length && window.kgFirstDrawMs === undefined) {
      window.kgFirstDrawMs = performance.now() - t0;
      network.off("afterDrawing", firstDraw);
    }
  });
  network.on("stabilizationIterationsDone", function () {
    network.setOptions({ physics: { enabled: false } });
    settle();
  });

  // --- legend (generated from what is on screen) and filters ---------------------------------
  function legendKeyOf(item) { return item.kind + ":" + item.label; }
  function buildLegend() {
    var ul = $("kg-legend");
    ul.textContent = "";
    var present = {};
    nodes.forEach(function (n) { present["node:" + n.kgLegend] = n; });
    edges.forEach(function (e) { present["edge:" + e.kgLegend] = e; });
    var items = data.legend.filter(function (i) { return i.kind === "mark" || present[legendKeyOf(i)]; });
    // Entries for types added by expansion that the server's legend does not have.
    Object.keys(present).forEach(function (k) {
      if (items.some(function (i) { return legendKeyOf(i) === k; })) return;
      var o = present[k];
      var isNode = k.indexOf("node:") === 0;
      items.push({ kind: isNode ? "node" : "edge", label: k.slice(5),
                   color: isNode ? (o.color.background || o.color) : o.color.color, shape: o.shape, dashes: o.dashes });
    });
    items.forEach(function (item) {
      var li = el("li");
      var sw = el("span");
      sw.className = "kg-sw kg-sw-" + item.kind + " kg-shape-" + (item.shape || "none") + (item.dashes ? " kg-dashed" : "");
      if (item.kind === "edge") sw.style.borderTopColor = item.color;
      else if (item.kind === "mark") sw.style.borderColor = item.color;
      else sw.style.backgroundColor = item.color;
      li.appendChild(sw);
      li.appendChild(document.createTextNode(item.label));
      li.setAttribute("data-key", legendKeyOf(item));
      if (item.kind === "mark") li.className = "mark";
      else {
        if (hiddenLegend[legendKeyOf(item)]) li.className = "off";
        li.addEventListener("click", function () {
          var k = legendKeyOf(item);
          hiddenLegend[k] = !hiddenLegend[k];
          li.className = hiddenLegend[k] ? "off" : "";
          applyFilters();
        });
      }
      ul.appendChild(li);
    });
  }
  function nodeVisible(n) {
    if (hiddenLegend["node:" + n.kgLegend]) return false;
    if (district && n.kgDistrict && n.kgDistrict !== district) return false;
    return true;
  }
  function applyFilters() {
    var upd = [];
    var vis = {};
    nodes.forEach(function (n) {
      var v = nodeVisible(n);
      vis[n.id] = v;
      if (!!n.hidden === v) upd.push({ id: n.id, hidden: !v });
    });
    if (upd.length) nodes.update(upd);
    var eupd = [];
    edges.forEach(function (e) {
      var v = vis[e.from] && vis[e.to] && !hiddenLegend["edge:" + e.kgLegend];
      if (!!e.hidden === v) eupd.push({ id: e.id, hidden: !v });
    });
    if (eupd.length) edges.update(eupd);
    markRows();
  }
  (function districts() {
    var seen = {};
    data.nodes.forEach(function (n) { if (n.kgDistrict) seen[n.kgDistrict] = (seen[n.kgDistrict] || 0) + 1; });
    var sel = $("kg-district");
    Object.keys(seen).sort().forEach(function (d) { sel.appendChild(el("option", { value: d }, d + "（" + seen[d] + "）")); });
    sel.addEventListener("change", function () { district = sel.value; applyFilters(); });
  })();
  window.kgVisibleCount = function () {
    return nodes.get({ filter: function (n) { return !n.hidden; } }).length;
  };

  // --- ranked side list, synchronised with the picture ----------------------------------------
  $("kg-ranked-title").textContent = data.ranked_title || "重点";
  function buildRanked() {
    var ol = $("kg-ranked");
    ol.textContent = "";
    data.ranked.forEach(function (r) {
      var n = nodes.get(r.id) || base[r.id];
      var li = el("li", { "data-id": r.id });
      li.className = r.level || "info";
      li.appendChild(el("b", {}, (n && n.label ? String(n.label).split("\n")[0] : r.label)));
      if (r.note) li.appendChild(el("span", { "class": "n" }, r.note));
      li.addEventListener("click", function () { focusNode(r.id); });
      ol.appendChild(li);
    });
    markRows();
  }
  function markRows() {
    Array.prototype.forEach.call($("kg-ranked").children, function (li) {
      var n = nodes.get(li.getAttribute("data-id"));
      li.classList.toggle("hidden-row", !n || !!n.hidden);
    });
  }
  function selectRow(id) {
    Array.prototype.forEach.call($("kg-ranked").children, function (li) {
      var on = li.getAttribute("data-id") === id;
      li.classList.toggle("sel", on);
      if (on) li.scrollIntoView({ block: "nearest" });
    });
  }
  function focusNode(id) {
    if (!nodes.get(id) && focusMode && base[id]) { setMode(false, function () { focusNode(id); }); return; }
    var n = nodes.get(id);
    if (!n) return;
    if (n.hidden) nodes.update({ id: id, hidden: false });
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: false });
    selectRow(id);
    showDetails(id);
  }
  window.kgFocus = focusNode;
  network.on("click", function (p) {
    if (p.nodes && p.nodes.length) { selectRow(p.nodes[0]); showDetails(p.nodes[0]); }
  });

  // --- detail panel -----------------------------------------------------------------------------
  function fmt(v) {
    if (v === true) return "是";
    if (v === false) return "否";
    if (Array.isArray(v)) return v.map(fmt).join("、");
    return String(v);
  }
  function typeSpec(t) { return schema.nodes[t] || { title: t, color: "#888888", shape: "dot", fields: {} }; }
  function relTitle(t) { return (schema.rels[t] || { title: t }).title; }
  function apiUrl(path, extra) {
    var q = extra || [];
    if (purpose) q.push("purpose=" + encodeURIComponent(purpose));
    return data.api_base + path + (q.length ? "?" + q.join("&") : "");
  }
  function showDetails(id) {
    var n = nodes.get(id) || added[id] || base[id];
    var box = $("kg-details");
    box.textContent = "";
    if (!n) return;
    var spec = typeSpec(n.kgType);
    box.appendChild(el("h3", {}, spec.title + "：" + (n.kgCaption || n.label)));
    var table = el("table");
    function row(k, v) {
      if (v === null || v === undefined || v === "") return;
      var tr = el("tr");
      tr.appendChild(el("td", {}, k));
      tr.appendChild(el("td", {}, fmt(v)));
      table.appendChild(tr);
    }
    var props = n.kgProps || {};
    Object.keys(spec.fields).forEach(function (k) { if (k in props) row(spec.fields[k], props[k]); });
    Object.keys(props).forEach(function (k) { if (!(k in spec.fields)) row(k, props[k]); });
    (n.kgFacts || []).forEach(function (f) { row(f[0], f[1]); });
    if (n.kgAggregate) row("汇总", "代表 " + n.kgAggregate + " 个");
    box.appendChild(table);
    // Relationships in the picture, grouped by type.
    var counts = {};
    network.getConnectedEdges(id).forEach(function (eid) {
      var e = edges.get(eid);
      if (e) counts[e.kgType] = (counts[e.kgType] || 0) + 1;
    });
    box.appendChild(el("h3", {}, "关系（图中）"));
    var ul = el("ul", { "class": "rels", id: "kg-rels" });
    Object.keys(counts).sort().forEach(function (t) { ul.appendChild(el("li", {}, relTitle(t) + "：" + counts[t])); });
    if (!Object.keys(counts).length) ul.appendChild(el("li", {}, "无"));
    box.appendChild(ul);
    var actions = el("div", { "class": "actions" });
    var ov = data.open_view[n.kgType];
    if (ov && data.api_base !== null && !n.kgAggregate) {
      var a = el("a", { href: data.api_base + "/views/" + ov[0] + ".html?" + ov[1] + "=" + encodeURIComponent(n.kgKey) +
                        (purpose ? "&purpose=" + encodeURIComponent(purpose) : ""), id: "kg-open-view" },
                 "打开" + ({ officer_ego: "民警关系网络", unit_view: "单位视图", accountability_chain: "案件责任链" }[ov[0]]));
      actions.appendChild(a);
    }
    if (!n.kgAggregate) {
      actions.appendChild(el("a", { href: "/orders/new?target=" + encodeURIComponent(id), "class": "order",
                                     id: "kg-order" }, "下发督办"));
    }
    box.appendChild(actions);
    if (data.api_base === null || n.kgAggregate) {
      box.appendChild(el("div", { "class": "kg-help" }, data.api_base === null ?
        "离线文件：全部关系与展开需要通过服务器打开。" : "汇总节点：请打开对应单位视图查看名单。"));
      return;
    }
    // All relationships in the graph, by type, each with an expand button.
    var all = el("div", { id: "kg-rel-all" }, "正在读取全部关系…");
    box.appendChild(all);
    // Without a stated purpose, clues and cases are left out (reading them needs one).
    var relQuery = ["limit=500"];
    if (!purpose) Object.keys(schema.nodes).forEach(function (t) {
      if (t !== "Clue" && t !== "Case") relQuery.push("node_types=" + encodeURIComponent(t));
    });
    fetch(apiUrl("/entities/" + encodeURIComponent(n.kgType) + "/" + encodeURIComponent(n.kgKey) + "/neighbors",
                 relQuery), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (res) {
        var byType = {};
        (res.edges || []).forEach(function (e) { byType[e.type] = (byType[e.type] || 0) + 1; });
        all.textContent = "";
        all.appendChild(el("h3", {}, "全部关系" + (res.truncated ? "（前 500 个邻居）" : "") +
                                  (purpose ? "" : "（不含线索、案件：须说明调阅事由）")));
        Object.keys(byType).sort().forEach(function (t) {
          var line = el("div");
          line.appendChild(document.createTextNode(relTitle(t) + "：" + byType[t] + " "));
          var b = el("button", { type: "button", "data-rel": t }, "展开");
          b.addEventListener("click", function () { expand(id, t); });
          line.appendChild(b);
          all.appendChild(line);
        });
        if (!Object.keys(byType).length) all.appendChild(el("div", {}, "无"));
      })
      .catch(function (err) { all.textContent = "读取关系失败 / failed: " + err.message; });
  }

  // --- expansion: placed around the node without overlap, paged, undoable ---------------------
  var undoStack = [];
  var pages = {};  // "id|relType" -> number requested so far
  function visNode(n) {
    var spec = typeSpec(n.type);
    var props = n.props || {};
    var label = n.caption || n.key;
    if (n.type === "Clue" && (!n.caption || n.caption === n.key)) label = [props.category || "问题线索", props.received_on].filter(Boolean).join(" · ");
    if (n.type === "Case" && (!n.caption || n.caption === n.key)) label = [props.violation_type || "案件", props.opened_on].filter(Boolean).join(" · ") + (props.title ? "\n" + props.title : "");
    var lines = [(spec.title + " " + (n.caption || "")).trim()];
    Object.keys(spec.fields).forEach(function (k) { if (props[k] !== undefined && props[k] !== null && props[k] !== "") lines.push(spec.fields[k] + "：" + fmt(props[k])); });
    return { id: n.id, label: label, color: { background: spec.color, border: spec.color, highlight: { background: spec.color, border: "#000" } },
             shape: spec.shape, title: lines.join("\n"), kgType: n.type, kgKey: n.key, kgCaption: n.caption || n.key,
             kgLegend: spec.title, kgProps: props, kgFacts: [], size: 14, kgDistrict: props.district,
             font: { size: 14, color: (spec.shape === "box" || spec.shape === "ellipse") ? "#ffffff" : "#222222" } };
  }
  function visEdge(e) {
    var spec = schema.rels[e.type] || { title: e.type, color: "#999999", dashes: false, width: 1 };
    var labelled = !!spec.short && data.labelled_rels.indexOf(e.type) >= 0;
    return { id: e.id, from: e.from, to: e.to, color: { color: spec.color }, dashes: spec.dashes, width: spec.width || 1,
             title: spec.title, arrows: "to", kgType: e.type, kgLegend: spec.title,
             label: labelled ? spec.short : undefined, font: labelled ? { size: 12, strokeWidth: 3 } : undefined };
  }
  function estBox(v, x, y) {
    var text = String(v.label || "").split("\n");
    var w = Math.max(40, Math.max.apply(null, text.map(function (t) { return t.length; })) * 15 + 16);
    var h = 34 + 18 * text.length;
    return { left: x - w / 2, right: x + w / 2, top: y - 22, bottom: y - 22 + h };
  }
  function overlaps(a, b, pad) {
    return !(a.right + pad < b.left || b.right + pad < a.left || a.bottom + pad < b.top || b.bottom + pad < a.top);
  }
  function occupied() {
    var boxes = [];
    nodes.forEach(function (n) { if (!n.hidden) boxes.push(network.getBoundingBox(n.id)); });
    return boxes;
  }
  function place(center, count, news) {
    var boxes = occupied();
    var out = [];
    var k = 0;
    for (var ring = 1; ring < 60 && out.length < count; ring++) {
      var r = 90 + ring * 70;
      var steps = Math.max(8, Math.floor((2 * Math.PI * r) / 70));
      for (var s = 0; s < steps && out.length < count; s++) {
        var a = (2 * Math.PI * s) / steps + ring * 0.37;
        var x = center.x + r * Math.cos(a), y = center.y + r * Math.sin(a);
        var b = estBox(news[out.length], x, y);
        if (boxes.some(function (o) { return overlaps(b, o, 12); })) continue;
        boxes.push(b);
        out.push({ x: x, y: y });
        k++;
      }
    }
    return out;
  }
  function expand(nodeId, relType) {
    var node = nodes.get(nodeId);
    if (data.api_base === null) {
      setStatus("展开邻居需要服务器：本文件是离线导出，请通过 API 服务打开本视图（/views/" + data.name + ".html）。", true);
      return;
    }
    if (!node) { setStatus("该节点不在当前图中（可点“显示全部”）。"); return; }
    if (!node.kgType || node.kgAggregate) {
      setStatus("汇总节点不能展开；请打开对应的单位视图。");
      return;
    }
    var pkey = nodeId + "|" + (relType || "");
    var want = (pages[pkey] || 0) + PAGE;
    var q = ["limit=" + want];
    if (relType) q.push("rel_types=" + encodeURIComponent(relType));
    setStatus("正在展开 " + (node.kgCaption || node.kgKey) + " …");
    return fetch(apiUrl("/entities/" + encodeURIComponent(node.kgType) + "/" + encodeURIComponent(node.kgKey) + "/neighbors", q),
                 { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (res) {
        pages[pkey] = want;
        var pos = network.getPositions([nodeId])[nodeId] || { x: 0, y: 0 };
        var fresh = (res.nodes || []).filter(function (n) { return !nodes.get(n.id); }).map(visNode);
        var spots = place(pos, fresh.length, fresh);
        var step = { nodes: [], edges: [], pkey: pkey, prev: want - PAGE };
        fresh.forEach(function (v, i) {
          if (!spots[i]) return;
          v.x = spots[i].x; v.y = spots[i].y;
          added[v.id] = v;
          nodes.add(v);
          step.nodes.push(v.id);
        });
        (res.edges || []).forEach(function (e) {
          if (!edges.get(e.id) && nodes.get(e.from) && nodes.get(e.to)) {
            var ve = visEdge(e);
            addedEdges[e.id] = ve;
            edges.add(ve);
            step.edges.push(e.id);
          }
        });
        undoStack.push(step);
        $("kg-undo").disabled = false;
        var total = typeof res.total === "number" ? res.total : (res.nodes || []).length;
        var more = Math.max(0, total - (res.nodes || []).length);
        var name = (node.kgCaption || node.kgKey) + (relType ? "（" + relTitle(relType) + "）" : "");
        setStatus("已展开 " + name + "：新增 " + step.nodes.length + " 个节点");
        var bar = $("kg-more");
        bar.textContent = "";
        if (more > 0) {
          bar.hidden = false;
          bar.appendChild(document.createTextNode(name + " 另有 " + more + " 个未显示"));
          var b = el("button", { type: "button", id: "kg-more-btn" }, "再显示 " + Math.min(PAGE, more) + " 个");
          b.addEventListener("click", function () { expand(nodeId, relType); });
          bar.appendChild(b);
        } else bar.hidden = true;
        $("kg-count").textContent = nodes.length;
        applyFilters();
        buildLegend();
        return step;
      })
      .catch(function (err) { setStatus("展开失败 / expansion failed: " + err.message, true); });
  }
  window.kgExpand = expand;
  network.on("doubleClick", function (params) {
    if (params.nodes && params.nodes.length) expand(params.nodes[0]);
  });
  function undo() {
    var step = undoStack.pop();
    if (!step) return;
    edges.remove(step.edges);
    nodes.remove(step.nodes);
    step.edges.forEach(function (id) { delete addedEdges[id]; });
    step.nodes.forEach(function (id) { delete added[id]; });
    pages[step.pkey] = step.prev;
    $("kg-more").hidden = true;
    $("kg-undo").disabled = undoStack.length === 0;
    $("kg-count").textContent = nodes.length;
    setStatus("已撤销上一步展开（移除 " + step.nodes.length + " 个节点）");
    buildLegend();
  }
  window.kgUndo = undo;
  $("kg-undo").addEventListener("click", undo);

  // --- focus mode ------------------------------------------------------------------------------
  function setMode(focus, cb) {
    focusMode = focus && !!focusSet;
    var b = $("kg-focus");
    if (b) {
      b.textContent = focusMode ? "显示全部" : "只看重点";
      b.setAttribute("aria-pressed", focusMode ? "true" : "false");
    }
    if (!preset && cb) network.once("stabilizationIterationsDone", function () { setTimeout(cb, 0); });
    load(preset ? cb : undefined);
  }
  window.kgSetFocus = setMode;
  if ($("kg-focus")) $("kg-focus").addEventListener("click", function () { setMode(!focusMode); });

  // --- pickers (cluster, grouping, …) re-query the server -------------------------------------
  var pickForm = $("kg-pickers");
  // A re-query keeps the purpose the page was opened with (else the server asks for it again).
  [pickForm, $("kg-period")].forEach(function (form) {
    if (!purpose || !form || form.querySelector("input[name=purpose]")) return;
    var keep = document.createElement("input");
    keep.type = "hidden"; keep.name = "purpose"; keep.value = purpose;
    form.appendChild(keep);
  });
  if (pickForm) {
    data.pickers.forEach(function (p) {
      var sel = $("kg-pick-" + p.param);
      function note() { if (p.notes) $("kg-pick-note").textContent = p.notes[sel.value] || ""; }
      note();
      sel.addEventListener("change", function () { note(); pickForm.submit(); });
    });
  }

  // --- charts (Apache ECharts, bundled) --------------------------------------------------------
  var charts = [];
  if (data.charts && data.charts.length && window.echarts) {
    var box = $("kg-charts");
    box.hidden = false;
    data.charts.forEach(function (c) {
      var d = el("div", { id: "kg-chart-" + c.id });
      box.appendChild(d);
      var ch = window.echarts.init(d, null, { renderer: "canvas" });
      ch.setOption(Object.assign({ title: { text: c.title, left: 10, textStyle: { fontSize: 14 } } }, c.option));
      charts.push({ spec: c, chart: ch });
    });
  }

  // --- export: PNG and PDF with title, legend, key figures, as-of date, marking, who exported ---
  function exportCanvas() {
    var src = container.querySelector("canvas");
    var ratio = window.devicePixelRatio || 1;
    var W = src.width, legendW = Math.round(260 * ratio);
    var head = Math.round(70 * ratio), foot = Math.round(34 * ratio);
    var chartH = 0;
    charts.forEach(function (c) { chartH = Math.max(chartH, Math.round(c.chart.getHeight() * ratio)); });
    var out = document.createElement("canvas");
    out.width = W + legendW;
    out.height = head + Math.max(src.height, 200) + chartH + foot;
    var ctx = out.getContext("2d");
    var font = "'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif";
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = "#111";
    ctx.textBaseline = "top";
    ctx.font = "bold " + Math.round(20 * ratio) + "px " + font;
    ctx.fillText(data.title, 12 * ratio, 8 * ratio);
    ctx.fillStyle = "#b22222";
    ctx.textAlign = "right";
    ctx.fillText(data.marking, out.width - 12 * ratio, 8 * ratio);
    ctx.textAlign = "left";
    ctx.fillStyle = "#333";
    ctx.font = Math.round(13 * ratio) + "px " + font;
    var figs = (data.figures || []).map(function (f) { return f[0] + " " + f[1]; }).join("　");
    ctx.fillText(("数据截至 " + data.as_of + "　" + figs).slice(0, 160), 12 * ratio, 38 * ratio);
    ctx.drawImage(src, 0, head);
    var y = head + src.height;
    charts.forEach(function (c, i) {
      var img = c.chart.getRenderedCanvas({ pixelRatio: ratio, backgroundColor: "#fff" });
      ctx.drawImage(img, i * (W / charts.length), y, W / charts.length, img.height * (W / charts.length) / img.width);
    });
    // Legend of what is visible.
    var ly = head + 6 * ratio, lx = W + 10 * ratio;
    ctx.font = "bold " + Math.round(14 * ratio) + "px " + font;
    ctx.fillStyle = "#111";
    ctx.fillText("图例", lx, ly);
    ly += 22 * ratio;
    ctx.font = Math.round(12 * ratio) + "px " + font;
    Array.prototype.forEach.call($("kg-legend").children, function (li) {
      if (li.classList.contains("off")) return;
      var sw = li.firstChild;
      var st = window.getComputedStyle(sw);
      ctx.fillStyle = sw.classList.contains("kg-sw-edge") ? st.borderTopColor :
        sw.classList.contains("kg-sw-mark") ? st.borderTopColor : st.backgroundColor;
      if (sw.classList.contains("kg-sw-edge")) ctx.fillRect(lx, ly + 6 * ratio, 20 * ratio, 3 * ratio);
      else ctx.fillRect(lx, ly, 14 * ratio, 14 * ratio);
      ctx.fillStyle = "#222";
      ctx.fillText(li.textContent.slice(0, 22), lx + 26 * ratio, ly);
      ly += 20 * ratio;
    });
    ctx.fillStyle = "#555";
    ctx.font = Math.round(12 * ratio) + "px " + font;
    var now = new Date();
    var stamp = now.getFullYear() + "-" + String(now.getMonth() + 1).padStart(2, "0") + "-" + String(now.getDate()).padStart(2, "0") +
      " " + String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
    ctx.fillText(data.marking + "　导出人：" + (data.viewer || "离线文件") + "　导出时间：" + stamp + "　共 " + nodes.length +
                 " 个节点", 12 * ratio, out.height - foot + 9 * ratio);
    return out;
  }
  function exportPng() { return exportCanvas().toDataURL("image/png"); }
  function exportPdf() {
    // A one-page PDF holding the export as a JPEG (DCTDecode), written by hand: no library needed.
    var c = exportCanvas();
    var jpeg = atob(c.toDataURL("image/jpeg", 0.92).split(",")[1]);
    var w = c.width, h = c.height;
    var pw = 842, ph = Math.round(842 * h / w);
    var parts = [], offsets = [], len = 0;
    function add(s) { parts.push(s); len += s.length; }
    function obj(n, body) { offsets[n] = len; add(n + " 0 obj\n" + body + "\nendobj\n"); }
    add("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
    obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + pw + " " + ph + "] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>");
    obj(4, "<< /Type /XObject /Subtype /Image /Width " + w + " /Height " + h + " /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length " + jpeg.length + " >>\nstream\n" + jpeg + "\nendstream");
    var content = "q " + pw + " 0 0 " + ph + " 0 0 cm /Im0 Do Q";
    obj(5, "<< /Length " + content.length + " >>\nstream\n" + content + "\nendstream");
    var xref = len;
    add("xref\n0 6\n0000000000 65535 f \n");
    for (var i = 1; i <= 5; i++) add(String(offsets[i]).padStart(10, "0") + " 00000 n \n");
    add("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n" + xref + "\n%%EOF\n");
    var all = parts.join("");
    var bytes = new Uint8Array(all.length);
    for (var j = 0; j < all.length; j++) bytes[j] = all.charCodeAt(j) & 0xff;
    return new Blob([bytes], { type: "application/pdf" });
  }
  window.kgExportPng = exportPng;
  window.kgExportPdf = exportPdf;
  function download(href, name) {
    var a = el("a", { href: href, download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
  }
  $("kg-export").addEventListener("click", function () { download(exportPng(), data.name + "_" + data.as_of + ".png"); });
  $("kg-export-pdf").addEventListener("click", function () {
    var url = URL.createObjectURL(exportPdf());
    download(url, data.name + "_" + data.as_of + ".pdf");
    setTimeout(function () { URL.revokeObjectURL(url); }, 5000);
  });
  $("kg-fit").addEventListener("click", function () { network.fit(FIT); });

  load();
})();
