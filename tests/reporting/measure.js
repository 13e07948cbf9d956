// Appended to a report by tests/reporting/_chromium.py: after the page's own JavaScript ran, open everything a
// reader can open, then measure what a reader sees and leave the numbers as JSON in <body data-measured>.
(() => {
  const rgba = (css) => {
    const parts = (css.match(/rgba?\(([^)]*)\)/) || [null, "0 0 0 0"])[1].split(/[\s,/]+/).filter(Boolean);
    const [r, g, b, a] = parts.map(Number);
    return [r, g, b, parts.length > 3 ? a : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const background = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const colour = rgba(getComputedStyle(e).backgroundColor);
      if (colour[3] > 0) layers.push(colour);
      if (colour[3] >= 1) break;
    }
    return layers.reduceRight((below, layer) => over(layer, below), [255, 255, 255, 1]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");

  const contrast = () => {
    const pairs = {};
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!node.data.trim() || !element || element.closest("script,style,template")) continue;
      const style = getComputedStyle(element);
      const range = document.createRange();
      range.selectNodeContents(node);
      const shown = [...range.getClientRects()].some((r) => r.width > 0 && r.height > 0);
      if (!shown || style.visibility !== "visible" || Number(style.opacity) === 0) continue;
      const bg = background(element);
      const fg = over(rgba(style.color), bg);
      const key = `${hex(fg)} on ${hex(bg)}`;
      const entry = (pairs[key] = pairs[key] || { ratio: ratio(fg, bg), nodes: 0, sample: node.data.trim().slice(0, 60) });
      entry.nodes += 1;
    }
    return pairs;
  };

  // Every token of every repro (a run of non-space characters): the lines its characters lie on.
  const brokenTokens = () => {
    const broken = [];
    let tokens = 0, wrapped = 0, scrolling = 0;
    for (const pre of document.querySelectorAll("pre.vc-repro")) {
      const lines = new Set();
      const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.data.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          tops.forEach((t) => lines.add(t));
          tokens += 1;
          if (tops.size > 1) broken.push(match[0]);
        }
      }
      if (lines.size > 1) wrapped += 1;
      if (pre.scrollWidth > pre.clientWidth) scrolling += 1;
    }
    return { tokens, wrapped, scrolling, broken: broken.slice(0, 20) };
  };

  const width = (selector) => {
    const element = document.querySelector(selector);
    return element ? element.getBoundingClientRect().width : null;
  };

  const copied = () => {
    const button = document.querySelector(".vc-copy");
    if (!button) return null;
    let text = null;
    Object.defineProperty(navigator, "clipboard", { value: { writeText: (t) => ((text = t), Promise.resolve()) } });
    const visible = button.getClientRects().length > 0 && !button.hidden;
    button.click();
    const pre = button.closest(".vc-repro-box").querySelector("pre");
    return { visible, copied: text, shown: pre.textContent };
  };

  const measure = () => {
    const show = document.getElementById("show_all_details");
    if (show) show.click();
    document.querySelectorAll("details").forEach((d) => (d.open = true));
    const firstTop = (selector) => {
      const element = document.querySelector(selector);
      return element ? element.getBoundingClientRect().top + window.scrollY : null;
    };
    const result = {
      contrast: contrast(),
      scrollWidth: document.scrollingElement.scrollWidth,
      innerWidth: window.innerWidth,
      bodyWidth: document.body.getBoundingClientRect().width,
      problemsWidth: width("#vc-problems"),
      problemBodyWidth: width(".vc-problem-body"),
      repros: brokenTokens(),
      verdictTop: firstTop("#vc-verdict"),
      environmentTop: firstTop("#environment"),
      resultsTop: firstTop("#results-table"),
      copy: copied(),
    };
    document.body.setAttribute("data-measured", JSON.stringify(result));
  };
  window.addEventListener("load", () => setTimeout(measure, 300));
})();
