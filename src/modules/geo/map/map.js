/*
 * The registry's map page. Data: POST /graphql (application/json, which Apollo's CSRF
 * prevention accepts). Markers: platformsGeoJSON for the current filter, one per feature, in the
 * basemap's coordinate system (an AMap/GCJ-02 basemap gets GCJ-02 coordinates from the server;
 * district centres are converted here with gcoord). Every text from the data goes into the page
 * with textContent, never as HTML. Tests drive the page through window.__registryMap.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("registry-config").textContent);

  var STATUS_COLORS = {
    PLANNED: "#8e8e8e",
    PREPARING: "#f2b705",
    UNDER_CONSTRUCTION: "#e8710a",
    TRIAL_OPERATION: "#1a73e8",
    OPERATIONAL: "#188038",
    SUSPENDED: "#8d6e63",
    CANCELLED: "#c5221f",
  };

  // Basemaps. Tiles are only pictures under the markers: the page works without them.
  var PRESETS = {
    osm: { url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png", crs: "WGS84", maxZoom: 19, attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors' },
    amap: { url: "https://webrd02.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}", crs: "GCJ02", maxZoom: 18, attribution: "&copy; 高德地图 AutoNavi" },
    none: null,
  };

  var params = new URLSearchParams(location.search);
  var notices = [];
  var basemap = chooseBasemap(params);
  // Markers must be in the tiles' system, or they sit 100–700 m off the streets they name.
  var crs = basemap ? basemap.crs : "WGS84";

  function chooseBasemap(p) {
    var tiles = p.get("tiles");
    if (tiles) {
      var tileCrs = (p.get("tileCrs") || "WGS84").toUpperCase();
      if (!/^https?:\/\/[^\s]+$/i.test(tiles) || tiles.indexOf("{x}") < 0 || tiles.indexOf("{y}") < 0 || tiles.indexOf("{z}") < 0) {
        notices.push("The tiles parameter must be an http(s) URL template with {x}, {y} and {z}; showing no basemap.");
        return null;
      }
      if (tileCrs !== "WGS84" && tileCrs !== "GCJ02") {
        notices.push("tileCrs must be WGS84 or GCJ02 (Baidu's BD-09 tiles use their own tiling); showing no basemap.");
        return null;
      }
      return { url: tiles, crs: tileCrs, maxZoom: 19, attribution: "Basemap: " + escapeHtml(hostOf(tiles)) };
    }
    var name = (p.get("basemap") || "osm").toLowerCase();
    if (!Object.prototype.hasOwnProperty.call(PRESETS, name)) {
      notices.push("Unknown basemap \"" + name + "\" (osm, amap or none); using OpenStreetMap.");
      name = "osm";
    }
    return PRESETS[name];
  }

  function hostOf(url) {
    try { return new URL(url.replace(/\{[a-z]\}/gi, "a")).host; } catch (e) { return url; }
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }

  function label(value) {
    var s = value.toLowerCase().replace(/_/g, " ");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (attrs[k] === undefined || attrs[k] === null) continue;
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  // ---- GraphQL ----

  function gql(query, variables) {
    return fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query: query, variables: variables || {} }),
    }).then(function (res) {
      return res.json().catch(function () { throw new Error("The server answered " + res.status + " without JSON."); });
    }).then(function (body) {
      if (body.errors && body.errors.length) {
        var err = new Error(body.errors[0].message);
        err.code = body.errors[0].extensions && body.errors[0].extensions.code;
        throw err;
      }
      return body.data;
    });
  }

  var REFERENCE = "{ districts { code nameHans nameEn centroidLng centroidLat platformCount } " +
    "domains { id nameHans nameEn isGroup platformCount parent { id } } }";
  var FEATURES = "query ($filter: PlatformFilter, $crs: CoordinateSystem, $asOf: Date) { platformsGeoJSON(filter: $filter, crs: $crs, asOf: $asOf) }";
  var DETAIL = "query ($id: ID!, $asOf: Date) { platform(id: $id, asOf: $asOf) { id nameHans nameHant nameEn nameEnEstablished aliases kind level status note " +
    "district { code nameHans nameEn } overseas { city country } location { lng lat precision } locationNote zone { id nameHans nameEn } " +
    "domains { id nameHans nameEn } agencies { id nameHans nameHant nameEn } " +
    "statusHistory { from to effectiveDate datePrecision note correction source { title url publishedAt publisher } } " +
    "laterNames { name effectiveDate datePrecision source { title publisher publishedAt url } } " +
    "mentions { section excerpt offset } } }";

  // ---- the map ----

  // The map's own maxZoom: the clusterer needs one, and a map without tiles has no other.
  // Half zoom steps let the whole city fill the map rather than a quarter of it.
  var map = L.map("map", { zoomControl: true, worldCopyJump: false, minZoom: 2, maxZoom: 18, zoomSnap: 0.5 });
  // Zoomed out, the central districts' names overlap: keep only the Chinese name there.
  map.on("zoomend", function () { map.getContainer().classList.toggle("zoomed-out", map.getZoom() < 10.5); });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  map.createPane("districts").style.zIndex = 450; // under the markers (600), over the tiles (200)

  var tilesFailed = false;
  var tileLayer = null;
  var tileStats = { ok: 0, failed: 0 };
  var TILES_FAILED = "Basemap tiles could not be loaded, so the map has a plain background; markers and district centres are all shown.";
  if (basemap) {
    tileLayer = L.tileLayer(basemap.url, { maxZoom: Math.min(basemap.maxZoom, 18), attribution: basemap.attribution });
    tileLayer.on("tileload", function () { tileStats.ok++; });
    tileLayer.on("tileerror", function () {
      tileStats.failed++;
      if (tilesFailed) return;
      tilesFailed = true;
      document.getElementById("map").classList.add("no-tiles");
      showMessage(TILES_FAILED, retryTiles);
    });
    // When not one tile loaded (offline), stop asking: every pan would fire more doomed requests.
    tileLayer.on("load", function () {
      // (After this handler: the layer still finishes its own bookkeeping for the event.)
      if (tileStats.ok === 0 && tileStats.failed > 0) setTimeout(function () { if (map.hasLayer(tileLayer)) map.removeLayer(tileLayer); }, 0);
    });
    tileLayer.addTo(map);
  } else {
    document.getElementById("map").classList.add("no-tiles");
  }

  function retryTiles() {
    tilesFailed = false;
    tileStats = { ok: 0, failed: 0 };
    document.getElementById("map").classList.remove("no-tiles");
    hideMessage();
    if (!map.hasLayer(tileLayer)) tileLayer.addTo(map);
    else tileLayer.redraw();
  }

  // Clusters are neutral grey-blue: coloured ones would read as statuses. Regrouping is not
  // animated, so what is drawn is settled as soon as the map stops (and can be counted).
  var clusters = L.markerClusterGroup({
    animate: false,
    maxClusterRadius: 40,
    showCoverageOnHover: false,
    spiderfyOnMaxZoom: true,
    iconCreateFunction: function (cluster) {
      var n = cluster.getChildCount();
      var size = n < 10 ? 30 : n < 100 ? 36 : 42;
      return L.divIcon({ className: "marker-cluster platform-cluster", html: el("div", null, [el("span", { text: String(n) })]), iconSize: [size, size] });
    },
  });
  clusters.addTo(map);
  var districtLayer = L.layerGroup().addTo(map);
  var markers = new Map(); // platform id → marker
  var features = [];
  var selectedId = null;
  var districts = [];

  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    var box = el("div", { class: "legend", "aria-label": "Status colours" }, [el("strong", { text: "Status" })]);
    config.statuses.forEach(function (s) {
      box.appendChild(el("div", { class: "legend-row" }, [el("span", { class: "swatch status-" + s }), label(s)]));
    });
    box.appendChild(el("div", { class: "legend-row" }, [el("span", { class: "swatch district-swatch" }), "District centre"]));
    if (crs !== "WGS84") box.appendChild(el("div", { class: "legend-note", text: "Coordinates: " + crs }));
    return box;
  };
  legend.addTo(map);

  function toMapCrs(lng, lat) {
    // District centroids come in WGS-84; the markers come from the server already in `crs`.
    if (crs === "WGS84") return [lng, lat];
    return gcoord.transform([lng, lat], gcoord.WGS84, gcoord[crs]);
  }

  function drawDistricts() {
    districtLayer.clearLayers();
    districts.forEach(function (d) {
      var p = toMapCrs(d.centroidLng, d.centroidLat);
      // A dot on the centroid, the name under it: clustered markers often sit on the centroid itself.
      var node = el("div", { class: "district-label-inner" }, [
        el("span", { class: "district-dot" }),
        el("span", { class: "district-name" }, [el("span", { lang: "zh-Hans", text: d.nameHans }), " ", el("span", { class: "district-en", text: d.nameEn.replace(/ District$/, "") })]),
      ]);
      L.marker([p[1], p[0]], {
        pane: "districts",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: "district-label", html: node, iconSize: [0, 0], iconAnchor: [0, 0] }),
      }).addTo(districtLayer);
    });
  }

  // District outlines, when the registry serves them (DISTRICT_OUTLINES): under the district names and
  // the markers, not clickable, with the attribution their licence asks for. Without them, nothing.
  function drawOutlines() {
    var json = function (res) { return res.ok ? res.json() : null; };
    return fetch("/collections", { headers: { Accept: "application/json" } }).then(json).then(function (doc) {
      var c = doc && doc.collections.filter(function (x) { return x.id === "districts"; })[0];
      if (!c) return null;
      if (c.attribution) map.attributionControl.addAttribution(escapeHtml(c.attribution));
      return fetch("/collections/districts/items?limit=1000&crs=" + crs, { headers: { Accept: "application/geo+json" } }).then(json);
    }).then(function (fc) {
      if (!fc || !fc.features.length) return;
      L.geoJSON(fc, { interactive: false, style: function () { return { className: "district-outline", color: "#4a5868", weight: 1.5, fillColor: "#4a5868", fillOpacity: 0.04 }; } }).addTo(map);
    }).catch(function () { /* the map stays as it is without outlines */ });
  }

  function markerIcon(f, selected) {
    return L.divIcon({
      className: "platform-marker status-" + f.properties.status + (selected ? " selected" : ""),
      iconSize: selected ? [20, 20] : [14, 14],
      html: "",
    });
  }

  function drawFeatures() {
    clusters.clearLayers();
    markers.clear();
    var layers = features.map(function (f) {
      var c = f.geometry.coordinates;
      var m = L.marker([c[1], c[0]], { icon: markerIcon(f, f.id === selectedId), title: f.properties.nameHans + " · " + f.properties.nameEn, alt: f.properties.nameEn });
      m.featureId = f.id;
      m.on("click", function () { select(f.id, { fromMap: true }); });
      markers.set(f.id, m);
      return m;
    });
    clusters.addLayers(layers);
  }

  // ---- filters ----

  var form = document.getElementById("filters");
  var inputs = {
    q: document.getElementById("f-q"),
    district: document.getElementById("f-district"),
    kind: document.getElementById("f-kind"),
    domain: document.getElementById("f-domain"),
    status: document.getElementById("f-status"),
    asOf: document.getElementById("f-asof"),
  };
  var PLAN_DATE = "2018-09-14";

  // Today in Guangzhou (UTC+8), as the registry counts dates.
  function today() { return new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10); }
  inputs.asOf.max = today();
  // The status "as of" a date: empty means now. A date the server would refuse is not sent.
  function currentAsOf() {
    var v = inputs.asOf.value;
    return /^\d{4}-\d{2}-\d{2}$/.test(v) && v <= today() ? v : null;
  }
  function markPresets() {
    var v = inputs.asOf.value;
    Array.prototype.forEach.call(form.querySelectorAll("[data-asof]"), function (b) {
      var d = b.getAttribute("data-asof") === "today" ? today() : b.getAttribute("data-asof");
      b.setAttribute("aria-pressed", String(v === d));
    });
  }

  config.kinds.forEach(function (k) { inputs.kind.appendChild(el("option", { value: k, text: label(k) })); });
  config.statuses.forEach(function (s) { inputs.status.appendChild(el("option", { value: s, text: label(s) })); });

  function fillDistricts() {
    districts.forEach(function (d) {
      inputs.district.appendChild(el("option", { value: d.code, text: d.nameHans + " " + d.nameEn + " (" + d.platformCount + ")" }));
    });
  }

  function fillDomains(domains) {
    // Groups (IAB, clusters, ...) first, then the sector tree, children indented under parents.
    var byParent = new Map();
    domains.forEach(function (d) {
      var key = d.parent ? d.parent.id : "";
      if (!byParent.has(key)) byParent.set(key, []);
      byParent.get(key).push(d);
    });
    var groups = el("optgroup", { label: "Groups of the plan" });
    var sectors = el("optgroup", { label: "Sectors" });
    function add(d, depth) {
      var text = new Array(depth + 1).join("\u00a0\u00a0\u00a0") + d.nameEn + " " + d.nameHans + " (" + d.platformCount + ")";
      (d.isGroup ? groups : sectors).appendChild(el("option", { value: d.id, text: text }));
      (byParent.get(d.id) || []).forEach(function (c) { add(c, depth + 1); });
    }
    (byParent.get("") || []).forEach(function (d) { add(d, 0); });
    inputs.domain.appendChild(groups);
    inputs.domain.appendChild(sectors);
  }

  function currentFilter() {
    var f = {};
    var q = inputs.q.value.trim();
    if (q) f.search = q;
    if (inputs.district.value) f.districts = [inputs.district.value];
    if (inputs.kind.value) f.kinds = [inputs.kind.value];
    if (inputs.domain.value) f.domains = [inputs.domain.value];
    if (inputs.status.value) f.statuses = [inputs.status.value];
    return f;
  }

  form.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-asof]");
    if (!b) return;
    var d = b.getAttribute("data-asof");
    inputs.asOf.value = d === "today" ? today() : d;
    clearTimeout(debounce);
    reload();
  });

  // The filter lives in the address too, so a filtered map can be shared; basemap parameters stay.
  function writeUrl() {
    var p = new URLSearchParams(location.search);
    ["q", "district", "kind", "domain", "status", "asOf"].forEach(function (k) {
      var v = k === "q" ? inputs.q.value.trim() : k === "asOf" ? currentAsOf() : inputs[k].value;
      if (v) p.set(k, v); else p.delete(k);
    });
    var qs = p.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  }

  function readUrl() {
    ["district", "kind", "domain", "status"].forEach(function (k) {
      var v = params.get(k);
      if (v && Array.prototype.some.call(inputs[k].options, function (o) { return o.value === v; })) inputs[k].value = v;
    });
    if (params.get("q")) inputs.q.value = params.get("q").slice(0, 100);
    var asOf = params.get("asOf");
    if (asOf && /^\d{4}-\d{2}-\d{2}$/.test(asOf) && asOf >= PLAN_DATE && asOf <= today()) inputs.asOf.value = asOf;
  }

  var debounce = null;
  form.addEventListener("input", function (e) {
    clearTimeout(debounce);
    debounce = setTimeout(reload, e.target === inputs.q ? 300 : 0);
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(debounce); reload(); });
  form.addEventListener("reset", function () { setTimeout(reload, 0); });

  // ---- loading ----

  var generation = 0;
  var loaded = 0;
  var lastQuery = null;
  var numberWithoutLocation = 0;

  function setState(s) { document.body.setAttribute("data-state", s); }

  function reload(opts) {
    var mine = ++generation;
    var filter = currentFilter();
    var asOf = currentAsOf();
    lastQuery = { filter: filter, crs: crs, asOf: asOf };
    setState("loading");
    writeUrl();
    markPresets();
    return gql(FEATURES, { filter: filter, crs: crs, asOf: asOf }).then(function (data) {
      if (mine !== generation) return; // a newer filter won
      var fc = data.platformsGeoJSON;
      features = fc.features;
      numberWithoutLocation = fc.numberWithoutLocation;
      drawFeatures();
      renderList();
      hideMessage();
      if (selectedId && !markers.has(selectedId)) closeDetail();
      if (!(opts && opts.keepView)) fitToFeatures();
      loaded = mine;
      setState("ready");
    }).catch(function (err) {
      if (mine !== generation) return;
      features = [];
      drawFeatures();
      renderList();
      showMessage(err.code === "BAD_USER_INPUT" ? err.message : "Could not load the platforms: " + err.message);
      loaded = mine;
      setState("ready");
    });
  }

  function fitToFeatures() {
    // Frame the Guangzhou points; overseas offices would zoom the map out to the whole world.
    var home = features.filter(function (f) { var c = f.geometry.coordinates; return c[0] > 110 && c[0] < 117 && c[1] > 20 && c[1] < 26; });
    var pts = (home.length ? home : features).map(function (f) { return [f.geometry.coordinates[1], f.geometry.coordinates[0]]; });
    // Unfiltered (or nothing found), frame the whole city: every district centre too.
    if (!pts.length || !Object.keys(lastQuery.filter).length) {
      pts = pts.concat(districts.map(function (d) { var p = toMapCrs(d.centroidLng, d.centroidLat); return [p[1], p[0]]; }));
    }
    if (pts.length) map.fitBounds(L.latLngBounds(pts).pad(0.1), fitOptions(13));
    else map.setView([23.13, 113.26], 9);
  }

  // ---- list and details ----

  var list = document.getElementById("list");
  var summary = document.getElementById("summary");

  function renderList() {
    list.textContent = "";
    var sorted = features.slice().sort(function (a, b) { return a.properties.nameEn.localeCompare(b.properties.nameEn); });
    sorted.forEach(function (f) {
      var p = f.properties;
      var btn = el("button", { type: "button", class: "item", "data-id": f.id }, [
        el("span", { class: "swatch status-" + p.status, title: label(p.status) }),
        el("span", { class: "item-names" }, [el("span", { class: "item-hans", lang: "zh-Hans", text: p.nameHans }), el("span", { class: "item-en", text: p.nameEn })]),
        el("span", { class: "item-meta", text: label(p.kind) }),
      ]);
      btn.addEventListener("click", function () { select(f.id, { fromList: true }); });
      list.appendChild(el("li", { class: f.id === selectedId ? "selected" : null }, [btn]));
    });
    summary.textContent = features.length + " platform" + (features.length === 1 ? "" : "s") + " on the map" +
      (numberWithoutLocation ? " · " + numberWithoutLocation + " more match but have no location" : "") +
      (crs !== "WGS84" ? " · coordinates " + crs : "") +
      (lastQuery && lastQuery.asOf ? " · status as of " + lastQuery.asOf : "");
  }

  function highlight(id) {
    var prev = selectedId;
    selectedId = id;
    [prev, id].forEach(function (x) {
      var m = x && markers.get(x);
      var f = x && features.find(function (g) { return g.id === x; });
      if (m && f) m.setIcon(markerIcon(f, x === id));
    });
    Array.prototype.forEach.call(list.children, function (li) {
      var on = li.firstChild.getAttribute("data-id") === id;
      li.classList.toggle("selected", on);
      if (on) li.scrollIntoView({ block: "nearest" });
    });
  }

  /**
   * Brings a marker into view: centre on it, zoom in until it leaves its cluster, and where
   * platforms share one point (a district centroid) open that cluster at the deepest zoom.
   * (Synchronous: no animation, so the marker is drawn when this returns.)
   */
  function reveal(m) {
    var ll = m.getLatLng();
    map.setView(ll, map.getZoom(), { animate: false });
    while (clusters.getVisibleParent(m) !== m && map.getZoom() < map.getMaxZoom()) map.setView(ll, map.getZoom() + 1, { animate: false });
    // Then out from under the details panel (before spiderfying: a move would close the spider).
    var cover = panelWidth();
    if (cover) map.panBy([cover / 2, 0], { animate: false });
    var parent = clusters.getVisibleParent(m);
    if (parent && parent !== m && parent.spiderfy) parent.spiderfy();
  }

  /** Pixels of the map's right side hidden by the details panel. */
  function panelWidth() {
    var d = document.getElementById("detail");
    return d.hidden ? 0 : d.offsetWidth + 12;
  }
  function fitOptions(maxZoom) {
    return { maxZoom: maxZoom, animate: false, paddingTopLeft: [20, 20], paddingBottomRight: [20 + panelWidth(), 20] };
  }

  function select(id, opts) {
    highlight(id);
    var m = markers.get(id);
    var loading = showDetail(id); // first, so that reveal() knows the panel is open
    if (m && opts && opts.fromList) reveal(m);
    return loading;
  }

  var detail = document.getElementById("detail");
  var detailBody = document.getElementById("detail-body");
  document.getElementById("detail-close").addEventListener("click", closeDetail);

  function closeDetail() {
    detail.hidden = true;
    detailBody.textContent = "";
    if (selectedId) highlight(null);
  }

  var detailGeneration = 0;
  function showDetail(id) {
    var mine = ++detailGeneration;
    detail.hidden = false;
    detail.setAttribute("data-state", "loading");
    detailBody.textContent = "";
    detailBody.appendChild(el("p", { text: "Loading…" }));
    return gql(DETAIL, { id: id, asOf: currentAsOf() }).then(function (data) {
      if (mine !== detailGeneration) return;
      detailBody.textContent = "";
      if (!data.platform) { detailBody.appendChild(el("p", { text: "This platform no longer exists." })); return; }
      renderDetail(data.platform);
      detail.setAttribute("data-id", id);
      detail.setAttribute("data-state", "ready");
    }).catch(function (err) {
      if (mine !== detailGeneration) return;
      detailBody.textContent = "";
      detailBody.appendChild(el("p", { class: "error", text: "Could not load the details: " + err.message }));
      detail.setAttribute("data-state", "error");
    });
  }

  function section(title, children) {
    return el("section", { class: "detail-section" }, [el("h3", { text: title })].concat(children));
  }

  // A date as precisely as its source states it: 2019-03-28, 2019-03 or 2019.
  function datePart(d, precision) {
    return precision === "YEAR" ? d.slice(0, 4) : precision === "MONTH" ? d.slice(0, 7) : d;
  }

  function safeUrl(u) {
    return typeof u === "string" && /^https?:\/\//i.test(u) ? u : null;
  }

  function renderDetail(p) {
    var body = detailBody;
    body.appendChild(el("h2", { class: "name-hans", lang: "zh-Hans", text: p.nameHans }));
    if (p.nameHant !== p.nameHans) body.appendChild(el("p", { class: "name-hant", lang: "zh-Hant", text: p.nameHant }));
    body.appendChild(el("p", { class: "name-en", text: p.nameEn + (p.nameEnEstablished ? "" : " (registry translation)") }));
    var facts = el("dl", { class: "facts" });
    function fact(k, v, swatch) {
      if (!v) return;
      facts.appendChild(el("dt", { text: k }));
      facts.appendChild(el("dd", { class: "fact-" + k.toLowerCase().replace(/ /g, "-") }, [swatch || null, v]));
    }
    fact("Kind", label(p.kind));
    fact("Level", p.level && label(p.level));
    fact("Status", label(p.status) + (currentAsOf() ? " (as of " + currentAsOf() + ")" : ""), el("span", { class: "swatch status-" + p.status }));
    fact("District", p.district && p.district.nameHans + " " + p.district.nameEn);
    fact("Overseas", p.overseas && p.overseas.city + ", " + p.overseas.country);
    fact("Inside", p.zone && p.zone.nameHans + " " + p.zone.nameEn);
    fact("Location", p.location && p.location.lat.toFixed(3) + ", " + p.location.lng.toFixed(3) + " (WGS-84, " + label(p.location.precision).toLowerCase() + ")");
    fact(p.location ? "Point from" : "Not on the map", p.locationNote);
    fact("Domains", p.domains.map(function (d) { return d.nameEn; }).join("; "));
    fact("Also called", p.aliases.join("; "));
    body.appendChild(facts);

    body.appendChild(section("Status history", [el("ol", { class: "history" }, p.statusHistory.map(function (e) {
      var src = e.source;
      var url = src && safeUrl(src.url);
      return el("li", null, [
        el("time", { datetime: e.effectiveDate, text: datePart(e.effectiveDate, e.datePrecision) }), " ",
        (e.from ? label(e.from) + " → " : "") + label(e.to),
        e.correction ? " (correction)" : "",
        e.note ? el("div", { class: "muted", text: e.note }) : null,
        src ? el("div", { class: "muted" }, ["Source: ", url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: src.title }) : src.title,
          src.publisher ? " (" + src.publisher + (src.publishedAt ? ", " + src.publishedAt : "") + ")" : ""]) : null,
      ]);
    }))]));
    if (p.laterNames && p.laterNames.length) {
      body.appendChild(section("Later names", [el("ul", { class: "later-names" }, p.laterNames.map(function (n) {
        var url = safeUrl(n.source.url);
        return el("li", null, [
          el("span", { text: n.name }), " ", el("span", { class: "muted", text: "from " + datePart(n.effectiveDate, n.datePrecision) }),
          el("div", { class: "muted" }, ["Source: ", url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: n.source.title }) : n.source.title,
            " (" + n.source.publisher + ", " + n.source.publishedAt + ")"]),
        ]);
      }))]));
    }

    body.appendChild(section("Responsible agencies", [el("ol", { class: "agencies" }, p.agencies.map(function (a) {
      return el("li", null, [el("span", { lang: "zh-Hans", text: a.nameHans }), el("div", { class: "muted", text: a.nameEn })]);
    }))]));

    body.appendChild(section("In the plan", p.mentions.map(function (m) {
      return el("figure", { class: "mention" }, [
        el("blockquote", { lang: "zh-Hant", text: m.excerpt }),
        el("figcaption", { class: "muted", text: "Section " + m.section + " · offset " + m.offset }),
      ]);
    })));
    if (p.note) body.appendChild(section("Registry note", [el("p", { class: "muted", text: p.note })]));
  }

  var message = document.getElementById("message");
  function showMessage(text, retry) {
    message.textContent = text;
    if (retry) {
      var btn = el("button", { type: "button", class: "retry", text: "Retry" });
      btn.addEventListener("click", retry);
      message.appendChild(document.createTextNode(" "));
      message.appendChild(btn);
    }
    message.hidden = false;
  }
  function hideMessage() {
    // The tiles notice stays: it describes the map, not the last query.
    if (tilesFailed) showMessage(TILES_FAILED, retryTiles);
    else if (notices.length) showMessage(notices.join(" "));
    else message.hidden = true;
  }

  // ---- test hook: what is drawn, counted honestly ----

  window.__registryMap = {
    /** Markers in the cluster group (one per feature of the last response). */
    markerCount: function () { return clusters.getLayers().length; },
    /** Markers drawn in the current view: single marker icons plus the children of cluster icons. */
    drawnCount: function () {
      var single = document.querySelectorAll("#map .leaflet-marker-pane .platform-marker").length;
      var inClusters = 0;
      document.querySelectorAll("#map .leaflet-marker-pane .marker-cluster").forEach(function (c) { inClusters += Number(c.textContent.trim()) || 0; });
      return single + inClusters;
    },
    listCount: function () { return list.children.length; },
    listIds: function () { return Array.prototype.map.call(list.querySelectorAll("button.item"), function (b) { return b.getAttribute("data-id"); }); },
    /** Where each marker is, [lng, lat] in the page's coordinate system. */
    markerPositions: function () {
      var out = {};
      markers.forEach(function (m, id) { var ll = m.getLatLng(); out[id] = [ll.lng, ll.lat]; });
      return out;
    },
    districtLabels: function () {
      var out = [];
      districtLayer.eachLayer(function (m) { var ll = m.getLatLng(); out.push({ text: m.getElement() ? m.getElement().textContent : null, lng: ll.lng, lat: ll.lat }); });
      return out;
    },
    featureIds: function () { return features.map(function (f) { return f.id; }); },
    /** Each drawn marker's status, from its icon's class (id → status). */
    markerStatuses: function () {
      var out = {};
      markers.forEach(function (m, id) {
        var cls = /status-([A-Z_]+)/.exec(m.options.icon.options.className || "");
        out[id] = cls ? cls[1] : null;
      });
      return out;
    },
    /** Show every marker (the whole world: the overseas offices are far away). */
    fitAll: function () {
      return new Promise(function (resolve) {
        var b = clusters.getBounds();
        if (!b.isValid()) return resolve();
        map.once("moveend", function () { setTimeout(resolve, 50); });
        map.fitBounds(b.pad(0.05), fitOptions(18));
      });
    },
    select: function (id) { return select(id, { fromList: true }); },
    /** The status a marker shows now. */
    statusOf: function (id) { var f = features.find(function (g) { return g.id === id; }); return f ? f.properties.status : null; },
    get live() { return { state: liveState, events: liveEvents }; },
    get state() { return { generation: generation, loaded: loaded, query: lastQuery, crs: crs, tilesFailed: tilesFailed, numberWithoutLocation: numberWithoutLocation }; },
  };

  // ---- live updates ----

  /**
   * Status changes arrive over graphql-ws (same path as queries). A marker's colour changes at
   * once; the features are then reloaded in place (a change can move a platform into or out of
   * the current filter), and an open detail panel is refreshed.
   */
  var liveEvents = 0;
  var liveState = "off";
  var liveReload = null;
  function startLive() {
    if (!window.graphqlWs) return;
    var client = window.graphqlWs.createClient({
      url: (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql",
      retryAttempts: Infinity,
      shouldRetry: function () { return true; },
      on: {
        connected: function () { liveState = "connected"; document.body.setAttribute("data-live", "connected"); },
        closed: function () { liveState = "closed"; document.body.setAttribute("data-live", "closed"); },
      },
    });
    client.subscribe(
      { query: "subscription { platformStatusChanged { event { from to effectiveDate actor } platform { id status version } } }" },
      {
        next: function (msg) {
          var change = msg.data && msg.data.platformStatusChanged;
          if (!change) return;
          liveEvents++;
          var id = change.platform.id;
          var f = features.find(function (g) { return g.id === id; });
          // a past date's map is not today's: it is redrawn below, not patched with the current status
          if (f && !currentAsOf()) {
            f.properties.status = change.platform.status;
            f.properties.version = change.platform.version;
            var m = markers.get(id);
            if (m) m.setIcon(markerIcon(f, id === selectedId));
            showMessage(f.properties.nameHans + ": " + label(change.event.from || "") + " → " + label(change.event.to));
          }
          if (selectedId === id) showDetail(id);
          clearTimeout(liveReload);
          liveReload = setTimeout(function () { reload({ keepView: true }); }, 300);
        },
        error: function () { liveState = "error"; },
        complete: function () {},
      },
    );
  }

  // ---- start ----

  if (notices.length) showMessage(notices.join(" "));
  map.setView([23.13, 113.4], 9);
  gql(REFERENCE).then(function (data) {
    districts = data.districts;
    fillDistricts();
    fillDomains(data.domains);
    drawDistricts();
    drawOutlines();
    readUrl();
    startLive();
    return reload();
  }).catch(function (err) {
    showMessage("Could not load the registry: " + err.message);
    setState("error");
  });
})();
