/*
 * The registry's map page. Data: POST /graphql (application/json, which Apollo's CSRF
 * prevention accepts). Markers: platformsGeoJSON for the current filter, one per feature, in the
 * basemap's coordinate system (an AMap/GCJ-02 basemap gets GCJ-02 coordinates from the server;
 * district centres are converted here with gcoord). Every text from the data goes into the page
 * with textContent, never as HTML. Tests drive the page through window.__registryMap.
 * Words: Simplified, Traditional and English (i18n.js chooses, and holds the shared ones).
 */
/* global L, gcoord */ // Leaflet (with markercluster) and gcoord, from the vendor scripts the page loads first
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("registry-config").textContent);
  var I = window.RegistryI18n;
  var lang = I.initial();

  // [English, Simplified, Traditional]
  var T = {
    title: ["Guangzhou innovation platforms", "广州创新平台", "廣州創新平台"],
    loading: ["Loading…", "加载中…", "加載中…"],
    filtersAndList: ["Filters and list", "筛选与列表", "篩選與列表"],
    search: ["Search", "搜索", "搜索"],
    searchPlaceholder: ["Name, pinyin, English", "名称、拼音或英文", "名稱、拼音或英文"],
    searchReadAs: ["Searched as: {reading}", "按此查找：{reading}", "按此查找：{reading}"],
    district: ["District", "区", "區"],
    kind: ["Kind", "类型", "類型"],
    domain: ["Domain", "领域", "領域"],
    status: ["Status", "状态", "狀態"],
    allDistricts: ["All districts", "全部区", "全部區"],
    allKinds: ["All kinds", "全部类型", "全部類型"],
    allDomains: ["All domains", "全部领域", "全部領域"],
    allStatuses: ["All statuses", "全部状态", "全部狀態"],
    clearFilters: ["Clear filters", "清除筛选", "清除篩選"],
    listLabel: ["Platforms on the map", "地图上的平台", "地圖上的平台"],
    mapLabel: ["Map of the platforms", "平台地图", "平台地圖"],
    closeDetails: ["Close details", "关闭详情", "關閉詳情"],
    legendLabel: ["Status colours", "状态图例", "狀態圖例"],
    districtCentre: ["District centre", "区中心", "區中心"],
    coordinates: ["Coordinates: {crs}", "坐标系：{crs}", "座標系：{crs}"],
    coordinatesShort: ["coordinates {crs}", "坐标系 {crs}", "座標系 {crs}"],
    groupsOfPlan: ["Groups of the plan", "计划中的分组", "計劃中的分組"],
    sectors: ["Sectors", "行业", "行業"],
    tilesFailed: [
      "Basemap tiles could not be loaded, so the map has a plain background; markers and district centres are all shown.",
      "底图无法加载，地图改为纯色背景；平台标记和区中心照常显示。",
      "底圖無法加載，地圖改為純色背景；平台標記和區中心照常顯示。",
    ],
    retry: ["Retry", "重试", "重試"],
    badTiles: [
      "The tiles parameter must be an http(s) URL template with {x}, {y} and {z}; showing no basemap.",
      "tiles 参数须为含 {x}、{y}、{z} 的 http(s) 网址模板；不显示底图。",
      "tiles 參數須為含 {x}、{y}、{z} 的 http(s) 網址模板；不顯示底圖。",
    ],
    badTileCrs: [
      "tileCrs must be WGS84 or GCJ02 (Baidu's BD-09 tiles use their own tiling); showing no basemap.",
      "tileCrs 须为 WGS84 或 GCJ02（百度 BD-09 瓦片另有切分方式）；不显示底图。",
      "tileCrs 須為 WGS84 或 GCJ02（百度 BD-09 瓦片另有切分方式）；不顯示底圖。",
    ],
    unknownBasemap: [
      "Unknown basemap \u201c{name}\u201d (osm, amap or none); using OpenStreetMap.",
      "未知底图“{name}”（可选 osm、amap、none）；改用 OpenStreetMap。",
      "未知底圖“{name}”（可選 osm、amap、none）；改用 OpenStreetMap。",
    ],
    basemap: ["Basemap: {host}", "底图：{host}", "底圖：{host}"],
    loadFailed: ["Could not load the platforms: {reason}", "无法加载平台：{reason}", "無法加載平台：{reason}"],
    registryFailed: ["Could not load the registry: {reason}", "无法加载登记库：{reason}", "無法加載登記庫：{reason}"],
    detailFailed: ["Could not load the details: {reason}", "无法加载详情：{reason}", "無法加載詳情：{reason}"],
    gone: ["This platform no longer exists.", "此平台已不存在。", "此平台已不存在。"],
    registryTranslation: ["(registry translation)", "（登记库译名）", "（登記庫譯名）"],
    level: ["Level", "级别", "級別"],
    overseas: ["Overseas", "海外", "海外"],
    inside: ["Inside", "所在园区", "所在園區"],
    location: ["Location", "位置", "位置"],
    pointFrom: ["Point from", "位置来源", "位置來源"],
    notOnMap: ["Not on the map", "未在地图上标注", "未在地圖上標註"],
    domains: ["Domains", "领域", "領域"],
    aliases: ["Also called", "别名", "別名"],
    statusHistory: ["Status history", "状态变更历史", "狀態變更歷史"],
    correction: [" (correction)", "（更正）", "（更正）"],
    source: ["Source: ", "来源：", "來源："],
    agencies: ["Responsible agencies", "责任单位", "責任單位"],
    inPlan: ["In the plan", "计划原文", "計劃原文"],
    mentionAt: ["Section {section} · offset {offset}", "条款 {section} · 位置 {offset}", "條款 {section} · 位置 {offset}"],
    asOf: ["As of", "截至日期", "截至日期"],
    asOfLabel: ["Status as of date (empty: now)", "按此日期的状态（留空：现在）", "按此日期的狀態（留空：現在）"],
    planIssued: ["Plan issued", "计划发布", "計劃發佈"],
    planEnd: ["Plan's end", "计划期末", "計劃期末"],
    today: ["Today", "今天", "今天"],
    statusAsOf: ["status as of {date}", "状态截至 {date}", "狀態截至 {date}"],
    asOfParen: ["(as of {date})", "（截至 {date}）", "（截至 {date}）"],
    laterNames: ["Later names", "后来的名称", "後來的名稱"],
    from: ["from {date}", "自 {date} 起", "自 {date} 起"],
    registryNote: ["Registry note", "登记库备注", "登記庫備註"],
  };
  var PLURALS = {
    onMap: {
      one: ["{n} platform on the map", "地图上有 {n} 个平台", "地圖上有 {n} 個平台"],
      other: ["{n} platforms on the map", "地图上有 {n} 个平台", "地圖上有 {n} 個平台"],
    },
    inView: {
      one: ["{n} platform in this view: zoom in to list it", "此视图内有 {n} 个平台：放大后列出", "此視圖內有 {n} 個平台：放大後列出"],
      other: ["{n} platforms in this view: zoom in to list them", "此视图内有 {n} 个平台：放大后列出", "此視圖內有 {n} 個平台：放大後列出"],
    },
    noLocation: {
      one: ["{n} more matches but has no location", "另有 {n} 个平台符合条件但没有位置", "另有 {n} 個平台符合條件但沒有位置"],
      other: ["{n} more match but have no location", "另有 {n} 个平台符合条件但没有位置", "另有 {n} 個平台符合條件但沒有位置"],
    },
  };
  function word(key, vars) {
    return I.pick(T[key], lang, vars);
  }
  function nameOf(x) {
    return I.nameOf(x, lang);
  }
  /** The second name in small type: English under Chinese, Simplified under English. */
  function otherName(x) {
    return I.nameOf(x, lang === "en" ? "zh-CN" : "en");
  }
  function otherLang() {
    return lang === "en" ? "zh-CN" : "en";
  }
  function errorText(err) {
    return I.errorText(err && err.code ? err.code : "NETWORK", err && err.field, lang);
  }

  // Basemaps. Tiles are only pictures under the markers: the page works without them.
  var PRESETS = {
    osm: {
      url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
      crs: "WGS84",
      maxZoom: 19,
      attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    },
    amap: {
      url: "https://webrd02.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
      crs: "GCJ02",
      maxZoom: 18,
      attribution: "&copy; 高德地图 AutoNavi",
    },
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
        notices.push({ key: "badTiles" });
        return null;
      }
      if (tileCrs !== "WGS84" && tileCrs !== "GCJ02") {
        notices.push({ key: "badTileCrs" });
        return null;
      }
      return { url: tiles, crs: tileCrs, maxZoom: 19, attribution: escapeHtml(word("basemap", { host: hostOf(tiles) })) };
    }
    var name = (p.get("basemap") || "osm").toLowerCase();
    if (!Object.prototype.hasOwnProperty.call(PRESETS, name)) {
      notices.push({ key: "unknownBasemap", vars: { name: name } });
      name = "osm";
    }
    return PRESETS[name];
  }

  function hostOf(url) {
    try {
      return new URL(url.replace(/\{[a-z]\}/gi, "a")).host;
    } catch (e) {
      return url;
    }
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return "&#" + c.charCodeAt(0) + ";";
    });
  }

  function noticesText() {
    return notices
      .map(function (n) {
        return word(n.key, n.vars);
      })
      .join(" ");
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs)
      for (var k in attrs) {
        if (attrs[k] === undefined || attrs[k] === null) continue;
        if (k === "text") node.textContent = attrs[k];
        else if (k === "class") node.className = attrs[k];
        else node.setAttribute(k, attrs[k]);
      }
    (children || []).forEach(function (c) {
      if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  // ---- GraphQL ----

  function gql(query, variables) {
    return fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query: query, variables: variables || {} }),
    })
      .then(function (res) {
        return res.json().catch(function () {
          throw new Error("The server answered " + res.status + " without JSON.");
        });
      })
      .then(function (body) {
        if (body.errors && body.errors.length) {
          var err = new Error(body.errors[0].message);
          var ext = body.errors[0].extensions || {};
          err.code = ext.code;
          err.max = ext.max;
          err.field = ext.field || (ext.fields && ext.fields[0] && ext.fields[0].field);
          throw err;
        }
        return body.data;
      });
  }

  var REFERENCE =
    "{ districts { code nameHans nameEn centroidLng centroidLat platformCount } " +
    "domains { id nameHans nameHant nameEn isGroup platformCount parent { id } } }";
  var FEATURES = "query ($filter: PlatformFilter, $crs: CoordinateSystem, $asOf: Date) { platformsGeoJSON(filter: $filter, crs: $crs, asOf: $asOf) }";
  // More platforms match than platformsGeoJSON answers: the view's platforms, grouped by the server.
  var CELLS =
    "query ($filter: PlatformFilter!, $zoom: Int!, $crs: CoordinateSystem, $asOf: Date) " +
    "{ platformClusters(filter: $filter, zoom: $zoom, crs: $crs, asOf: $asOf) { located clusters { count lng lat bbox platformId } } }";
  var DETAIL =
    "query ($id: ID!, $asOf: Date) { platform(id: $id, asOf: $asOf) { id nameHans nameHant nameEn nameEnEstablished aliases kind level status note " +
    "district { code nameHans nameHant nameEn } overseas { city country } location { lng lat precision } locationNote zone { id nameHans nameHant nameEn } " +
    "domains { id nameHans nameHant nameEn } agencies { id nameHans nameHant nameEn } " +
    "statusHistory { from to effectiveDate datePrecision note correction source { title url publishedAt publisher } } " +
    "laterNames { name effectiveDate datePrecision source { title publisher publishedAt url } } " +
    "mentions { section excerpt offset } } }";

  // ---- the map ----

  // The map's own maxZoom: the clusterer needs one, and a map without tiles has no other.
  // Half zoom steps let the whole city fill the map rather than a quarter of it.
  var map = L.map("map", { zoomControl: true, worldCopyJump: false, minZoom: 2, maxZoom: 18, zoomSnap: 0.5 });
  // Zoomed out, the central districts' names overlap: keep only the Chinese name there.
  map.on("zoomend", function () {
    map.getContainer().classList.toggle("zoomed-out", map.getZoom() < 10.5);
  });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  map.createPane("districts").style.zIndex = 450; // under the markers (600), over the tiles (200)

  var tilesFailed = false;
  var tileLayer = null;
  var tileStats = { ok: 0, failed: 0 };
  if (basemap) {
    tileLayer = L.tileLayer(basemap.url, { maxZoom: Math.min(basemap.maxZoom, 18), attribution: basemap.attribution });
    tileLayer.on("tileload", function () {
      tileStats.ok++;
    });
    tileLayer.on("tileerror", function () {
      tileStats.failed++;
      if (tilesFailed) return;
      tilesFailed = true;
      document.getElementById("map").classList.add("no-tiles");
      showMessage(function () {
        return word("tilesFailed");
      }, retryTiles);
    });
    // When not one tile loaded (offline), stop asking: every pan would fire more doomed requests.
    tileLayer.on("load", function () {
      // (After this handler: the layer still finishes its own bookkeeping for the event.)
      if (tileStats.ok === 0 && tileStats.failed > 0)
        setTimeout(function () {
          if (map.hasLayer(tileLayer)) map.removeLayer(tileLayer);
        }, 0);
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
  // View mode: the filter matches more platforms than one answer holds (platformsGeoJSON's max), so the
  // page asks for the view alone: its platforms when they are few (VIEW_FEATURES), else the server's
  // cells (platformClusters), drawn here, on every move.
  var cellLayer = L.layerGroup().addTo(map);
  var VIEW_FEATURES = 2000;
  var viewMode = false;
  var cells = [];
  var cellsLocated = 0;
  var markers = new Map(); // platform id → marker
  var features = [];
  var selectedId = null;
  var districts = [];

  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    var box = el("div", { class: "legend", role: "group", id: "legend" });
    fillLegend(box);
    return box;
  };
  function fillLegend(box) {
    box.textContent = "";
    box.setAttribute("aria-label", word("legendLabel"));
    box.appendChild(el("strong", { text: word("status") }));
    config.statuses.forEach(function (s) {
      box.appendChild(el("div", { class: "legend-row", "data-status": s }, [el("span", { class: "swatch status-" + s }), I.status(s, lang)]));
    });
    box.appendChild(el("div", { class: "legend-row" }, [el("span", { class: "swatch district-swatch" }), word("districtCentre")]));
    if (crs !== "WGS84") box.appendChild(el("div", { class: "legend-note", text: word("coordinates", { crs: crs }) }));
  }
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
        el("span", { class: "district-name" }, [
          el("span", { lang: lang === "zh-TW" ? "zh-TW" : "zh-CN", text: lang === "zh-TW" ? d.nameHant : d.nameHans }),
          " ",
          el("span", { class: "district-en", lang: "en", text: d.nameEn.replace(/ District$/, "") }),
        ]),
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
    var json = function (res) {
      return res.ok ? res.json() : null;
    };
    return fetch("/collections", { headers: { Accept: "application/json" } })
      .then(json)
      .then(function (doc) {
        var c =
          doc &&
          doc.collections.filter(function (x) {
            return x.id === "districts";
          })[0];
        if (!c) return null;
        if (c.attribution) map.attributionControl.addAttribution(escapeHtml(c.attribution));
        return fetch("/collections/districts/items?limit=1000&crs=" + crs, { headers: { Accept: "application/geo+json" } }).then(json);
      })
      .then(function (fc) {
        if (!fc || !fc.features.length) return;
        L.geoJSON(fc, {
          interactive: false,
          style: function () {
            return { className: "district-outline", color: "#4a5868", weight: 1.5, fillColor: "#4a5868", fillOpacity: 0.04 };
          },
        }).addTo(map);
      })
      .catch(function () {
        /* the map stays as it is without outlines */
      });
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
    cellLayer.clearLayers();
    markers.clear();
    var layers = features.map(function (f) {
      var c = f.geometry.coordinates;
      var m = L.marker([c[1], c[0]], {
        icon: markerIcon(f, f.id === selectedId),
        title: nameOf(f.properties) + " · " + otherName(f.properties),
        alt: nameOf(f.properties),
      });
      m.featureId = f.id;
      m.on("click", function () {
        select(f.id, { fromMap: true });
      });
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
  function today() {
    return new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
  }
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

  /** Options after the "all" one are drawn again in the page's language; the chosen value stays. */
  function refill(select, fill) {
    var keep = select.value;
    while (select.options.length > 1) select.remove(1);
    Array.prototype.slice.call(select.querySelectorAll("optgroup")).forEach(function (g) {
      select.removeChild(g);
    });
    fill();
    select.value = keep;
  }
  function fillEnums() {
    refill(inputs.kind, function () {
      config.kinds.forEach(function (k) {
        inputs.kind.appendChild(el("option", { value: k, text: I.kind(k, lang) }));
      });
    });
    refill(inputs.status, function () {
      config.statuses.forEach(function (s) {
        inputs.status.appendChild(el("option", { value: s, text: I.status(s, lang) }));
      });
    });
  }

  function fillDistricts() {
    refill(inputs.district, function () {
      districts.forEach(function (d) {
        inputs.district.appendChild(el("option", { value: d.code, text: nameOf(d) + " " + otherName(d) + " (" + I.number(d.platformCount, lang) + ")" }));
      });
    });
  }

  var domainList = [];
  function fillDomains(domains) {
    domainList = domains;
    refill(inputs.domain, function () {
      addDomains(domains);
    });
  }
  function addDomains(domains) {
    // Groups (IAB, clusters, ...) first, then the sector tree, children indented under parents.
    var byParent = new Map();
    domains.forEach(function (d) {
      var key = d.parent ? d.parent.id : "";
      if (!byParent.has(key)) byParent.set(key, []);
      byParent.get(key).push(d);
    });
    var groups = el("optgroup", { label: word("groupsOfPlan") });
    var sectors = el("optgroup", { label: word("sectors") });
    function add(d, depth) {
      var text = new Array(depth + 1).join("\u00a0\u00a0\u00a0") + nameOf(d) + " " + otherName(d) + " (" + I.number(d.platformCount, lang) + ")";
      (d.isGroup ? groups : sectors).appendChild(el("option", { value: d.id, text: text }));
      (byParent.get(d.id) || []).forEach(function (c) {
        add(c, depth + 1);
      });
    }
    (byParent.get("") || []).forEach(function (d) {
      add(d, 0);
    });
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
      if (v) p.set(k, v);
      else p.delete(k);
    });
    var qs = p.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  }

  function readUrl() {
    ["district", "kind", "domain", "status"].forEach(function (k) {
      var v = params.get(k);
      if (
        v &&
        Array.prototype.some.call(inputs[k].options, function (o) {
          return o.value === v;
        })
      )
        inputs[k].value = v;
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
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearTimeout(debounce);
    reload();
  });
  form.addEventListener("reset", function () {
    setTimeout(reload, 0);
  });

  // ---- loading ----

  var generation = 0;
  var loaded = 0;
  var lastQuery = null;
  var numberWithoutLocation = 0;

  function setState(s) {
    document.body.setAttribute("data-state", s);
  }

  function reload(opts) {
    var mine = ++generation;
    var filter = currentFilter();
    var asOf = currentAsOf();
    lastQuery = { filter: filter, crs: crs, asOf: asOf };
    setState("loading");
    writeUrl();
    markPresets();
    return gql(FEATURES, { filter: filter, crs: crs, asOf: asOf })
      .then(function (data) {
        if (mine !== generation) return; // a newer filter won
        var fc = data.platformsGeoJSON;
        viewMode = false;
        cells = [];
        features = fc.features;
        searchReading = fc.searchInterpretation || null;
        renderSearchReading();
        numberWithoutLocation = fc.numberWithoutLocation;
        drawFeatures();
        if (!(opts && opts.keepView)) fitToFeatures();
        loadDone(mine);
      })
      .catch(function (err) {
        if (mine !== generation) return;
        if (err.code === "BAD_USER_INPUT" && err.max) {
          // too many for one answer: the whole city framed, then what is in view
          viewMode = true;
          features = [];
          hideMessage();
          if (!(opts && opts.keepView)) fitToFeatures();
          return loadView();
        }
        features = [];
        drawFeatures();
        renderList();
        loadFailed(mine, err);
      });
  }

  /** A load drawn: the list, the message line and an open detail follow it. */
  function loadDone(mine) {
    renderList();
    hideMessage();
    if (selectedId && !markers.has(selectedId)) closeDetail();
    loaded = mine;
    setState("ready");
  }
  /** A load refused or failed: said on the message line (a refusal in the server's words). */
  function loadFailed(mine, err) {
    showMessage(function () {
      return err.code === "BAD_USER_INPUT" ? errorText(err) : word("loadFailed", { reason: errorText(err) });
    });
    loaded = mine;
    setState("ready");
  }

  /** The map's view as a WGS-84 bbox (a GCJ-02 map's view widened by the shift, about 0.01°). */
  function viewBox() {
    var b = map.getBounds();
    var pad = crs === "WGS84" ? 0 : 0.01;
    var clamp = function (x, lo, hi) {
      return Math.max(lo, Math.min(hi, x));
    };
    return [clamp(b.getWest() - pad, -180, 180), clamp(b.getSouth() - pad, -90, 90), clamp(b.getEast() + pad, -180, 180), clamp(b.getNorth() + pad, -90, 90)];
  }

  /** View mode: the platforms in view when they are few enough to draw and list, else the server's cells. */
  function loadView() {
    var mine = ++generation;
    var q = lastQuery;
    var filter = Object.assign({}, q.filter, { bbox: viewBox() });
    var zoom = Math.max(0, Math.min(22, Math.floor(map.getZoom())));
    setState("loading");
    return gql(CELLS, { filter: filter, zoom: zoom, crs: crs, asOf: q.asOf })
      .then(function (data) {
        if (mine !== generation) return;
        var c = data.platformClusters;
        if (c.located <= VIEW_FEATURES) {
          return gql(FEATURES, { filter: filter, crs: crs, asOf: q.asOf }).then(function (d) {
            if (mine !== generation) return;
            cells = [];
            features = d.platformsGeoJSON.features;
            numberWithoutLocation = 0;
            drawFeatures();
            return true;
          });
        }
        features = [];
        cells = c.clusters;
        cellsLocated = c.located;
        drawCells();
        return true;
      })
      .then(function (drawn) {
        if (drawn && mine === generation) loadDone(mine);
      })
      .catch(function (err) {
        if (mine === generation) loadFailed(mine, err);
      });
  }

  /** The server's cells: a count to zoom into, or the platform a cell holds alone. */
  function drawCells() {
    clusters.clearLayers();
    cellLayer.clearLayers();
    markers.clear();
    cells.forEach(function (c) {
      if (c.platformId) {
        var m = L.marker([c.lat, c.lng], { icon: L.divIcon({ className: "platform-marker cell-single", iconSize: [14, 14], html: "" }) });
        m.featureId = c.platformId;
        m.on("click", function () {
          select(c.platformId, { fromMap: true });
        });
        markers.set(c.platformId, m);
        cellLayer.addLayer(m);
        return;
      }
      var size = c.count < 10 ? 30 : c.count < 100 ? 36 : c.count < 1000 ? 42 : 48;
      var icon = L.divIcon({
        className: "marker-cluster platform-cluster server-cluster",
        html: el("div", null, [el("span", { text: String(c.count) })]),
        iconSize: [size, size],
      });
      var cluster = L.marker([c.lat, c.lng], { icon: icon, title: String(c.count) });
      cluster.on("click", function () {
        var b = L.latLngBounds([c.bbox[1], c.bbox[0]], [c.bbox[3], c.bbox[2]]);
        if (b.getNorthEast().equals(b.getSouthWest())) map.setView(b.getCenter(), Math.min(18, map.getZoom() + 3));
        else map.fitBounds(b.pad(0.1), fitOptions(18));
      });
      cellLayer.addLayer(cluster);
    });
  }

  var viewTimer = null;
  map.on("moveend", function () {
    if (!viewMode) return;
    clearTimeout(viewTimer);
    viewTimer = setTimeout(loadView, 120);
  });

  function fitToFeatures() {
    // Frame the Guangzhou points; overseas offices would zoom the map out to the whole world.
    var home = features.filter(function (f) {
      var c = f.geometry.coordinates;
      return c[0] > 110 && c[0] < 117 && c[1] > 20 && c[1] < 26;
    });
    var pts = (home.length ? home : features).map(function (f) {
      return [f.geometry.coordinates[1], f.geometry.coordinates[0]];
    });
    // Unfiltered (or nothing found), frame the whole city: every district centre too.
    if (!pts.length || !Object.keys(lastQuery.filter).length) {
      pts = pts.concat(
        districts.map(function (d) {
          var p = toMapCrs(d.centroidLng, d.centroidLat);
          return [p[1], p[0]];
        }),
      );
    }
    if (pts.length) map.fitBounds(L.latLngBounds(pts).pad(0.1), fitOptions(13));
    else map.setView([23.13, 113.26], 9);
  }

  // ---- list and details ----

  var list = document.getElementById("list");
  // How the server read the search (a foreign member of the FeatureCollection): the districts and
  // domains it names became filters, e.g. "黄埔区 · 生物医药".
  var searchReading = null;
  function renderSearchReading() {
    var node = document.getElementById("search-reading");
    var r = searchReading;
    node.hidden = !r;
    node.textContent = r ? word("searchReadAs", { reading: lang === "en" ? r.summaryEn : lang === "zh-TW" ? r.summaryHant : r.summaryHans }) : "";
  }
  var summary = document.getElementById("summary");

  function renderList() {
    list.textContent = "";
    var collator = new Intl.Collator(lang);
    var sorted = features.slice().sort(function (a, b) {
      return collator.compare(nameOf(a.properties), nameOf(b.properties));
    });
    sorted.forEach(function (f) {
      var p = f.properties;
      var btn = el("button", { type: "button", class: "item", "data-id": f.id }, [
        el("span", { class: "swatch status-" + p.status, title: I.status(p.status, lang) }),
        el("span", { class: "item-names" }, [
          el("span", { class: "item-hans", lang: lang, text: nameOf(p) }),
          el("span", { class: "item-en", lang: otherLang(), text: otherName(p) }),
        ]),
        el("span", { class: "item-meta", text: I.kind(p.kind, lang) }),
      ]);
      btn.addEventListener("click", function () {
        select(f.id, { fromList: true });
      });
      list.appendChild(el("li", { class: f.id === selectedId ? "selected" : null }, [btn]));
    });
    renderSummary();
  }
  function renderSummary() {
    summary.textContent =
      (cells.length ? I.plural(PLURALS.inView, cellsLocated, lang) : I.plural(PLURALS.onMap, features.length, lang)) +
      (numberWithoutLocation ? " · " + I.plural(PLURALS.noLocation, numberWithoutLocation, lang) : "") +
      (crs !== "WGS84" ? " · " + word("coordinatesShort", { crs: crs }) : "") +
      (lastQuery && lastQuery.asOf ? " · " + word("statusAsOf", { date: I.date(lastQuery.asOf, lang) }) : "");
  }

  function highlight(id) {
    var prev = selectedId;
    selectedId = id;
    [prev, id].forEach(function (x) {
      var m = x && markers.get(x);
      var f =
        x &&
        features.find(function (g) {
          return g.id === x;
        });
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
    detailBody.appendChild(el("p", { text: word("loading") }));
    return gql(DETAIL, { id: id, asOf: currentAsOf() })
      .then(function (data) {
        if (mine !== detailGeneration) return;
        detailBody.textContent = "";
        if (!data.platform) {
          detailBody.appendChild(el("p", { text: word("gone") }));
          return;
        }
        renderDetail(data.platform);
        detail.setAttribute("data-id", id);
        detail.setAttribute("data-state", "ready");
      })
      .catch(function (err) {
        if (mine !== detailGeneration) return;
        detailBody.textContent = "";
        detailBody.appendChild(el("p", { class: "error", text: word("detailFailed", { reason: errorText(err) }) }));
        detail.setAttribute("data-state", "error");
      });
  }

  function section(title, children) {
    return el("section", { class: "detail-section" }, [el("h3", { text: title })].concat(children));
  }

  // A date as precisely as its source states it: 2019-03-28, 2019-03 or 2019.
  function datePart(d, precision) {
    return I.datePart(d, precision, lang);
  }

  function safeUrl(u) {
    return typeof u === "string" && /^https?:\/\//i.test(u) ? u : null;
  }

  function renderDetail(p) {
    var body = detailBody;
    // The name in the page's script first, then the other scripts (all three stay: officials search by any)
    var names = [
      { cls: "name-hans", l: "zh-CN", text: p.nameHans },
      { cls: "name-hant", l: "zh-TW", text: p.nameHant },
      { cls: "name-en", l: "en", text: p.nameEn + (p.nameEnEstablished ? "" : " " + word("registryTranslation")) },
    ];
    names.sort(function (a, b) {
      return (b.l === lang) - (a.l === lang);
    });
    names.forEach(function (n, i) {
      if (n.l === "zh-TW" && p.nameHant === p.nameHans && lang !== "zh-TW") return;
      if (n.l === "zh-CN" && p.nameHant === p.nameHans && lang === "zh-TW") return;
      body.appendChild(el(i === 0 ? "h2" : "p", { class: n.cls + (i === 0 ? " name-first" : ""), lang: n.l, text: n.text }));
    });
    var facts = el("dl", { class: "facts" });
    function fact(key, title, v, swatch) {
      if (!v) return;
      facts.appendChild(el("dt", { text: title }));
      facts.appendChild(el("dd", { class: "fact-" + key }, [swatch || null, v]));
    }
    var sep = lang === "en" ? "; " : "；";
    var asOf = currentAsOf();
    fact("kind", word("kind"), I.kind(p.kind, lang));
    fact("level", word("level"), p.level && I.level(p.level, lang));
    fact(
      "status",
      word("status"),
      I.status(p.status, lang) + (asOf ? " " + word("asOfParen", { date: I.date(asOf, lang) }) : ""),
      el("span", { class: "swatch status-" + p.status }),
    );
    fact("district", word("district"), p.district && nameOf(p.district) + " " + otherName(p.district));
    fact("overseas", word("overseas"), p.overseas && p.overseas.city + ", " + p.overseas.country);
    fact("inside", word("inside"), p.zone && nameOf(p.zone) + " " + otherName(p.zone));
    fact(
      "location",
      word("location"),
      p.location && p.location.lat.toFixed(3) + ", " + p.location.lng.toFixed(3) + " (WGS-84, " + I.precision(p.location.precision, lang) + ")",
    );
    fact(p.location ? "point-from" : "not-on-the-map", word(p.location ? "pointFrom" : "notOnMap"), p.locationNote);
    fact("domains", word("domains"), p.domains.map(nameOf).join(sep));
    fact("also-called", word("aliases"), p.aliases.join(sep));
    body.appendChild(facts);

    body.appendChild(
      section(word("statusHistory"), [
        el(
          "ol",
          { class: "history" },
          p.statusHistory.map(function (e) {
            var src = e.source;
            var url = src && safeUrl(src.url);
            return el("li", null, [
              el("time", { datetime: e.effectiveDate, text: datePart(e.effectiveDate, e.datePrecision) }),
              " ",
              (e.from ? I.status(e.from, lang) + " → " : "") + I.status(e.to, lang),
              e.correction ? word("correction") : "",
              e.note ? el("div", { class: "muted", text: e.note }) : null,
              src
                ? el("div", { class: "muted" }, [
                    word("source"),
                    url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: src.title }) : src.title,
                    src.publisher ? " (" + src.publisher + (src.publishedAt ? ", " + src.publishedAt : "") + ")" : "",
                  ])
                : null,
            ]);
          }),
        ),
      ]),
    );
    if (p.laterNames && p.laterNames.length) {
      body.appendChild(
        section(word("laterNames"), [
          el(
            "ul",
            { class: "later-names" },
            p.laterNames.map(function (n) {
              var url = safeUrl(n.source.url);
              return el("li", null, [
                el("span", { text: n.name }),
                " ",
                el("span", { class: "muted", text: word("from", { date: datePart(n.effectiveDate, n.datePrecision) }) }),
                el("div", { class: "muted" }, [
                  word("source"),
                  url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: n.source.title }) : n.source.title,
                  " (" + n.source.publisher + ", " + n.source.publishedAt + ")",
                ]),
              ]);
            }),
          ),
        ]),
      );
    }

    body.appendChild(
      section(word("agencies"), [
        el(
          "ol",
          { class: "agencies" },
          p.agencies.map(function (a) {
            return el("li", null, [
              el("span", { lang: lang === "en" ? "en" : lang, text: nameOf(a) }),
              el("div", { class: "muted", lang: otherLang(), text: otherName(a) }),
            ]);
          }),
        ),
      ]),
    );

    body.appendChild(
      section(
        word("inPlan"),
        p.mentions.map(function (m) {
          return el("figure", { class: "mention" }, [
            el("blockquote", { lang: "zh-Hant", text: m.excerpt }),
            el("figcaption", { class: "muted", text: word("mentionAt", { section: m.section, offset: I.number(m.offset, lang) }) }),
          ]);
        }),
      ),
    );
    if (p.note) body.appendChild(section(word("registryNote"), [el("p", { class: "muted", text: p.note })]));
  }

  var message = document.getElementById("message");
  var shown = null; // what the message says, as a function of the language, so a switch redraws it
  function showMessage(text, retry) {
    shown = {
      text:
        typeof text === "function"
          ? text
          : function () {
              return text;
            },
      retry: retry,
    };
    message.textContent = shown.text();
    if (retry) {
      var btn = el("button", { type: "button", class: "retry", text: word("retry") });
      btn.addEventListener("click", retry);
      message.appendChild(document.createTextNode(" "));
      message.appendChild(btn);
    }
    message.hidden = false;
  }
  function hideMessage() {
    // The tiles notice stays: it describes the map, not the last query.
    if (tilesFailed)
      showMessage(function () {
        return word("tilesFailed");
      }, retryTiles);
    else if (notices.length) showMessage(noticesText);
    else message.hidden = true;
  }

  // ---- test hook: what is drawn, counted honestly ----

  window.__registryMap = {
    /** Markers in the cluster group (one per feature of the last response). */
    markerCount: function () {
      return clusters.getLayers().length;
    },
    /** Markers drawn in the current view: single marker icons plus the children of cluster icons. */
    drawnCount: function () {
      var single = document.querySelectorAll("#map .leaflet-marker-pane .platform-marker").length;
      var inClusters = 0;
      document.querySelectorAll("#map .leaflet-marker-pane .marker-cluster").forEach(function (c) {
        inClusters += Number(c.textContent.trim()) || 0;
      });
      return single + inClusters;
    },
    listCount: function () {
      return list.children.length;
    },
    listIds: function () {
      return Array.prototype.map.call(list.querySelectorAll("button.item"), function (b) {
        return b.getAttribute("data-id");
      });
    },
    /** Where each marker is, [lng, lat] in the page's coordinate system. */
    markerPositions: function () {
      var out = {};
      markers.forEach(function (m, id) {
        var ll = m.getLatLng();
        out[id] = [ll.lng, ll.lat];
      });
      return out;
    },
    districtLabels: function () {
      var out = [];
      districtLayer.eachLayer(function (m) {
        var ll = m.getLatLng();
        out.push({ text: m.getElement() ? m.getElement().textContent : null, lng: ll.lng, lat: ll.lat });
      });
      return out;
    },
    featureIds: function () {
      return features.map(function (f) {
        return f.id;
      });
    },
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
        map.once("moveend", function () {
          setTimeout(resolve, 50);
        });
        map.fitBounds(b.pad(0.05), fitOptions(18));
      });
    },
    select: function (id) {
      return select(id, { fromList: true });
    },
    /** Moves the map (no animation); the view's platforms reload after it in view mode. */
    setView: function (lat, lng, zoom) {
      map.setView([lat, lng], zoom, { animate: false });
    },
    /** The view: [west, south, east, north] in the page's coordinate system, and the zoom. */
    view: function () {
      var b = map.getBounds();
      return { bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom: map.getZoom() };
    },
    /** The status a marker shows now. */
    statusOf: function (id) {
      var f = features.find(function (g) {
        return g.id === id;
      });
      return f ? f.properties.status : null;
    },
    get live() {
      return { state: liveState, events: liveEvents };
    },
    get state() {
      return {
        generation: generation,
        loaded: loaded,
        query: lastQuery,
        crs: crs,
        tilesFailed: tilesFailed,
        numberWithoutLocation: numberWithoutLocation,
        viewMode: viewMode,
        cells: cells.length,
        cellsLocated: cellsLocated,
      };
    },
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
      shouldRetry: function () {
        return true;
      },
      on: {
        connected: function () {
          liveState = "connected";
          document.body.setAttribute("data-live", "connected");
        },
        closed: function () {
          liveState = "closed";
          document.body.setAttribute("data-live", "closed");
        },
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
          var f = features.find(function (g) {
            return g.id === id;
          });
          // a past date's map is not today's: it is redrawn below, not patched with the current status
          if (f && !currentAsOf()) {
            f.properties.status = change.platform.status;
            f.properties.version = change.platform.version;
            var m = markers.get(id);
            if (m) m.setIcon(markerIcon(f, id === selectedId));
            var props = f.properties,
              ev = change.event;
            showMessage(function () {
              return nameOf(props) + (lang === "en" ? ": " : "：") + (ev.from ? I.status(ev.from, lang) + " → " : "") + I.status(ev.to, lang);
            });
          }
          if (selectedId === id) showDetail(id);
          clearTimeout(liveReload);
          liveReload = setTimeout(function () {
            reload({ keepView: true });
          }, 300);
        },
        error: function () {
          liveState = "error";
        },
        complete: function () {},
      },
    );
  }

  // ---- start ----

  // ---- language ----

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.title = word("title") + " · " + I.pick(T.title, otherLang());
    var h1 = document.getElementById("title");
    h1.textContent = "";
    h1.appendChild(el("span", { class: "title-first", text: word("title") }));
    h1.appendChild(document.createTextNode(" "));
    h1.appendChild(el("span", { class: "title-second", lang: otherLang(), text: I.pick(T.title, otherLang()) }));
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (n) {
      n.textContent = word(n.getAttribute("data-i18n"));
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-aria]"), function (n) {
      n.setAttribute("aria-label", word(n.getAttribute("data-i18n-aria")));
    });
    inputs.q.placeholder = word("searchPlaceholder");
    document.getElementById("side").setAttribute("aria-label", word("filtersAndList"));
    list.setAttribute("aria-label", word("listLabel"));
    document.getElementById("map").setAttribute("aria-label", word("mapLabel"));
    document.getElementById("detail-close").setAttribute("aria-label", word("closeDetails"));
    var box = document.getElementById("legend");
    if (box) fillLegend(box);
    fillEnums();
    if (districts.length) {
      fillDistricts();
      drawDistricts();
    }
    if (domainList.length) fillDomains(domainList);
    I.renderSwitch(document.getElementById("lang-switch"), lang, chooseLanguage);
  }

  function chooseLanguage(l) {
    lang = l;
    I.remember(l);
    applyLanguage();
    if (document.body.getAttribute("data-state") === "ready") renderList();
    renderSearchReading();
    if (!message.hidden && shown) showMessage(shown.text, shown.retry);
    if (selectedId && !detail.hidden) showDetail(selectedId);
    var pressed = document.getElementById("lang-" + l);
    if (pressed) pressed.focus();
  }

  applyLanguage();
  summary.textContent = word("loading");
  if (notices.length) showMessage(noticesText);
  map.setView([23.13, 113.4], 9);
  gql(REFERENCE)
    .then(function (data) {
      districts = data.districts;
      fillDistricts();
      fillDomains(data.domains);
      drawDistricts();
      drawOutlines();
      readUrl();
      startLive();
      return reload();
    })
    .catch(function (err) {
      showMessage(function () {
        return word("registryFailed", { reason: errorText(err) });
      });
      setState("error");
    });
})();
