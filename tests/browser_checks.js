// The layout checks run inside the page (tests/test_browser.py). Returns a list of
// faults, each {kind, where, detail}; an empty list is a clean page. Read by a
// person only when a check fails, so each fault names the element it is about.
() => {
  const faults = [];
  const add = (kind, el, detail) => faults.push({ kind, where: describe(el), detail });
  const px = (v) => Math.round(v);

  function describe(el) {
    if (!el || el.nodeType !== 1) return String(el);
    let name = el.tagName.toLowerCase();
    if (el.id) name += "#" + el.id;
    if (el.classList.length) name += "." + [...el.classList].join(".");
    const text = (el.textContent || el.getAttribute("alt") || "").replace(/\s+/g, " ").trim();
    if (text) name += ` "${text.length > 50 ? text.slice(0, 50) + "…" : text}"`;
    const home = el.parentElement && el.parentElement.closest("[id]");
    if (home) name += ` in #${home.id}`;
    return name;
  }

  const shown = (el) =>
    el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const all = [...document.body.querySelectorAll("*")].filter(shown);
  const overlap = (a, b, tol) =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > tol &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > tol;

  const doc = document.documentElement;
  const clipOf = new Map();
  const everywhere = { left: -Infinity, top: -Infinity, right: Infinity, bottom: Infinity };
  function clip(el) {  // the visible rectangle of el's content, by its ancestors
    if (!el || el === doc) return everywhere;
    if (clipOf.has(el)) return clipOf.get(el);
    let c = clip(el.parentElement);
    const s = getComputedStyle(el);
    if (s.overflowX !== "visible" || s.overflowY !== "visible") {
      const r = el.getBoundingClientRect();
      c = { left: Math.max(c.left, r.left), top: Math.max(c.top, r.top),
            right: Math.min(c.right, r.right), bottom: Math.min(c.bottom, r.bottom) };
    }
    clipOf.set(el, c);
    return c;
  }

  // 1. Nothing wider than the window: the outermost elements that stick out.
  const width = doc.clientWidth;  // the window less its scroll bar
  if (doc.scrollWidth > width) {
    const out = (el) => {  // sticks out, and no scrolling ancestor hides the part that does
      const r = el.getBoundingClientRect(), c = clip(el.parentElement);
      return Math.min(r.right, c.right) > width + 1 || Math.max(r.left, c.left) < -1;
    };
    const culprits = all.filter((el) => out(el) && !(el.parentElement && out(el.parentElement)));
    for (const el of culprits.slice(0, 5)) {
      const r = el.getBoundingClientRect();
      add("wider than the window", el,
        `spans x ${px(r.left)}..${px(r.right)} in a window ${width} px wide`);
    }
    if (!culprits.length) {
      faults.push({ kind: "wider than the window", where: "the page",
        detail: `scrollWidth ${doc.scrollWidth} > ${width}` });
    }
  }

  // 2. No clipped content: a box that hides its overflow must have none, and at a
  // laptop's width no box needs scrolling sideways either (the wide tables scroll
  // in their own box, div.scroll, on a narrower screen; at these widths they fit).
  const hides = (v) => v === "hidden" || v === "clip";
  for (const el of all) {
    const s = getComputedStyle(el);
    const over = el.scrollWidth > el.clientWidth + 1;
    if (over && hides(s.overflowX)) {
      add("clipped", el, `content ${el.scrollWidth} px wide in a box ${el.clientWidth} px wide`);
    } else if (over && s.overflowX !== "visible") {
      const only = el.children.length === 1 ? el.firstElementChild : el;  // div.scroll's table
      add("scrolls sideways", only,
        `${el.scrollWidth} px wide in a scrolling box ${el.clientWidth} px wide`);
    }
    if (hides(s.overflowY) && el.scrollHeight > el.clientHeight + 1) {
      add("clipped", el, `content ${el.scrollHeight} px high in a box ${el.clientHeight} px high`);
    }
  }

  // 3. No block overlaps a sibling block (headings, paragraphs, figures, tables,
  // rows, list items, boxes). Inline boxes are left out: one that wraps has a
  // bounding box across the lines of its neighbours; their text is checked in 4.
  const boxed = (el) => {
    const s = getComputedStyle(el);
    if (s.position === "absolute" || s.position === "fixed") return false;
    return s.display !== "inline" || ["IMG", "SVG", "CANVAS", "VIDEO"].includes(el.tagName);
  };
  for (const parent of [document.body, ...all]) {
    const kids = [...parent.children].filter((k) => shown(k) && boxed(k))
      .map((k) => [k, k.getBoundingClientRect()])
      .filter(([, r]) => r.width > 0 && r.height > 0)
      .sort((a, b) => a[1].top - b[1].top);
    for (let i = 0; i < kids.length; i++) {
      for (let j = i + 1; j < kids.length && kids[j][1].top < kids[i][1].bottom; j++) {
        if (overlap(kids[i][1], kids[j][1], 1)) {
          add("overlaps", kids[j][0], `overlaps its sibling ${describe(kids[i][0])}`);
        }
      }
    }
  }

  // 4. No text overlaps other text or an image: each line of each text node,
  // cut to what its scrolling or clipping ancestors let show (clip above).
  const pieces = [];  // [rect, owner element, is an image, text node or image]
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.data.trim() || !n.parentElement || !shown(n.parentElement)) continue;
    const c = clip(n.parentElement);
    const range = document.createRange();
    range.selectNodeContents(n);
    for (const r of range.getClientRects()) {
      const v = { left: Math.max(r.left, c.left), top: Math.max(r.top, c.top),
                  right: Math.min(r.right, c.right), bottom: Math.min(r.bottom, c.bottom) };
      if (v.right - v.left > 1 && v.bottom - v.top > 1) pieces.push([v, n.parentElement, false, n]);
    }
  }
  for (const img of document.images) {
    if (!shown(img)) continue;
    const r = img.getBoundingClientRect(), c = clip(img.parentElement);
    const v = { left: Math.max(r.left, c.left), top: Math.max(r.top, c.top),
                right: Math.min(r.right, c.right), bottom: Math.min(r.bottom, c.bottom) };
    if (v.right - v.left > 1 && v.bottom - v.top > 1) pieces.push([v, img, true, img]);
  }
  pieces.sort((a, b) => a[0].top - b[0].top);
  let textOverlaps = 0;
  for (let i = 0; i < pieces.length; i++) {
    for (let j = i + 1; j < pieces.length && pieces[j][0].top < pieces[i][0].bottom; j++) {
      const [a, ea, ia, na] = pieces[i], [b, eb, ib, nb] = pieces[j];
      if (na === nb || !overlap(a, b, 2)) continue;
      if (++textOverlaps > 10) continue;
      const what = ia || ib ? (ia && ib ? "image overlaps an image" : "text overlaps an image")
                            : "text overlaps text";
      add(what, eb, `overlaps ${describe(ea)} at x ${px(b.left)}, y ${px(b.top + scrollY)}`);
    }
  }
  if (textOverlaps > 10) {
    faults.push({ kind: "text overlaps", where: "the page", detail: `${textOverlaps - 10} more` });
  }

  // 5. Every image has loaded and shows undistorted.
  for (const img of document.images) {
    if (!img.complete || img.naturalWidth === 0) {
      add("image not loaded", img, `src ${(img.getAttribute("src") || "").slice(0, 60)}`);
      continue;
    }
    const w = img.clientWidth, h = img.clientHeight;  // inside the border
    if (!shown(img) || w < 1 || h < 1) {
      add("image not shown", img, `rendered ${w}x${h}`);
      continue;
    }
    if (Math.abs((w / h) / (img.naturalWidth / img.naturalHeight) - 1) > 0.02) {
      add("image distorted", img, `${img.naturalWidth}x${img.naturalHeight} shown as ${w}x${h}`);
    }
  }

  // 6. The answer (a report's verdict, each alternative's in a compare report)
  // begins on the first screen: a planner reads it without scrolling.
  const answer = document.querySelector(".answer p");
  if (answer && answer.getBoundingClientRect().top + scrollY >= innerHeight) {
    add("answer below the first screen", answer,
        `begins at y ${px(answer.getBoundingClientRect().top + scrollY)}, the window is ${innerHeight} high`);
  }
  return faults;
}
