// ava-router panel: pre-flight lights, trigger highlights, "pick a different tool", and the
// analyst's failure-graph view. Plain DOM, no framework, no external assets. User text only ever
// reaches the page through textContent / createTextNode, never innerHTML.
"use strict";

(() => {
  const DEBOUNCE_MS = 250;
  const TOP_K = 5;
  const LEVELS = { green: 0, yellow: 1, red: 2 };
  const LEVEL_LABEL = { green: "Green", yellow: "Yellow", red: "Red" };
  const LEVEL_SAYS = { green: "low risk", yellow: "some risk", red: "high risk" };

  const $ = (id) => document.getElementById(id);

  /** Build an element; string children become text nodes, so user text is never parsed. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // ---------------------------------------------------------------- API access

  class ApiProblem extends Error {
    constructor(title, detail, errors, status) {
      super(detail ? `${title}: ${detail}` : title);
      this.title = title;
      this.detail = detail || "";
      this.errors = Array.isArray(errors) ? errors : [];
      this.status = status || 0;
    }
  }

  function problemFrom(status, body) {
    if (body && typeof body === "object" && (body.title || body.detail)) {
      return new ApiProblem(body.title || `HTTP ${status}`, body.detail, body.errors, status);
    }
    return new ApiProblem(`The API answered HTTP ${status}`, "No explanation was given.", [], status);
  }

  /** GET (no body) or POST JSON; resolves to the parsed answer or throws ApiProblem/AbortError. */
  async function api(path, options = {}) {
    const { body, signal } = options;
    const init = { method: body === undefined ? "GET" : "POST", signal,
      headers: { accept: "application/json" } };
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiProblem("Cannot reach the ava-router API",
        "The server did not answer. Check that it is running, then edit the prompt to retry.");
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!res.ok) throw problemFrom(res.status, data);
    if (data === null) throw new ApiProblem("Unexpected answer", "The API returned no JSON.");
    return data;
  }

  /** Show an error in a panel's alert box (or hide it with `null`). */
  function showError(box, err) {
    box.replaceChildren();
    if (!err) { box.hidden = true; return; }
    const title = err instanceof ApiProblem ? err.title : "Something went wrong";
    const detail = err instanceof ApiProblem ? err.detail : String(err && err.message || err);
    box.append(el("p", { class: "error-title" }, el("strong", { text: title })));
    if (detail) box.append(el("p", { text: detail }));
    const fields = err instanceof ApiProblem ? err.errors : [];
    if (fields.length) {
      box.append(el("ul", {}, fields.map((e) => el("li", {},
        el("code", { text: String(e.field || "request") }), ` ${e.message || ""}`))));
    }
    box.hidden = false;
  }

  const money = (usd) => (typeof usd === "number" ? `$${usd.toFixed(2)}` : "price not published");
  const pct = (x) => `${Math.round(x * 100)}%`;

  // ---------------------------------------------------------------- catalog state

  const state = { vendors: [], vendorById: new Map(), modelNames: new Map(), failures: [],
    wantFailure: null };

  function indexVendors(list) {
    state.vendors = list;
    for (const v of list) {
      state.vendorById.set(v.id, v);
      for (const alias of v.aliases || []) state.vendorById.set(alias.toLowerCase(), v);
      for (const m of v.models) state.modelNames.set(m.id, m.name);
    }
  }

  const vendorName = (id) => (state.vendorById.get(id) || { name: id }).name;
  const modelName = (id) => state.modelNames.get(id) || id;

  function fillVendorSelect(select, firstOption) {
    select.replaceChildren();
    if (firstOption) select.append(el("option", { value: "", text: firstOption }));
    for (const v of state.vendors) select.append(el("option", { value: v.id, text: v.name }));
  }

  function fillModelSelect(vendorId, wanted) {
    const select = $("model");
    select.replaceChildren(el("option", { value: "", text: "Best available for this prompt" }));
    const vendor = state.vendorById.get(vendorId);
    for (const m of vendor ? vendor.models : []) {
      const off = m.status === "retired" || m.status === "deprecated";
      select.append(el("option", { value: m.id, text: off ? `${m.name} (${m.status})` : m.name }));
    }
    select.value = wanted && vendor && vendor.models.some((m) => m.id === wanted) ? wanted : "";
  }

  // ---------------------------------------------------------------- highlighting

  /** Per feature: the worst level among the classes it triggers, and their names. */
  function featureLevels(classes) {
    const out = new Map();
    for (const cls of classes) {
      if (cls.risk <= 0) continue;
      for (const t of cls.triggers) {
        const seen = out.get(t.feature) || { level: "green", classes: [] };
        if (LEVELS[cls.level] > LEVELS[seen.level]) seen.level = cls.level;
        seen.classes.push(cls.name);
        out.set(t.feature, seen);
      }
    }
    return out;
  }

  /** Split `text` at every span edge; each covered piece becomes one <mark>. */
  function renderHighlights(container, text, features, levels) {
    const spans = [];
    for (const f of features) {
      const info = levels.get(f.id);
      if (!info) continue;
      for (const [a, b] of f.spans_utf16 || []) {
        const start = Math.max(0, Math.min(a, text.length));
        const end = Math.max(start, Math.min(b, text.length));
        if (end > start) spans.push({ start, end, feature: f.id, ...info });
      }
    }
    const cuts = [...new Set([0, text.length, ...spans.flatMap((s) => [s.start, s.end])])]
      .sort((x, y) => x - y);
    container.replaceChildren();
    for (let i = 0; i + 1 < cuts.length; i += 1) {
      const [a, b] = [cuts[i], cuts[i + 1]];
      const piece = text.slice(a, b);
      const over = spans.filter((s) => s.start <= a && s.end >= b);
      if (!over.length) { container.append(document.createTextNode(piece)); continue; }
      const level = over.reduce((w, s) => (LEVELS[s.level] > LEVELS[w] ? s.level : w), "green");
      const tip = [...new Set(over.map((s) => `${s.feature} → ${s.classes.join(", ")}`))].join("; ");
      container.append(el("mark", { class: `lv-${level}`, title: `${LEVEL_SAYS[level]}: ${tip}`,
        "data-tip": `${LEVEL_LABEL[level]}: ${tip}`, "data-features": over.map((s) => s.feature).join(" "),
        tabindex: "0" }, piece));
    }
    if (!spans.length) container.append(el("span", { class: "hint", text: "  (no trigger words)" }));
  }

  // ---------------------------------------------------------------- pre-flight rendering

  function badge(level, extra) {
    return el("span", { class: `badge lv-${level}` }, el("span", { class: "dot", "aria-hidden": "true" }),
      `${LEVEL_LABEL[level]}${extra ? ` · ${extra}` : ""}`);
  }

  /** The words of the prompt behind one trigger, quoted and de-duplicated. */
  function words(text, spans) {
    return [...new Set((spans || []).map(([a, b]) => text.slice(a, b)))].map((w) => `“${w}”`).join(", ");
  }

  function renderVerdict(pf) {
    const box = $("overall");
    const who = `${vendorName(pf.vendor)} · ${modelName(pf.model)}`;
    const cost = typeof pf.est_cost_usd === "number"
      ? `about ${money(pf.est_cost_usd)} for ${pf.duration_s} s` : "no published USD price";
    box.replaceChildren(
      el("p", { class: "verdict" }, badge(pf.light, LEVEL_SAYS[pf.light]), " ", el("strong", { text: who })),
      el("p", { class: "meta", text: `Chance of at least one failure ${pct(pf.risk)} · ${cost}` }),
    );
    if (pf.problems && pf.problems.length) {
      box.append(el("ul", { class: "problems" }, pf.problems.map((p) =>
        el("li", {}, el("strong", { text: "Cannot take this shot: " }), p.detail))));
    }
  }

  function classItem(cls, text) {
    const body = el("div", { class: "cls-body" },
      el("h3", { class: "cls-name", text: cls.name }),
      cls.vendor_term ? el("p", { class: "term", text: `Vendor's term: “${cls.vendor_term}”` }) : null,
      el("p", { class: "meta", text: `Risk ${pct(cls.risk)} · model susceptibility ${pct(cls.susceptibility)}` }));
    if (cls.triggers.length && cls.risk > 0) {
      body.append(el("p", { class: "why" }, "Triggered by ", cls.triggers.map((t, i) => [
        i ? ", " : "", el("code", { text: t.feature }), t.spans_utf16.length ? ` (${words(text, t.spans_utf16)})` : "",
      ])));
    }
    if (cls.rewrite.length) {
      body.append(el("p", { class: "advice-h", text: "Rewrite:" }),
        el("ul", { class: "advice" }, cls.rewrite.map((r) => el("li", { text: r }))));
    }
    return el("li", { class: `cls lv-${cls.level}`, "data-failure": cls.failure_id, "data-level": cls.level },
      badge(cls.level), body);
  }

  function renderClasses(pf, text) {
    // Yellow and red first; green ones fold away, those this prompt touches at the top.
    const flagged = pf.classes.filter((c) => c.level !== "green");
    const greens = pf.classes.filter((c) => c.level === "green");
    const touched = greens.filter((c) => c.risk > 0).length;
    const list = $("classes");
    list.replaceChildren(...flagged.map((c) => classItem(c, text)));
    if (!flagged.length) {
      list.append(el("li", { class: "none", text: "No failure class is yellow or red for this prompt." }));
    }
    const details = $("green-classes");
    details.querySelector("summary").textContent = `${greens.length} green (low-risk) ` +
      `${greens.length === 1 ? "class" : "classes"}${touched ? `, ${touched} touched by this prompt` : ""}`;
    details.querySelector("ul").replaceChildren(...greens.map((c) => classItem(c, text)));
    details.hidden = !greens.length;
  }

  function candidateItem(c, current, rank) {
    const isCurrent = c.model === current;
    const reasons = c.reasons.map((r) => el("li", { class: `reason reason-${r.kind}` }, r.message,
      r.features && r.features.length ? el("span", { class: "hint" },
        ` (${[...new Set(r.features.map((f) => f.id))].join(", ")})`) : null));
    const use = el("button", { type: "button", class: "use", "data-vendor": c.vendor, "data-model": c.model,
      "aria-label": `Check on this model: ${modelName(c.model)}` }, "Check on this model");
    return el("li", { class: isCurrent ? "cand current" : "cand", "data-model": c.model, "data-vendor": c.vendor },
      el("div", { class: "cand-head" },
        el("span", { class: "rank", "aria-hidden": "true", text: String(rank) }),
        el("div", {}, el("strong", { class: "cand-model", text: modelName(c.model) }),
          el("span", { class: "cand-vendor", text: ` · ${vendorName(c.vendor)}` }),
          isCurrent ? el("span", { class: "tag", text: "your model" }) : null),
        isCurrent ? null : use),
      el("p", { class: "meta" }, `Cost ${money(c.est_cost_usd)} · any-failure risk ${pct(c.risk)} · score ${c.score.toFixed(2)}`),
      reasons.length ? el("ul", { class: "reasons" }, reasons) : null);
  }

  function renderRoute(rt, current) {
    const list = $("candidates");
    list.replaceChildren(...rt.candidates.map((c, i) => candidateItem(c, current, i + 1)));
    if (!rt.candidates.length) {
      list.append(el("li", { class: "none", text: "No model can take this shot under these settings." }));
    }
    const ex = $("excluded");
    ex.querySelector("summary").textContent =
      `${rt.excluded.length} ${rt.excluded.length === 1 ? "model" : "models"} cannot take this shot`;
    ex.querySelector("ul").replaceChildren(...rt.excluded.map((x) => el("li", {},
      el("strong", { text: modelName(x.model) }), ` · ${vendorName(x.vendor)}: ${x.detail}`)));
    ex.hidden = !rt.excluded.length;
  }

  // ---------------------------------------------------------------- pre-flight requests

  let inflight = null;
  let timer = 0;

  function shotSettings() {
    const out = { mode: $("mode").value };
    const duration = $("duration").valueAsNumber;
    if (Number.isFinite(duration)) out.duration_s = duration;
    if ($("aspect").value) out.aspect_ratio = $("aspect").value;
    return out;
  }

  function syncUrl(prompt) {
    const params = new URLSearchParams();
    if (prompt) params.set("prompt", prompt);
    if ($("vendor").value) params.set("vendor", $("vendor").value);
    if ($("model").value) params.set("model", $("model").value);
    const query = params.toString();
    history.replaceState(null, "", query ? `?${query}` : location.pathname);
  }

  async function runPreflight() {
    clearTimeout(timer);
    if (inflight) inflight.abort();
    const prompt = $("prompt").value;
    const vendor = $("vendor").value;
    syncUrl(prompt);
    if (!prompt.trim() || !vendor) {
      inflight = null;
      $("results").hidden = true;
      showError($("error"), null);
      $("status").textContent = vendor ? "Type a prompt to check it." : "Choose a vendor.";
      return;
    }
    const controller = new AbortController();
    inflight = controller;
    const settings = shotSettings();
    const pfBody = { prompt, vendor, ...settings };
    if ($("model").value) pfBody.model = $("model").value;
    $("status").textContent = "Checking…";
    $("results").setAttribute("aria-busy", "true");
    try {
      const [pf, rt] = await Promise.all([
        api("/v1/preflight", { body: pfBody, signal: controller.signal }),
        api("/v1/route", { body: { prompt, ...settings, top_k: TOP_K }, signal: controller.signal }),
      ]);
      if (controller.signal.aborted) return;
      renderAll(pf, rt, prompt);
    } catch (err) {
      if (controller.signal.aborted || (err && err.name === "AbortError")) return;
      $("results").hidden = true;
      showError($("error"), err);
      $("status").textContent = "The check failed; see the message below.";
    } finally {
      if (inflight === controller) {
        inflight = null;
        $("results").setAttribute("aria-busy", "false");
      }
    }
  }

  function renderAll(pf, rt, prompt) {
    showError($("error"), null);
    renderVerdict(pf);
    renderHighlights($("highlighted"), prompt, pf.features, featureLevels(pf.classes));
    renderClasses(pf, prompt);
    renderRoute(rt, pf.model);
    $("results").hidden = false;
    const flagged = pf.classes.filter((c) => c.level !== "green").length;
    $("status").textContent = `${modelName(pf.model)}: ${LEVEL_LABEL[pf.light]}, ${flagged} ` +
      `failure ${flagged === 1 ? "class" : "classes"} at yellow or red; ` +
      `${rt.candidates.length} ranked alternatives.`;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(runPreflight, DEBOUNCE_MS);
  }

  // ---------------------------------------------------------------- analyst view

  let graphFlight = null;
  const termCache = new Map();

  /** failure id → this vendor's own terms for it (vendor-wide and per model). */
  async function vendorTerms(vendorId) {
    if (!vendorId) return new Map();
    if (!termCache.has(vendorId)) {
      const detail = await api(`/v1/vendors/${encodeURIComponent(vendorId)}`);
      const terms = new Map();
      const add = (fid, term) => { if (term) terms.set(fid, [...new Set([...(terms.get(fid) || []), term])]); };
      for (const t of detail.vendor.failure_terms || []) add(t.failure_id, t.term);
      for (const m of detail.vendor.models || []) {
        for (const f of m.failure_modes || []) add(f.failure_id, f.vendor_term);
      }
      termCache.set(vendorId, terms);
    }
    return termCache.get(vendorId);
  }

  async function fillFailureSelect() {
    const select = $("g-failure");
    const keep = state.wantFailure || select.value;
    state.wantFailure = null;
    const vendorId = $("g-vendor").value;
    const terms = await vendorTerms(vendorId);
    select.replaceChildren();
    const named = el("optgroup", { label: vendorId ? `Named by ${vendorName(vendorId)}` : "Failure classes" });
    const rest = el("optgroup", { label: "Other failure classes" });
    for (const f of state.failures) {
      const own = terms.get(f.id);
      const same = own && own.length === 1 && own[0].toLowerCase() === f.name.toLowerCase();
      const label = own && !same ? `${own.join(" / ")} (${f.name})` : f.name;
      (own || !vendorId ? named : rest).append(el("option", { value: f.id, text: label }));
    }
    select.append(named);
    if (rest.children.length) select.append(rest);
    select.value = state.failures.some((f) => f.id === keep) ? keep : state.failures[0].id;
  }

  function relatedRows(rel) {
    return rel.related.map((r) => {
      // One line per distinct vendor term, naming the models that use it.
      const byTerm = new Map();
      for (const m of (r.manifestations || []).filter((x) => x.documented)) {
        byTerm.set(m.term, [...(byTerm.get(m.term) || []), m.model_name]);
      }
      const own = [...byTerm].map(([term, models]) => `“${term}” (${models.join(", ")})`);
      return el("tr", { "data-failure": r.id },
        el("th", { scope: "row" }, r.name, own.length ? el("span", { class: "sub", text: own.join("; ") }) : null),
        el("td", { "data-label": "Relation", text: [...new Set(r.path.map((h) => h.kind.replace(/_/g, " ")))].join(", ") }),
        el("td", { class: "num", "data-label": "Strength", text: r.score.toFixed(2) }),
        el("td", { "data-label": "How", text: r.path.map((h) => h.says).join(" → ") }));
    });
  }

  /** Without the graph endpoint, the class's direct relations from its detail page. */
  function directRows(detail) {
    const me = detail.failure.id;
    const names = new Map(state.failures.map((f) => [f.id, f.name]));
    return detail.relations.map((r) => {
      const other = r.source === me ? r.target : r.source;
      return el("tr", { "data-failure": other },
        el("th", { scope: "row", text: names.get(other) || other }),
        el("td", { "data-label": "Relation", text: r.kind.replace(/_/g, " ") }),
        el("td", { class: "num", "data-label": "Strength", text: r.weight.toFixed(2) }),
        el("td", { "data-label": "How", text: r.note || "direct relation" }));
    });
  }

  const MODEL_ROWS = 15;
  let lastDetail = null;
  let showAllModels = false;

  /** Exposure table rows under the chosen order and scope; long lists show the first rows. */
  function modelRows(detail, vendorId) {
    const scope = $("g-scope").value;
    let rows = detail.manifestations.filter((m) => scope === "all" ||
      (scope === "named" && m.vendor_term) || (scope === "vendor" && m.vendor === vendorId));
    if ($("g-order").value === "asc") rows = [...rows].reverse();
    const more = $("g-more");
    more.hidden = rows.length <= MODEL_ROWS;
    more.textContent = showAllModels ? `Show the first ${MODEL_ROWS} only` : `Show all ${rows.length} models`;
    more.setAttribute("aria-expanded", String(showAllModels));
    if (!showAllModels) rows = rows.slice(0, MODEL_ROWS);
    return rows.map((m) => el("tr", { class: m.vendor === vendorId ? "mine" : null, "data-model": m.model },
      el("th", { scope: "row" }, modelName(m.model), el("span", { class: "sub", text: vendorName(m.vendor) })),
      el("td", { "data-label": "Vendor's term", text: m.vendor_term || "—" }),
      el("td", { "data-label": "Severity", text: m.severity || "—" }),
      el("td", { class: "num", "data-label": "Exposure" }, el("meter", { min: "0", max: "1", value: String(m.susceptibility),
        "aria-hidden": "true" }), ` ${pct(m.susceptibility)}`)));
  }

  function renderModels() {
    if (!lastDetail) return;
    const rows = modelRows(lastDetail, $("g-vendor").value);
    $("g-models").tBodies[0].replaceChildren(...rows);
    if (!rows.length) {
      $("g-models").tBodies[0].append(el("tr", {}, el("td", { colspan: "4", text: "No model matches." })));
    }
  }

  function renderGraph(detail, rel) {
    $("g-def-h").textContent = detail.failure.name;
    $("g-definition").textContent = detail.failure.definition;
    const terms = $("g-terms");
    terms.replaceChildren();
    for (const [vid, t] of Object.entries(detail.vendor_terms || {})) {
      terms.append(el("dt", { text: vendorName(vid) }), el("dd", { text: `“${t.term}”` }));
    }
    const rows = rel ? relatedRows(rel) : directRows(detail);
    $("g-related").tBodies[0].replaceChildren(...rows);
    if (!rows.length) {
      $("g-related").tBodies[0].append(el("tr", {}, el("td", { colspan: "4", text: "No related failures recorded." })));
    }
    lastDetail = detail;
    renderModels();
    $("g-results").hidden = false;
    $("g-status").textContent = `${detail.failure.name}: ${rows.length} related ` +
      `${rows.length === 1 ? "failure" : "failures"}, ${detail.manifestations.length} models.`;
  }

  async function related(fid, vendorId, signal) {
    const q = new URLSearchParams({ depth: $("g-depth").value });
    if (vendorId) q.set("vendor", vendorId);
    try {
      return await api(`/v1/failures/${encodeURIComponent(fid)}/related?${q}`, { signal });
    } catch (err) {
      // An older server without the graph endpoint: fall back to the direct relations.
      if (err instanceof ApiProblem && err.status === 404 && !/failure|vendor/i.test(err.detail)) return null;
      throw err;
    }
  }

  async function runGraph() {
    const fid = $("g-failure").value;
    if (!fid) return;
    if (graphFlight) graphFlight.abort();
    const controller = new AbortController();
    graphFlight = controller;
    const vendorId = $("g-vendor").value;
    $("g-status").textContent = "Loading…";
    try {
      const [detail, rel] = await Promise.all([
        api(`/v1/failures/${encodeURIComponent(fid)}`, { signal: controller.signal }),
        related(fid, vendorId, controller.signal),
      ]);
      if (controller.signal.aborted) return;
      showError($("g-error"), null);
      renderGraph(detail, rel);
    } catch (err) {
      if (controller.signal.aborted || (err && err.name === "AbortError")) return;
      $("g-results").hidden = true;
      showError($("g-error"), err);
      $("g-status").textContent = "Loading failed; see the message below.";
    }
  }

  let graphReady = null;

  function openGraph() {
    graphReady = graphReady || (async () => {
      const list = await api("/v1/failures");
      state.failures = list.failures;
      fillVendorSelect($("g-vendor"), "All vendors");
      await fillFailureSelect();
    })();
    return graphReady.then(runGraph).catch((err) => {
      graphReady = null;
      showError($("g-error"), err);
      $("g-status").textContent = "Loading failed; see the message below.";
    });
  }

  // ---------------------------------------------------------------- tabs

  const tabs = () => [...document.querySelectorAll('[role="tab"]')];

  function selectTab(tab, focus) {
    for (const t of tabs()) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !on;
    }
    if (focus) tab.focus();
    if (tab.id === "tab-analyst") openGraph();
  }

  function onTabKey(event) {
    const all = tabs();
    const at = all.indexOf(event.currentTarget);
    const moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: all.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    selectTab(all[(moves[event.key] + all.length) % all.length], true);
  }

  // ---------------------------------------------------------------- start-up

  function applyDeepLink(params) {
    const wanted = (params.get("vendor") || "").trim().toLowerCase();
    // A link may name only the model: its vendor follows from the catalog.
    const owner = state.vendors.find((v) => v.models.some((m) => m.id === params.get("model")));
    const vendor = wanted ? state.vendorById.get(wanted) : owner || state.vendors[0];
    if (wanted && !vendor) {
      showError($("error"), new ApiProblem("Unknown vendor",
        `This link names vendor “${params.get("vendor")}”, which the catalog does not have. Pick one from the list.`));
    }
    $("vendor").value = (vendor || state.vendors[0]).id;
    fillModelSelect($("vendor").value, params.get("model"));
    if (params.get("prompt") !== null) $("prompt").value = params.get("prompt");
    const duration = Number(params.get("duration") || params.get("duration_s"));
    if (duration > 0) $("duration").value = String(duration);
    const aspect = params.get("aspect") || params.get("aspect_ratio");
    if (aspect) $("aspect").value = aspect;
    if (params.get("mode")) $("mode").value = params.get("mode");
    return Boolean(wanted && !vendor);
  }

  function wire() {
    $("shot").addEventListener("submit", (e) => { e.preventDefault(); runPreflight(); });
    $("prompt").addEventListener("input", schedule);
    $("vendor").addEventListener("change", () => { fillModelSelect($("vendor").value, null); runPreflight(); });
    for (const id of ["model", "aspect", "mode"]) $(id).addEventListener("change", runPreflight);
    $("duration").addEventListener("input", schedule);
    $("candidates").addEventListener("click", (e) => {
      const button = e.target.closest("button.use");
      if (!button) return;
      $("vendor").value = button.dataset.vendor;
      fillModelSelect(button.dataset.vendor, button.dataset.model);
      runPreflight();
      $("prompt").focus();
    });
    for (const t of tabs()) {
      t.addEventListener("click", () => selectTab(t, false));
      t.addEventListener("keydown", onTabKey);
    }
    $("g-vendor").addEventListener("change", () => fillFailureSelect().then(runGraph)
      .catch((err) => showError($("g-error"), err)));
    $("g-failure").addEventListener("change", runGraph);
    $("g-depth").addEventListener("change", runGraph);
    for (const id of ["g-order", "g-scope"]) $(id).addEventListener("change", renderModels);
    $("g-more").addEventListener("click", () => { showAllModels = !showAllModels; renderModels(); });
    $("graph-form").addEventListener("submit", (e) => { e.preventDefault(); runGraph(); });
  }

  async function start() {
    wire();
    const params = new URLSearchParams(location.search);
    try {
      const list = await api("/v1/vendors");
      indexVendors(list.vendors);
      fillVendorSelect($("vendor"), null);
    } catch (err) {
      showError($("error"), err);
      $("status").textContent = "The catalog could not be loaded.";
      return;
    }
    const badLink = applyDeepLink(params);
    if (params.get("failure")) {
      state.wantFailure = params.get("failure");
      selectTab($("tab-analyst"), false);
    }
    if (badLink) { $("status").textContent = "Choose a vendor."; return; }
    await runPreflight();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
