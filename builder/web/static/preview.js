// The translators' live preview: redraw the pages and their entry boxes from each snapshot the
// server sends (server-sent events), without reloading. Text is only ever set as text.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const pages = document.getElementById("pv-pages");
  if (!pages) return;
  const labels = document.getElementById("pv-labels").dataset;
  const status = document.getElementById("pv-status");
  const detail = document.getElementById("pv-detail");
  const PIN = { qa: "!", stale: "~", untranslated: "+", overflow: "↔" };
  let shown = 0;          // version of the snapshot on screen
  let current = null;     // that snapshot
  let selected = null;    // msgctxt of the chosen entry, kept across updates

  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_m, k) => String(values[k]));
  const el = (tag, props = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  };
  const stateName = (state) => labels[state] || labels.ok;

  function drawPages(snapshot) {
    const figures = [...pages.querySelectorAll(".pv-page")];
    snapshot.pages.forEach((page, index) => {
      let figure = figures[index];
      if (!figure) {
        figure = el("figure", { class: "pv-page", "data-page": index },
                    el("img", { alt: "" }), el("div", { class: "pv-boxes" }));
        pages.append(figure);
      }
      const img = figure.querySelector("img");
      if (!page.ready) return;  // still being drawn: keep the previous picture a moment longer
      const src = pages.dataset.images + page.name + ".png";
      img.alt = fill(labels.pageOf, { n: index + 1, total: snapshot.pages.length });
      img.width = Math.round(page.width);
      img.height = Math.round(page.height);
      if (img.getAttribute("src") !== src) {
        // Swap once the new picture is loaded: no blank flash while it comes.
        const next = new Image();
        next.onload = () => { img.src = src; figure.dataset.name = page.name; };
        next.src = src;
      }
    });
    figures.slice(snapshot.pages.length).forEach((figure) => figure.remove());
  }

  function drawBoxes(snapshot) {
    const layers = [...pages.querySelectorAll(".pv-boxes")];
    for (const layer of layers) {
      layer.replaceChildren();
      layer.dir = snapshot.dir;  // pins at the corner where the document's lines start
    }
    const offpage = document.getElementById("pv-offpage");
    offpage.replaceChildren();
    for (const entry of snapshot.entries) {
      if (!entry.boxes.length) {
        const button = el("button", { type: "button", class: "pv-link state-" + entry.state,
                                      "data-ctx": entry.ctx, text: entry.ctx });
        button.addEventListener("click", () => choose(entry.ctx));
        offpage.append(el("li", {}, button));
        continue;
      }
      entry.boxes.forEach((box, index) => {
        const layer = layers[box.page];
        if (!layer) return;
        const button = el("button", { type: "button", class: "pv-box state-" + entry.state,
                                      "data-ctx": entry.ctx, "data-entry": entry.id,
                                      "aria-label": stateName(entry.state === "ok" && snapshot.source
                                        ? "source" : entry.state) + ": " + entry.shown });
        button.style.left = (box.x * 100) + "%";
        button.style.top = (box.y * 100) + "%";
        button.style.width = (box.w * 100) + "%";
        button.style.height = (box.h * 100) + "%";
        if (index === 0 && entry.state !== "ok") {
          button.append(el("span", { class: "pv-pin", "aria-hidden": "true", text: PIN[entry.state] }));
        }
        button.addEventListener("click", () => choose(entry.ctx));
        layer.append(button);
      });
    }
  }

  function drawSummary(snapshot) {
    for (const button of document.querySelectorAll(".pv-count")) {
      button.querySelector(".n").textContent = snapshot.counts[button.dataset.state];
    }
    const note = document.getElementById("pv-pages-note");
    note.textContent = snapshot.english_pages && snapshot.pages.length > snapshot.english_pages && !snapshot.source
      ? fill(labels.grown, { pages: snapshot.pages.length, english: snapshot.english_pages }) : "";
    const box = document.getElementById("pv-problems");
    const list = box.querySelector("ul");
    list.replaceChildren(...snapshot.problems.map((p) => el("li", {}, el("code", { dir: "ltr", text: p }))));
    box.hidden = !snapshot.problems.length;
  }

  function section(title, ...content) {
    return el("section", {}, el("h3", { text: title }), ...content);
  }

  function drawDetail() {
    if (!current || !selected) return;
    const entry = current.entries.find((e) => e.ctx === selected);
    for (const box of pages.querySelectorAll(".pv-box.selected")) box.classList.remove("selected");
    if (!entry) { selected = null; return; }
    for (const box of pages.querySelectorAll(".pv-box")) {
      if (box.dataset.ctx === selected) box.classList.add("selected");
    }
    const parts = [];
    const states = entry.states.length ? entry.states : [current.source ? "source" : "ok"];
    parts.push(el("p", { class: "pv-states" },
      ...states.map((s) => el("span", { class: "pv-state state-" + s, text: stateName(s) }))));
    for (const s of entry.states) {
      if (labels[s + "Help"]) parts.push(el("p", { class: "small", text: labels[s + "Help"] }));
    }
    for (const problem of entry.problems) {
      parts.push(el("p", { class: "pv-problem" },
        el("code", { dir: "ltr", text: entry.po + ":" + entry.line + ": " + problem })));
    }
    if (entry.over_budget) parts.push(el("p", { class: "pv-problem", text: fill(labels.budget, { n: entry.over_budget }) }));
    if (entry.overflow) parts.push(el("p", { class: "pv-problem", text: fill(labels.past, { n: entry.overflow }) }));
    if (entry.pushed) {
      parts.push(el("p", { class: "pv-problem",
        text: fill(labels.pushed, { page: entry.pushed, pages: current.english_pages }) }));
    }
    parts.push(section(labels.msgctxt, el("code", { class: "pv-ctx", dir: "ltr", text: entry.ctx })));
    parts.push(section(labels.english, el("p", { lang: "en", dir: "ltr", class: "pv-text", text: entry.source })));
    if (entry.diff) {
      const diff = el("p", { class: "pv-diff", lang: "en", dir: "ltr" });
      for (const [op, text] of entry.diff) {
        if (op === "same") diff.append(text);
        else diff.append(el(op === "del" ? "del" : "ins",
                            { title: op === "del" ? labels.removed : labels.added, text }));
      }
      parts.push(section(labels.changed, diff));
    }
    if (!current.source) {
      parts.push(section(labels.translation, entry.translation
        ? el("p", { lang: current.tag, dir: current.dir, class: "pv-text", text: entry.translation })
        : el("p", { class: "help", text: labels.none })));
    }
    if (entry.comments.length) {
      parts.push(section(labels.notes, el("ul", { lang: "en", dir: "ltr" },
                                          ...entry.comments.map((c) => el("li", { text: c })))));
    }
    const where = el("ul", {});
    if (entry.po) where.append(el("li", {}, labels.file + ": ", el("code", { dir: "ltr", text: entry.line ? entry.po + ":" + entry.line : entry.po })));
    if (entry.content) where.append(el("li", {}, labels.content + ": ", el("code", { dir: "ltr", text: entry.content })));
    if (entry.lines) where.append(el("li", { text: fill(labels.lines, { lines: entry.lines, english: entry.english_lines }) }));
    parts.push(where);
    detail.replaceChildren(...parts);
  }

  function choose(ctx) {
    selected = ctx;
    drawDetail();
    document.getElementById("pv-panel").focus({ preventScroll: true });
  }

  // The count buttons step through the entries in that state, in reading order.
  for (const button of document.querySelectorAll(".pv-count")) {
    button.addEventListener("click", () => {
      if (!current) return;
      const matching = current.entries.filter((e) => e.states.includes(button.dataset.state));
      if (!matching.length) return;
      const at = matching.findIndex((e) => e.ctx === selected);
      const next = matching[(at + 1) % matching.length];
      choose(next.ctx);
      const box = pages.querySelector(`.pv-box[data-entry="${next.id}"]`);
      if (box) box.scrollIntoView({ block: "center", behavior: "smooth" });
    });
  }

  // Slides: fetched when their section is open, again whenever what the document shows changes.
  const slideBox = document.getElementById("pv-slides");
  let slidesFor = null;
  async function drawSlides() {
    if (!slideBox || !slideBox.open || !current || slidesFor === current.shown) return;
    slidesFor = current.shown;
    const answer = await fetch(slideBox.dataset.slides, { cache: "no-store" });
    const deck = await answer.json();
    const list = slideBox.querySelector(".pv-slide-list");
    const figures = [];
    for (const problem of deck.problems || []) figures.push(el("p", { class: "pv-problem", text: problem }));
    for (const slide of deck.slides) {
      const face = el("div", { class: "pv-slide-face", lang: deck.tag, dir: deck.dir });
      const place = (node, box) => {
        node.style.left = (box.x * 100) + "%"; node.style.top = (box.y * 100) + "%";
        node.style.width = (box.w * 100) + "%"; node.style.height = (box.h * 100) + "%";
        return node;
      };
      const size = (pt) => (pt / deck.width_pt * 100) + "cqw";
      const title = place(el("button", { type: "button", class: "pv-slide-title", text: slide.title }),
                          slide.title_box);
      title.style.fontSize = size(slide.title_pt);
      if (slide.title_english) { title.lang = "en"; title.dir = "ltr"; }
      if (slide.title_ctx) title.addEventListener("click", () => choose(slide.title_ctx));
      face.append(title);
      if (slide.paras.length) {
        const body = place(el("ul", { class: "pv-slide-body" }), slide.box);
        body.style.fontSize = size(slide.pt);
        for (const para of slide.paras) {
          const line = el("li", { class: "level-" + para.level + " bullet-" + para.bullet +
                                         (para.bold ? " bold" : "") });
          const text = el("button", { type: "button", text: para.text });
          if (para.english) { line.lang = "en"; line.dir = "ltr"; }
          if (para.ctx) text.addEventListener("click", () => choose(para.ctx));
          line.append(text);
          body.append(line);
        }
        face.append(body);
      }
      if (slide.picture) face.append(place(el("div", { class: "pv-slide-picture", text: labels.picture + ": " + slide.picture_alt }), slide.picture));
      const faults = [...slide.overflow, ...slide.notes];
      const caption = el("figcaption", {}, fill(labels.slide, { n: slide.number }) + " · ");
      if (slide.overflow.length) caption.append(el("strong", { class: "pv-problem", text: labels.slideOverflow }));
      else caption.append(labels.slideFine);
      const figure = el("figure", { class: "pv-slide" + (slide.overflow.length ? " has-overflow" : "") },
                        face, caption);
      if (faults.length) figure.append(el("ul", { class: "small" }, ...faults.map((f) => el("li", { text: f }))));
      figures.push(figure);
    }
    list.replaceChildren(...figures);
  }
  if (slideBox) slideBox.addEventListener("toggle", drawSlides);

  function show(snapshot) {
    if (!snapshot.version || snapshot.version <= shown) return;
    shown = snapshot.version;
    current = snapshot;
    drawPages(snapshot);
    drawBoxes(snapshot);
    drawSummary(snapshot);
    drawDetail();
    const time = new Date().toLocaleTimeString();
    status.textContent = fill(labels.live, { time, ms: snapshot.ms }) +
      (snapshot.since_save_ms !== undefined ? " " + fill(labels.afterSave, { ms: snapshot.since_save_ms }) : "");
    document.body.dataset.version = String(snapshot.version);
    drawSlides();
  }

  const events = new EventSource(pages.dataset.events);
  events.onmessage = (message) => show(JSON.parse(message.data));
  events.onerror = () => { status.textContent = labels.lost; };
});
