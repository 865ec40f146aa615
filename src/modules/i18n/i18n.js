/*
 * The pages' three languages: Simplified Chinese (zh-CN), Traditional Chinese (zh-TW) and English
 * (en), shared by the desk and the map (served as /desk/i18n.js and /map/i18n.js).
 *
 * The language: a choice made on a page's switch (localStorage, shared by both pages) wins over the
 * browser's; else the first of navigator.languages that is English or Chinese decides (zh-CN, zh-SG,
 * zh-Hans, plain zh: Simplified; zh-TW, zh-HK, zh-MO, zh-Hant: Traditional), else English.
 * The Traditional words are hand-checked conversions of the Simplified ones (character forms, not
 * regional vocabulary: 平台, 登錄, 網址).
 *
 * Errors are shown from the API's extensions.code and extensions.field (or a spreadsheet problem's
 * code and column), never from the server's English message. Numbers, dates and plurals go
 * through Intl.
 */
(function () {
  "use strict";

  var LANGS = ["zh-CN", "zh-TW", "en"];
  var INDEX = { en: 0, "zh-CN": 1, "zh-TW": 2 };
  var KEY = "registry.lang";
  var LEGACY_KEY = "registry.desk.lang"; // the desk's earlier two-way choice: "zh" or "en"

  /** The page language a BCP 47 tag asks for, or null for a language the pages do not have. */
  function fromTag(tag) {
    var t = String(tag || "").toLowerCase();
    if (/^en(-|$)/.test(t)) return "en";
    if (!/^zh(-|$)/.test(t)) return null;
    try {
      var script = new Intl.Locale(tag).maximize().script;
      if (script) return script === "Hant" ? "zh-TW" : "zh-CN";
    } catch (e) {
      /* an odd tag: read it by hand below */
    }
    return /-(hant|tw|hk|mo)(-|$)/.test(t) ? "zh-TW" : "zh-CN";
  }

  function fromBrowser() {
    var tags = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    for (var i = 0; i < tags.length; i++) {
      var l = fromTag(tags[i]);
      if (l) return l;
    }
    return "en";
  }

  function stored() {
    try {
      var v = localStorage.getItem(KEY);
      if (LANGS.indexOf(v) >= 0) return v;
      var old = localStorage.getItem(LEGACY_KEY);
      if (old === "zh") return "zh-CN";
      if (old === "en") return "en";
    } catch (e) {
      /* storage refused: the browser decides */
    }
    return null;
  }

  function initial() {
    return stored() || fromBrowser();
  }

  function remember(lang) {
    try {
      localStorage.setItem(KEY, lang);
      localStorage.removeItem(LEGACY_KEY);
    } catch (e) {
      /* not remembered */
    }
  }

  /** A word from a table of [en, zh-CN, zh-TW] triples; {name} placeholders filled from vars. */
  function pick(entry, lang, vars) {
    if (!entry) return "";
    var s = typeof entry === "string" ? entry : entry[INDEX[lang]];
    if (vars)
      s = s.replace(/\{(\w+)\}/g, function (m, k) {
        return Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m;
      });
    return s;
  }

  var STATUS = {
    PLANNED: ["Planned", "规划", "規劃"],
    PREPARING: ["Preparing", "筹建", "籌建"],
    UNDER_CONSTRUCTION: ["Under construction", "在建", "在建"],
    TRIAL_OPERATION: ["Trial operation", "试运行", "試運行"],
    OPERATIONAL: ["Operational", "运行", "運行"],
    SUSPENDED: ["Suspended", "暂停", "暫停"],
    CANCELLED: ["Cancelled", "取消", "取消"],
  };
  var KIND = {
    LABORATORY: ["Laboratory", "实验室", "實驗室"],
    BIG_SCIENCE_FACILITY: ["Big science facility", "大科学装置", "大科學裝置"],
    UNIVERSITY: ["University", "高校", "高校"],
    RESEARCH_INSTITUTE: ["Research institute", "研究院所", "研究院所"],
    INNOVATION_CENTER: ["Innovation center", "创新中心", "創新中心"],
    TESTING_CENTER: ["Testing center", "检验检测中心", "檢驗檢測中心"],
    INNOVATION_ZONE: ["Innovation zone", "创新区", "創新區"],
    HIGH_TECH_PARK: ["High tech park", "高新园区", "高新園區"],
    SCIENCE_TOWN: ["Science town", "科技小镇", "科技小鎮"],
    INCUBATOR: ["Incubator", "孵化器", "孵化器"],
    TECH_TRANSFER: ["Tech transfer", "技术转移", "技術轉移"],
    INTERNATIONAL_COOPERATION: ["International cooperation", "国际合作", "國際合作"],
    OVERSEAS_OFFICE: ["Overseas office", "海外办事处", "海外辦事處"],
    OTHER: ["Other", "其他", "其他"],
  };
  var LEVEL = {
    NATIONAL: ["National", "国家级", "國家級"],
    PROVINCIAL: ["Provincial", "省级", "省級"],
    MUNICIPAL: ["Municipal", "市级", "市級"],
    DISTRICT: ["District", "区级", "區級"],
  };
  var PRECISION = {
    EXACT: ["exact", "精确", "精確"],
    APPROXIMATE: ["approximate", "大致位置", "大致位置"],
    DISTRICT: ["district", "区级", "區級"],
    CITY: ["city", "市级", "市級"],
  };

  /** An enum's word; an unknown value reads as its code in sentence case (never blank). */
  function enumWord(table, value, lang) {
    if (!value) return "";
    if (table[value]) return pick(table[value], lang);
    var s = String(value).toLowerCase().replace(/_/g, " ");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  // ---- errors ----------------------------------------------------------------------------------
  // BAD_USER_INPUT by field (the API's field path without "input.", or a spreadsheet's column),
  // then a sentence per code; "_" is the fallback.
  var FIELD_ERRORS = {
    effectiveDate: [
      "The effective date must be a real date, not in the future (Guangzhou time).",
      "生效日期须为有效日期，且不得晚于今天（广州时间）。",
      "生效日期須為有效日期，且不得晚於今天（廣州時間）。",
    ],
    status: [
      "This status cannot follow the current one (an admin may record a correction).",
      "当前状态不能变更为此状态（管理员可记为更正）。",
      "當前狀態不能變更為此狀態（管理員可記為更正）。",
    ],
    correction: ["Only an admin may record a correction.", "只有管理员可以记录更正。", "只有管理員可以記錄更正。"],
    note: ["The note is too long (at most 2,000 characters).", "备注过长（最多 2,000 字）。", "備註過長（最多 2,000 字）。"],
    source: [
      "A status change needs a source: its title, and its URL or publication date where known.",
      "状态变更需要依据来源：标题，以及已知的网址或发布日期。",
      "狀態變更需要依據來源：標題，以及已知的網址或發佈日期。",
    ],
    "source.title": ["The source needs a title (at most 500 characters).", "来源须有标题（最多 500 字）。", "來源須有標題（最多 500 字）。"],
    "source.url": ["The source URL must be an http(s) URL.", "来源网址须以 http:// 或 https:// 开头。", "來源網址須以 http:// 或 https:// 開頭。"],
    "source.publishedAt": [
      "The source's publication date must be a real date, not in the future.",
      "来源发布日期须为有效日期，且不得晚于今天。",
      "來源發佈日期須為有效日期，且不得晚於今天。",
    ],
    expectedVersion: ["The version does not match the platform's current version.", "版本号与平台当前版本不符。", "版本號與平台當前版本不符。"],
    id: [
      "No platform has this id or name (or the name is shared: use the id).",
      "没有此编号或名称的平台（或名称重复，请用编号）。",
      "沒有此編號或名稱的平台（或名稱重複，請用編號）。",
    ],
    search: ["The search needs at least one letter or digit.", "搜索内容至少需要一个字或数字。", "搜索內容至少需要一個字或數字。"],
    file: [
      "The file could not be read: upload an .xlsx or a CSV file.",
      "无法读取文件：请上传 .xlsx 或 CSV 文件。",
      "無法讀取文件：請上傳 .xlsx 或 CSV 文件。",
    ],
    filter: ["Too many platforms match: narrow the filter.", "匹配的平台过多，请缩小筛选范围。", "匹配的平台過多，請縮小篩選範圍。"],
    asOf: ["The date must be a real date, not in the future.", "日期须为有效日期，且不得晚于今天。", "日期須為有效日期，且不得晚於今天。"],
  };
  var COLUMN_FIELD = { sourceTitle: "source.title", sourceUrl: "source.url", sourcePublishedAt: "source.publishedAt" };
  var CODE_ERRORS = {
    BAD_USER_INPUT: ["The input is not valid; check the fields.", "输入有误，请检查各栏。", "輸入有誤，請檢查各欄。"],
    NOT_FOUND: ["Not found: it does not exist or was archived.", "未找到：不存在或已归档。", "未找到：不存在或已歸檔。"],
    CONFLICT: ["Someone else changed it first; reload and try again.", "已被他人先行修改，请刷新后重试。", "已被他人先行修改，請刷新後重試。"],
    UNAUTHENTICATED: [
      "This token is not valid or has been revoked. Ask for a new one.",
      "该令牌无效或已被吊销，请申请新的令牌。",
      "該令牌無效或已被吊銷，請申請新的令牌。",
    ],
    FORBIDDEN: ["You may not do this: it is outside your scope.", "无权操作：不在您的权限范围内。", "無權操作：不在您的權限範圍內。"],
    QUERY_TOO_COMPLEX: ["The request asks for too much at once.", "请求的数据过多。", "請求的數據過多。"],
    SERVICE_UNAVAILABLE: ["The registry is unavailable; try again shortly.", "登记系统暂不可用，请稍后再试。", "登記系統暫不可用，請稍後再試。"],
    OUTCOME_UNKNOWN: [
      "The connection was lost while saving: the change may or may not be recorded. Reload to see.",
      "保存时连接中断：变更可能已记录，也可能未记录，请刷新查看。",
      "保存時連接中斷：變更可能已記錄，也可能未記錄，請刷新查看。",
    ],
    STORAGE_FULL: [
      "The registry's storage is full: nothing was recorded. Tell its operator.",
      "登记系统存储空间已满，未记录任何内容，请联系管理人员。",
      "登記系統存儲空間已滿，未記錄任何內容，請聯繫管理人員。",
    ],
    RATE_LIMITED: ["Too many requests; wait a moment and try again.", "请求过于频繁，请稍候再试。", "請求過於頻繁，請稍候再試。"],
    PAYLOAD_TOO_LARGE: ["The request is too large.", "请求内容过大。", "請求內容過大。"],
    GRAPHQL_VALIDATION_FAILED: [
      "The page sent a request the registry does not accept; reload the page.",
      "页面发出的请求不被接受，请刷新页面。",
      "頁面發出的請求不被接受，請刷新頁面。",
    ],
    GRAPHQL_PARSE_FAILED: [
      "The page sent a request the registry does not accept; reload the page.",
      "页面发出的请求不被接受，请刷新页面。",
      "頁面發出的請求不被接受，請刷新頁面。",
    ],
    NETWORK: [
      "The registry cannot be reached; check the connection and try again.",
      "无法连接登记系统，请检查网络后重试。",
      "無法連接登記系統，請檢查網絡後重試。",
    ],
    _: ["Something went wrong; try again.", "出错了，请重试。", "出錯了，請重試。"],
  };

  /** The sentence for an error code and (for BAD_USER_INPUT) a field or spreadsheet column. */
  function errorText(code, field, lang) {
    var f = field ? String(field).replace(/^input\./, "") : null;
    if (f && COLUMN_FIELD[f]) f = COLUMN_FIELD[f];
    if (code === "BAD_USER_INPUT" && f && FIELD_ERRORS[f]) return pick(FIELD_ERRORS[f], lang);
    return pick(CODE_ERRORS[code] || CODE_ERRORS._, lang);
  }

  // ---- Intl ------------------------------------------------------------------------------------
  var cache = {};
  function cached(kind, lang, make) {
    var k = kind + "|" + lang;
    return cache[k] || (cache[k] = make());
  }
  function number(n, lang) {
    return cached("n", lang, function () {
      return new Intl.NumberFormat(lang);
    }).format(n);
  }
  /** A calendar date (YYYY-MM-DD), as the day it names. */
  function date(iso, lang) {
    if (!iso) return "";
    var d = new Date(String(iso).slice(0, 10) + "T00:00:00Z");
    if (isNaN(d.getTime())) return String(iso);
    return cached("d", lang, function () {
      return new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: "UTC" });
    }).format(d);
  }
  /** A calendar date only as precise as its source: DAY (the default), MONTH or YEAR. */
  function datePart(iso, precision, lang) {
    if (precision !== "MONTH" && precision !== "YEAR") return date(iso, lang);
    var d = new Date(String(iso).slice(0, 10) + "T00:00:00Z");
    if (isNaN(d.getTime())) return String(iso || "");
    return cached("d" + precision, lang, function () {
      return new Intl.DateTimeFormat(lang, precision === "YEAR" ? { year: "numeric", timeZone: "UTC" } : { year: "numeric", month: "long", timeZone: "UTC" });
    }).format(d);
  }
  /** An instant, in Guangzhou's time. */
  function dateTime(iso, lang) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso || "");
    return cached("t", lang, function () {
      return new Intl.DateTimeFormat(lang, {
        year: "numeric",
        month: "long",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
        timeZone: "Asia/Shanghai",
        timeZoneName: "short",
      });
    }).format(d);
  }
  /** A count with its noun: entry is { one: [en, hans, hant], other: [...] } with {n}. */
  function plural(entry, n, lang, vars) {
    var rule = cached("p", lang, function () {
      return new Intl.PluralRules(lang);
    }).select(n);
    var v = { n: number(n, lang) };
    if (vars) for (var k in vars) v[k] = vars[k];
    return pick(entry[rule] || entry.other, lang, v);
  }
  /** A list joined the language's way ("a, b and c", "甲、乙和丙"). */
  function list(items, lang) {
    if (typeof Intl.ListFormat !== "function") return items.join(lang === "en" ? ", " : "、");
    return cached("l", lang, function () {
      return new Intl.ListFormat(lang, { style: "long", type: "conjunction" });
    }).format(items);
  }

  /** A platform's (or district's, agency's) name in the language's script, where the data has it. */
  function nameOf(x, lang) {
    if (!x) return "";
    if (lang === "en") return x.nameEn || x.nameHans || "";
    if (lang === "zh-TW") return x.nameHant || x.nameHans || x.nameEn || "";
    return x.nameHans || x.nameEn || "";
  }

  // ---- the switch ------------------------------------------------------------------------------
  var NATIVE = { "zh-CN": "简体中文", "zh-TW": "繁體中文", en: "English" };
  var SWITCH_LABEL = ["Language", "语言", "語言"];

  /** Three buttons, each naming its language in that language; the current one is pressed. */
  function renderSwitch(container, lang, onChoose) {
    while (container.firstChild) container.removeChild(container.firstChild);
    container.setAttribute("role", "group");
    container.setAttribute("aria-label", pick(SWITCH_LABEL, lang));
    LANGS.forEach(function (l) {
      var b = document.createElement("button");
      b.type = "button";
      b.id = "lang-" + l;
      b.className = "lang-choice";
      b.lang = l;
      b.textContent = NATIVE[l];
      b.setAttribute("aria-pressed", l === lang ? "true" : "false");
      b.addEventListener("click", function () {
        if (l !== lang) onChoose(l);
      });
      container.appendChild(b);
    });
  }

  window.RegistryI18n = {
    LANGS: LANGS,
    fromTag: fromTag,
    initial: initial,
    remember: remember,
    pick: pick,
    status: function (v, lang) {
      return enumWord(STATUS, v, lang);
    },
    kind: function (v, lang) {
      return enumWord(KIND, v, lang);
    },
    level: function (v, lang) {
      return enumWord(LEVEL, v, lang);
    },
    precision: function (v, lang) {
      return enumWord(PRECISION, v, lang).toLowerCase();
    },
    errorText: errorText,
    number: number,
    date: date,
    datePart: datePart,
    dateTime: dateTime,
    plural: plural,
    list: list,
    nameOf: nameOf,
    renderSwitch: renderSwitch,
  };
})();
