/* neuronet playground: the page. It draws what the server's network does and sends what the
   learner changes; every setting lives in the page's address, so a link replays the run.
   Plain JavaScript, no build step, nothing loaded from elsewhere. */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const SETTINGS = ["dataset", "classes", "problem", "noise", "ratio", "batch", "features", "layers",
    "activation", "lr", "reg", "regRate", "dropout", "optimizer", "seed", "speed",
    "csvX1", "csvX2", "csvTarget"];
  const NUMBERS = new Set(["classes", "noise", "ratio", "batch", "lr", "regRate", "dropout", "seed", "speed"]);
  const FEATURES = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"];
  const CLASSIFY_SETS = ["circle", "xor", "gauss", "spiral", "spirals", "blobs"];
  const MULTI_SETS = ["spirals", "blobs"];  // three classes or more: a softmax output
  const V = window.neuronetViews;
  const REGRESS_SETS = ["plane", "multigauss"];

  let ws = null, hello = null, token = null, config = null, mode = "network";
  let runId = -1, playing = false, latest = null, tutorial = null, points = null;
  let featureLabels = {}, lossHistory = [], structure = "", hover = null, fileInfo = null;
  let page = { showTest: false, discretize: false, showGradients: false };
  let pinned = null;  // the neuron whose numbers the panel shows
  let addClass = null;  // the class a click on the output adds a point of (null: none)
  let framesReceived = 0, renderQueued = false, reconnectDelay = 500, bannerTimer = null;
  let links = [], nodes = { hidden: [], outputs: [] };
  // Output neurons: one per class with a softmax, else one; classes the data has (0: numbers).
  const nOutputs = () => (config && MULTI_SETS.includes(config.dataset) ? config.classes : 1);
  const nClasses = () => (points ? points.nClasses : 0);

  // --- colours: a diverging orange–white–blue scale -------------------------------------------
  const STOPS = [[-1, [179, 88, 6]], [-0.5, [241, 163, 64]], [0, [247, 247, 247]],
    [0.5, [103, 169, 207]], [1, [33, 102, 172]]];
  function colour(v) {
    v = Math.max(-1, Math.min(1, v));
    for (let i = 1; i < STOPS.length; i++) {
      const [b, cb] = STOPS[i];
      if (v <= b) {
        const [a, ca] = STOPS[i - 1];
        const t = (v - a) / (b - a);
        return [0, 1, 2].map((k) => Math.round(ca[k] + (cb[k] - ca[k]) * t));
      }
    }
    return STOPS[STOPS.length - 1][1];
  }
  const css = (rgb) => `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
  // 256 colours for the values -1..1, full and faded (the output's ground, under the points).
  const LUT = [], FADED = [];
  for (let i = 0; i < 256; i++) {
    const c = colour(i / 127.5 - 1);
    LUT.push(c);
    FADED.push(c.map((x) => Math.round(x + (255 - x) * 0.3)));
  }
  const toByte = (v) => Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));

  function decode(b64, Type) {
    const text = atob(b64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return Type === Uint8Array ? bytes : new Type(bytes.buffer);
  }

  // Paint a size × size picture (bytes 0..255 standing for -1..1) onto a canvas, smoothly.
  const scratch = document.createElement("canvas");
  function paintImage(canvas, rgba, size) {  // the same, for colours already worked out
    scratch.width = size; scratch.height = size;
    scratch.getContext("2d").putImageData(new ImageData(rgba, size, size), 0, 0);
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
  }
  function paint(canvas, bytes, size, palette) {
    scratch.width = size; scratch.height = size;
    const sctx = scratch.getContext("2d");
    const image = sctx.createImageData(size, size);
    for (let i = 0; i < size * size; i++) {
      const c = palette[bytes[i]];
      image.data[4 * i] = c[0]; image.data[4 * i + 1] = c[1]; image.data[4 * i + 2] = c[2];
      image.data[4 * i + 3] = 255;
    }
    sctx.putImageData(image, 0, 0);
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
  }

  // --- the address: every setting, so that a link replays the run ------------------------------
  function readAddress() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const wanted = {};
    for (const key of SETTINGS) {
      if (!params.has(key)) continue;
      const raw = params.get(key);
      if (key === "features") wanted[key] = raw ? raw.split(",") : [];
      else if (key === "layers") wanted[key] = raw ? raw.split(",").map(Number) : [];
      else if (NUMBERS.has(key)) wanted[key] = raw.trim() !== "" && isFinite(raw) ? Number(raw) : raw;
      else wanted[key] = raw;
    }
    for (const key of Object.keys(page)) {
      if (params.has(key)) page[key] = params.get(key) === "true";
    }
    if (!("seed" in wanted)) wanted.seed = Math.floor(Math.random() * 100000);
    return wanted;
  }

  function writeAddress() {
    if (!config) return;
    const params = new URLSearchParams();
    for (const key of SETTINGS) {
      if (key.startsWith("csv") && config.dataset !== "csv") continue;
      const value = config[key];
      params.set(key, Array.isArray(value) ? value.join(",") : String(value));
    }
    for (const key of Object.keys(page)) params.set(key, String(page[key]));
    history.replaceState(null, "", "#" + params.toString());
  }

  // --- talking to the server ---------------------------------------------------------------------
  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${scheme}//${location.host}/ws`);
    ws.onopen = () => { reconnectDelay = 500; };
    ws.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      const handler = HANDLERS[message.type];
      if (handler) handler(message);
    };
    ws.onclose = (event) => {
      token = null;
      if (event.code === 1013) {  // the server is busy with other tabs: it said why
        reconnectDelay = 5000;
      } else {
        showBanner("The connection to the playground server was lost; reconnecting…", false);
      }
      setTimeout(connect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 5000);
    };
  }

  function send(message) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  function change(changes) {
    clearBanner();
    send({ type: "config", config: changes });
  }

  const HANDLERS = {
    hello(m) {
      hello = m; token = m.token;
      clearBanner();
      drawPreviews();
      const wanted = config ? { ...config } : readAddress();
      if (config && config.dataset === "csv") delete wanted.dataset;  // the file stayed behind
      send({ type: "config", config: wanted });
      if (mode === "tutorial") send({ type: "mode", mode: "tutorial" });
      detailsAsked = null;  // a new session on the server: tell it again
      askDetails();
    },
    state(m) {
      config = m.config;
      playing = m.playing;
      featureLabels = m.featureLabels;
      fileInfo = m.file;
      const note = $("export-note");
      note.hidden = m.changedAt === null;
      note.textContent = m.changedAt === null ? "" : `The training settings changed at epoch ` +
        `${m.changedAt}: the Python script trains with the current settings from the start, so its ` +
        `weights will differ from these. Reset to replay them from the start.`;
      if (m.run !== runId) { runId = m.run; lossHistory = []; latest = null; }
      setMode(m.mode, false);
      syncControls();
      writeAddress();
      buildNetwork();
      queueRender();
    },
    data(m) { points = m; drawCsvPreview(); syncAddPoints(); queueRender(); },
    frame(m) {
      if (m.run !== runId) return;  // from a run that was replaced
      framesReceived++;
      latest = m;
      playing = m.playing;
      if (m.batch !== undefined) showBatch(m.batch);
      const last = lossHistory[lossHistory.length - 1];
      if (!last || last.epoch !== m.epoch) {
        lossHistory.push({ epoch: m.epoch, train: m.trainLoss, test: m.testLoss });
        if (lossHistory.length > 2000) lossHistory = lossHistory.filter((_, i) => i % 2 === 0);
      }
      queueRender();
    },
    tutorial(m) { framesReceived++; tutorial = m; playing = m.playing; queueRender(); },
    error(m) {
      const where = { training: "Training stopped: ", settings: "", message: "", general: "" };
      showBanner((where[m.where] || "") + m.message, true);
    },
    pong() {},
  };

  // --- the banner: errors and the connection ----------------------------------------------------
  function showBanner(text, fades) {
    const banner = $("banner");
    banner.textContent = text;
    banner.hidden = false;
    clearTimeout(bannerTimer);
    if (fades) bannerTimer = setTimeout(clearBanner, 12000);
  }
  function clearBanner() {
    if (!token) return;  // keep "reconnecting" until the server is back
    $("banner").hidden = true;
  }

  // --- the controls ------------------------------------------------------------------------------
  function syncControls() {
    for (const id of ["lr", "activation", "optimizer", "reg", "regRate", "dropout", "problem", "speed"]) {
      const select = $(id);
      const value = String(config[id]);
      if (![...select.options].some((o) => o.value === value)) {
        const option = document.createElement("option");
        option.value = option.textContent = value;
        select.appendChild(option);
      }
      select.value = value;
    }
    for (const id of ["ratio", "noise", "batch"]) $(id).value = config[id];
    $("classes").value = String(config.classes);
    $("classes-box").hidden = !MULTI_SETS.includes(config.dataset);
    $("noise").disabled = config.dataset === "csv";  // a file's points are as they are
    $("noise").title = config.dataset === "csv" ? "Noise applies to the generated data sets"
      : "How far points stray from the pattern";
    $("ratio-value").textContent = `${config.ratio}%`;
    $("noise-value").textContent = String(config.noise);
    $("batch-value").textContent = String(config.batch);
    if (document.activeElement !== $("seed")) $("seed").value = config.seed;
    const sets = config.problem === "classification" ? CLASSIFY_SETS : REGRESS_SETS;
    for (const button of document.querySelectorAll(".dataset")) {
      const name = button.dataset.dataset;
      button.hidden = name !== "csv" && !sets.includes(name);
      button.setAttribute("aria-pressed", String(name === config.dataset));
    }
    const n = config.layers.length;
    $("layer-count").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
    $("add-layer").disabled = n >= hello.limits.maxLayers;
    $("remove-layer").disabled = n === 0;
    $("show-test").checked = page.showTest;
    $("discretize").checked = page.discretize;
    $("show-gradients").checked = page.showGradients;
    $("accuracy-box").hidden = config.problem !== "classification";
    syncAddPoints();
    document.body.classList.toggle("playing", playing);
    $("play").setAttribute("aria-label", playing ? "Pause" : "Play");
    showColumns();
  }

  function setMode(newMode, tell) {
    mode = newMode;
    const on = mode === "tutorial";
    $("network-view").hidden = on;
    $("tutorial-view").hidden = !on;
    document.body.classList.toggle("tutorial-on", on);
    $("tutorial-mode").setAttribute("aria-pressed", String(on));
    $("epoch-label").textContent = on ? "Iteration" : "Epoch";
    $("step").title = on ? "Step: one iteration of the tutorial's loop (S)" : "Step: train one epoch (S)";
    $("step").setAttribute("aria-label", on ? "Step one iteration" : "Step one epoch");
    if (tell) send({ type: "mode", mode });
  }

  function togglePlay() { send({ type: "toggle" }); }

  function bindControls() {
    $("play").addEventListener("click", togglePlay);
    $("step").addEventListener("click", () => send({ type: "step", count: 1 }));
    $("step-batch").addEventListener("click", () => send({ type: "batch" }));
    $("neuron-panel-close").addEventListener("click", () => pin(null));
    $("reset").addEventListener("click", () => send({ type: "reset" }));
    $("tutorial-mode").addEventListener("click", () => setMode(mode === "tutorial" ? "network" : "tutorial", true));
    for (const id of ["activation", "optimizer", "reg", "problem"]) {
      $(id).addEventListener("change", (e) => change({ [id]: e.target.value }));
    }
    for (const id of ["lr", "regRate", "dropout", "speed"]) {
      $(id).addEventListener("change", (e) => change({ [id]: Number(e.target.value) }));
    }
    for (const id of ["ratio", "noise", "batch"]) {
      const show = () => {
        $(`${id}-value`).textContent = id === "ratio" ? `${$(id).value}%` : $(id).value;
      };
      $(id).addEventListener("input", show);
      $(id).addEventListener("change", () => change({ [id]: Number($(id).value) }));
    }
    $("seed").addEventListener("change", () => {
      const value = $("seed").value.trim();
      change({ seed: value === "" ? value : Number(value) });
    });
    $("classes").addEventListener("change", () => change({ classes: Number($("classes").value) }));
    $("clear-points").addEventListener("click", () => send({ type: "clearPoints" }));
    $("output-surface").addEventListener("click", addPointAt);
    $("new-seed").addEventListener("click", () => change({ seed: Math.floor(Math.random() * 100000) }));
    for (const button of document.querySelectorAll(".dataset")) {
      button.addEventListener("click", () => {
        const name = button.dataset.dataset;
        if (name !== "csv") return change({ dataset: name });
        if (!fileInfo) return $("upload").click();
        applyColumns();
      });
    }
    $("add-layer").addEventListener("click", () => {
      if (config.layers.length < hello.limits.maxLayers) change({ layers: [...config.layers, 2] });
    });
    $("remove-layer").addEventListener("click", () => change({ layers: config.layers.slice(0, -1) }));
    $("show-test").addEventListener("change", (e) => { page.showTest = e.target.checked; writeAddress(); queueRender(); });
    $("discretize").addEventListener("change", (e) => { page.discretize = e.target.checked; writeAddress(); queueRender(); });
    $("show-gradients").addEventListener("change", (e) => { page.showGradients = e.target.checked; writeAddress(); askDetails(); queueRender(); });
    for (const button of document.querySelectorAll("[data-export]")) {
      button.addEventListener("click", () => download(button.dataset.export));
    }
    $("upload").addEventListener("change", upload);
    $("csv-apply").addEventListener("click", applyColumns);
    $("tutorial-step10").addEventListener("click", () => send({ type: "step", count: 10 }));
    $("tutorial-step100").addEventListener("click", () => send({ type: "step", count: 100 }));
    $("tutorial-finish").addEventListener("click", () => send({ type: "finish" }));
    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target;
      const tag = target.tagName;
      if (tag === "INPUT" && !["checkbox", "range", "file"].includes(target.type)) return;
      if (tag === "SELECT" || tag === "TEXTAREA") return;
      if (event.key === " " || event.key === "Spacebar") {
        // On a button or checkbox, space presses it, as everywhere; elsewhere it plays.
        if (tag === "BUTTON" || tag === "INPUT" || tag === "LABEL") return;
        event.preventDefault();
        togglePlay();
      } else if (event.key === "s" || event.key === "S") {
        send({ type: "step", count: 1 });
      } else if (event.key === "b" || event.key === "B") {
        send({ type: "batch" });
      } else if (event.key === "r" || event.key === "R") {
        send({ type: "reset" });
      } else if (/^[1-9]$/.test(event.key) && Number(event.key) <= nClasses()) {
        chooseClass(Number(event.key) - 1);
      } else if (event.key === "Escape") {
        chooseClass(null);
      }
    });
    window.addEventListener("resize", () => { structure = ""; buildNetwork(); queueRender(); });
    bindSurfaceHover();
  }

  // --- files: upload, columns, exports -----------------------------------------------------------
  function uploadError(text) {
    const box = $("upload-error");
    box.textContent = text;
    box.hidden = !text;
  }

  async function upload() {
    const input = $("upload");
    const file = input.files[0];
    input.value = "";
    if (!file) return;
    uploadError("");
    const limit = hello ? hello.limits.uploadBytes : 2 * 1024 * 1024;
    if (file.size > limit) {
      return uploadError(`${file.name} is ${(file.size / 1e6).toFixed(1)} MB; the playground ` +
        `takes CSV files up to ${Math.round(limit / 1048576)} MB.`);
    }
    $("upload-status").textContent = `Reading ${file.name}…`;
    try {
      const response = await fetch(`/upload/${token}?name=${encodeURIComponent(file.name)}`, {
        method: "POST", body: file, headers: { "Content-Type": "text/csv" } });
      const body = await response.json();
      if (!response.ok) {
        $("upload-status").textContent = "";
        return uploadError(body.error || `upload failed (${response.status})`);
      }
      fileInfo = body;
      chosen = null;
      showColumns();
      applyColumns();
    } catch (e) {
      $("upload-status").textContent = "";
      uploadError(`upload failed: ${e.message}`);
    }
  }

  let chosen = null;  // the columns picked in the selects, before they are applied
  function showColumns() {
    const box = $("csv-columns");
    if (!fileInfo) { box.hidden = true; return; }
    box.hidden = false;
    $("upload-status").textContent = `${fileInfo.name}: ${fileInfo.rows.toLocaleString()} rows, ` +
      `${fileInfo.columns.length} columns`;
    const fill = (select, options, value) => {
      const names = [...select.options].map((o) => o.value).join("\u0000");
      if (names !== options.join("\u0000")) {
        select.textContent = "";
        for (const name of options) {
          const option = document.createElement("option");
          option.value = name; option.textContent = name;
          select.appendChild(option);
        }
      }
      select.value = value;
    };
    const numeric = fileInfo.numeric, all = fileInfo.columns;
    const current = config && config.dataset === "csv" ? config : null;
    const x1 = (chosen && chosen.x1) || (current && current.csvX1) || numeric[0];
    const x2 = (chosen && chosen.x2) || (current && current.csvX2) || numeric.find((c) => c !== x1);
    const target = (chosen && chosen.target) || (current && current.csvTarget) ||
      [...all].reverse().find((c) => c !== x1 && c !== x2);
    fill($("csv-x1"), numeric, x1);
    fill($("csv-x2"), numeric, x2);
    fill($("csv-target"), all, target);
    for (const id of ["csv-x1", "csv-x2", "csv-target"]) {
      $(id).onchange = () => { chosen = { x1: $("csv-x1").value, x2: $("csv-x2").value, target: $("csv-target").value }; };
    }
  }

  function applyColumns() {
    if (!fileInfo) return;
    uploadError("");
    change({ dataset: "csv", csvX1: $("csv-x1").value, csvX2: $("csv-x2").value,
      csvTarget: $("csv-target").value });
  }

  async function download(kind) {
    const box = $("export-error");
    box.hidden = true;
    try {
      const response = await fetch(`/export/${token}/${kind}`);
      if (!response.ok) {
        box.textContent = await response.text();
        box.hidden = false;
        return;
      }
      const blob = await response.blob();
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = /filename="([^"]+)"/.exec(disposition);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = match ? match[1] : `neuronet-playground-${kind}`;
      document.body.appendChild(link);
      link.click();
      setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 2000);
    } catch (e) {
      box.textContent = `export failed: ${e.message}`;
      box.hidden = false;
    }
  }

  // --- the data sets' little pictures ------------------------------------------------------------
  function drawPoints(canvas, list, problem, options) {
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height, r = hello.grid.radius;
    const size = options.size;
    const many = problem === "classification" && (options.classes || 2) > 2;
    for (const [x1, x2, y] of list) {
      const v = problem === "classification" ? 2 * y - 1 : y;
      const px = ((x1 + r) / (2 * r)) * w, py = ((r - x2) / (2 * r)) * h;
      ctx.beginPath();
      ctx.arc(px, py, size, 0, 2 * Math.PI);
      ctx.fillStyle = many ? css(V.classColour(y)) : css(colour(v));
      ctx.fill();
      ctx.lineWidth = options.lineWidth || 1;
      ctx.strokeStyle = options.stroke;
      ctx.stroke();
    }
  }

  function drawPreviews() {
    for (const button of document.querySelectorAll(".dataset")) {
      const name = button.dataset.dataset;
      const canvas = button.querySelector("canvas");
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      if (name === "csv") {
        ctx.fillStyle = "#5b6673";
        ctx.font = "600 15px system-ui, sans-serif";
        ctx.textAlign = "center";
        ctx.fillText("CSV", 32, 30);
        ctx.font = "10px system-ui, sans-serif";
        ctx.fillText("your data", 32, 46);
        continue;
      }
      const problem = REGRESS_SETS.includes(name) ? "regression" : "classification";
      drawPoints(canvas, hello.previews[name], problem, { size: 2, stroke: "rgba(255,255,255,0.7)",
        lineWidth: 0.5, classes: MULTI_SETS.includes(name) ? 3 : 2 });
    }
  }

  function drawCsvPreview() {
    if (!points || !points.axes) return;
    const canvas = document.querySelector('.dataset[data-dataset="csv"] canvas');
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    drawPoints(canvas, points.train.slice(0, 300), points.problem, { size: 2, stroke: "rgba(255,255,255,0.7)", lineWidth: 0.5 });
  }

  // --- the network drawing -----------------------------------------------------------------------
  const NODE = 38, GAP = 12, TOP = 44;

  function buildNetwork() {
    if (!config || !hello) return;
    const box = $("network");
    const K = nOutputs();
    const key = JSON.stringify([config.features, config.layers, box.clientWidth, featureLabels, K]);
    if (key === structure) return;
    structure = key;
    for (const element of box.querySelectorAll(".node, .node-label, .layer-head, .bias")) element.remove();
    const svg = $("links");
    svg.textContent = "";
    links = [];
    nodes = { hidden: [], outputs: [] };

    const width = Math.max(box.clientWidth, 360);
    const columns = config.layers.length + 2;
    const left = 62, right = width - NODE - 6;
    const xAt = (c) => left + ((right - left) * c) / (columns - 1);
    const yAt = (i) => TOP + i * (NODE + GAP);
    const tallest = Math.max(FEATURES.length, ...config.layers, K);
    box.style.height = `${TOP + tallest * (NODE + GAP) + 4}px`;

    // Features: every one is shown; those in use are bright, and linked into the network.
    const inputs = [];
    FEATURES.forEach((name, i) => {
      const active = config.features.includes(name);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "node feature";
      button.setAttribute("data-testid", `feature-${name}`);
      button.setAttribute("aria-pressed", String(active));
      const label = featureLabels[name] || name;
      button.setAttribute("aria-label", `Feature ${label}: ${active ? "used" : "not used"}`);
      button.title = `${label}: click to ${active ? "stop using" : "use"} it`;
      button.style.left = `${xAt(0)}px`;
      button.style.top = `${yAt(i)}px`;
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 36;
      button.appendChild(canvas);
      paint(canvas, decode(hello.featureSurfaces[name], Uint8Array), hello.grid.node, LUT);
      button.addEventListener("click", () => {
        const now = config.features.includes(name)
          ? config.features.filter((f) => f !== name) : [...config.features, name];
        if (now.length) change({ features: now });
      });
      button.addEventListener("mouseenter", () => showHover({ feature: name, label }, button));
      button.addEventListener("mouseleave", hideHover);
      box.appendChild(button);
      const text = document.createElement("div");
      text.className = "node-label";
      text.textContent = label;
      text.style.left = `${xAt(0) - 60}px`;
      text.style.top = `${yAt(i) + 11}px`;
      box.appendChild(text);
      if (active) inputs.push({ x: xAt(0), y: yAt(i), name: label });
    });

    // Hidden layers, each with its buttons for one neuron more or less.
    let previous = inputs;
    config.layers.forEach((size, l) => {
      const head = document.createElement("div");
      head.className = "layer-head";
      head.style.left = `${xAt(l + 1) + NODE / 2 - 35}px`;
      head.style.top = "0px";
      const buttons = document.createElement("div");
      buttons.className = "buttons";
      for (const [sign, delta, what] of [["+", 1, "Add a neuron to"], ["−", -1, "Remove a neuron from"]]) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "round small";
        b.textContent = sign;
        b.setAttribute("aria-label", `${what} hidden layer ${l + 1}`);
        b.setAttribute("data-testid", `layer-${l + 1}-${delta > 0 ? "add" : "remove"}`);
        b.title = `${what} layer ${l + 1}`;
        b.disabled = size + delta < 1 || size + delta > hello.limits.maxNeurons;
        b.addEventListener("click", () => {
          const layers = [...config.layers];
          layers[l] = size + delta;
          change({ layers });
        });
        buttons.appendChild(b);
      }
      head.appendChild(buttons);
      const caption = document.createElement("span");
      caption.textContent = `${size} neuron${size === 1 ? "" : "s"}`;
      head.appendChild(caption);
      box.appendChild(head);
      const current = [];
      for (let j = 0; j < size; j++) {
        const x = xAt(l + 1), y = yAt(j);
        const info = neuron(box, x, y, "hidden-node", `Layer ${l + 1}, neuron ${j + 1}`,
          { layer: l, index: j, name: `layer ${l + 1}, neuron ${j + 1}` });
        nodes.hidden[l] = nodes.hidden[l] || [];
        nodes.hidden[l].push(info);
        current.push({ x, y, name: info.name });
      }
      drawLinks(svg, previous, current, l);
      previous = current;
    });

    // The output neuron (one per class with a softmax), linked to the big picture on the right.
    const ox = xAt(columns - 1), L = config.layers.length;
    const first = K > 1 ? 0 : Math.max(0, Math.min(3, (Math.max(...config.layers, 2) - 1) / 2));
    const outputs = [];
    for (let k = 0; k < K; k++) {
      const oy = yAt(0) + (NODE + GAP) * (first + k);
      const name = K > 1 ? `the output of class ${k}` : "the output";
      const info = neuron(box, ox, oy, "output-node", K > 1 ? `The output neuron of class ${k}` : "The output neuron",
        { layer: L, index: k, name });
      if (K > 1) info.div.style.borderColor = css(V.classColour(k));
      nodes.outputs.push(info);
      outputs.push({ x: ox, y: oy, name });
    }
    drawLinks(svg, previous, outputs, L);
    if (pinned) {  // the same neuron in the new drawing, if it is still there
      const again = pinned.layer === L ? nodes.outputs[pinned.index]
        : (nodes.hidden[pinned.layer] || [])[pinned.index];
      pinned = null;
      pin(again || null);
    }
  }

  // A neuron's box at (x, y): its picture, and the small square of its bias beside it.
  function neuron(box, x, y, kind, label, info) {
    const div = document.createElement("div");
    div.className = `node ${kind}`;
    div.setAttribute("role", "img");
    div.setAttribute("aria-label", label);
    div.style.left = `${x}px`;
    div.style.top = `${y}px`;
    info.canvas = document.createElement("canvas");
    info.canvas.width = info.canvas.height = 36;
    div.appendChild(info.canvas);
    info.bias = document.createElement("div");
    info.bias.className = "bias";
    info.bias.style.left = `${x - 4}px`;
    info.bias.style.top = `${y + NODE - 4}px`;
    box.appendChild(div);
    box.appendChild(info.bias);
    div.addEventListener("mouseenter", () => showHover(info, div));
    div.addEventListener("click", () => pin(pinned && pinned.layer === info.layer && pinned.index === info.index ? null : info));
    info.div = div;
    div.addEventListener("mouseleave", hideHover);
    return info;
  }

  function drawLinks(svg, from, to, layer) {
    const ns = "http://www.w3.org/2000/svg";
    from.forEach((a, i) => {
      to.forEach((b, j) => {
        const x1 = a.x + NODE, y1 = a.y + NODE / 2, x2 = b.x, y2 = b.y + NODE / 2;
        const mid = (x1 + x2) / 2;
        const d = `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
        const path = document.createElementNS(ns, "path");
        path.setAttribute("d", d);
        path.setAttribute("class", "link");
        path.setAttribute("stroke", "#c9d0d8");
        path.setAttribute("stroke-width", "1");
        const hit = document.createElementNS(ns, "path");
        hit.setAttribute("d", d);
        hit.setAttribute("class", "hit");
        const grad = document.createElementNS(ns, "path");
        grad.setAttribute("d", d);
        grad.setAttribute("class", "grad");
        grad.setAttribute("data-testid", `gradient-${layer}-${i}-${j}`);
        const link = { layer, i, j, path, grad, from: a.name, to: b.name };
        hit.addEventListener("mouseenter", (e) => showLinkTip(link, e));
        hit.addEventListener("mousemove", (e) => moveTip(e.clientX, e.clientY));
        hit.addEventListener("mouseleave", hideTip);
        svg.appendChild(path);
        svg.appendChild(grad);
        svg.appendChild(hit);
        links.push(link);
      });
    });
  }

  // --- hover: tooltips, a neuron's picture on the big canvas -------------------------------------
  function moveTip(x, y) {
    const tip = $("tooltip");
    tip.style.left = `${Math.min(x + 14, window.innerWidth - 290)}px`;
    tip.style.top = `${y + 14}px`;
  }
  function showTip(text, x, y) {
    const tip = $("tooltip");
    tip.textContent = text;
    tip.hidden = false;
    moveTip(x, y);
  }
  function hideTip() { $("tooltip").hidden = true; }

  function showLinkTip(link, event) {
    const w = latest && latest.weights[link.layer] ? latest.weights[link.layer][link.i][link.j] : null;
    const value = w === null ? "–" : w.toFixed(4);
    const g = latest && latest.gradients && latest.gradients[link.layer] ? latest.gradients[link.layer][link.i][link.j] : null;
    const slope = g === null ? "" : `, gradient ${g.toPrecision(3)}`;
    showTip(`weight ${value}${slope}: ${link.from} → ${link.to}`, event.clientX, event.clientY);
  }

  function showHover(info, element) {
    hover = info;
    const rect = element.getBoundingClientRect();
    let text = info.label ? `feature ${info.label}` : info.name;
    if (!info.label && latest && latest.biases[info.layer]) {
      text += ` · bias ${latest.biases[info.layer][info.index].toFixed(4)}`;
    }
    showTip(`${text} (drawn large in the output)`, rect.right, rect.top);
    queueRender();
  }
  function hideHover() { hover = null; hideTip(); queueRender(); }

  function bindSurfaceHover() {
    const canvas = $("output-surface");
    canvas.addEventListener("mousemove", (event) => {
      if (!latest || !hello) return;
      const rect = canvas.getBoundingClientRect();
      const r = hello.grid.radius, size = hello.grid.output;
      const fx = (event.clientX - rect.left) / rect.width, fy = (event.clientY - rect.top) / rect.height;
      const x1 = -r + 2 * r * fx, x2 = r - 2 * r * fy;
      const col = Math.round(fx * (size - 1)), row = Math.round(fy * (size - 1));
      let where = `x1 ${x1.toFixed(2)}, x2 ${x2.toFixed(2)}`;
      if (points && points.axes) {
        const [a, b] = points.axes;
        where = `${a.name} ${(a.centre + x1 * a.scale).toPrecision(4)}, ${b.name} ${(b.centre + x2 * b.scale).toPrecision(4)}`;
      }
      if (latest.probabilities) {
        const p = V.probabilitiesAt(decodedProbabilities(), size, nOutputs(), row, col);
        const best = p.indexOf(Math.max(...p));
        $("surface-readout").textContent = `${where} → class ${best} (${Math.round(100 * p[best])}%); ` +
          p.map((v, k) => `${k}: ${v.toFixed(2)}`).join(" ");
        return;
      }
      const value = outputAt(row, col);
      let shown = value.toFixed(3);
      if (points && points.targetRange) {
        const [low, high] = points.targetRange;
        shown = (low + (value + 1) / 2 * (high - low)).toPrecision(4);
      }
      $("surface-readout").textContent = `${where} → ${shown}`;
    });
    canvas.addEventListener("mouseleave", () => { $("surface-readout").textContent = ""; });
  }

  // --- drawing a frame ---------------------------------------------------------------------------
  let outputValues = null, outputFrame = null, probabilityBytes = null, probabilityFrame = null;
  function decodedProbabilities() {
    if (probabilityFrame !== latest) {
      probabilityBytes = decode(latest.probabilities, Uint8Array);
      probabilityFrame = latest;
    }
    return probabilityBytes;
  }
  function outputAt(row, col) {
    if (!latest) return NaN;
    if (latest.probabilities) {  // the most probable class's probability
      return Math.max(...V.probabilitiesAt(decodedProbabilities(), hello.grid.output, nOutputs(), row, col));
    }
    if (outputFrame !== latest) {
      outputValues = decode(latest.output, Float32Array);
      outputFrame = latest;
    }
    return outputValues[row * hello.grid.output + col];
  }

  function queueRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => { renderQueued = false; render(); });
  }

  function fmt(value) { return value === null || value === undefined ? "–" : value.toFixed(3); }

  function render() {
    if (!config || !hello) return;
    document.body.classList.toggle("playing", playing);
    $("play").setAttribute("aria-label", playing ? "Pause" : "Play");
    if (mode === "tutorial") return renderTutorial();
    if (!latest) return;
    $("epoch").textContent = latest.epoch.toLocaleString("en-US");
    $("train-loss").textContent = fmt(latest.trainLoss);
    $("test-loss").textContent = fmt(latest.testLoss);
    if (latest.testAccuracy !== undefined) $("test-accuracy").textContent = `${(100 * latest.testAccuracy).toFixed(1)}%`;

    const classify = config.problem === "classification";
    const size = hello.grid.output;
    const K = latest.probabilities ? nOutputs() : 1;
    const outBytes = new Uint8Array(size * size);
    const probs = K > 1 ? decodedProbabilities() : null;
    if (K === 1) {
      for (let i = 0; i < size * size; i++) {
        let v = outputAt(Math.floor(i / size), i % size);
        if (classify) v = 2 * v - 1;
        if (page.discretize) v = v >= 0 ? 1 : -1;
        outBytes[i] = toByte(v);
      }
    }
    // Class k's probability over the plane: the picture of its output neuron.
    const classBytes = (k) => {
      const bytes = new Uint8Array(size * size);
      for (let i = 0; i < size * size; i++) bytes[i] = probs[i * K + k];
      return bytes;
    };
    // Neurons' own pictures, and the links' colours and widths.
    nodes.hidden.forEach((layer, l) => layer.forEach((info) => {
      const b64 = latest.neurons[l] && latest.neurons[l][info.index];
      if (b64) paint(info.canvas, decode(b64, Uint8Array), hello.grid.node, LUT);
      const bias = latest.biases[l] ? latest.biases[l][info.index] : 0;
      info.bias.style.background = css(colour(Math.tanh(bias)));
    }));
    nodes.outputs.forEach((info, k) => {
      if (K > 1) paint(info.canvas, classBytes(k), size, V.classPalette(k));
      else paint(info.canvas, outBytes, size, LUT);
      const bias = latest.biases[latest.biases.length - 1][k];
      if (bias !== undefined) info.bias.style.background = css(colour(Math.tanh(bias)));
    });
    const grads = latest.gradients || [];
    const steepest = Math.max(1e-12, ...grads.flat(2).map(Math.abs));
    for (const link of links) {
      const layer = latest.weights[link.layer];
      if (!layer || !layer[link.i]) continue;
      const g = grads[link.layer] && grads[link.layer][link.i] ? grads[link.layer][link.i][link.j] : null;
      link.grad.style.display = page.showGradients && g !== null ? "" : "none";
      if (g !== null) link.grad.setAttribute("stroke-width", (0.4 + 4.5 * Math.abs(g) / steepest).toFixed(2));
      const w = layer[link.i][link.j];
      link.path.setAttribute("stroke", css(colour(w >= 0 ? 0.85 : -0.85)));
      link.path.setAttribute("stroke-width", (0.6 + Math.min(Math.abs(w), 4) * 1.6).toFixed(2));
      link.path.setAttribute("stroke-opacity", (0.35 + Math.min(Math.abs(w), 1) * 0.65).toFixed(2));
    }

    // The big picture: the output (or the neuron under the pointer) and the points.
    const canvas = $("output-surface");
    const scale = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(300 * scale)) { canvas.width = canvas.height = Math.round(300 * scale); }
    if (hover && hover.feature) paint(canvas, decode(hello.featureSurfaces[hover.feature], Uint8Array), hello.grid.node, FADED);
    else if (hover && hover.layer < config.layers.length && latest.neurons[hover.layer]) {
      paint(canvas, decode(latest.neurons[hover.layer][hover.index], Uint8Array), hello.grid.node, FADED);
    } else if (hover && K > 1 && hover.layer === config.layers.length) {
      paint(canvas, classBytes(hover.index), size, V.classPalette(hover.index));
    } else if (K > 1) {
      paintImage(canvas, V.regionImage(probs, size, K, { faded: true, discretize: page.discretize }), size);
    } else paint(canvas, outBytes, size, FADED);
    if (points) {
      const pointSize = 3.2 * scale, classes = points.nClasses;
      drawPoints(canvas, points.train, points.problem, { size: pointSize, stroke: "#ffffff", lineWidth: scale, classes });
      if (page.showTest) drawPoints(canvas, points.test, points.problem, { size: pointSize, stroke: "#1d2530", lineWidth: 1.4 * scale, classes });
    }
    const axes = points && points.axes;
    $("axis-x").textContent = axes ? `${axes[0].name} →` : "x1 →";
    $("axis-y").textContent = axes ? `${axes[1].name} →` : "x2 →";
    if (points && points.classes) {
      $("legend-low").textContent = points.classes[0];
      $("legend-high").textContent = points.classes[1];
    } else if (points && points.targetRange) {
      $("legend-low").textContent = points.targetRange[0].toPrecision(3);
      $("legend-high").textContent = points.targetRange[1].toPrecision(3);
    } else {
      $("legend-low").textContent = classify ? "class 0" : "−1";
      $("legend-high").textContent = classify ? "class 1" : "1";
    }
    drawClassLegend(K);
    renderHidden();
    canvas.setAttribute("aria-label", `The network's output over the plane after ${latest.epoch} epochs: test loss ${fmt(latest.testLoss)}`);
    if (pinned) describeNeuron();
    drawLossChart();
  }

  // --- backpropagation in the tutorial's words: one neuron's numbers, one batch's changes ------
  function num(v) { return v === null || v === undefined ? "–" : Number(v).toPrecision(3); }

  // The server adds the gradients to its frames only while a view here shows them.
  let detailsAsked = false;
  function askDetails() {
    const want = page.showGradients || Boolean(pinned);
    if (want !== detailsAsked) send({ type: "details", on: want });
    detailsAsked = want;
  }

  function pin(info) {
    if (pinned && pinned.div) pinned.div.classList.remove("pinned");
    pinned = info;
    askDetails();
    $("neuron-panel").hidden = !info;
    if (info && info.div) info.div.classList.add("pinned");
    if (info) describeNeuron();
  }

  function inputNames(layer) {
    if (layer === 0) return config.features.map((f) => featureLabels[f] || f);
    return Array.from({ length: config.layers[layer - 1] }, (_, j) => `layer ${layer}, neuron ${j + 1}`);
  }

  // Every number here is one a learner can recompute from the ones beside it.
  function describeNeuron() {
    const box = $("neuron-panel-text");
    if (!latest || !pinned || !latest.gradients) { box.textContent = ""; return; }
    const l = pinned.layer, j = pinned.index;
    if (!latest.gradients[l] || !latest.biasGradients[l] || latest.biasGradients[l][j] === undefined) { pin(null); return; }
    const blame = latest.biasGradients[l][j];
    const output = latest.outputs[l][j];
    const names = inputNames(l);
    const lr = config.lr;
    const softmax = l === config.layers.length && nOutputs() > 1;
    const title = softmax ? `The output neuron of class ${j}` : l === config.layers.length
      ? "The output neuron" : `Layer ${l + 1}, neuron ${j + 1}`;
    const lines = softmax ? [
      `${title}. Its output is the probability the network gives class ${j} (a softmax: each output neuron's e^z over the sum of them all, so the ${nOutputs()} probabilities add up to 1); averaged over the training points it is ${num(output)}.`,
      `Its share of the blame (how the loss changes as its weighted sum changes, dL/dz) is, with the softmax and cross-entropy together, simply its probability minus 1 on the points of class ${j} and minus 0 on the others: ${num(blame)} on average; that is also its bias's gradient.`,
    ] : [
      `${title}. Its output, averaged over the training points, is ${num(output)}.`,
      `Its share of the blame (how the loss changes as its weighted sum changes, dL/dz: the tutorial's confidence, error × slope, carried back through the weights) is ${num(blame)} on average; that is also its bias's gradient.`,
    ];
    lines.push(
      `Each weight into it has the gradient blame × the input it carries, averaged over the points: ` +
        names.map((name, i) => `${name} ${num(latest.gradients[l][i][j])}`).join(", ") + ".",
      `Plain SGD would adjust each by −learning rate × gradient: the bias by ${num(-lr * blame)}.`);
    box.textContent = "";
    for (const text of lines) {
      const p = document.createElement("p");
      p.textContent = text;
      box.appendChild(p);
    }
  }

  function showBatch(report) {
    const box = $("batch-report");
    box.hidden = false;
    if (!report) { box.textContent = "The batch was not trained: the loss stopped being a number."; return; }
    let most = { v: 0, text: "" };
    report.weightChanges.forEach((layer, l) => {
      const names = inputNames(l);
      const to = (j) => (l !== config.layers.length ? `layer ${l + 1}, neuron ${j + 1}`
        : nOutputs() > 1 ? `the output of class ${j}` : "the output");
      layer.forEach((row, i) => row.forEach((v, j) => {
        if (Math.abs(v) > Math.abs(most.v)) most = { v, text: `${names[i]} → ${to(j)}` };
      }));
    });
    box.textContent = `One batch of ${report.rows} point${report.rows === 1 ? "" : "s"}: its loss ` +
      `${num(report.lossBefore)} → ${num(report.lossAfter)}; the weight that moved most, ` +
      `${most.text || "none"}, by ${num(most.v)}.`;
  }

  function drawLossChart() {
    const canvas = $("loss-chart");
    const scale = window.devicePixelRatio || 1;
    const w = Math.round(canvas.clientWidth * scale) || 320, h = Math.round(70 * scale);
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#f7f8fa";
    ctx.fillRect(0, 0, w, h);
    if (lossHistory.length < 2) return;
    const finite = (v) => v !== null && isFinite(v);
    let top = 0;
    for (const p of lossHistory) for (const v of [p.train, p.test]) if (finite(v)) top = Math.max(top, v);
    top = top || 1;
    ctx.fillStyle = "#5b6673";
    ctx.font = `${10 * scale}px system-ui, sans-serif`;
    ctx.fillText(top.toPrecision(2), 3 * scale, 11 * scale);
    const first = lossHistory[0].epoch, last = lossHistory[lossHistory.length - 1].epoch || 1;
    const x = (e) => ((e - first) / Math.max(1, last - first)) * (w - 4) + 2;
    const y = (v) => h - 3 - (v / top) * (h - 8);
    for (const [key, colourName, width] of [["train", "#8a97a6", 1.5], ["test", "#1d2530", 1.8]]) {
      ctx.beginPath();
      let started = false;
      for (const p of lossHistory) {
        if (!finite(p[key])) continue;
        if (started) ctx.lineTo(x(p.epoch), y(p[key]));
        else { ctx.moveTo(x(p.epoch), y(p[key])); started = true; }
      }
      ctx.strokeStyle = colourName;
      ctx.lineWidth = width * scale;
      ctx.stroke();
    }
  }

  // --- the tutorial's neuron ---------------------------------------------------------------------
  const f4 = (v) => (v < 0 ? "−" : "") + Math.abs(v).toFixed(4);
  const vector = (list) => "[" + list.map(f4).join(", ") + "]";

  function renderTutorial() {
    const t = tutorial;
    if (!t) return;
    $("epoch").textContent = t.iteration.toLocaleString("en-US");
    $("tutorial-iteration").textContent = t.iteration.toLocaleString("en-US");
    $("tutorial-weights").textContent = vector(t.weights);
    $("tutorial-test").textContent = t.test.toFixed(8);
    $("tutorial-caption").textContent = t.before
      ? `Iteration ${t.iteration.toLocaleString("en-US")}, from weights ${vector(t.before)}`
      : "Not trained yet: what the starting weights answer";
    $("tutorial-adjustment").textContent = t.adjustment
      ? `${vector(t.adjustment)} → weights ${vector(t.weights)}` : "– (none yet)";
    const body = $("tutorial-rows");
    body.textContent = "";
    t.inputs.forEach((row, i) => {
      const tr = document.createElement("tr");
      const cells = [...row.map(String), String(t.expected[i]), t.output[i].toFixed(4),
        f4(t.error[i]), f4(t.confidence[i])];
      for (const text of cells) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      }
      body.appendChild(tr);
    });
    $("tutorial-finish").disabled = t.done;
    drawTutorialNeuron(t);
    drawTutorialChart(t);
  }

  function drawTutorialNeuron(t) {
    const svg = $("tutorial-neuron");
    const ns = "http://www.w3.org/2000/svg";
    svg.textContent = "";
    const add = (tag, attributes, text) => {
      const element = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, v);
      if (text !== undefined) element.textContent = text;
      svg.appendChild(element);
      return element;
    };
    const ys = [40, 120, 200], nx = 270, ny = 120;
    t.weights.forEach((w, i) => {
      add("line", { x1: 70, y1: ys[i], x2: nx - 34, y2: ny,
        stroke: css(colour(w >= 0 ? 0.85 : -0.85)),
        "stroke-width": (1 + Math.min(Math.abs(w), 10) * 1.1).toFixed(1), "stroke-linecap": "round" });
      const mx = 70 + (nx - 34 - 70) * 0.55, my = ys[i] + (ny - ys[i]) * 0.55;
      add("text", { x: mx - 18, y: my - 10, "font-size": 13, "text-anchor": "middle", fill: "#1d2530",
        stroke: "#ffffff", "stroke-width": 4, "paint-order": "stroke" },
      `w${i + 1} = ${(w < 0 ? "−" : "") + Math.abs(w).toFixed(2)}`);
      add("circle", { cx: 50, cy: ys[i], r: 20, fill: "#f7f8fa", stroke: "#8894a1" });
      add("text", { x: 50, y: ys[i] + 5, "font-size": 14, "text-anchor": "middle" }, `x${i + 1}`);
    });
    add("circle", { cx: nx, cy: ny, r: 34, fill: css(colour(2 * t.test - 1)), stroke: "#1d2530" });
    add("text", { x: nx, y: ny + 6, "font-size": 16, "text-anchor": "middle", fill: "#1d2530" }, "σ(Σ)");
    add("line", { x1: nx + 34, y1: ny, x2: 370, y2: ny, stroke: "#1d2530", "stroke-width": 2 });
    add("text", { x: 376, y: ny + 5, "font-size": 14 }, "output");
  }

  function drawTutorialChart(t) {
    const canvas = $("tutorial-chart");
    const scale = window.devicePixelRatio || 1;
    const w = Math.round((canvas.clientWidth || 420) * scale), h = Math.round(160 * scale);
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#f7f8fa";
    ctx.fillRect(0, 0, w, h);
    const low = -6, high = 11, pad = 28 * scale;
    const x = (it) => pad + (Math.log10(it + 1) / 4.0001) * (w - pad - 6 * scale);
    const y = (v) => h - 14 * scale - ((v - low) / (high - low)) * (h - 24 * scale);
    ctx.strokeStyle = "#c9d0d8";
    ctx.lineWidth = scale;
    ctx.font = `${10 * scale}px system-ui, sans-serif`;
    ctx.fillStyle = "#5b6673";
    for (const v of [-5, 0, 5, 10]) {
      ctx.beginPath(); ctx.moveTo(pad, y(v)); ctx.lineTo(w, y(v)); ctx.stroke();
      ctx.fillText(String(v), 4 * scale, y(v) + 3 * scale);
    }
    ctx.textAlign = "center";
    for (const it of [1, 10, 100, 1000]) ctx.fillText(it.toLocaleString("en-US"), x(it), h - 2 * scale);
    ctx.textAlign = "right";
    ctx.fillText("10,000", w - 2 * scale, h - 2 * scale);
    ctx.textAlign = "left";
    const colours = ["#2166ac", "#5b6673", "#e66101"];
    for (let k = 0; k < 3; k++) {
      ctx.beginPath();
      t.history.forEach((p, i) => { if (i) ctx.lineTo(x(p[0]), y(p[k + 1])); else ctx.moveTo(x(p[0]), y(p[k + 1])); });
      ctx.strokeStyle = colours[k];
      ctx.lineWidth = 2 * scale;
      ctx.stroke();
      const lastPoint = t.history[t.history.length - 1];
      ctx.fillStyle = colours[k];
      ctx.fillText(`w${k + 1}`, Math.min(x(lastPoint[0]) + 4 * scale, w - 18 * scale), y(lastPoint[k + 1]) - 4 * scale);
    }
  }

  function drawLegend() {
    const canvas = $("legend");
    const ctx = canvas.getContext("2d");
    for (let i = 0; i < canvas.width; i++) {
      ctx.fillStyle = css(colour((i / (canvas.width - 1)) * 2 - 1));
      ctx.fillRect(i, 0, 1, canvas.height);
    }
  }

  // --- many classes, points added by a click, the first hidden layer's view ---------------------
  const LEGEND_TEXT = $("legend-text").textContent;
  function drawClassLegend(K) {
    const many = K > 1;
    document.querySelector(".legend").hidden = many;
    const box = $("class-legend");
    box.hidden = !many;
    if (!many) { $("legend-text").textContent = LEGEND_TEXT; return; }
    if (box.childElementCount !== K) {
      box.textContent = "";
      for (let k = 0; k < K; k++) {
        const item = document.createElement("span");
        item.innerHTML = '<span class="swatch"></span>';
        item.firstChild.style.background = css(V.classColour(k));
        item.appendChild(document.createTextNode(`class ${k}`));
        box.appendChild(item);
      }
    }
    $("legend-text").textContent = "Each spot takes the colour of the class the network finds " +
      "most probable there (a softmax over its output neurons); paler where it is less sure.";
  }

  // The buttons that choose the class of the points a click adds, each in its class's colour.
  function syncAddPoints() {
    const K = nClasses();
    $("add-points").hidden = !K || mode === "tutorial";
    if (addClass !== null && addClass >= K) addClass = null;
    const box = $("add-classes");
    // A file's classes keep their names; the data sets' are numbered.
    const names = Array.from({ length: K }, (_, k) => (points && points.classes ? points.classes[k] : `class ${k}`));
    if (box.dataset.names !== names.join("\u0000")) {
      box.dataset.names = names.join("\u0000");
      box.textContent = "";
      for (let k = 0; k < K; k++) {
        const button = document.createElement("button");
        button.type = "button";
        button.setAttribute("data-testid", `add-class-${k}`);
        button.title = `Click on the output to add a point of ${names[k]} there (key ${k + 1})`;
        button.innerHTML = '<span class="swatch"></span>';
        button.firstChild.style.background = css(K > 2 ? V.classColour(k) : colour(2 * k - 1));
        button.appendChild(document.createTextNode(names[k]));
        button.addEventListener("click", () => chooseClass(addClass === k ? null : k));
        box.appendChild(button);
      }
    }
    [...box.children].forEach((b, k) => b.setAttribute("aria-pressed", String(addClass === k)));
    document.body.classList.toggle("adding", addClass !== null);
    if (points) {
      const n = points.train.length, added = points.added || 0;
      $("point-count").textContent = `${n} points` + (added ? ` (${added} added)` : "") +
        (addClass === null ? "" : `: click on the output to add ${names[addClass]}`);
    }
    $("clear-points").disabled = !(points && points.added);
  }

  function chooseClass(k) {
    addClass = k;
    syncAddPoints();
  }

  function addPointAt(event) {
    if (addClass === null || !hello || mode === "tutorial") return;
    const canvas = $("output-surface");
    const rect = canvas.getBoundingClientRect(), r = hello.grid.radius;
    const fx = (event.clientX - rect.left) / rect.width, fy = (event.clientY - rect.top) / rect.height;
    const clamp = (v) => Math.max(-r, Math.min(r, Math.round(v * 1000) / 1000));
    send({ type: "addPoint", x1: clamp(-r + 2 * r * fx), x2: clamp(r - 2 * r * fy), label: addClass });
  }

  function renderHidden() {
    const canvas = $("hidden-view"), hidden = latest.hidden;
    const scale = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(240 * scale)) {
      canvas.width = Math.round(240 * scale); canvas.height = Math.round(170 * scale);
    }
    const many = points && points.nClasses > 2;
    const pointColour = (row) => css(!points || points.problem !== "classification" ? colour(row[2])
      : many ? V.classColour(row[2]) : colour(2 * row[2] - 1));
    V.drawHidden(canvas, hidden, points ? points.train : [], pointColour, scale);
    document.querySelector(".hidden-plot").hidden = !hidden;
    if (!hidden) {
      $("hidden-axis-x").textContent = $("hidden-axis-y").textContent = "";
      $("hidden-text").textContent = "The network has no hidden layer: add one (+ above the " +
        "network) to see the data as it sees it.";
      return;
    }
    const words = V.hiddenAxes(hidden);
    $("hidden-axis-x").textContent = words.x;
    $("hidden-axis-y").textContent = words.y;
    $("hidden-text").textContent = words.text;
    canvas.setAttribute("aria-label", `The training points as hidden layer 1 sees them: across, ${words.x.replace(" →", "")}` +
      (words.y ? `; up, ${words.y.replace(" →", "")}` : ""));
  }

  // --- for tests and the curious: the page's state, read-only ------------------------------------
  window.neuronetPlayground = {
    get config() { return config; },
    get frame() { return latest; },
    get tutorial() { return tutorial; },
    get token() { return token; },
    get frames() { return framesReceived; },
    get connected() { return Boolean(token); },
    get points() { return points; },
    get addClass() { return addClass; },
    outputAt,
    gridSize() { return hello && hello.grid.output; },
    sendRaw(text) { ws.send(text); },
  };

  bindControls();
  drawLegend();
  connect();
})();
