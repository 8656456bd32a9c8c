// The explorer page: summaries of real runs (grid.json + grid.f32, written at build time by
// docs/hooks/explorer.py from banknote_gd.explorer), drawn with uPlot (vendored from npm).
// The whole state lives in the URL hash, so a link reproduces the view. For tests and the
// curious, window.explorer exposes state(), data() (what the charts show), set() and ready.
(function () {
  "use strict";

  const script = document.currentScript;
  const root = document.getElementById("bgd-explorer");
  if (!root || !script) return;
  const GRID_URL = script.dataset.grid;
  const MAX_PINS = 4;
  const GAP = 24; // px between the two charts (as in explorer.css)
  const LN2 = Math.log(2);
  const PALETTE = {
    // Okabe and Ito's colour-blind-safe palette; lighter members on the dark scheme.
    light: ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"],
    dark: ["#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#F0E442"],
  };
  const SPLIT_LABELS = { train: "training", test: "test", train_running: "training, running mean" };
  const DEFAULTS = {
    view: "curves",
    optimizer: "sgd",
    learning_rate: 0.1,
    batch_size: 32,
    schedule: "constant",
    standardize: true,
    split: "both",
  };

  let meta = null; // grid.json
  let values = null; // Float32Array (configs, channels, epochs)
  let state = null;
  let charts = [];
  let plotted = null; // what the charts show, for data()
  let notices = [];
  let resolveReady;
  const ready = new Promise((resolve) => (resolveReady = resolve));

  // ------------------------------------------------------------------ data access
  function channel(name) {
    return meta.channels.indexOf(name);
  }

  function configIndex(c) {
    const rates = meta.learning_rates[c.optimizer];
    const i = rates.indexOf(c.learning_rate);
    const b = meta.batch_sizes.indexOf(c.batch_size);
    const s = meta.schedules.indexOf(c.schedule);
    const z = meta.standardize.indexOf(c.standardize);
    if (i < 0 || b < 0 || s < 0 || z < 0) return -1;
    const nb = meta.batch_sizes.length;
    const ns = meta.schedules.length;
    const nz = meta.standardize.length;
    return meta.offsets[c.optimizer] + ((i * nb + b) * ns + s) * nz + z;
  }

  function toNumber(v) {
    return Number.isFinite(v) ? v : null;
  }

  // Values of one channel of one configuration, one per epoch (null where NaN).
  function series(c, name) {
    const idx = configIndex(c);
    const ch = channel(name);
    if (idx < 0 || ch < 0) return null;
    const start = (idx * meta.channels.length + ch) * meta.epochs;
    return Array.from(values.subarray(start, start + meta.epochs), toNumber);
  }

  function diverged(c) {
    return meta.diverged[configIndex(c)];
  }

  // ------------------------------------------------------------------ state and URL
  function batchLabel(b) {
    return b === meta.full_batch ? `full (${b})` : String(b);
  }

  function nearestLog(list, value) {
    let best = list[0];
    for (const v of list) {
      if (Math.abs(Math.log(v / value)) < Math.abs(Math.log(best / value))) best = v;
    }
    return best;
  }

  // Any wish -> the nearest configuration on the grid (records a notice when it moved).
  function snap(wish, note) {
    const c = {};
    c.optimizer = meta.optimizers.includes(wish.optimizer) ? wish.optimizer : DEFAULTS.optimizer;
    if (wish.optimizer !== undefined && wish.optimizer !== c.optimizer) {
      note(`optimizer ${wish.optimizer} is not on the grid: showing ${c.optimizer}`);
    }
    const rates = meta.learning_rates[c.optimizer];
    const lr = Number(wish.learning_rate);
    c.learning_rate = lr > 0 ? nearestLog(rates, lr) : nearestLog(rates, DEFAULTS.learning_rate);
    if (wish.learning_rate !== undefined && c.learning_rate !== lr) {
      note(`learning rate ${wish.learning_rate} is not on the grid: showing the nearest, ${c.learning_rate}`);
    }
    const full = meta.full_batch;
    const wanted = wish.batch_size === "full" ? full : Number(wish.batch_size);
    c.batch_size = wanted > 0 ? nearestLog(meta.batch_sizes, wanted) : DEFAULTS.batch_size;
    if (!meta.batch_sizes.includes(c.batch_size)) c.batch_size = meta.batch_sizes[0];
    if (wish.batch_size !== undefined && c.batch_size !== wanted) {
      note(`batch size ${wish.batch_size} is not on the grid: showing ${batchLabel(c.batch_size)}`);
    }
    c.schedule = meta.schedules.includes(wish.schedule) ? wish.schedule : meta.schedules[0];
    if (wish.schedule !== undefined && c.schedule !== wish.schedule) {
      note(`schedule ${wish.schedule} is not on the grid: showing ${c.schedule}`);
    }
    const z = wish.standardize;
    c.standardize = z === undefined ? DEFAULTS.standardize : z === true || z === "true";
    if (!meta.standardize.includes(c.standardize)) c.standardize = meta.standardize[0];
    return c;
  }

  function configKey(c) {
    const b = c.batch_size === meta.full_batch ? "full" : c.batch_size;
    return `${c.optimizer},${c.learning_rate},${b},${c.schedule},${c.standardize}`;
  }

  function parseKey(text, note) {
    const [optimizer, learning_rate, batch_size, schedule, standardize] = text.split(",");
    return snap({ optimizer, learning_rate, batch_size, schedule, standardize }, note);
  }

  function parseHash(hash) {
    const wish = {};
    for (const part of hash.replace(/^#/, "").split("&")) {
      if (!part) continue;
      const at = part.indexOf("=");
      const key = decodeURIComponent(at < 0 ? part : part.slice(0, at));
      wish[key] = decodeURIComponent(at < 0 ? "" : part.slice(at + 1));
    }
    const found = [];
    const note = (text) => found.push(text);
    const s = snap(wish, note);
    s.view = ["curves", "ucurve"].includes(wish.view) ? wish.view : DEFAULTS.view;
    s.split = ["both", "train", "test"].includes(wish.split) ? wish.split : DEFAULTS.split;
    s.compare = [];
    for (const item of (wish.compare || "").split(";")) {
      if (!item || s.compare.length >= MAX_PINS) continue;
      const c = parseKey(item, note);
      if (!s.compare.some((p) => configKey(p) === configKey(c))) s.compare.push(c);
    }
    notices = found;
    return s;
  }

  function toHash(s) {
    const b = s.batch_size === meta.full_batch ? "full" : s.batch_size;
    const parts = [
      `view=${s.view}`,
      `optimizer=${s.optimizer}`,
      `learning_rate=${s.learning_rate}`,
      `batch_size=${b}`,
      `schedule=${s.schedule}`,
      `standardize=${s.standardize}`,
      `split=${s.split}`,
    ];
    if (s.compare.length) parts.push(`compare=${s.compare.map(configKey).join(";")}`);
    return "#" + parts.join("&");
  }

  function current() {
    return {
      optimizer: state.optimizer,
      learning_rate: state.learning_rate,
      batch_size: state.batch_size,
      schedule: state.schedule,
      standardize: state.standardize,
    };
  }

  function describe(c) {
    const features = c.standardize ? "standardised" : "raw";
    return `${c.optimizer}, rate ${c.learning_rate}, batch ${batchLabel(c.batch_size)}, ${c.schedule}, ${features}`;
  }

  // ------------------------------------------------------------------ controls
  const ids = {};
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function field(label, control, output) {
    const id = control.id;
    return el("div", { class: "bgd-field" }, el("label", { for: id, text: label }), control, output);
  }

  function buildControls() {
    const form = el("form", { class: "bgd-controls", "aria-label": "Settings of the runs" });
    form.addEventListener("submit", (e) => e.preventDefault());

    const view = el("fieldset", { class: "bgd-view" }, el("legend", { text: "View" }));
    for (const [value, text] of [
      ["curves", "Curves over epochs"],
      ["ucurve", "Final loss against learning rate"],
    ]) {
      const input = el("input", { type: "radio", name: "bgd-view", id: `bgd-view-${value}`, value });
      input.addEventListener("change", () => update({ view: value }));
      ids[`view-${value}`] = input;
      view.append(el("label", { for: input.id }, input, ` ${text}`));
    }
    form.append(view);

    const optimizer = el("select", { id: "bgd-optimizer" });
    for (const name of meta.optimizers) optimizer.append(el("option", { value: name, text: name }));
    optimizer.addEventListener("change", () =>
      update({ optimizer: optimizer.value, learning_rate: state.learning_rate }),
    );
    ids.optimizer = optimizer;
    form.append(field("Optimizer", optimizer));

    const rate = el("input", { type: "range", id: "bgd-learning-rate", min: 0, step: 1 });
    const rateOut = el("output", { for: rate.id, id: "bgd-learning-rate-value" });
    rate.addEventListener("input", () => {
      update({ learning_rate: meta.learning_rates[state.optimizer][Number(rate.value)] });
    });
    ids.learning_rate = rate;
    ids.learning_rate_out = rateOut;
    form.append(field("Learning rate", rate, rateOut));

    const batch = el("input", {
      type: "range",
      id: "bgd-batch-size",
      min: 0,
      max: meta.batch_sizes.length - 1,
      step: 1,
    });
    const batchOut = el("output", { for: batch.id, id: "bgd-batch-size-value" });
    batch.addEventListener("input", () => update({ batch_size: meta.batch_sizes[Number(batch.value)] }));
    ids.batch_size = batch;
    ids.batch_size_out = batchOut;
    form.append(field("Batch size", batch, batchOut));

    const schedule = el("select", { id: "bgd-schedule" });
    for (const name of meta.schedules) schedule.append(el("option", { value: name, text: name }));
    schedule.addEventListener("change", () => update({ schedule: schedule.value }));
    ids.schedule = schedule;
    form.append(field("Schedule", schedule));

    const features = el("select", { id: "bgd-standardize" });
    for (const flag of meta.standardize) {
      features.append(el("option", { value: String(flag), text: flag ? "standardised" : "raw" }));
    }
    features.addEventListener("change", () => update({ standardize: features.value === "true" }));
    ids.standardize = features;
    form.append(field("Features", features));

    const split = el("select", { id: "bgd-split" });
    for (const [value, text] of [
      ["both", "training and test"],
      ["train", "training"],
      ["test", "test"],
    ]) {
      split.append(el("option", { value, text }));
    }
    split.addEventListener("change", () => update({ split: split.value }));
    ids.split = split;
    form.append(field("Show", split));

    const pin = el("button", { type: "button", id: "bgd-pin", class: "md-button", text: "Pin to compare" });
    pin.addEventListener("click", () => {
      if (state.compare.length < MAX_PINS && !isPinned(current())) {
        update({ compare: [...state.compare, current()] });
      }
    });
    ids.pin = pin;
    const pins = el("ul", { id: "bgd-pins", class: "bgd-pins", "aria-label": "Pinned configurations" });
    ids.pins = pins;
    form.append(
      el(
        "div",
        { class: "bgd-compare" },
        pin,
        el("span", { class: "bgd-hint", text: `up to ${MAX_PINS}` }),
        pins,
      ),
    );
    return form;
  }

  function isPinned(c) {
    return state.compare.some((p) => configKey(p) === configKey(c));
  }

  function syncControls() {
    ids[`view-${state.view}`].checked = true;
    ids.optimizer.value = state.optimizer;
    const rates = meta.learning_rates[state.optimizer];
    ids.learning_rate.max = rates.length - 1;
    ids.learning_rate.value = rates.indexOf(state.learning_rate);
    ids.learning_rate.setAttribute("aria-valuetext", String(state.learning_rate));
    ids.learning_rate_out.textContent = String(state.learning_rate);
    ids.batch_size.value = meta.batch_sizes.indexOf(state.batch_size);
    ids.batch_size.setAttribute("aria-valuetext", batchLabel(state.batch_size));
    ids.batch_size_out.textContent = batchLabel(state.batch_size);
    ids.schedule.value = state.schedule;
    ids.standardize.value = String(state.standardize);
    ids.split.value = state.split;
    ids.pin.disabled = state.compare.length >= MAX_PINS || isPinned(current());
    ids.pins.replaceChildren();
    state.compare.forEach((c, k) => {
      const remove = el("button", {
        type: "button",
        class: "bgd-unpin",
        "aria-label": `Remove ${describe(c)}`,
        text: "×",
      });
      remove.addEventListener("click", () =>
        update({ compare: state.compare.filter((p) => configKey(p) !== configKey(c)) }),
      );
      const swatch = el("span", { class: "bgd-swatch", "aria-hidden": "true" });
      swatch.style.background = colours()[k];
      ids.pins.append(el("li", {}, swatch, ` ${describe(c)} `, remove));
    });
  }

  function update(change) {
    const wish = { ...current(), ...change };
    const next = snap(wish, () => {});
    state = {
      ...state,
      ...next,
      view: change.view || state.view,
      split: change.split || state.split,
      compare: change.compare || state.compare,
    };
    notices = [];
    history.replaceState(null, "", toHash(state));
    render();
  }

  // ------------------------------------------------------------------ charts
  function dark() {
    return document.body.getAttribute("data-md-color-scheme") === "slate";
  }

  function colours() {
    return dark() ? PALETTE.dark : PALETTE.light;
  }

  function css(name, fallback) {
    const value = getComputedStyle(document.body).getPropertyValue(name).trim();
    return value || fallback;
  }

  function alpha(hex, a) {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
  }

  // The configurations drawn: the pins, and the current settings unless pinned.
  function shown() {
    const list = state.compare.map((c, k) => ({ config: c, colour: k, pinned: true }));
    if (!isPinned(current())) list.push({ config: current(), colour: list.length, pinned: false });
    return list;
  }

  function splitsShown() {
    return state.split === "both" ? ["train", "test"] : [state.split];
  }

  // Series of one chart: [{label, colour, dash, values, low, high, config, split, metric}].
  function curveSeries(metric) {
    const list = shown();
    const single = list.length === 1;
    const out = [];
    for (const item of list) {
      for (const split of splitsShown()) {
        const colour = colours()[single ? (split === "train" ? 0 : 1) : item.colour];
        const who = single ? SPLIT_LABELS[split] : `${describe(item.config)} (${SPLIT_LABELS[split]})`;
        out.push({
          label: who,
          colour,
          dash: !single && split === "test" ? [6, 4] : null,
          config: item.config,
          split,
          metric,
          mean: series(item.config, `${split}.${metric}.mean`),
          low: series(item.config, `${split}.${metric}.low`),
          high: series(item.config, `${split}.${metric}.high`),
        });
      }
      const running = series(item.config, `train_running.${metric}.mean`);
      if (single && splitsShown().includes("train") && running && running.some((v) => v !== null)) {
        out.push({
          label: SPLIT_LABELS.train_running,
          colour: css("--md-default-fg-color--light", "#888"),
          dash: [2, 3],
          config: item.config,
          split: "train_running",
          metric,
          mean: running,
          low: null,
          high: null,
        });
      }
    }
    const x = Array.from({ length: meta.epochs }, (_, i) => i + 1);
    return { x, series: out };
  }

  function ucurveSeries(metric) {
    const list = shown();
    const single = list.length === 1;
    const xs = new Set();
    for (const item of list) for (const r of meta.learning_rates[item.config.optimizer]) xs.add(r);
    const x = [...xs].sort((a, b) => a - b);
    const last = meta.epochs - 1;
    const out = [];
    for (const item of list) {
      const rates = meta.learning_rates[item.config.optimizer];
      for (const split of splitsShown()) {
        const colour = colours()[single ? (split === "train" ? 0 : 1) : item.colour];
        const pick = (stat) =>
          x.map((r) =>
            rates.includes(r) ? series({ ...item.config, learning_rate: r }, `${split}.${metric}.${stat}`)[last] : null,
          );
        const all = x.map((r) =>
          rates.includes(r) ? diverged({ ...item.config, learning_rate: r }) === meta.seeds.length : false,
        );
        const other = describe({ ...item.config, learning_rate: "*" }).replace(", rate *", "");
        out.push({
          label: single ? SPLIT_LABELS[split] : `${other} (${SPLIT_LABELS[split]})`,
          colour,
          dash: !single && split === "test" ? [6, 4] : null,
          config: { ...item.config, learning_rate: null },
          split,
          metric,
          mean: pick("mean"),
          low: pick("low"),
          high: pick("high"),
          allDiverged: all,
        });
      }
    }
    return { x, series: out };
  }

  function stabilityLines() {
    const lines = [];
    const scheme = (c) => (c.standardize ? "standardized" : "raw");
    shown().forEach((item, k) => {
      const info = meta.stability[scheme(item.config)];
      const limit = info && info.limits[item.config.optimizer];
      if (limit) {
        lines.push({
          x: limit,
          colour: shown().length === 1 ? css("--md-default-fg-color", "#333") : colours()[k],
          label: `stability limit ${item.config.optimizer} (${item.config.standardize ? "std" : "raw"})`,
        });
      }
    });
    return lines;
  }

  // Values under the cursor, written below the chart.
  function showReadout(u, spec, target) {
    const i = u.cursor.idx;
    if (i === null || i === undefined) {
      target.textContent = "\u00a0";
      return;
    }
    const where = state.view === "ucurve" ? `learning rate ${spec.x[i]}` : `epoch ${spec.x[i]}`;
    const parts = spec.series.map((s) => {
      if (s.allDiverged && s.allDiverged[i]) return `${s.label}: diverged`;
      const band = s.low ? ` (${fmt(s.low[i])}–${fmt(s.high[i])})` : "";
      return `${s.label}: ${fmt(s.mean[i])}${band}`;
    });
    target.textContent = `${where} · ${parts.join(" · ")}`;
  }

  function chartOptions(spec, width, metric, readout) {
    const fg = css("--md-default-fg-color--light", "#666");
    const grid = css("--md-default-fg-color--lightest", "#ddd");
    const isLoss = metric === "loss";
    const ucurve = state.view === "ucurve";
    const series = [{ label: ucurve ? "learning rate" : "epoch" }];
    const bands = [];
    for (const s of spec.series) {
      const base = {
        label: s.label,
        stroke: s.colour,
        width: 2,
        dash: s.dash || undefined,
        spanGaps: ucurve,
        points: { show: ucurve, size: 5, fill: s.colour },
      };
      series.push(base);
      if (s.low && s.high) {
        const hi = series.length;
        series.push({ label: `${s.label} highest`, stroke: "transparent", points: { show: false }, spanGaps: ucurve });
        series.push({ label: `${s.label} lowest`, stroke: "transparent", points: { show: false }, spanGaps: ucurve });
        bands.push({ series: [hi, hi + 1], fill: alpha(s.colour, 0.16) });
      }
    }
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const title = isLoss
      ? ucurve
        ? "Final loss (log scale)"
        : "Loss (binary cross-entropy, log scale)"
      : ucurve
        ? "Final accuracy"
        : "Accuracy";
    return {
      title,
      width,
      height: Math.max(220, Math.min(340, Math.round(width * 0.62))),
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: ucurve ? { distr: 3, time: false } : { time: false },
        y: isLoss ? { distr: 3 } : { range: [null, 1] },
      },
      axes: [
        {
          ...axis,
          label: ucurve ? "learning rate (log scale)" : "epoch",
          values: ucurve ? (u, ticks) => ticks.map((t) => formatRate(t)) : undefined,
          incrs: ucurve ? undefined : [1, 2, 5, 10, 20, 50],
        },
        { ...axis, label: isLoss ? "loss" : "accuracy", size: 56 },
      ],
      series,
      bands,
      hooks: {
        draw: [(u) => decorate(u, spec, isLoss)],
        setCursor: [(u) => showReadout(u, spec, readout)],
      },
    };
  }

  function formatRate(t) {
    return t === null || t === undefined ? "" : String(Number(t.toPrecision(3)));
  }

  function chartData(spec) {
    const data = [spec.x];
    for (const s of spec.series) {
      data.push(s.mean);
      if (s.low && s.high) {
        data.push(s.high);
        data.push(s.low);
      }
    }
    return data;
  }

  // Reference lines drawn over the chart: ln 2 and the optimum loss, the stability limits,
  // the selected learning rate, and a cross where every seed diverged.
  function decorate(u, spec, isLoss) {
    const ctx = u.ctx;
    const fg = css("--md-default-fg-color--light", "#666");
    const { left, top, width, height } = u.bbox;
    const pr = window.devicePixelRatio || 1;
    ctx.save();
    ctx.font = `${11 * pr}px sans-serif`;
    ctx.lineWidth = pr;
    const hline = (value, text) => {
      const y = u.valToPos(value, "y", true);
      if (y < top || y > top + height) return;
      ctx.strokeStyle = fg;
      ctx.setLineDash([4 * pr, 4 * pr]);
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
      ctx.fillStyle = fg;
      ctx.fillText(text, left + width - ctx.measureText(text).width - 4 * pr, y - 3 * pr);
    };
    const vline = (value, colour, text, dash) => {
      const x = u.valToPos(value, "x", true);
      if (x < left || x > left + width) return;
      ctx.strokeStyle = colour;
      ctx.setLineDash(dash);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      if (text) {
        ctx.fillStyle = colour;
        ctx.fillText(text, Math.min(x + 3 * pr, left + width - ctx.measureText(text).width), top + 12 * pr);
      }
    };
    if (isLoss) {
      hline(LN2, "ln 2");
      const info = meta.stability[state.standardize ? "standardized" : "raw"];
      if (info && shown().length === 1) hline(info.optimum_loss, "optimum");
    }
    if (state.view === "ucurve") {
      vline(state.learning_rate, fg, "", [1 * pr, 3 * pr]);
      for (const line of stabilityLines()) vline(line.x, line.colour, line.label, [8 * pr, 4 * pr]);
      ctx.setLineDash([]);
      for (const s of spec.series) {
        (s.allDiverged || []).forEach((all, i) => {
          if (!all) return;
          const x = u.valToPos(spec.x[i], "x", true);
          ctx.strokeStyle = s.colour;
          ctx.lineWidth = 2 * pr;
          const y = top + 8 * pr;
          ctx.beginPath();
          ctx.moveTo(x - 4 * pr, y - 4 * pr);
          ctx.lineTo(x + 4 * pr, y + 4 * pr);
          ctx.moveTo(x + 4 * pr, y - 4 * pr);
          ctx.lineTo(x - 4 * pr, y + 4 * pr);
          ctx.stroke();
        });
      }
    }
    ctx.restore();
  }

  function legend(spec) {
    const list = el("ul", { class: "bgd-legend" });
    for (const s of spec.series) {
      const swatch = el("span", { class: "bgd-swatch", "aria-hidden": "true" });
      swatch.style.background = s.colour;
      if (s.dash) swatch.classList.add("bgd-swatch--dashed");
      list.append(el("li", {}, swatch, ` ${s.label}`));
    }
    return list;
  }

  function fmt(v) {
    return v === null || v === undefined ? "—" : Number(v).toPrecision(4);
  }

  function table() {
    const last = meta.epochs - 1;
    const rows = shown().map((item) => {
      const c = item.config;
      const cell = (split, metric) => {
        const m = series(c, `${split}.${metric}.mean`)[last];
        const lo = series(c, `${split}.${metric}.low`)[last];
        const hi = series(c, `${split}.${metric}.high`)[last];
        return m === null ? "diverged" : `${fmt(m)} (${fmt(lo)}–${fmt(hi)})`;
      };
      const n = diverged(c);
      return el(
        "tr",
        {},
        el("th", { scope: "row", text: describe(c) }),
        el("td", { text: cell("train", "loss") }),
        el("td", { text: cell("test", "loss") }),
        el("td", { text: cell("train", "accuracy") }),
        el("td", { text: cell("test", "accuracy") }),
        el("td", { text: `${n} of ${meta.seeds.length}` }),
      );
    });
    const head = el("tr", {});
    for (const text of [
      "configuration",
      "training loss",
      "test loss",
      "training accuracy",
      "test accuracy",
      "diverged",
    ]) {
      head.append(el("th", { scope: "col", text }));
    }
    return el(
      "div",
      { class: "bgd-table" },
      el(
        "table",
        { id: "bgd-final-table" },
        el("caption", {
          text: `At the end of epoch ${meta.epochs}: mean over the seeds (lowest–highest seed).`,
        }),
        el("thead", {}, head),
        el("tbody", {}, ...rows),
      ),
    );
  }

  function statusText() {
    const parts = [];
    for (const item of shown()) {
      const n = diverged(item.config);
      if (n === meta.seeds.length) parts.push(`${describe(item.config)}: all ${n} runs diverged.`);
      else if (n > 0) {
        parts.push(`${describe(item.config)}: ${n} of ${meta.seeds.length} runs diverged (left out of mean and band).`);
      }
    }
    if (state.view === "ucurve") {
      for (const item of shown()) {
        const c = item.config;
        const info = meta.stability[c.standardize ? "standardized" : "raw"];
        const limit = info && info.limits[c.optimizer];
        if (limit) {
          parts.push(
            `Stability limit for ${c.optimizer} on ${c.standardize ? "standardised" : "raw"} features: ` +
              `${limit.toPrecision(3)} (λmax = ${info.lambda_max.toPrecision(3)} at the optimum).`,
          );
        } else {
          parts.push(`No stability limit is known for ${c.optimizer}.`);
        }
      }
    }
    return parts;
  }

  function render() {
    syncControls();
    const out = ids.output;
    for (const chart of charts) chart.destroy();
    charts = [];
    out.replaceChildren();
    const info = el("p", { class: "bgd-status", role: "status", id: "bgd-status" });
    info.textContent = [...notices, ...statusText()].join(" ");
    out.append(info);
    const columns = wide() ? 2 : 1;
    const width = Math.max(240, Math.floor((ids.charts.clientWidth - GAP * (columns - 1)) / columns));
    plotted = { view: state.view, charts: [] };
    const build = state.view === "curves" ? curveSeries : ucurveSeries;
    const row = el("div", { class: "bgd-charts" });
    out.append(row);
    for (const metric of ["loss", "accuracy"]) {
      const spec = build(metric);
      const box = el("figure", { class: "bgd-chart", id: `bgd-chart-${metric}` });
      box.style.width = `${width}px`;
      row.append(box);
      const readout = el("p", { class: "bgd-readout", "aria-hidden": "true", text: "\u00a0" });
      const options = chartOptions(spec, width, metric, readout);
      charts.push(new uPlot(options, chartData(spec), box));
      box.append(readout, legend(spec));
      plotted.charts.push({
        metric,
        title: options.title,
        x: spec.x,
        series: spec.series.map((s) => ({
          label: s.label,
          config: s.config,
          split: s.split,
          metric: s.metric,
          mean: s.mean,
          low: s.low,
          high: s.high,
        })),
      });
    }
    out.append(table());
  }

  function wide() {
    return ids.charts.clientWidth >= 700;
  }

  // ------------------------------------------------------------------ start
  async function load() {
    const response = await fetch(GRID_URL);
    if (!response.ok) throw new Error(`${GRID_URL}: HTTP ${response.status}`);
    meta = await response.json();
    const bin = await fetch(new URL(meta.values, new URL(GRID_URL, location.href)));
    if (!bin.ok) throw new Error(`${meta.values}: HTTP ${bin.status}`);
    const buffer = await bin.arrayBuffer();
    const expected = meta.configs * meta.channels.length * meta.epochs;
    if (buffer.byteLength !== expected * 4) {
      throw new Error(`${meta.values} holds ${buffer.byteLength} bytes, expected ${expected * 4}`);
    }
    // Little-endian float32, as written; every browser this site targets is little-endian.
    values = new Float32Array(buffer);
  }

  function summary() {
    const rates = Object.values(meta.learning_rates).map((r) => r.length);
    const n = meta.configs;
    return (
      `${n.toLocaleString("en")} configurations (${meta.optimizers.length} optimizers × ` +
      `${Math.min(...rates) === Math.max(...rates) ? rates[0] : `${Math.min(...rates)}–${Math.max(...rates)}`} ` +
      `learning rates × ${meta.batch_sizes.length} batch sizes × ` +
      `${meta.schedules.length} schedules × ${meta.standardize.length} feature scalings), ` +
      `${meta.seeds.length} seeds each (${(n * meta.seeds.length).toLocaleString("en")} runs), ` +
      `${meta.epochs} epochs; ${meta.n_train} training and ${meta.n_test} test rows` +
      (meta.grid === "full" ? ". " : ` (the ${meta.grid} grid, for tests, not the site's). `) +
      `Band: ${meta.band}.`
    );
  }

  // Material's anchor tracking (navigation.tracking) rewrites the address as the page
  // scrolls or resizes, which would drop the explorer's state from the URL. Writes that come
  // from elsewhere and point at this page keep the explorer's hash instead.
  function guardHash() {
    const native = history.replaceState.bind(history);
    history.replaceState = function (data, title, url) {
      if (state && url !== undefined && url !== null) {
        const target = new URL(String(url), location.href);
        if (target.pathname === location.pathname && target.hash !== toHash(state)) {
          target.hash = toHash(state);
          url = target.href;
        }
      }
      return native(data, title, url);
    };
  }

  async function start() {
    try {
      await load();
    } catch (error) {
      root.replaceChildren(
        el("p", { class: "bgd-error", role: "alert", text: `The explorer could not load its data (${error.message}).` }),
      );
      return;
    }
    state = parseHash(location.hash);
    guardHash();
    const controls = buildControls();
    ids.output = el("div", { class: "bgd-output", "aria-live": "polite" });
    ids.charts = ids.output;
    root.replaceChildren(el("p", { class: "bgd-grid-info", id: "bgd-grid-info", text: summary() }), controls, ids.output);
    history.replaceState(null, "", toHash(state));
    render();
    window.addEventListener("hashchange", () => {
      // An anchor of the page (a heading's permalink) is not a state: keep the current one.
      if (!location.hash.includes("=")) {
        history.replaceState(null, "", toHash(state));
        return;
      }
      state = parseHash(location.hash);
      history.replaceState(null, "", toHash(state));
      render();
    });
    let lastWidth = ids.output.clientWidth;
    new ResizeObserver(() => {
      if (Math.abs(ids.output.clientWidth - lastWidth) > 8) {
        lastWidth = ids.output.clientWidth;
        render();
      }
    }).observe(ids.output);
    new MutationObserver(() => render()).observe(document.body, {
      attributes: true,
      attributeFilter: ["data-md-color-scheme"],
    });
    resolveReady(true);
  }

  window.explorer = {
    ready,
    state: () => (state ? JSON.parse(JSON.stringify(state)) : null),
    data: () => (plotted ? JSON.parse(JSON.stringify(plotted)) : null),
    meta: () => meta,
    series: (config, name) => series(snap(config, () => {}), name),
    set: (change) => update(change),
    notices: () => [...notices],
  };
  start();
})();
