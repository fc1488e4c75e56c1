"""Every picture of every page, laid out by Vega in real Chromium, in English and in Chinese, on the
projector (1280x720), a wide screen (1920x1080) and a phone (390x844): each lesson's result pictures
and loss surface as Train shows them, and Compare's, Sweep's, Inside one step's, the race's, the
class board's and poll's, the Data explorer's (drawings included) and Build model's, each built as its
page builds it (tests/picture_cases.py). No text drawn over text, none cut off by the chart's edge or
shortened by Vega to "…", no heatmap row thinner than its labels, no number wider than its cell (the
checks: tests/picture_layout.js).

A harness page draws them: Vega-Embed, Vega-Lite and Vega from vl-convert's bundle, Streamlit's
own fonts and the system's Noto Sans CJK, each picture in a box as wide as the real Train page gives
its place, from the spec Streamlit hands Vega (its theme, the width, the title's limit, the padding).
The widths and Streamlit's theme are read from the real app once per module: /Train of the
bump lesson (which has all five places) at each size, trained, its charts measured and the specs
Streamlit embeds caught on the way to Vega-Embed; the other pages' columns follow from the page's
width as Streamlit's CSS divides it (picture_cases.Place), checked against the measured places. A
test checks that the harness lays out the bump lesson's pictures where the real page does. Failing
pictures are saved under test-artifacts/picture-layout/, with a summary of what each case got wrong."""

from __future__ import annotations

import base64
import json
import re
import statistics
from collections import Counter
from pathlib import Path

import pytest
import vl_convert
from browser_support import CHROMIUM, CHROMIUM_ARGS, PHONE, PROJECTOR, ROOT, Server, require_chromium, settle
from picture_cases import GAPS, PAGES, TRAIN_PLACES, WHOLE, Runs, Shown, loss_surface
from streamlit.elements.vega_charts import _has_nested_composition, _prepare_vega_lite_spec

import nnlab
from nnlab import i18n, lessons
from nnlab.pictures import gallery
from nnlab.study.loss_surface import Landscape

require_chromium("the picture layout tests")

ARTIFACTS = ROOT / "test-artifacts" / "picture-layout"
LAYOUT_JS = Path(__file__).with_name("picture_layout.js")
STREAMLIT_MEDIA = Path(__import__("streamlit").__file__).parent / "static" / "static" / "media"
SIZES = {"projector": PROJECTOR, "wide": (1920, 1080), "phone": PHONE}
LANGUAGES = {"en": i18n.ENGLISH, "zh": i18n.CHINESE}
# Train's places for pictures, in the page's order: the fit and the loss side by side, what is
# inside the network below them, then the accuracy and the gradient flow side by side
PLACES = ("fit", "loss", "inside", "accuracy", "gradient flow")
MEASURED = "bump-twenty-neurons"  # a lesson with a picture in every place
SHIFT, NEAR = 12, 6  # px: how far the harness may move a whole picture, and then a text, from the real page
CASES = [(lesson, size, language) for lesson in lessons.names() for size in SIZES for language in LANGUAGES]
PAGE_CASES = [(page, size, language) for page in PAGES for size in SIZES for language in LANGUAGES]
# Vega-Embed's last line in Streamlit's bundle: each view and spec it returns is kept for the test
EMBED_RETURN = re.compile(r"return\{view:(\w+),spec:(\w+),vgSpec:")


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def bundle() -> str:
    return vl_convert.javascript_bundle()


def _keep_embeds(route) -> None:
    response = route.fetch()
    patched, found = EMBED_RETURN.subn(
        lambda m: f"return(window.__embeds=window.__embeds||[]).push({{view:{m[1]},spec:{m[2]}}}),"
                  f"{{view:{m[1]},spec:{m[2]},vgSpec:", response.text())
    assert found == 1, "Streamlit's Vega-Embed no longer ends as this test expects: update EMBED_RETURN"
    route.fulfill(response=response, body=patched)


@pytest.fixture(scope="module")
def train_page(chromium, data_dir) -> dict[str, dict]:
    """The real Train page of the bump lesson, trained, at each size: each place's width, what Vega
    laid out there (tests/picture_layout.js's scene) and Streamlit's theme as it reached Vega."""
    server = Server(data_dir)
    measured = {}
    try:
        for size, (width, height) in SIZES.items():
            page = chromium.new_page(viewport={"width": width, "height": height}, is_mobile=size == "phone",
                                     has_touch=size == "phone")
            page.route(re.compile(r".*/embed\.[\w-]+\.js$"), _keep_embeds)
            page.goto(f"{server.url}/Train?lesson={MEASURED}")
            page.locator('[data-testid="stApp"]').wait_for(timeout=90_000)
            settle(page)
            page.get_by_role("button", name="Train", exact=True).click()
            page.wait_for_function(f"document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]').length >= {len(PLACES)}",
                                   timeout=60_000)
            settle(page)
            page.add_script_tag(path=str(LAYOUT_JS))
            charts = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(chart => {
                const embed = (window.__embeds || []).filter(e => chart.contains(e.view.container())).pop();
                return {width: chart.getBoundingClientRect().width, config: embed.spec.config,
                        texts: pictureLayout.scene(embed.view).texts};
            })""")
            gaps = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stHorizontalBlock"]')]
                                          .map(row => parseFloat(getComputedStyle(row).columnGap))""")
            page.close()
            assert len(charts) == len(PLACES), f"Train of {MEASURED} at the {size} size drew {len(charts)} charts"
            widths = {place: chart["width"] for place, chart in zip(PLACES, charts, strict=True)}
            measured[size] = {"widths": widths,
                              "texts": {place: chart["texts"] for place, chart in zip(PLACES, charts, strict=True)},
                              "theme": charts[PLACES.index("loss")]["config"], "whole": widths["inside"],
                              "stacked": widths["fit"] == widths["inside"]}
            # the other pages' columns are reckoned as picture_cases.Place reckons these
            assert set(gaps) <= set(GAPS.values()), f"Streamlit's column gaps are now {set(gaps)} px: update GAPS"
            reckoned = {place: TRAIN_PLACES[place].width(widths["inside"], measured[size]["stacked"]) for place in PLACES}
            assert all(abs(reckoned[place] - widths[place]) < 0.5 for place in PLACES), (size, reckoned, widths)
    finally:
        server.stop()
    return measured


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[nnlab.TrainResult, Landscape]]:
    """Each lesson trained as it stands (every lesson takes under a second or so), and its loss surface."""
    trained = {lesson: nnlab.train(lessons.get(lesson)) for lesson in lessons.names()}
    return {lesson: (result, nnlab.landscape(result)) for lesson, result in trained.items()}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Runs:
    """What the other pages draw: comparisons, sweeps, steps, class boards and polls."""
    return Runs.train(tmp_path_factory.mktemp("class"))


def _fonts() -> str:
    """Streamlit's @font-face for Source Sans, as its index.css declares it, the files inlined."""
    faces = []
    for style, name in (("normal", "Upright"), ("italic", "Italic")):
        font = next(STREAMLIT_MEDIA.glob(f"SourceSansVF-{name}*.woff2"))
        faces.append(f"@font-face{{font-family:'Source Sans';font-weight:100 900;font-style:{style};"
                     f"src:url(data:font/woff2;base64,{base64.b64encode(font.read_bytes()).decode()}) format('woff2')}}")
    return "\n".join(faces)


def _as_streamlit_sends(spec: dict, width: str | None) -> tuple[dict, bool, bool]:
    """`spec` as st.vega_lite_chart(spec, width=width) hands it to the browser, with its frames as
    records; whether it stretches to its place; whether it is a facet (Streamlit neither stretches
    nor limits the title of one)."""
    facet = "facet" in spec or any(channel in spec.get("encoding", {}) for channel in ("row", "column", "facet"))
    width = width or ("content" if facet or "hconcat" in spec or "repeat" in spec
                      or _has_nested_composition(spec) else "stretch")
    frames = {name: json.loads(frame.to_json(orient="records")) for name, frame in spec["datasets"].items()}
    return _prepare_vega_lite_spec({**spec, "datasets": frames}, width == "stretch"), width == "stretch", facet


def _in_language(language: str, make):
    """`make()` as a session in `language` runs it: every picture's words in that language."""
    token = i18n.LANGUAGE.set(language)
    try:
        return make()
    finally:
        i18n.LANGUAGE.reset(token)


def _train_pictures(result: nnlab.TrainResult, surface: Landscape) -> list[Shown]:
    """The run's pictures at its last snapshot, each in its place on Train, and its loss surface."""
    shown = gallery.result_pictures(result, max(result.snapshots), {})
    below = [name for name in ("accuracy", "gradient flow") if name in shown]  # one alone takes the width
    return [*(Shown(name, spec, picture.width, WHOLE if name in below and len(below) == 1 else TRAIN_PLACES[name])
              for name, (picture, spec) in shown.items()), loss_surface(surface)]


def _sent(shown: list[Shown], measured: dict) -> list[dict]:
    """The pictures as the harness page draws them, each as wide as its place on a page of this size."""
    pictures = []
    for number, picture in enumerate(shown):
        sent, stretch, facet = _as_streamlit_sends(picture.spec, picture.width)
        pictures.append({"id": f"picture-{number}", "place": picture.name, "stretch": stretch, "facet": facet,
                         "width": picture.place.width(measured["whole"], measured["stacked"]),
                         "spec": json.dumps(sent, ensure_ascii=False, default=float)})
    return pictures


@pytest.fixture(scope="module")
def laid_out(chromium, bundle, train_page, results, runs) -> dict[tuple[str, str, str], dict[str, dict]]:
    """Every case's pictures drawn in the harness page: (lesson or page, size, language) -> the
    picture's name -> what tests/picture_layout.js found. Saves the failing pictures and a summary
    under ARTIFACTS."""
    page = chromium.new_page(viewport={"width": 1280, "height": 720})
    page.set_content(f"<!doctype html><html><head><meta charset='utf-8'><style>{_fonts()}"
                     "body{margin:0;font-family:'Source Sans',sans-serif}</style></head><body></body></html>")
    page.add_script_tag(content=bundle)
    page.add_script_tag(path=str(LAYOUT_JS))
    page.evaluate("""() => Promise.all(['400 16px "Source Sans"', '600 16px "Source Sans"', '700 16px "Source Sans"']
                                       .map(font => document.fonts.load(font)))""")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    made = {(lesson, language): (lambda lesson=lesson: _train_pictures(*results[lesson]))
            for lesson in lessons.names() for language in LANGUAGES}
    made |= {(name, language): (lambda name=name: PAGES[name](runs)) for name in PAGES for language in LANGUAGES}
    found = {}
    for (case, language), make in made.items():
        shown = _in_language(LANGUAGES[language], make)
        for size in SIZES:
            pictures = _sent(shown, train_page[size])
            for picture in pictures:  # what the harness draws of the measured lesson, to compare with the real page
                picture["keepTexts"] = case == MEASURED and language == "en"
            drawn = page.evaluate("([pictures, theme]) => pictureLayout.draw(pictures, theme)",
                                  [pictures, train_page[size]["theme"]])
            found[case, size, language] = {picture["place"]: drawn[picture["id"]] for picture in pictures}
            for picture in pictures:
                if _faults(drawn[picture["id"]]):
                    name = re.sub(r"[^\w.-]+", "_", f"{case}-{size}-{language}-{picture['place']}")
                    page.locator(f"#{picture['id']}").screenshot(path=str(ARTIFACTS / f"{name}.png"))
            page.evaluate("pictureLayout.clear()")
    page.close()
    summary = _summary(found)
    (ARTIFACTS / "summary.txt").write_text(summary + "\n", encoding="utf-8")
    print("\n" + summary)
    return found


def _faults(drawn: dict) -> dict[str, int]:
    return {kind: len(drawn[kind]) for kind in ("overlaps", "clipped", "cut", "thin", "spilled") if drawn[kind]}


def _summary(found: dict) -> str:
    """One line per picture with a fault: its case, and how many of each kind (overlaps by the
    roles of the two texts: `mark` is a mark's own text, a count in a cell)."""
    lines = []
    for (lesson, size, language), places in found.items():
        for place, drawn in places.items():
            if faults := _faults(drawn):
                said = [f"{count} {kind}" for kind, count in faults.items()]
                if drawn["overlaps"]:
                    roles = Counter("/".join(sorted((pair["a"]["role"], pair["b"]["role"]))) for pair in drawn["overlaps"])
                    said[0] += f" ({', '.join(f'{pair} {count}' for pair, count in roles.most_common())})"
                lines.append(f"{lesson:22} {size:9} {language}  {place:14} {', '.join(said)}")
    return "\n".join(lines) or "every picture is readable"


def _texts(items: list[dict]) -> str:
    return "; ".join(f"{item['text']!r} ({item['role']}{' ' + item['axis'] if item.get('axis') else ''})" for item in items)


def _described(place: str, drawn: dict) -> list[str]:
    """What is wrong with one picture, in sentences naming the texts involved."""
    said = []
    if drawn["overlaps"]:
        pairs = sorted(drawn["overlaps"], key=lambda pair: -pair["area"])
        said.append(f"{place}: {len(pairs)} pairs of texts overlap, e.g. "
                    + " | ".join(f"{_texts([pair['a'], pair['b']])} share {pair['area']} px²" for pair in pairs[:4]))
    if drawn["clipped"]:
        said.append(f"{place}: beyond the edge of the chart ({drawn['size'][0]}x{drawn['size'][1]} px) or of its place "
                    f"on the page ({drawn['place']:.0f} px wide; Streamlit scrolls a wider chart sideways): "
                    + "; ".join(f"{t['text']!r} ({t['role']}, {t['bounds']})" for t in drawn["clipped"][:6]))
    if drawn["cut"]:
        said.append(f"{place}: shortened to '…' by Vega's limit: "
                    + "; ".join(f"{t['text']!r} ({t['role']}, {t['width']} px > limit {t['limit']})" for t in drawn["cut"][:6]))
    for rows in drawn["thin"]:
        said.append(f"{place}: rows of scale {rows['scale']} are {rows['step']:.1f} px apart, "
                    f"thinner than their {rows['fontSize']} px labels ({rows['rows']} rows)")
    if drawn["spilled"]:
        said.append(f"{place}: {len(drawn['spilled'])} numbers wider or taller than their cell, e.g. "
                    + "; ".join(f"{t['text']!r} {t['bounds']} in {t['cell']}" for t in drawn["spilled"][:4]))
    return said


@pytest.mark.parametrize("size", SIZES)
def test_the_harness_lays_out_the_bump_lesson_where_the_train_page_does(size, laid_out, train_page):
    """The same texts, of the same sizes, where the real Train page puts them: the harness's widths,
    theme and fonts are the app's. Its Vega is not (vl-convert's 6.2, Streamlit's 6.4): a top legend
    moves the whole picture up to SHIFT px, a title's box sits a pixel or two higher and an axis may
    keep other tick labels. So each picture may be shifted as a whole, its texts then within NEAR px,
    and only the tick labels shown in both places are compared."""
    drawn = laid_out[MEASURED, size, "en"]
    assert set(drawn) == {*PLACES, "loss surface"}
    for place in PLACES:
        real, harness = _placed(train_page[size]["texts"][place]), _placed(drawn[place]["placed"])
        words = {key: len(boxes) for key, boxes in real.items() if key[0] != "axis-label"}
        assert words == {key: len(boxes) for key, boxes in harness.items() if key[0] != "axis-label"}, \
            f"{place} at the {size} size: the harness draws other titles, legends or marks' texts than the Train page"
        pairs = [(key[1], there, here) for key in real.keys() & harness.keys() if len(real[key]) == len(harness[key])
                 for there, here in zip(real[key], harness[key], strict=True)]
        shift = [statistics.median(here[side] - there[side] for _, there, here in pairs) for side in (0, 1)]
        assert max(map(abs, shift)) <= SHIFT, f"{place} at the {size} size: the harness moves the picture by {shift} px"
        moved = [(text, there, here) for text, there, here in pairs
                 if max(abs(here[side] - there[side] - shift[side % 2]) for side in range(4)) > NEAR]
        assert not moved, f"{place} at the {size} size: texts the harness puts elsewhere (text, real, harness): {moved[:5]}"


def _placed(texts: list[dict]) -> dict[tuple[str, str], list[tuple[float, ...]]]:
    """(role, text) -> the boxes of the texts so, in order; a text cut by its limit by its start and
    height only (its limit follows the plot's width, which the two Vegas make a few pixels apart)."""
    placed = {}
    for t in texts:
        cut = 0 < t["limit"] <= t["width"]
        placed.setdefault((t["role"], t["text"]), []).append(
            (round(t["x1"], 1), round(t["y1"], 1), round(t["x1" if cut else "x2"], 1), round(t["y2"], 1)))
    return {key: sorted(boxes) for key, boxes in placed.items()}


@pytest.mark.parametrize(("lesson", "size", "language"), CASES)
def test_every_result_picture_is_readable(lesson, size, language, laid_out):
    """No text over text, none beyond the chart or cut to '…', no row thinner than its label, no
    number wider than its cell, in any of the lesson's pictures at its last snapshot or its loss surface."""
    said = [line for place, drawn in laid_out[lesson, size, language].items() for line in _described(place, drawn)]
    assert not said, f"{lesson}, {language}, {size} ({SIZES[size][0]}x{SIZES[size][1]}):\n" + "\n".join(said)


@pytest.mark.parametrize(("page", "size", "language"), PAGE_CASES)
def test_every_picture_of_the_other_pages_is_readable(page, size, language, laid_out):
    """The same checks on every picture of Compare, Sweep, Inside one step, the race, the class board,
    the Data explorer and Build model (tests/picture_cases.py)."""
    said = [line for name, drawn in laid_out[page, size, language].items() for line in _described(name, drawn)]
    assert not said, f"{page}, {language}, {size} ({SIZES[size][0]}x{SIZES[size][1]}):\n" + "\n".join(said)
