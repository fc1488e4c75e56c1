// What a Vega view laid out, read from its scenegraph, and what makes a picture unreadable:
// text over text, text cut off by the chart's edge or by Vega's `limit` ("…"), a heatmap row thinner
// than its label, a number wider than its cell. Used by tests/test_browser_picture_layout.py, in
// the harness page and in the real Train page alike.
window.pictureLayout = (() => {
  const EPSILON = 0.5;  // px: a rounding is not a defect
  // px a text's box may reach beyond the canvas: Vega's boxes are estimates from the font size (a
  // title's reaches 1.2 px above the canvas in the bundle's Vega 6.2, none in Streamlit's 6.4)
  const EDGE = 2;
  const OVERLAP = 2;  // px²: two texts that share more than this are drawn over each other

  // A line's whole width as Vega measures it (vega-scenegraph's measureWidth and font: a canvas's
  // measureText in the item's font), before its `limit` cuts it: vl-convert's bundle does not
  // expose vega.textMetrics, and Streamlit's does not expose vega at all
  const context = document.createElement('canvas').getContext('2d');
  const fontOf = item => `${item.fontStyle ? item.fontStyle + ' ' : ''}${item.fontVariant ? item.fontVariant + ' ' : ''}`
    + `${item.fontWeight ? item.fontWeight + ' ' : ''}${item.fontSize ?? 11}px ${item.font || 'sans-serif'}`;
  const measured = (item, line) => {
    context.font = fontOf(item);
    return context.measureText(line.trim()).width;
  };

  const shown = item => item.opacity !== 0 && item.fillOpacity !== 0 && item.fill !== 'transparent'
    && (item.fontSize ?? 11) > 0;
  const lines = item => (Array.isArray(item.text) ? item.text : [item.text])
    .map(line => (line == null ? '' : String(line)));

  // Every visible text item and every rect of a data mark, with absolute bounds (px from the
  // canvas's top left): an item's bounds are relative to its enclosing group item, so the groups'
  // x and y add up on the way down, from the view's origin (its padding).
  function scene(view) {
    const texts = [], cells = [];
    const [ox, oy] = view.origin();
    let groups = 0;
    // within: the role of the group around the mark; depth: how many groups hold it
    const visit = (mark, x, y, group, axis, within, depth) => {
      for (const item of mark.items || []) {
        if (mark.marktype === 'group') {
          const id = ++groups;
          const inAxis = mark.role === 'axis' ? item.datum?.scale ?? 'axis' : axis;  // the axis's scale
          for (const child of item.items || []) visit(child, x + (item.x || 0), y + (item.y || 0), id, inAxis, mark.role, depth + 1);
        } else if (mark.marktype === 'text' && shown(item) && lines(item).some(line => line.trim())) {
          const b = item.bounds;
          texts.push({
            text: lines(item).join(' / '), role: mark.role, name: mark.name || '', axis: axis || null, within, depth,
            fontSize: item.fontSize ?? 11, group, limit: item.limit || 0,
            width: Math.max(...lines(item).map(line => measured(item, line))),
            x1: x + b.x1, y1: y + b.y1, x2: x + b.x2, y2: y + b.y2,
          });
        } else if (mark.marktype === 'rect' && mark.role === 'mark') {
          const b = item.bounds;
          cells.push({group, x1: x + b.x1, y1: y + b.y1, x2: x + b.x2, y2: y + b.y2});
        }
      }
    };
    visit(view.scenegraph().root, ox, oy, 0, null, null, 0);
    return {texts, cells};
  }

  const area = (a, b) => Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1))
    * Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const brief = t => ({text: t.text, role: t.role, name: t.name, axis: t.axis, fontSize: t.fontSize,
                       bounds: [t.x1, t.y1, t.x2, t.y2].map(v => Math.round(v * 10) / 10)});

  // The band (and point) scales on y, each with its step and the size of the labels on its axis.
  function rows(view, texts) {
    const found = [];
    for (const name of Object.keys(view._runtime.scales || {})) {
      if (!/(^|_)y$/.test(name)) continue;
      const scale = view.scale(name);
      if (!scale || !scale.step) continue;
      const labels = texts.filter(t => t.role === 'axis-label' && t.axis === name);
      if (!labels.length) continue;
      found.push({scale: name, step: scale.step(), bandwidth: scale.bandwidth ? scale.bandwidth() : null,
                  fontSize: Math.max(...labels.map(t => t.fontSize)), rows: scale.domain().length});
    }
    return found;
  }

  // The data rect a data text is centred on, in the same group: the text's cell (a heatmap's text
  // layer shares its rects' bands). A label drawn over a grid elsewhere, such as the loss surface's
  // "epoch 0" just above a point of its path, is not a cell's number.
  const CENTRE = 2;  // px: Vega's text box is an estimate from the font
  function cellOf(text, cells) {
    const x = (text.x1 + text.x2) / 2, y = (text.y1 + text.y2) / 2;
    return cells.find(c => c.group === text.group && Math.abs(x - (c.x1 + c.x2) / 2) <= CENTRE
                                                    && Math.abs(y - (c.y1 + c.y2) / 2) <= CENTRE);
  }

  // What a reader cannot read in `view`, drawn on a canvas `width` x `height` px.
  function problems(view, width, height) {
    const {texts, cells} = scene(view);
    const overlaps = [];
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        const shared = area(texts[i], texts[j]);
        if (shared > OVERLAP) overlaps.push({area: Math.round(shared), a: brief(texts[i]), b: brief(texts[j])});
      }
    }
    const clipped = texts.filter(t => t.x1 < -EDGE || t.y1 < -EDGE || t.x2 > width + EDGE || t.y2 > height + EDGE)
      .map(brief);
    // Vega cuts a text whose width reaches its limit and draws it with "…"
    const cut = texts.filter(t => t.limit > 0 && t.width >= t.limit)
      .map(t => ({...brief(t), width: Math.round(t.width), limit: Math.round(t.limit)}));
    const thin = rows(view, texts).filter(r => (r.bandwidth || r.step) < r.fontSize);
    const spilled = [];
    for (const t of texts.filter(t => t.role === 'mark')) {
      const cell = cellOf(t, cells);
      if (cell && (t.x1 < cell.x1 - EPSILON || t.x2 > cell.x2 + EPSILON || t.y1 < cell.y1 - EPSILON
                   || t.y2 > cell.y2 + EPSILON)) {
        spilled.push({...brief(t), cell: [cell.x1, cell.y1, cell.x2, cell.y2].map(v => Math.round(v * 10) / 10)});
      }
    }
    return {texts: texts.length, overlaps, clipped, cut, thin, spilled};
  }

  // --- the harness page: a picture drawn as Streamlit's frontend draws it -------------------

  // Streamlit's theme under the spec's own config: objects merged, anything else the spec's own
  const merged = (theme, own) => {
    const plain = v => v && typeof v === 'object' && !Array.isArray(v);
    const out = {...theme};
    for (const [key, value] of Object.entries(own || {})) {
      out[key] = plain(value) && plain(theme[key]) ? merged(theme[key], value) : value;
    }
    return out;
  };

  // What ArrowVegaLiteChart does to a spec before Vega-Embed (streamlit 1.67): the theme, a title
  // limited to the width less 40 px, the container's width on a stretched chart, 20 px below.
  function streamlitSpec(spec, {width, stretch, facet, theme}) {
    spec.config = merged(theme, spec.config);
    if (spec.title) {
      const title = typeof spec.title === 'string' ? {text: spec.title} : spec.title;
      title.limit = title.limit ?? Math.max((facet ? 0 : width) - 40, 0);
      spec.title = title;
    }
    if (stretch) spec.width = width;
    spec.padding = spec.padding || {};
    if (spec.padding.bottom == null) spec.padding.bottom = 20;
    return spec;
  }

  // Each picture in a box as wide as its place on the page (a content-wide one inline, at its own
  // size); what is unreadable in each, keyed by its id. The boxes stay until `clear`.
  async function draw(pictures, theme) {
    const found = {};
    for (const picture of pictures) {
      const place = document.createElement('div');
      place.id = picture.id;
      place.style.width = `${picture.width}px`;
      const box = place.appendChild(document.createElement('div'));
      box.style.cssText = picture.stretch ? 'width: 100%' : 'display: inline-block';
      document.body.append(place);
      const spec = streamlitSpec(JSON.parse(picture.spec), {...picture, theme});
      const {view} = await vegaEmbed(box, spec, {actions: false, renderer: 'svg'});
      // run, then once more resized, as Streamlit's ArrowVegaLiteChart does: a legend whose columns
      // follow the plot's width (charts._top_legend) takes its rows from the first pass's width, and
      // a title above it is drawn above the canvas until the second
      await view.runAsync();
      await view.resize().runAsync();
      const drawn = box.querySelector('svg, canvas').getBoundingClientRect();
      // what lies beyond the page's place for it is cut off as well, but for a facet grid's texts:
      // the page scrolls a grid sideways (its title, though, must fit the place)
      const reach = picture.facet ? drawn.width : Math.min(drawn.width, picture.width);
      found[picture.id] = {...problems(view, reach, drawn.height),
                           size: [Math.round(drawn.width), Math.round(drawn.height)], place: picture.width};
      if (picture.facet) {  // a grid's own title (the outermost) is not scrolled to: it fits the place
        const titles = scene(view).texts.filter(t => t.within === 'title');
        const top = Math.min(...titles.map(t => t.depth));
        found[picture.id].clipped.push(...titles.filter(t => t.depth === top && t.x2 > picture.width + EDGE).map(brief));
      }
      if (picture.keepTexts) found[picture.id].placed = scene(view).texts;
      views.push(view);
    }
    return found;
  }

  const views = [];
  function clear() {
    views.splice(0).forEach(view => view.finalize());
    document.body.replaceChildren();
  }

  return {scene, problems, rows, draw, clear};
})();
