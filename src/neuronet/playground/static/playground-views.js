/* neuronet playground: the views of many classes and of the first hidden layer. Loaded before
   playground.js, which draws with them; plain functions of what they are given, no state. */
(function () {
  "use strict";

  // One colour per class, told apart with every common colour-vision deficiency: orange and
  // blue (the two classes' colours everywhere on the page), then green, purple and magenta.
  const CLASS_COLOURS = [[230, 97, 1], [33, 102, 172], [27, 158, 119], [117, 112, 179], [231, 41, 138]];
  const WHITE = [255, 255, 255];
  const mix = (a, b, t) => [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * t));

  function classColour(c) { return CLASS_COLOURS[c % CLASS_COLOURS.length]; }

  // 256 colours from white (probability 0) to the class's colour (probability 1).
  const PALETTES = CLASS_COLOURS.map((full) => Array.from({ length: 256 }, (_, i) => mix(WHITE, full, i / 255)));
  function classPalette(c) { return PALETTES[c % PALETTES.length]; }

  // The plane coloured by its most probable class, paler the less sure: a probability of 1/K
  // (no idea among K classes) is white, a probability of 1 the class's full colour. probs:
  // bytes 0..255 (probability × 255), point by point, K per point.
  function regionImage(probs, size, K, options) {
    const rgba = new Uint8ClampedArray(size * size * 4);
    const floor = 255 / K;
    for (let i = 0; i < size * size; i++) {
      let best = 0, top = -1;
      for (let k = 0; k < K; k++) {
        const p = probs[i * K + k];
        if (p > top) { top = p; best = k; }
      }
      let sure = options.discretize ? 1 : Math.max(0, (top - floor) / (255 - floor));
      sure = 0.12 + 0.88 * sure;
      if (options.faded) sure *= 0.7;
      const c = mix(WHITE, classColour(best), sure);
      rgba[4 * i] = c[0]; rgba[4 * i + 1] = c[1]; rgba[4 * i + 2] = c[2]; rgba[4 * i + 3] = 255;
    }
    return rgba;
  }

  // The probabilities of the point at (row, col) of the output's grid, each 0..1.
  function probabilitiesAt(probs, size, K, row, col) {
    const i = (row * size + col) * K;
    return Array.from({ length: K }, (_, k) => probs[i + k] / 255);
  }

  // What the hidden view's axes say, in plain words.
  function hiddenAxes(hidden) {
    if (hidden.axes === "outputs") {
      return { x: "neuron 1's output →", y: "neuron 2's output →",
        text: "Each training point drawn where the first hidden layer puts it: across, the " +
          "output of its neuron 1; up, the output of its neuron 2. The grey lines are the " +
          "input plane's grid lines, bent by the layer: where the classes come apart here, the " +
          "next layer can split them with straight lines." };
    }
    if (hidden.axes === "line") {
      return { x: "neuron 1's output →", y: "",
        text: "The first hidden layer has one neuron: each training point is drawn at its " +
          "output, on one line (up and down mean nothing here)." };
    }
    const [a, b] = hidden.shares.map((s) => Math.round(100 * s));
    return { x: `main direction 1 (${a}% of the spread) →`, y: `direction 2 (${b}%) →`,
      text: `The first hidden layer gives each point ${hidden.neurons} numbers, one per neuron; ` +
        "they are shown along the two directions in which the points' outputs spread the most " +
        `(the principal directions: ${a}% and ${b}% of the spread), centred on their mean. ` +
        "The grey lines are the input plane's grid lines, bent by the layer." };
  }

  // The view itself: grid lines, then the points in their class's colour (or, for numbers,
  // their value's). pointColour(row) gives a point's colour from its data row.
  function drawHidden(canvas, hidden, rows, pointColour, scale) {
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height, pad = 10 * scale;
    ctx.fillStyle = "#f7f8fa";
    ctx.fillRect(0, 0, w, h);
    if (!hidden || !hidden.points.length) return;
    const box = [Infinity, -Infinity, Infinity, -Infinity];
    for (const [a, b] of hidden.points) {
      box[0] = Math.min(box[0], a); box[1] = Math.max(box[1], a);
      box[2] = Math.min(box[2], b); box[3] = Math.max(box[3], b);
    }
    const wide = (low, high) => (high - low > 1e-9 ? [low, high] : [low - 1, high + 1]);
    let [x0, x1] = wide(box[0], box[1]), [y0, y1] = wide(box[2], box[3]);
    const mx = (x1 - x0) * 0.06, my = (y1 - y0) * 0.06;
    x0 -= mx; x1 += mx; y0 -= my; y1 += my;
    const px = (a) => pad + ((a - x0) / (x1 - x0)) * (w - 2 * pad);
    const py = (b) => h - pad - ((b - y0) / (y1 - y0)) * (h - 2 * pad);
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, 0, w, h);
    ctx.clip();
    ctx.strokeStyle = "rgba(91,102,115,0.45)";
    ctx.lineWidth = scale;
    for (const line of hidden.lines) {
      ctx.beginPath();
      line.forEach(([a, b], i) => (i ? ctx.lineTo(px(a), py(b)) : ctx.moveTo(px(a), py(b))));
      ctx.stroke();
    }
    hidden.points.forEach(([a, b], i) => {
      if (!rows[i]) return;
      ctx.beginPath();
      ctx.arc(px(a), py(b), 2.6 * scale, 0, 2 * Math.PI);
      ctx.fillStyle = pointColour(rows[i]);
      ctx.fill();
      ctx.lineWidth = 0.8 * scale;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
    });
    ctx.restore();
  }

  window.neuronetViews = { CLASS_COLOURS, classColour, classPalette, regionImage,
    probabilitiesAt, hiddenAxes, drawHidden };
})();
