"""English and Simplified Chinese, chosen per session: the catalogue kept whole, the translation
function, and every page in Chinese with no English left but code names."""

from __future__ import annotations

import ast
import pickle
import re

import pytest
from apptest_support import PAGES, ROOT, TIMEOUT, assert_clean, fresh_caches, open_page  # noqa: F401  (fresh_caches: a fixture)
from i18n_support import english, texts
from streamlit.testing.v1 import AppTest

import nnlab
from nnlab import catalogue, i18n
from nnlab.classroom.challenges import Board, Rules
from nnlab.errors import NnlabError
from nnlab.export import export_script
from nnlab.i18n import CHINESE, ENGLISH, N_, capitalized, msg
from nnlab.pictures import frames, readouts, run_charts

pytestmark = pytest.mark.usefixtures("fresh_caches")  # apptest_support's: each test a new server


def test_every_message_in_the_code_has_chinese_with_the_same_placeholders():
    found = catalogue.extract()
    chinese = i18n.catalogue(CHINESE)
    missing = [message.id for message in found if message.id and message.id not in chinese]
    assert len(found) > 400 and not missing, missing[:20]
    differ = [message.id for message in found
              if message.id and i18n.placeholders(message.id) != i18n.placeholders(chinese[message.id])]
    assert not differ, differ


def test_the_catalogue_holds_no_message_the_code_has_dropped():
    found = {message.id for message in catalogue.extract() if message.id}
    assert set(i18n.catalogue(CHINESE)) <= found


def test_a_message_renders_english_and_chinese_with_its_values_translated_too():
    learning_rate = N_("learning rate")
    error = msg("{says} must be between {low:g} and {high:g}; got {value}.", says=capitalized(learning_rate),
                low=0.0, high=10, value=12)
    assert error == "Learning rate must be between 0 and 10; got 12."
    assert i18n.translate(error, ENGLISH) == error
    assert i18n.translate(error, CHINESE) == "学习率必须在 0 和 10 之间；收到的是 12。"
    assert i18n.translate(nnlab.ConfigError(error), CHINESE) == i18n.translate(error, CHINESE)
    assert pickle.loads(pickle.dumps(error)).template == error.template  # a cached result's notes
    # a value that is not a Message (a name a student typed) is shown as it is, even if it reads like one
    assert i18n.translate(msg("Class {code}", code="Train"), CHINESE) == "课堂 Train"
    assert i18n.translate("words no catalogue has", CHINESE) == "words no catalogue has"


def test_a_settings_line_and_a_not_learning_warning_translate_part_by_part():
    line = readouts.settings_line(nnlab.lessons.get("bump-twenty-neurons"))
    assert line.startswith("Adam · learning rate 0.01 · `bce` loss · 7,000 epochs · batch 32")
    chinese = i18n.translate(line, CHINESE)
    assert "学习率 0.01" in chinese and "7,000 轮" in chinese and not english(chinese)


def test_the_language_comes_from_the_link_else_the_browser_else_english():
    assert i18n.parse("zh-cn") == i18n.parse("zh_CN") == CHINESE
    with pytest.raises(ValueError):
        i18n.parse("fr")
    assert i18n.from_browser("zh-Hans-CN") == i18n.from_browser("zh") == CHINESE
    assert i18n.from_browser("en-GB") == i18n.from_browser(None) == ENGLISH


def test_a_template_is_made_once_per_language_with_its_words_translated():
    history = nnlab.train(nnlab.lessons.get("bump-twenty-neurons").replace(training={"epochs": 30})).history
    english_spec = run_charts.loss_curves(history)
    token = i18n.LANGUAGE.set(CHINESE)
    try:
        chinese_spec = run_charts.loss_curves(history)
    finally:
        i18n.LANGUAGE.reset(token)
    assert english_spec["title"] == "Loss" and chinese_spec["title"] == i18n.translate("Loss", CHINESE) != "Loss"
    assert run_charts.loss_curves(history) is not chinese_spec and run_charts.loss_curves(history)["title"] == "Loss"
    assert "Noto Sans CJK SC" in chinese_spec["config"]["font"]


def _chinese(page: str, lesson: str, **query):
    at = open_page(page, lesson, query={"lang": "zh-CN", **query})
    assert_clean(at)
    return at


def _english_left(at, also: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Each text on the page with English words in it, and those words: none but code names, the
    data's own names (a table's columns, its classes) and `also` (a challenge's join code)."""
    try:
        data = nnlab.load_data(at.session_state["experiment"])
        shown = [*data.feature_names, *data.class_names, data.target_name]
    except NnlabError:  # an empty drawing: there is no data yet, and its page says so
        shown = []
    shown += also
    names = {word for name in shown for word in re.findall(r"[A-Za-z][A-Za-z_'’]+", str(name))}
    shown_as = {text: re.sub(r"\\(.)", r"\1", text) for text in texts(at)}  # Markdown's escapes (words.as_text) undone
    return {text: english(read, names) for text, read in shown_as.items() if english(read, names)}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lesson", ["bump-twenty-neurons", "simple-classifier", "tabular-relu"])
def test_every_page_in_chinese_shows_no_english_but_code_names(page, lesson):
    left = _english_left(_chinese(page, lesson))
    assert not left, left


@pytest.mark.parametrize("lesson", ["bump-twenty-neurons", "simple-classifier", "tabular-relu", "digits-classifier"])
def test_a_trained_result_in_chinese_shows_no_english_but_code_names(lesson):
    at = _chinese("pages/3_Train.py", lesson, epochs="40")
    at.button(key="train").click().run()
    assert_clean(at)
    assert at.metric[0].label == "最终训练损失"
    left = _english_left(at)
    assert not left, left


def test_the_browser_language_picks_chinese_and_the_switch_goes_back_keeping_settings_and_result():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.context["locale"] = "zh-CN"  # a browser set to Chinese, a link without lang=
    at.switch_page("pages/3_Train.py")
    at.query_params["lesson"] = "bump-twenty-neurons"
    at.run()
    assert at.title[0].value == "训练"
    at.button(key="train").click().run()
    result = at.session_state.get("own_results", {}).get("train", (None, None))[1]
    experiment = at.session_state["experiment"]
    at.segmented_control(key="language_switch").set_value(ENGLISH).run()
    assert_clean(at)
    assert at.title[0].value == "Train" and at.metric[0].label == "Final train loss"
    assert at.session_state["experiment"] == experiment
    assert at.button(key="train").disabled  # the result is still shown: nothing trains again
    if result is not None:
        assert at.session_state["own_results"]["train"][1] is result


@pytest.mark.parametrize(("page", "press", "query"), [
    ("pages/4_Compare_activations.py", "compare", {"compare_epochs": "30", "compare_seeds": "1"}),
    ("pages/6_Sweep.py", "sweep", {"sweep_epochs": "20"}),
])
def test_a_comparison_and_a_sweep_in_chinese_show_no_english_but_code_names(page, press, query):
    at = _chinese(page, "tabular-relu")
    for name, value in query.items():
        (at.number_input if name.endswith("epochs") else at.slider)(key=f"w_{name}").set_value(int(value)).run()
    at.button(key=press).click().run()
    assert_clean(at)
    assert at.get("vega_lite_chart")
    left = _english_left(at)
    assert not left, left


@pytest.mark.parametrize("phase", ["forward", "loss", "backward", "update"])
def test_each_phase_of_one_step_in_chinese_shows_no_english_but_code_names(phase):
    at = _chinese("pages/7_Inside_one_step.py", "step-two-neurons")
    at.segmented_control(key="inside_phase").set_value(phase).run()
    assert_clean(at)
    left = _english_left(at)
    assert not left, left


@pytest.mark.parametrize("dataset", ["drawn_curve", "drawn_points"])
def test_the_drawing_tools_in_chinese_show_no_english_but_code_names(dataset):
    at = _chinese("pages/1_Data_explorer.py", "step-two-neurons", dataset=dataset)
    left = _english_left(at)
    assert not left, left


def test_a_class_challenge_with_a_poll_in_chinese_shows_no_english_on_the_board_or_the_phone(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLAB_DATABASE_URL", f"sqlite:///{tmp_path / 'class.sqlite3'}")
    lesson = nnlab.lessons.get("bump-twenty-neurons").replace(training={"epochs": 50})
    made = Board().create(lesson, Rules(free=("model",), max_units=32))
    Board().submit(made.code, "ann", made.experiment)
    Board().ask_lesson(made.code, made.key, "bump-twenty-neurons")
    student = _chinese("pages/5_Class.py", "bump-twenty-neurons", **{"class": made.code})
    assert student.title[0].value == f"课堂 {made.code}"
    board = _chinese("pages/5_Class.py", "bump-twenty-neurons", **{"class": made.code, "key": made.key})
    board.segmented_control(key="class_projecting").set_value("board").run()
    for at in (student, board):
        assert_clean(at)
        left = _english_left(at, also=(made.code, "ann"))  # a nickname, as typed
        assert not left, left


def test_the_exported_script_keeps_its_code_and_says_its_comments_in_chinese():
    exp = nnlab.lessons.get("tabular-relu").replace(training={"l2": 0.01, "schedule": "cosine"})
    english_script = export_script(exp)
    chinese_script = export_script(exp, language=CHINESE)
    comments = [line for line in chinese_script.splitlines() if "# " in line]
    assert "# --- 数据" in chinese_script and "用普通的 PyTorch 写成" in chinese_script
    assert all(not english(line.partition("# ")[2]) for line in comments if line.strip().startswith("#")), comments
    header_end = english_script.index('"""\n', 3) + 4
    assert _code_lines(english_script[header_end:]) == _code_lines(chinese_script[chinese_script.index('"""\n', 3) + 4:])


def _code_lines(script: str) -> list[str]:
    return [line.partition("  # ")[0].rstrip() for line in script.splitlines() if not line.strip().startswith("#")]


def test_no_function_on_a_page_binds_the_name_of_the_translation_function():
    """`_` bound in a function (a loop's throwaway, an unpacked pair) makes every `_("...")` in it fail."""
    for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "nnlab").rglob("*.py")]:
        for function in ast.walk(ast.parse(path.read_text())):
            if isinstance(function, (ast.FunctionDef, ast.Lambda)):
                names = list(ast.walk(function))
                binds = any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) for n in names)
                calls = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_" for n in names)
                assert not (binds and calls), f"{path.name}: {getattr(function, 'name', 'lambda')}"


def test_a_bad_value_in_a_chinese_link_is_named_in_chinese_and_the_rest_is_kept():
    at = open_page("pages/3_Train.py", "bump-twenty-neurons", query={"lang": "zh-CN", "rate": "fast", "epochs": "300"})
    assert not at.exception
    warnings = [warning.value for warning in at.warning]
    assert any("链接中的值 rate='fast' 无效" in text and "链接中的其他设置保持不变" in text for text in warnings), warnings
    assert at.session_state["experiment"].training.epochs == 300


def test_a_diagrams_layer_headings_are_drawn_in_the_runs_language():
    heading = frames.network_layout([2, 3, 1], ["relu"])[2]
    token = i18n.LANGUAGE.set(CHINESE)
    try:
        chinese = run_charts.network_diagram(*frames.network_layout([2, 3, 1], ["relu"]))["datasets"]["heading"]
    finally:
        i18n.LANGUAGE.reset(token)
    assert list(heading["title"]) == ["input\n2", "relu\n3", "output\n1"]
    assert list(chinese["title"]) == ["输入层\n2", "relu\n3", "输出层\n1"]


def test_the_template_is_written_from_the_code():
    """`python -m nnlab.catalogue` was run after the last change of words or of where they are used."""
    from nnlab import catalogue
    assert catalogue.template_text(catalogue.extract()) == catalogue.TEMPLATE.read_bytes()
