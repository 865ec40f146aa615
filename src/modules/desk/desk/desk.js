/*
 * The status desk: officials record construction status changes, one by one or from a
 * spreadsheet. Data: POST /graphql (application/json). The API token is kept for this tab only
 * (sessionStorage), never in a URL or localStorage; only the language choice is remembered
 * (localStorage, through i18n.js, which also holds the words shared with the map). Text from the data goes into the page with textContent, never as HTML.
 * Views are chosen by the URL's hash (#/platforms, #/platform/<id>, #/import, #/progress).
 * Tests read the page's state through window.__desk.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("desk-config").textContent);
  var TOKEN_KEY = "registry.desk.token";
  var I = window.RegistryI18n;

  // ---- words -------------------------------------------------------------------------------
  var T = {
    skip: ["Skip to content", "跳到正文", "跳到正文"],
    title: ["Status desk", "建设状态工作台", "建設狀態工作台"],
    navLabel: ["Sections", "栏目", "欄目"],
    navPlatforms: ["My platforms", "我的平台", "我的平台"],
    navImport: ["Spreadsheet", "表格批量更新", "表格批量更新"],
    navProgress: ["Plan progress", "计划进度", "計劃進度"],
    signOut: ["Sign out", "退出", "退出"],
    signInTitle: ["Sign in", "登录", "登錄"],
    signInHelp: [
      "Paste the API token you were given. It is kept in this browser tab only and forgotten when you sign out or close the tab.",
      "粘贴发给您的 API 令牌。令牌只保存在本浏览器标签页中，退出或关闭标签页即被清除。",
      "粘貼發給您的 API 令牌。令牌只保存在本瀏覽器標籤頁中，退出或關閉標籤頁即被清除。",
    ],
    token: ["API token", "API 令牌", "API 令牌"],
    signIn: ["Sign in", "登录", "登錄"],
    tokenRequired: ["Paste a token first.", "请先粘贴令牌。", "請先粘貼令牌。"],
    tokenRefused: [
      "This token is not valid or has been revoked. Ask for a new one.",
      "该令牌无效或已被吊销，请申请新的令牌。",
      "該令牌無效或已被吊銷，請申請新的令牌。",
    ],
    signedInAs: ["Signed in as", "当前用户", "當前用戶"],
    signedOut: ["Signed out. The token is forgotten.", "已退出，令牌已清除。", "已退出，令牌已清除。"],
    admin: ["admin: every platform", "管理员：全部平台", "管理員：全部平台"],
    editor: ["editor", "编辑", "編輯"],
    noDistrict: ["no district", "无所属区", "無所屬區"],
    grantIn: ["{agency} in {district}", "{district}的{agency}", "{district}的{agency}"],
    expiresOn: ["token expires {date}", "令牌到期：{date}", "令牌到期：{date}"],
    myPlatforms: ["My platforms", "我的平台", "我的平台"],
    search: ["Search (any script, pinyin, English)", "搜索（简繁、拼音、英文）", "搜索（簡繁、拼音、英文）"],
    searchReadAs: ["Searched as: {reading}", "按此查找：{reading}", "按此查找：{reading}"],
    district: ["District", "区", "區"],
    kind: ["Kind", "类型", "類型"],
    status: ["Status", "状态", "狀態"],
    all: ["All", "全部", "全部"],
    name: ["Platform", "平台", "平台"],
    version: ["Version", "版本", "版本"],
    lastChange: ["Last change", "最近变更", "最近變更"],
    back: ["← Back to my platforms", "← 返回我的平台", "← 返回我的平台"],
    currentStatus: ["Current status", "当前状态", "當前狀態"],
    agencies: ["Responsible agencies", "责任单位", "責任單位"],
    updatedAt: ["Last updated", "最近更新", "最近更新"],
    conflictTitle: ["Someone else changed this platform first", "此平台已被他人先行修改", "此平台已被他人先行修改"],
    conflictText: ["Your change was not saved. The platform is now at version", "您的修改未保存。平台现为版本", "您的修改未保存。平台現為版本"],
    conflictNewer: ["These changes were recorded meanwhile:", "期间记录了以下变更：", "期間記錄了以下變更："],
    reapply: ["Re-apply my change on the new version", "在新版本上重新提交我的修改", "在新版本上重新提交我的修改"],
    drop: ["Drop my change", "放弃我的修改", "放棄我的修改"],
    dropped: ["Your change was dropped; the form shows the current state.", "已放弃您的修改，表单显示当前状态。", "已放棄您的修改，表單顯示當前狀態。"],
    recordChange: ["Record a change", "记录状态变更", "記錄狀態變更"],
    outOfScope: [
      "This platform is outside your scope: you can read it but not change it.",
      "此平台不在您的权限范围内：可以查看，不能修改。",
      "此平台不在您的權限範圍內：可以查看，不能修改。",
    ],
    correction: ["Admin correction (any status, recorded as a correction)", "管理员更正（可改为任何状态，记为更正）", "管理員更正（可改為任何狀態，記為更正）"],
    newStatus: ["New status", "新状态", "新狀態"],
    noTransition: ["No further status is possible without an admin correction.", "没有管理员更正，无法再变更状态。", "沒有管理員更正，無法再變更狀態。"],
    effectiveDate: ["Effective date", "生效日期", "生效日期"],
    effectiveDateHint: [
      "The day the status took effect, Guangzhou time; not in the future.",
      "状态生效之日（广州时间），不得晚于今天。",
      "狀態生效之日（廣州時間），不得晚於今天。",
    ],
    note: ["Note", "备注", "備註"],
    source: ["Source", "依据来源", "依據來源"],
    sourceTitle: ["Source title", "来源标题", "來源標題"],
    sourceUrl: ["Source URL", "来源网址", "來源網址"],
    sourcePublishedAt: ["Source publication date", "来源发布日期", "來源發佈日期"],
    save: ["Record change", "提交变更", "提交變更"],
    saved: ["Recorded. The platform is now at version", "已记录。平台现为版本", "已記錄。平台現為版本"],
    history: ["History (newest first)", "变更历史（最新在前）", "變更歷史（最新在前）"],
    mentions: ["Where the plan names it", "计划中的相关条文", "計劃中的相關條文"],
    noMentions: ["The plan's text is not linked for this platform.", "此平台未关联计划条文。", "此平台未關聯計劃條文。"],
    correctionMark: ["correction", "更正", "更正"],
    by: ["by", "记录人", "記錄人"],
    recorded: ["recorded", "记录于", "記錄於"],
    importTitle: ["Update from a spreadsheet", "用表格批量更新", "用表格批量更新"],
    importHelp: [
      "Download the sheet of your platforms, fill in the rows that change (new status, effective date, source), and upload it: Excel .xlsx, or CSV in UTF-8 or GBK. Every row is checked first and shown below with its note and source as read; then all changes are recorded together, or none. Rows left empty and rows already recorded are skipped.",
      "下载您的平台表，填写需要变更的行（新状态、生效日期、来源）后上传：Excel .xlsx，或 UTF-8、GBK 编码的 CSV。先检查每一行，并在下方显示读到的备注和来源；再一并记录全部变更，有任何问题则一条也不记录。未填写的行和已记录过的行自动跳过。",
      "下載您的平台表，填寫需要變更的行（新狀態、生效日期、來源）後上傳：Excel .xlsx，或 UTF-8、GBK 編碼的 CSV。先檢查每一行，並在下方顯示讀到的備註和來源；再一併記錄全部變更，有任何問題則一條也不記錄。未填寫的行和已記錄過的行自動跳過。",
    ],
    importLimits: [
      "Limits: at most {rows} rows and {size} per file; split a larger file.",
      "限制：每个文件最多 {rows} 行、{size}；更大的文件请拆分。",
      "限制：每個文件最多 {rows} 行、{size}；更大的文件請拆分。",
    ],
    tooLarge: [
      "The file is too large: at most {size} per upload. Split it into several files (at most {rows} rows each), or save it as .xlsx, which is smaller.",
      "文件太大：每次上传最多 {size}。请拆分为几个文件（每个最多 {rows} 行），或另存为更小的 .xlsx。",
      "文件太大：每次上傳最多 {size}。請拆分為幾個文件（每個最多 {rows} 行），或另存為更小的 .xlsx。",
    ],
    sheetXlsx: ["My platforms' sheet (Excel)", "我的平台表（Excel）", "我的平台表（Excel）"],
    sheetCsv: ["My platforms' sheet (CSV)", "我的平台表（CSV）", "我的平台表（CSV）"],
    template: ["Empty template (CSV)", "空白模板（CSV）", "空白模板（CSV）"],
    historyXlsx: ["Status history (Excel)", "状态变更历史（Excel）", "狀態變更歷史（Excel）"],
    historyCsv: ["Status history (CSV)", "状态变更历史（CSV）", "狀態變更歷史（CSV）"],
    csvFile: ["Spreadsheet (.xlsx or .csv)", "表格文件（.xlsx 或 .csv）", "表格文件（.xlsx 或 .csv）"],
    readAs: ["Read as", "读取格式", "讀取格式"],
    unchanged: ["rows without a change, skipped:", "无变更（跳过）行数：", "無變更（跳過）行數："],
    nothingToChange: [
      "Nothing to change: no row of the file asks for a change.",
      "没有需要变更的内容：文件中没有要求变更的行。",
      "沒有需要變更的內容：文件中沒有要求變更的行。",
    ],
    preview: ["Check and preview", "检查并预览", "檢查並預覽"],
    confirmImport: ["Confirm and record", "确认并记录", "確認並記錄"],
    chooseFile: ["Choose a file first.", "请先选择文件。", "請先選擇文件。"],
    problems: ["Problems (nothing was recorded)", "问题（未记录任何变更）", "問題（未記錄任何變更）"],
    rows: ["Rows", "各行", "各行"],
    row: ["Row", "行", "行"],
    column: ["Column", "列", "列"],
    code: ["Code", "代码", "代碼"],
    message: ["Message", "说明", "說明"],
    platform: ["Platform", "平台", "平台"],
    outcome: ["Outcome", "结果", "結果"],
    previewOk: ["The file is good: changes to record:", "文件无误，待记录变更：", "文件無誤，待記錄變更："],
    previewBad: ["The file has problems; nothing was recorded. Problems:", "文件有问题，未记录任何变更。问题数：", "文件有問題，未記錄任何變更。問題數："],
    importDone: ["Recorded changes:", "已记录变更：", "已記錄變更："],
    alreadyRecorded: ["already recorded, skipped:", "已记录过（跳过）：", "已記錄過（跳過）："],
    CHANGE: ["change", "变更", "變更"],
    ALREADY_RECORDED: ["already recorded", "已记录过", "已記錄過"],
    INVALID: ["problem", "有问题", "有問題"],
    progressTitle: ["Plan progress", "计划进度", "計劃進度"],
    progressHelp: [
      "Each numeric target of the plan against the figure the city published for its year, and the registry's own count (on the date chosen) where a counting rule applies.",
      "计划中的每项数量目标与该年度官方公布的数据对照，以及有计数规则时本登记库（所选日期）的计数。",
      "計劃中的每項數量目標與該年度官方公佈的數據對照，以及有計數規則時本登記庫（所選日期）的計數。",
    ],
    asOf: ["As of", "截至日期", "截至日期"],
    presetPlan: ["Plan issued (2018-09-14)", "计划印发（2018-09-14）", "計劃印發（2018-09-14）"],
    presetEnd: ["Plan's end (2020-12-31)", "计划期末（2020-12-31）", "計劃期末（2020-12-31）"],
    presetToday: ["Today", "今天", "今天"],
    print: ["Print", "打印", "打印"],
    asOfLine: ["Registry counts as of", "登记库计数截至", "登記庫計數截至"],
    reportedFigure: ["Published figure", "官方公布数据", "官方公佈數據"],
    againstPlan: ["Against the plan", "对照计划", "對照計劃"],
    MET: ["met", "已达到", "已達到"],
    BEHIND: ["behind", "未达到", "未達到"],
    NO_PUBLIC_FIGURE: ["no public figure", "无公开数据", "無公開數據"],
    year: ["Year", "年份", "年份"],
    metric: ["Target", "指标", "指標"],
    planFigure: ["Plan's figure", "计划目标", "計劃目標"],
    registryCount: ["Registry count", "登记库计数", "登記庫計數"],
    standing: ["Standing", "进展", "進展"],
    behind: ["behind", "落后", "落後"],
    met: ["met", "已达到", "已達到"],
    noRule: ["not counted", "无计数规则", "無計數規則"],
    loading: ["Loading…", "加载中…", "加載中…"],
    forbidden: ["You may not do this: the platform is outside your scope.", "无权操作：该平台不在您的权限范围内。", "無權操作：該平台不在您的權限範圍內。"],
    notFound: ["No such platform.", "没有这个平台。", "沒有這個平台。"],
    unavailable: ["The registry is unavailable; try again shortly.", "登记系统暂不可用，请稍后再试。", "登記系統暫不可用，請稍後再試。"],
    required: ["Required.", "必填。", "必填。"],
    futureDate: ["The date is in the future (Guangzhou time).", "日期晚于今天（广州时间）。", "日期晚於今天（廣州時間）。"],
    needSource: ["A change needs a source title.", "状态变更需要填写来源标题。", "狀態變更需要填寫來源標題。"],
  };
  var PLURALS = {
    mayChange: {
      one: ["may change {n} platform", "可修改 {n} 个平台", "可修改 {n} 個平台"],
      other: ["may change {n} platforms", "可修改 {n} 个平台", "可修改 {n} 個平台"],
    },
    shown: { one: ["{n} platform shown", "显示 {n} 个平台", "顯示 {n} 個平台"], other: ["{n} platforms shown", "显示 {n} 个平台", "顯示 {n} 個平台"] },
  };
  var lang = I.initial();
  /** The second language, in small type beside the first: English for Chinese pages, else Simplified. */
  function other() {
    return lang === "en" ? "zh-CN" : "en";
  }
  function word(key, l) {
    return T[key] ? I.pick(T[key], l || lang) : key;
  }
  function statusWord(v, l) {
    return I.status(v, l || lang);
  }
  function kindWord(v, l) {
    return I.kind(v, l || lang);
  }
  function num(n) {
    return I.number(n, lang);
  }
  function day(iso) {
    return I.date(iso, lang);
  }
  /** A calendar date as a <time> element: the day in words, the ISO date in datetime. */
  function dayEl(iso, attrs) {
    return el("time", Object.assign({ datetime: iso, text: day(iso) }, attrs || {}));
  }
  function errorText(code, field) {
    return I.errorText(code, field, lang);
  }
  // Texts shown for a while (messages, errors) are kept as functions, so a language switch redraws them.
  function W(key) {
    return function () {
      return word(key);
    };
  }
  function E(code, field) {
    return function () {
      return errorText(code, field);
    };
  }
  function say(node, text) {
    node.__say = typeof text === "function" ? text : null;
    node.textContent = node.__say ? node.__say() : text || "";
  }
  /** "Primary · secondary", for places that hold text only (options, document title). */
  function both(key) {
    return word(key) + " · " + word(key, other());
  }
  function bothStatus(v) {
    return statusWord(v) + " · " + statusWord(v, other());
  }

  /** A label in the chosen language with the other beside it, each marked with its language. */
  function fillLabel(node, key) {
    node.textContent = "";
    node.appendChild(el("span", { class: "l1", lang: lang, text: word(key) }));
    node.appendChild(document.createTextNode(" "));
    node.appendChild(el("span", { class: "l2", lang: other(), text: word(key, other()) }));
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.body.dataset.lang = lang;
    document.title = both("title");
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (n) {
      fillLabel(n, n.getAttribute("data-i18n"));
    });
    I.renderSwitch($("lang-switch"), lang, chooseLanguage);
    Array.prototype.forEach.call(document.querySelectorAll("#message, .error"), function (n) {
      if (n.__say) n.textContent = n.__say();
    });
    fillSelects();
    renderWho();
    rerender();
  }

  // ---- small helpers -------------------------------------------------------------------------
  function $(id) {
    return document.getElementById(id);
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
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function show(id, on) {
    $(id).hidden = !on;
  }
  /** Today in Guangzhou (UTC+8): the latest effective date allowed. */
  function todayInGuangzhou() {
    return new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
  }
  function message(text, kind) {
    var m = $("message");
    say(m, text);
    m.className = "message" + (kind ? " " + kind : "");
    m.hidden = !text;
  }

  // ---- the API -------------------------------------------------------------------------------
  var token = null;
  try {
    token = sessionStorage.getItem(TOKEN_KEY);
  } catch (e) {
    token = null;
  }

  function ApiError(errors) {
    this.errors = errors;
    this.code = errors[0] && errors[0].extensions && errors[0].extensions.code;
    this.field = errors[0] && errors[0].extensions && errors[0].extensions.field;
    this.message = errors
      .map(function (e) {
        return e.message;
      })
      .join("; ");
  }

  function gql(query, variables, withToken) {
    var headers = { "content-type": "application/json", accept: "application/json" };
    var t = withToken === undefined ? token : withToken;
    if (t) headers.authorization = "Bearer " + t;
    return fetch("/graphql", { method: "POST", headers: headers, body: JSON.stringify({ query: query, variables: variables || {} }) })
      .then(function (res) {
        // a proxy in front may answer an oversized body with a page of its own: the status says it
        if (res.status === 413) throw new ApiError([{ message: "the request is too large", extensions: { code: "PAYLOAD_TOO_LARGE" } }]);
        return res.json();
      })
      .then(function (body) {
        if (body.errors && body.errors.length) throw new ApiError(body.errors);
        return body.data;
      });
  }

  /** A failed call: signs out on a refused token, else says what happened. */
  function fail(err) {
    if (err && err.code === "UNAUTHENTICATED") {
      signOut(W("tokenRefused"));
      return;
    }
    if (err && err.code === "FORBIDDEN") return message(W("forbidden"), "bad");
    if (err && err.code === "NOT_FOUND") return message(W("notFound"), "bad");
    if (err && err.code === "SERVICE_UNAVAILABLE") return message(W("unavailable"), "bad");
    message(E(err && err.code ? err.code : err instanceof ApiError ? "_" : "NETWORK", err && err.field), "bad");
  }

  // ---- state ---------------------------------------------------------------------------------
  var state = {
    viewer: null,
    districts: [],
    agencies: [],
    transitions: {},
    platforms: [],
    current: null, // the platform shown, as last read
    pendingChange: null, // a change refused by CONFLICT, kept until re-applied or dropped
    conflict: null,
    lastSaved: null,
    importResult: null,
    importFile: null, // the previewed file: its bytes (base64) and the preview's contentHash
    importSeq: 0, // bumped whenever the file changes: answers for an earlier file are dropped
    targets: null,
    generation: 0,
    busy: 0,
  };
  function busy(p) {
    state.busy++;
    document.body.dataset.state = "busy";
    return p.then(
      function (v) {
        done();
        return v;
      },
      function (e) {
        done();
        throw e;
      },
    );
    function done() {
      state.busy--;
      if (!state.busy) document.body.dataset.state = "ready";
      state.generation++;
    }
  }

  var HISTORY = "statusHistory { id from to effectiveDate recordedAt actor note correction source { title url publishedAt } }";
  var PLATFORM =
    "id nameHans nameHant nameEn kind status version updatedAt district { code nameHans nameHant nameEn } agencies { id nameHans nameHant nameEn } mentions { section excerpt } " +
    HISTORY;

  // The server's rule (src/modules/auth/scope.ts): a grant applies when its district (if any) is the
  // platform's and its agency (if any) is responsible for it; the server checks every write again.
  function isInScope(p) {
    var v = state.viewer;
    if (!v) return false;
    if (v.role === "ADMIN") return true;
    var agencies = (p.agencies || []).map(function (a) {
      return a.id;
    });
    var district = p.district ? p.district.code : null;
    return v.scope.grants.some(function (g) {
      return (g.districtCode === null || g.districtCode === district) && (g.agencyId === null || agencies.indexOf(g.agencyId) >= 0);
    });
  }

  // ---- sign in / out -------------------------------------------------------------------------
  function signIn(candidate) {
    return busy(
      gql(
        "{ viewer { tokenId name role expiresAt scope { grants { agencyId districtCode } platformCount platformsByDistrict { districtCode count } } } }",
        {},
        candidate,
      ),
    ).then(function (d) {
      if (!d.viewer) throw new ApiError([{ message: "no viewer", extensions: { code: "UNAUTHENTICATED" } }]);
      token = candidate;
      try {
        sessionStorage.setItem(TOKEN_KEY, candidate);
      } catch (e) {
        /* memory only */
      }
      state.viewer = d.viewer;
      renderWho();
      return loadReference();
    });
  }

  function signOut(why) {
    token = null;
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      /* nothing kept */
    }
    state.viewer = null;
    state.platforms = [];
    state.current = null;
    state.pendingChange = null;
    state.conflict = null;
    renderWho();
    if (location.hash && location.hash !== "#/progress") {
      state.keepMessage = true; // the hash change below must not clear what is said here
      location.hash = "";
    }
    route();
    message(why || W("signedOut"), why ? "bad" : "ok");
  }

  function renderWho() {
    var who = $("who");
    clear(who);
    var v = state.viewer;
    show("sign-out", !!v);
    show("nav-platforms", !!v);
    show("nav-import", !!v);
    if (!v) return;
    who.appendChild(document.createTextNode(word("signedInAs") + (lang === "en" ? ": " : "：")));
    who.appendChild(el("strong", { text: v.name }));
    var sep = lang === "en" ? ", " : "、";
    var scope = v.role === "ADMIN" ? word("admin") : word("editor") + ": " + I.list(v.scope.grants.map(grantName), lang);
    who.appendChild(document.createTextNode(" (" + scope + ")"));
    // how far the token reaches, as `token create` printed it: the count, then per district
    var n = v.scope.platformCount;
    var reach = I.plural(PLURALS.mayChange, n, lang);
    if (n) {
      reach +=
        (lang === "en" ? ": " : "：") +
        v.scope.platformsByDistrict
          .map(function (d) {
            return (d.districtCode ? districtName(d.districtCode) : word("noDistrict")) + " " + num(d.count);
          })
          .join(sep);
    }
    who.appendChild(el("br", {}));
    who.appendChild(el("span", { id: "who-reach", text: reach }));
    if (v.expiresAt) {
      who.appendChild(document.createTextNode(" · " + I.pick(T.expiresOn, lang, { date: I.dateTime(v.expiresAt, lang) })));
    }
  }

  function grantName(g) {
    if (g.agencyId && g.districtCode) return word("grantIn").replace("{agency}", agencyName(g.agencyId)).replace("{district}", districtName(g.districtCode));
    return g.agencyId ? agencyName(g.agencyId) : districtName(g.districtCode);
  }

  function districtName(code) {
    var d = state.districts.filter(function (x) {
      return x.code === code;
    })[0];
    return d ? I.nameOf(d, lang) : code;
  }
  function agencyName(id) {
    var a = state.agencies.filter(function (x) {
      return x.id === id;
    })[0];
    return a ? I.nameOf(a, lang) : id;
  }
  function platformName(p) {
    return I.nameOf(p, lang);
  }
  function platformOtherName(p) {
    return I.nameOf(p, other());
  }

  function loadReference() {
    return busy(gql("{ districts { code nameHans nameHant nameEn } agencies { id nameHans nameHant nameEn } statusTransitions { from to } }")).then(
      function (d) {
        state.districts = d.districts;
        state.agencies = d.agencies;
        state.transitions = {};
        d.statusTransitions.forEach(function (t) {
          state.transitions[t.from] = t.to;
        });
        fillSelects();
        renderWho();
      },
    );
  }

  // ---- selects -------------------------------------------------------------------------------
  function fillSelect(select, values, labelOf, withAll) {
    var keep = select.value;
    clear(select);
    if (withAll) select.appendChild(el("option", { value: "", text: both("all") }));
    values.forEach(function (v) {
      select.appendChild(el("option", { value: v, text: labelOf(v) }));
    });
    if (keep && values.indexOf(keep) >= 0) select.value = keep;
  }
  function fillSelects() {
    var ds = state.districts.map(function (d) {
      return d.code;
    });
    fillSelect(
      $("f-district"),
      ds,
      function (c) {
        var d = state.districts.filter(function (x) {
          return x.code === c;
        })[0];
        return I.nameOf(d, lang) + " · " + I.nameOf(d, other());
      },
      true,
    );
    fillSelect(
      $("f-kind"),
      config.kinds,
      function (k) {
        return kindWord(k) + " · " + kindWord(k, other());
      },
      true,
    );
    fillSelect($("f-status"), config.statuses, bothStatus, true);
    if (state.current) fillStatusChoices();
  }

  // ---- my platforms --------------------------------------------------------------------------
  var LIST =
    "query($f: PlatformFilter, $after: String) { platforms(filter: $f, first: 100, after: $after) { searchInterpretation { summaryHans summaryHant summaryEn } pageInfo { hasNextPage endCursor } nodes { id nameHans nameHant nameEn kind status version updatedAt district { code } agencies { id } statusHistory { effectiveDate recordedAt } } } }";
  var listTimer = null;
  function loadPlatforms() {
    var f = {};
    var q = $("f-q").value.trim();
    if (q) f.search = q;
    if ($("f-district").value) f.districts = [$("f-district").value];
    if ($("f-kind").value) f.kinds = [$("f-kind").value];
    if ($("f-status").value) f.statuses = [$("f-status").value];
    var all = [];
    function page(after) {
      return gql(LIST, { f: f, after: after }).then(function (d) {
        if (!after) state.searchReading = d.platforms.searchInterpretation;
        all = all.concat(d.platforms.nodes);
        return d.platforms.pageInfo.hasNextPage ? page(d.platforms.pageInfo.endCursor) : all;
      });
    }
    return busy(page(null)).then(function (nodes) {
      state.platforms = nodes.filter(isInScope);
      renderPlatforms();
    }, fail);
  }

  function renderPlatforms() {
    var body = $("platform-rows");
    clear(body);
    state.platforms.forEach(function (p) {
      var last = p.statusHistory[0];
      body.appendChild(
        el("tr", { "data-id": p.id }, [
          el("td", null, [
            el("a", { href: "#/platform/" + encodeURIComponent(p.id), lang: lang, text: platformName(p) }),
            el("br"),
            el("span", { class: "alt", lang: other(), text: platformOtherName(p) }),
          ]),
          el("td", { text: p.district ? districtName(p.district.code) : "—" }),
          el("td", { text: kindWord(p.kind) }),
          el("td", null, [el("span", { class: "badge s-" + p.status, text: statusWord(p.status) })]),
          el("td", { class: "num", text: String(p.version) }),
          el("td", null, [last ? dayEl(last.effectiveDate) : "—"]),
        ]),
      );
    });
    $("list-count").textContent = I.plural(PLURALS.shown, state.platforms.length, lang);
    // how the server read the search: the districts and domains it names become filters ("黄埔区 · 生物医药")
    var r = state.searchReading;
    $("search-reading").hidden = !r;
    $("search-reading").textContent = r
      ? I.pick(T.searchReadAs, lang, { reading: lang === "en" ? r.summaryEn : lang === "zh-TW" ? r.summaryHant : r.summaryHans })
      : "";
  }

  // ---- one platform --------------------------------------------------------------------------
  function loadPlatform(id) {
    return busy(gql("query($id: ID!) { platform(id: $id) { " + PLATFORM + " } }", { id: id })).then(function (d) {
      if (!d.platform) return fail({ code: "NOT_FOUND" });
      state.current = d.platform;
      renderPlatform();
    }, fail);
  }

  function renderPlatform() {
    var p = state.current;
    if (!p) return;
    var h = $("platform-h");
    clear(h);
    h.appendChild(el("span", { lang: lang, text: platformName(p) }));
    h.appendChild(document.createTextNode(" "));
    h.appendChild(el("span", { class: "alt", lang: other(), text: platformOtherName(p) }));
    var facts = $("platform-facts");
    clear(facts);
    function fact(key, value, attrs) {
      var dt = el("dt");
      fillLabel(dt, key);
      facts.appendChild(dt);
      facts.appendChild(el("dd", attrs || null, [value]));
    }
    fact("currentStatus", el("span", { class: "badge s-" + p.status, id: "current-status", "data-status": p.status, text: statusWord(p.status) }));
    fact("version", el("span", { id: "current-version", text: String(p.version) }));
    fact("district", p.district ? I.nameOf(p.district, lang) : "—");
    fact("kind", kindWord(p.kind));
    fact(
      "agencies",
      p.agencies
        .map(function (a) {
          return I.nameOf(a, lang);
        })
        .join(lang === "en" ? "; " : "；") || "—",
    );
    fact("updatedAt", I.dateTime(p.updatedAt, lang));

    var editable = isInScope(p);
    show("out-of-scope", !editable);
    show("change-form", editable);
    show("correction-field", !!state.viewer && state.viewer.role === "ADMIN");
    if (!$("c-date").value) $("c-date").value = todayInGuangzhou();
    $("c-date").max = todayInGuangzhou();
    $("c-src-date").max = todayInGuangzhou();
    fillStatusChoices();
    renderHistory($("history"), p.statusHistory);
    var mentions = $("mentions");
    clear(mentions);
    p.mentions.forEach(function (m) {
      mentions.appendChild(el("li", null, [el("span", { class: "section", text: m.section }), " ", el("q", { lang: "zh-Hant", text: m.excerpt })]));
    });
    if (!p.mentions.length) mentions.appendChild(el("li", { text: word("noMentions") }));
    renderConflict();
  }

  function fillStatusChoices() {
    var p = state.current;
    if (!p) return;
    var correction = $("c-correction").checked && state.viewer && state.viewer.role === "ADMIN";
    var choices = correction
      ? config.statuses.filter(function (s) {
          return s !== p.status;
        })
      : state.transitions[p.status] || [];
    var select = $("c-status");
    var keep = select.value;
    clear(select);
    choices.forEach(function (s) {
      select.appendChild(el("option", { value: s, text: bothStatus(s) }));
    });
    if (keep && choices.indexOf(keep) >= 0) select.value = keep;
    $("c-submit").disabled = !choices.length;
    if (!choices.length) fieldError("c-status", W("noTransition"));
    else fieldError("c-status", null);
  }

  function renderHistory(list, events) {
    clear(list);
    events.forEach(function (e) {
      var li = el("li", { "data-event": e.id });
      li.appendChild(el("strong", { text: (e.from ? statusWord(e.from) + " → " : "") + statusWord(e.to) }));
      li.appendChild(document.createTextNode(" · "));
      li.appendChild(dayEl(e.effectiveDate));
      if (e.correction) li.appendChild(el("span", { class: "badge correction", text: word("correctionMark") }));
      li.appendChild(el("div", { class: "meta", text: word("by") + " " + e.actor + " · " + word("recorded") + " " + I.dateTime(e.recordedAt, lang) }));
      if (e.note) li.appendChild(el("div", { class: "note-text", text: e.note }));
      if (e.source) {
        var src = el("div", { class: "source" });
        if (e.source.url && /^https?:\/\//i.test(e.source.url))
          src.appendChild(el("a", { href: e.source.url, rel: "noopener noreferrer", text: e.source.title }));
        else src.appendChild(document.createTextNode(e.source.title));
        if (e.source.publishedAt) src.appendChild(el("span", null, [" (", dayEl(e.source.publishedAt), ")"]));
        li.appendChild(src);
      }
      list.appendChild(li);
    });
  }

  // ---- the change form -----------------------------------------------------------------------
  var FIELD_CONTROLS = {
    status: "c-status",
    correction: "c-status",
    effectiveDate: "c-date",
    note: "c-note",
    source: "c-src-title",
    "source.title": "c-src-title",
    "source.url": "c-src-url",
    "source.publishedAt": "c-src-date",
  };
  function fieldError(controlId, text) {
    var err = $(controlId + "-err");
    var control = $(controlId);
    if (!err) return;
    say(err, text);
    err.hidden = !text;
    if (text) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  }
  function clearErrors() {
    ["c-status", "c-date", "c-note", "c-src-title", "c-src-url", "c-src-date"].forEach(function (id) {
      fieldError(id, null);
    });
    $("form-err").hidden = true;
  }
  function formError(text) {
    say($("form-err"), text);
    $("form-err").hidden = !text;
  }

  function readForm() {
    var correction = $("c-correction").checked && state.viewer.role === "ADMIN";
    var title = $("c-src-title").value.trim();
    var url = $("c-src-url").value.trim();
    var published = $("c-src-date").value;
    return {
      id: state.current.id,
      status: $("c-status").value,
      effectiveDate: $("c-date").value,
      note: $("c-note").value.trim() || null,
      source: title || url || published ? { title: title, url: url || null, publishedAt: published || null } : null,
      expectedVersion: state.current.version,
      correction: correction,
    };
  }

  /** What can be told without asking the server; the server checks everything again. */
  function checkForm(input) {
    var ok = true;
    if (!input.status) {
      fieldError("c-status", W("required"));
      ok = false;
    }
    if (!input.effectiveDate) {
      fieldError("c-date", W("required"));
      ok = false;
    } else if (input.effectiveDate > todayInGuangzhou()) {
      fieldError("c-date", W("futureDate"));
      ok = false;
    }
    if (!input.correction && !(input.source && input.source.title)) {
      fieldError("c-src-title", W("needSource"));
      ok = false;
    }
    return ok;
  }

  var UPDATE = "mutation($input: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $input) { " + PLATFORM + " } }";

  function submitChange(input) {
    clearErrors();
    if (!checkForm(input)) {
      var first = document.querySelector("#change-form [aria-invalid=true]");
      if (first) first.focus();
      return Promise.resolve(false);
    }
    return busy(gql(UPDATE, { input: input })).then(
      function (d) {
        state.current = d.updatePlatformStatus;
        state.pendingChange = null;
        state.conflict = null;
        state.lastSaved = { version: state.current.version, eventId: state.current.statusHistory[0].id };
        $("change-form").reset();
        $("c-date").value = todayInGuangzhou();
        renderPlatform();
        var version = state.current.version;
        message(function () {
          return word("saved") + " " + version + ".";
        }, "ok");
        return true;
      },
      function (err) {
        if (!(err instanceof ApiError)) return fail(err);
        var e = err.errors[0];
        var ext = e.extensions || {};
        if (err.code === "CONFLICT") return onConflict(input, ext.currentVersion);
        if (err.code === "BAD_USER_INPUT") {
          var placed = false;
          (ext.fields || (ext.field ? [{ field: ext.field, messages: [e.message] }] : [])).forEach(function (f) {
            var control = FIELD_CONTROLS[f.field.replace(/^input\./, "")];
            if (control) {
              fieldError(control, E("BAD_USER_INPUT", f.field));
              placed = true;
            }
          });
          if (!placed) formError(E("BAD_USER_INPUT", ext.field));
          var first = document.querySelector("#change-form [aria-invalid=true]");
          if (first) first.focus();
          return false;
        }
        if (err.code === "FORBIDDEN") {
          formError(W("forbidden"));
          return false;
        }
        return fail(err);
      },
    );
  }

  /** Someone else changed the platform first: read it again and show what changed; keep the user's change. */
  function onConflict(input, currentVersion) {
    var known = {};
    (state.current ? state.current.statusHistory : []).forEach(function (e) {
      known[e.id] = true;
    });
    return busy(gql("query($id: ID!) { platform(id: $id) { " + PLATFORM + " } }", { id: input.id })).then(function (d) {
      state.current = d.platform;
      state.pendingChange = input;
      state.conflict = {
        currentVersion: currentVersion || d.platform.version,
        newer: d.platform.statusHistory.filter(function (e) {
          return !known[e.id];
        }),
      };
      renderPlatform();
      $("conflict-reapply").focus();
      return false;
    }, fail);
  }

  function renderConflict() {
    var c = state.conflict;
    show("conflict", !!c);
    if (!c) return;
    $("conflict-text").textContent = word("conflictText") + " " + state.current.version + ". " + word("conflictNewer");
    renderHistory($("conflict-events"), c.newer);
  }

  function reapply() {
    if (!state.pendingChange) return;
    var input = Object.assign({}, state.pendingChange, { expectedVersion: state.current.version });
    state.conflict = null;
    renderConflict();
    return submitChange(input);
  }

  function drop() {
    state.pendingChange = null;
    state.conflict = null;
    $("change-form").reset();
    $("c-date").value = todayInGuangzhou();
    clearErrors();
    renderPlatform();
    message(W("dropped"), "ok");
    $("c-status").focus();
  }

  // ---- spreadsheet ---------------------------------------------------------------------------
  // The file's bytes go to the API as they are (base64): the server reads every encoding and .xlsx.
  // Confirm sends the very bytes that were previewed, with the preview's contentHash, so the server
  // refuses anything else; choosing another file forgets the preview and disables Confirm.
  var IMPORT =
    "mutation($file: String, $dryRun: Boolean, $expectedHash: String) { importStatusUpdates(file: $file, dryRun: $dryRun, expectedHash: $expectedHash) { dryRun applied changed alreadyRecorded unchanged format contentHash rows { row platformId status outcome from version effectiveDate note sourceTitle } problems { row column code message currentVersion } } }";

  function fill(text) {
    return text.replace("{rows}", num(config.maxRows)).replace("{size}", sizeText(config.maxFileBytes));
  }
  function sizeText(n) {
    return n >= 1048576 ? I.number(Math.round(n / 104857.6) / 10, lang) + " MB" : num(Math.floor(n / 1024)) + " KB";
  }

  function toBase64(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = "";
    for (var i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(out);
  }

  function readFile(file) {
    if (typeof file.arrayBuffer === "function") return file.arrayBuffer();
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () {
        resolve(r.result);
      };
      r.onerror = function () {
        reject(r.error);
      };
      r.readAsArrayBuffer(file);
    });
  }

  function fileError(text) {
    say($("csv-err"), text);
    $("csv-err").hidden = !text;
    if (text) $("csv-file").setAttribute("aria-invalid", "true");
    else $("csv-file").removeAttribute("aria-invalid");
  }

  /** A new file: every earlier result goes, and Confirm waits for this file's preview. */
  function fileChosen() {
    state.importSeq++;
    state.importFile = null;
    state.importResult = null;
    $("import-confirm").disabled = true;
    fileError(null);
    message("", null);
    renderImport();
  }

  function checkImport() {
    fileChosen();
    var seq = state.importSeq;
    var file = $("csv-file").files[0];
    if (!file) {
      fileError(W("chooseFile"));
      return Promise.resolve();
    }
    if (file.size > config.maxFileBytes) {
      fileError(function () {
        return fill(word("tooLarge"));
      });
      return Promise.resolve();
    }
    return readFile(file).then(
      function (buffer) {
        if (seq !== state.importSeq) return;
        var previewed = { base64: toBase64(buffer), hash: null };
        return runImport(previewed, true, seq);
      },
      function () {
        fileError(E("BAD_USER_INPUT", "file"));
      },
    );
  }

  function runImport(previewed, dryRun, seq) {
    return busy(gql(IMPORT, { file: previewed.base64, dryRun: dryRun, expectedHash: dryRun ? null : previewed.hash })).then(
      function (d) {
        if (seq !== state.importSeq) return; // another file was chosen meanwhile: this answer is stale
        var r = d.importStatusUpdates;
        state.importResult = r;
        if (dryRun) {
          previewed.hash = r.contentHash;
          state.importFile = previewed;
        } else {
          state.importFile = null;
          $("csv-file").value = "";
        }
        message("", null);
        renderImport();
        $("import-confirm").disabled = !(dryRun && !r.problems.length && r.changed > 0);
        $("import-summary").focus();
      },
      function (err) {
        if (seq !== state.importSeq) return;
        if (err && err.code === "PAYLOAD_TOO_LARGE")
          return fileError(function () {
            return fill(word("tooLarge"));
          });
        fail(err);
      },
    );
  }

  function confirmImport() {
    if (!state.importFile || !state.importFile.hash) return;
    $("import-confirm").disabled = true;
    return runImport(state.importFile, false, state.importSeq);
  }

  /** The pre-filled sheet: fetched with the token (a link cannot send it), then saved as a file. */
  function downloadSheet(ext) {
    var name = "status-sheet." + ext;
    return busy(
      fetch("/desk/sheet." + ext, { headers: { authorization: "Bearer " + token } }).then(function (res) {
        if (res.status === 401) throw new ApiError([{ message: "token refused", extensions: { code: "UNAUTHENTICATED" } }]);
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.blob();
      }),
    ).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var a = el("a", { href: url, download: name, hidden: "" });
      document.body.appendChild(a);
      a.click();
      document.body.removeChild(a);
      setTimeout(function () {
        URL.revokeObjectURL(url);
      }, 10000);
    }, fail);
  }

  function renderImport() {
    $("import-limits").textContent = fill(word("importLimits"));
    var r = state.importResult;
    var summary = $("import-summary");
    summary.setAttribute("tabindex", "-1");
    show("import-problems", !!r && r.problems.length > 0);
    show("import-rows", !!r && r.rows.length > 0);
    if (!r) {
      summary.textContent = "";
      summary.className = "";
      clear($("import-problem-rows"));
      clear($("import-row-rows"));
      return;
    }
    var skipped = r.unchanged ? "; " + word("unchanged") + " " + num(r.unchanged) : "";
    var read = " (" + word("readAs") + ": " + r.format + ")";
    if (r.problems.length) summary.textContent = word("previewBad") + " " + num(r.problems.length) + "." + read;
    else if (!r.changed && !r.alreadyRecorded) summary.textContent = word("nothingToChange") + skipped.replace(/^; /, " ") + read;
    else if (r.dryRun)
      summary.textContent = word("previewOk") + " " + num(r.changed) + "; " + word("alreadyRecorded") + " " + num(r.alreadyRecorded) + skipped + "." + read;
    else summary.textContent = word("importDone") + " " + num(r.changed) + "; " + word("alreadyRecorded") + " " + num(r.alreadyRecorded) + skipped + ".";
    summary.className = r.problems.length ? "bad" : "ok";
    var pb = $("import-problem-rows");
    clear(pb);
    r.problems.forEach(function (p) {
      pb.appendChild(
        el("tr", { "data-row": String(p.row), "data-column": p.column || "" }, [
          el("td", { class: "num", text: String(p.row) }),
          el("td", { text: p.column || "—" }),
          el("td", { text: p.code }),
          el("td", { text: errorText(p.code, p.column) }),
        ]),
      );
    });
    var rb = $("import-row-rows");
    clear(rb);
    r.rows.forEach(function (x) {
      rb.appendChild(
        el("tr", { "data-row": String(x.row), "data-outcome": x.outcome }, [
          el("td", { class: "num", text: String(x.row) }),
          el("td", { text: x.platformId }),
          el("td", { text: x.status ? (x.from ? statusWord(x.from) + " → " : "") + statusWord(x.status) : "—" }),
          el("td", null, [x.effectiveDate ? dayEl(x.effectiveDate) : "—"]),
          el("td", { class: "note-cell", text: x.note || "" }),
          el("td", { class: "source-cell", text: x.sourceTitle || "" }),
          el("td", { text: word(x.outcome) }),
          el("td", { class: "num", text: x.version == null ? "—" : String(x.version) }),
        ]),
      );
    });
  }

  // ---- plan progress -------------------------------------------------------------------------
  var TARGETS =
    "query ($asOf: Date) { targets(asOf: $asOf) { id year metricEn metricHans metricHant valueMin valueMax unit comparator registryCount progress " +
    "reported { year value unit note source { title publisher publishedAt url } } } }";
  /** The date the registry's counts are read on: the chosen one, or today. */
  function progressDate() {
    var v = $("asof-date").value;
    return /^\d{4}-\d{2}-\d{2}$/.test(v) && v <= todayInGuangzhou() ? v : todayInGuangzhou();
  }

  function loadTargets() {
    var asOf = progressDate();
    if (state.targets && state.targetsAsOf === asOf) return Promise.resolve(renderTargets());
    return busy(gql(TARGETS, { asOf: asOf })).then(function (d) {
      if (asOf !== progressDate()) return; // a newer date won
      state.targetsAsOf = asOf;
      state.targets = d.targets.slice().sort(function (a, b) {
        return (a.year || 9999) - (b.year || 9999) || (a.registryCount == null) - (b.registryCount == null);
      });
      renderTargets();
    }, fail);
  }

  function renderTargets() {
    var body = $("target-rows");
    clear(body);
    var asOf = state.targetsAsOf || progressDate();
    $("asof-date").max = todayInGuangzhou();
    if (!$("asof-date").value) $("asof-date").value = asOf;
    Array.prototype.forEach.call(document.querySelectorAll("#progress-asof [data-asof]"), function (b) {
      var d = b.getAttribute("data-asof") === "today" ? todayInGuangzhou() : b.getAttribute("data-asof");
      b.setAttribute("aria-pressed", String(d === asOf));
    });
    var line = $("progress-asof-line");
    clear(line);
    line.appendChild(el("span", { lang: lang, text: word("asOfLine") + " " + day(asOf) }));
    (state.targets || []).forEach(function (t) {
      var figure =
        (t.comparator ? t.comparator + " " : "") + (t.valueMin === t.valueMax ? num(t.valueMin) : num(t.valueMin) + "–" + num(t.valueMax)) + " " + t.unit;
      var standing = t.registryCount == null ? "noRule" : t.registryCount >= t.valueMin ? "met" : "behind";
      var f = (t.reported || []).filter(function (x) {
        return x.year === t.year;
      })[0];
      var src = f && f.source;
      var url = src && /^https?:\/\//i.test(src.url || "") ? src.url : null;
      var published = f
        ? el("div", null, [
            el("span", { class: "num", text: num(f.value) + " " + f.unit }),
            el("div", { class: "hint" }, [
              url ? el("a", { href: url, rel: "noopener noreferrer", target: "_blank", text: src.title }) : src.title,
              " (" + src.publisher + ", " + src.publishedAt + ")",
            ]),
          ])
        : "—";
      body.appendChild(
        el("tr", { "data-target": t.id, "data-standing": standing, "data-progress": t.progress }, [
          el("td", { class: "num", text: t.year == null ? "—" : String(t.year) }),
          el("td", { lang: lang, text: lang === "en" ? t.metricEn : lang === "zh-TW" ? t.metricHant : t.metricHans }),
          el("td", { text: figure }),
          el("td", null, [published]),
          el("td", null, [el("span", { class: "badge pg-" + t.progress, text: word(t.progress) })]),
          el("td", { class: "num", text: t.registryCount == null ? "—" : num(t.registryCount) }),
          el("td", null, [el("span", { class: "badge st-" + standing, text: word(standing) })]),
        ]),
      );
    });
  }

  // ---- views ---------------------------------------------------------------------------------
  function route() {
    var hash = location.hash || "";
    var views = ["signin", "platforms", "platform", "import", "progress"];
    var view;
    var m = /^#\/platform\/(.+)$/.exec(hash);
    if (hash === "#/progress") view = "progress";
    else if (!state.viewer) view = "signin";
    else if (m) view = "platform";
    else if (hash === "#/import") view = "import";
    else view = "platforms";
    views.forEach(function (v) {
      show("view-" + v, v === view);
    });
    ["platforms", "import", "progress"].forEach(function (v) {
      if (v === view) $("nav-" + v).setAttribute("aria-current", "page");
      else $("nav-" + v).removeAttribute("aria-current");
    });
    state.view = view;
    if (view === "platforms") return loadPlatforms();
    if (view === "platform") {
      var id = decodeURIComponent(m[1]);
      if (!state.current || state.current.id !== id) {
        state.current = null;
        state.conflict = null;
        state.pendingChange = null;
        $("change-form").reset();
        clearErrors();
      }
      return loadPlatform(id);
    }
    if (view === "progress") return loadTargets();
    if (view === "signin") {
      renderImport();
      return Promise.resolve();
    }
    return Promise.resolve();
  }

  function rerender() {
    if (state.view === "platforms") renderPlatforms();
    if (state.view === "platform") renderPlatform();
    if (state.view === "import") renderImport();
    if (state.view === "progress") renderTargets();
  }

  // ---- wiring --------------------------------------------------------------------------------
  function chooseLanguage(l) {
    lang = l;
    I.remember(l);
    applyLanguage();
    var pressed = $("lang-" + l);
    if (pressed) pressed.focus(); // the switch was drawn again: keep the focus on the choice
  }
  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var t = $("token").value.trim();
    $("token-err").hidden = true;
    $("token").removeAttribute("aria-invalid");
    if (!t) {
      say($("token-err"), W("tokenRequired"));
      $("token-err").hidden = false;
      $("token").setAttribute("aria-invalid", "true");
      $("token").focus();
      return;
    }
    signIn(t).then(
      function () {
        $("token").value = "";
        message("", null);
        if (!location.hash || location.hash === "#/") location.hash = "#/platforms";
        else route();
      },
      function (err) {
        var refused = err && err.code === "UNAUTHENTICATED";
        say($("token-err"), refused ? W("tokenRefused") : E(err && err.code ? err.code : "NETWORK"));
        $("token-err").hidden = false;
        $("token").setAttribute("aria-invalid", "true");
        $("token").focus();
      },
    );
  });
  $("sign-out").addEventListener("click", function () {
    signOut();
  });
  $("filters").addEventListener("submit", function (ev) {
    ev.preventDefault();
    loadPlatforms();
  });
  $("f-q").addEventListener("input", function () {
    clearTimeout(listTimer);
    listTimer = setTimeout(loadPlatforms, 250);
  });
  ["f-district", "f-kind", "f-status"].forEach(function (id) {
    $(id).addEventListener("change", loadPlatforms);
  });
  $("c-correction").addEventListener("change", fillStatusChoices);
  $("change-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (state.current) submitChange(readForm());
  });
  $("conflict-reapply").addEventListener("click", reapply);
  $("conflict-drop").addEventListener("click", drop);
  $("import-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    checkImport();
  });
  $("import-confirm").addEventListener("click", confirmImport);
  $("csv-file").addEventListener("change", fileChosen);
  $("sheet-xlsx").addEventListener("click", function () {
    downloadSheet("xlsx");
  });
  $("sheet-csv").addEventListener("click", function () {
    downloadSheet("csv");
  });
  $("progress-asof").addEventListener("submit", function (ev) {
    ev.preventDefault();
    loadTargets();
  });
  $("asof-date").addEventListener("change", function () {
    loadTargets();
  });
  $("progress-asof").addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("[data-asof]");
    if (b) {
      var d = b.getAttribute("data-asof");
      $("asof-date").value = d === "today" ? todayInGuangzhou() : d;
      loadTargets();
    } else if (ev.target.closest && ev.target.closest("#progress-print")) window.print();
  });
  window.addEventListener("hashchange", function () {
    if (state.keepMessage) state.keepMessage = false;
    else message("", null);
    route();
  });

  window.__desk = {
    state: state,
    busy: function () {
      return state.busy > 0;
    },
    signedIn: function () {
      return !!state.viewer;
    },
    storedToken: function () {
      try {
        return sessionStorage.getItem(TOKEN_KEY);
      } catch (e) {
        return null;
      }
    },
  };

  applyLanguage();
  var startup = token
    ? signIn(token).catch(function (err) {
        if (err && err.code === "UNAUTHENTICATED") signOut(W("tokenRefused"));
        else fail(err);
      })
    : Promise.resolve();
  busy(startup.then(route, route)).catch(function () {
    /* reported */
  });
})();
