"""The lecture file: the shipped lectures read and write back equal, a lecture with every optional
part round-trips, and a damaged file is refused with a LectureError naming the step and the field
that are wrong, in any language the page speaks."""

from __future__ import annotations

import pytest

import nnlab
from nnlab import i18n, links
from nnlab.classroom import lectures
from nnlab.classroom.lectures import Card, Lecture, LectureError, PollSpec, Step
from nnlab.classroom.rules import Rules
from nnlab.data import drawing

SINE = drawing.encode(drawing.preset_curve("sine"))


def test_the_shipped_lectures_read_and_write_back_equal():
    shipped = lectures.shipped()
    assert set(shipped) == {"depth-and-nonlinearity", "five-tutorials"}
    for name, lecture in shipped.items():
        assert lecture.title and lecture.steps, name
        assert lectures.read(lectures.dumps(lecture)) == lecture, name
        assert lectures.read(lectures.dumps(lecture).encode()) == lecture, name  # bytes, as an upload gives them
        for step in lecture.steps:
            assert step.page in lectures.PAGES and step.card.title
            assert isinstance(step.experiment, nnlab.Experiment)
    depth = shipped["depth-and-nonlinearity"]
    assert [step.page for step in depth.steps] == ["train", "train", "compare", "train", "train", "board"]
    assert depth.steps[1].poll == PollSpec(lesson="tabular-deeper-linear") and depth.steps[0].lock == {"model"}
    assert depth.steps[4].challenge == Rules(free=("model",), max_units=16, max_epochs=300, score="test_acc",
                                             title="Six layers, the circle")
    assert depth.steps[0].card.text("zh-CN")[0] == "用一条直线划分心衰记录"


def _every_part() -> Lecture:
    """A lecture built in code with every optional part a file can hold."""
    bumps = (("lesson", "bump-twenty-neurons"),)
    return Lecture("Every part, once", (
        Step("train", (*bumps, ("rate", "0.1"), ("units", "8,8")), Card("A choice", "What to notice.", "What will it do?",
             words=(("zh-CN", ("一个选择", "看这里。", "它会怎样？")),)), lock=frozenset({"model", "rate"}),
             hide=frozenset({"data", "sweep"}),
             poll=PollSpec(question="Which is faster?", options=("sigmoid", "relu"), mark="relu")),
        Step("compare", bumps, Card("A setting poll", words=(("zh-CN", ("设置投票", "", "")),)),
             poll=PollSpec(question="Which activation fits best?", kind="setting", options=("sigmoid", "tanh", "relu"),
                           setting="activation", score="train_acc")),
        Step("train", (("lesson", "tabular-relu"),), Card("A number poll"),
             poll=PollSpec(question="What test accuracy?", kind="number", low=0.5, high=1.0, score="test_acc")),
        Step("lessons", (("lesson", "vanishing-gradients"),), Card("A lesson's own question"),
             poll=PollSpec(lesson="vanishing-gradients")),
        Step("train", (("lesson", "vanishing-gradients"),), Card("A challenge"),
             challenge=Rules(free=("activation", "init"), max_units=16, max_epochs=300, score="test_acc",
                             title="Six layers")),
        Step("train", (("lesson", "vanishing-gradients"),), Card("A challenge on the defaults"), challenge=Rules()),
        Step("data", (*bumps, ("dataset", "drawn_curve"), ("drawn", SINE), ("loss", "mse")), Card("A drawn curve")),
        Step("board", bumps, Card("The board")),
    ))


def test_a_lecture_with_every_optional_part_round_trips():
    lecture = _every_part()
    text = lectures.dumps(lecture)
    assert text.startswith("format = 1\n")
    assert lectures.read(text) == lecture
    drawn = lectures.read(text).steps[6].experiment
    assert drawn.data.name == "drawn_curve" and drawing.decode(drawn.data.drawing) == drawing.preset_curve("sine")
    assert lecture.steps[0].experiment.training.learning_rate == 0.1
    assert lecture.steps[0].flags == links.InstructorFlags(hide=frozenset({"data", "sweep"}),
                                                           lock=frozenset({"model", "rate"}))


def test_a_card_falls_back_to_english_where_a_language_is_unwritten():
    card = _every_part().steps[1].card
    assert card.text("zh-CN") == ("设置投票", "", "")
    card = Card("Title", "Notice", "Predict", words=(("zh-CN", ("标题", "", "")),))
    assert card.text("zh-CN") == ("标题", "Notice", "Predict") and card.text("en") == ("Title", "Notice", "Predict")


@pytest.mark.parametrize("page, exp, flags", [
    ("train", nnlab.lessons.get("vanishing-gradients"), links.InstructorFlags()),
    ("compare", nnlab.lessons.get("bump-twenty-neurons").replace(training={"learning_rate": 0.3, "epochs": 50},
                                                                model={"hidden": (4, 4), "activations": ("tanh", "relu")}),
     links.InstructorFlags(hide=frozenset({"data"}), lock=frozenset({"model"}))),
    ("data", nnlab.Experiment(data=nnlab.DataSpec(name="drawn_curve", drawing=SINE),
                              training=nnlab.TrainSpec(loss="mse")), links.InstructorFlags(lock=frozenset({"data"}))),
], ids=["a lesson", "changed settings", "a drawing"])
def test_a_step_of_a_pages_state_gives_its_experiment_back(page, exp, flags):
    step = Step.of(page, exp, flags)
    assert step.experiment == exp and step.flags == flags and step.card.title == lectures.PAGES[page]
    lecture = Lecture("From the pages", (step,))
    assert lectures.read(lectures.dumps(lecture)) == lecture


# --- damaged files ------------------------------------------------------------------------------

TOP = 'format = 1\ntitle = "A lecture"\n'
FINE = 'page = "train"\nsettings = { lesson = "bump-twenty-neurons" }\ncard = { title = "The first step" }\n'


def _file(second: str = "", *, top: str = TOP, page: str | None = '"train"', settings: str = 'lesson = "vanishing-gradients"',
          card: str = '[steps.card]\ntitle = "The second step"\n', tables: str = "") -> str:
    """A two-step lecture whose second step has `second` among its fields, its `card` and further `tables`."""
    page = "" if page is None else f"page = {page}\n"
    return f"{top}\n[[steps]]\n{FINE}\n[[steps]]\n{page}settings = {{ {settings} }}\n{second}\n{card}{tables}"


def _poll(*lines: str) -> str:
    return "[steps.poll]\n" + "\n".join(lines) + "\n"


def _challenge(*lines: str) -> str:
    return "[steps.challenge]\n" + "\n".join(lines) + "\n"


CHOICE = 'question = "Which?"'

CORPUS = [
    # the file as a whole
    ("not TOML", "format = 1\ntitle = \n", "not TOML"),
    ("not UTF-8", b'format = 1\ntitle = "caf\xe9"\n', "not text in UTF-8"),
    ("too large", b"#" * (lectures.MAX_BYTES + 1), "at most 256 kB"),
    ("no format", _file().replace("format = 1\n", ""), "starts with format = 1; this one has no format"),
    ("a newer format", _file().replace("format = 1", "format = 99"), "format 99, from a newer nnlab"),
    ("format as text", _file().replace("format = 1", 'format = "1"'), "this one has '1'"),
    ("no title", _file(top="format = 1\n"), "the lecture's title is missing"),
    ("an empty title", _file(top='format = 1\ntitle = "   "\n'), "the lecture's title is empty"),
    ("a title too long", _file(top=f'format = 1\ntitle = "{"x" * 81}"\n'), "the lecture's title is at most 80 characters"),
    ("a title of a number", _file(top="format = 1\ntitle = 5\n"), "the lecture's title is text in quotes"),
    ("control characters in a title", _file(top='format = 1\ntitle = "A\\tlecture"\n'),
     "the lecture's title has control characters"),
    ("no steps", TOP, "at least one step"),
    ("empty steps", TOP + "steps = []\n", "at least one step"),
    ("steps not tables", TOP + "steps = [1, 2]\n", "each a [[steps]] table"),
    ("steps one table", TOP + "[steps]\n" + FINE, "each a [[steps]] table"),
    ("too many steps", TOP + f"\n[[steps]]\n{FINE}" * (lectures.MAX_STEPS + 1), "at most 60 steps; this one has 61"),
    ("an unknown field at the top", _file(top=TOP + 'author = "me"\n'), "In the file: 'author' is not a field here"),
    # a step
    ("an unknown field in a step", _file('pages = "train"'), "In step 2: 'pages' is not a field here"),
    ("no page", _file(page=None), "step 2, page: the page is one of"),
    ("an unknown page", _file(page='"lecture"'), "In step 2, page: the page is one of lessons, data"),
    ("a page of a number", _file(page="3"), "step 2, page"),
    # its settings
    ("settings not a table", _file().replace("settings = { lesson = \"vanishing-gradients\" }",
                                             'settings = "lesson=vanishing-gradients"'),
     "In step 2, settings: settings are a table"),
    ("an unknown setting", _file(settings='lesson = "vanishing-gradients", speed = 3'),
     "In step 2, settings: 'speed' is not a setting"),
    ("an unknown lesson", _file(settings='lesson = "deep-dream"'), "In step 2, settings: Unknown lesson 'deep-dream'"),
    ("a rate out of range", _file(settings='lesson = "vanishing-gradients", rate = 50'), "In step 2, settings: "),
    ("no epochs", _file(settings='lesson = "vanishing-gradients", epochs = 0'), "In step 2, settings: "),
    ("units of letters", _file(settings='lesson = "vanishing-gradients", units = "abc"'),
     "In step 2, settings: The link's value units='abc' is not valid"),
    ("a setting of a table", _file(settings='lesson = "vanishing-gradients", units = { first = 8 }'),
     "In step 2, settings: units is a number, a word or a list of them"),
    ("a setting of a date", _file(settings='lesson = "vanishing-gradients", seed = 2024-01-01'),
     "In step 2, settings: seed is a number"),
    ("an uploaded file", _file(settings='lesson = "vanishing-gradients", file = "abc123"'),
     "In step 2, settings: 'file' names a file uploaded to one server"),
    ("an uploaded file's target", _file(settings='lesson = "vanishing-gradients", target = "value"'),
     "In step 2, settings: 'target' names a file uploaded"),
    ("a damaged drawing", _file(settings='lesson = "bump-twenty-neurons", dataset = "drawn_curve", drawn = "c1AB!", '
                                         'loss = "mse"'), "In step 2, settings: "),
    # what students may change
    ("an unknown lock name", _file('lock = ["wheel"]'), "In step 2, lock / hide: The link's lock= names 'wheel'"),
    ("an unknown hide name", _file('hide = ["model", "colour"]'), "In step 2, lock / hide: The link's hide= names 'colour'"),
    ("a lock of a number", _file("lock = 3"), "In step 2, lock: a list of control names"),
    # its card
    ("no card", _file(card=""), "In step 2: a step has a card, with at least its title"),
    ("a card of text", _file('card = "Second"', card=""), "In step 2, card: a card is a table"),
    ("a card with no title", _file(card='[steps.card]\nnotice = "Only this"\n'), "step 2, card.title is missing"),
    ("a card with an empty title", _file(card='[steps.card]\ntitle = ""\n'), "step 2, card.title is empty"),
    ("a card text too long", _file(card=f'[steps.card]\ntitle = "T"\nnotice = "{"n" * 601}"\n'),
     "step 2, card.notice is at most 600 characters; this one has 601"),
    ("a card question too long", _file(card=f'[steps.card]\ntitle = "T"\npredict = "{"p" * 301}"\n'),
     "step 2, card.predict is at most 300 characters"),
    ("control characters in a card", _file(card='[steps.card]\ntitle = "T"\nnotice = "a\\u0007b"\n'),
     "step 2, card.notice has control characters"),
    ("an unknown card field", _file(card='[steps.card]\ntitle = "T"\nhint = "h"\n'),
     "In step 2, card: 'hint' is not a field here"),
    ("a card in an unknown language", _file(card='[steps.card]\ntitle = "T"\n[steps.card.fr]\ntitle = "Le titre"\n'),
     "In step 2, card: 'fr' is not a field here"),
    ("a Chinese card with an unknown field",
     _file(card='[steps.card]\ntitle = "T"\n[steps.card.zh-CN]\ntitle = "标题"\ntitel = "标题"\n'),
     "In step 2, card.zh-CN: 'titel' is not a field here"),
    ("a Chinese card of text", _file(card='[steps.card]\ntitle = "T"\nzh-CN = "标题"\n'),
     "In step 2, card: a card's zh-CN words are a table"),
    ("a Chinese card title too long", _file(card=f'[steps.card]\ntitle = "T"\n[steps.card.zh-CN]\ntitle = "{"字" * 81}"\n'),
     "step 2, card.zh-CN.title is at most 80 characters"),
    # its poll
    ("a poll of text", _file('poll = "Which?"'), "In step 2, poll: a poll is a table"),
    ("a poll with no question", _file(tables=_poll('options = ["a", "b"]')), "step 2, poll.question is missing"),
    ("a poll with an unknown field", _file(tables=_poll(CHOICE, 'options = ["a", "b"]', 'answer = "a"')),
     "In step 2, poll: 'answer' is not a field here"),
    ("a poll with one option", _file(tables=_poll(CHOICE, 'options = ["only"]')),
     "In step 2, poll: A choice poll needs 2 to 6 options; this one has 1"),
    ("a poll with seven options", _file(tables=_poll(CHOICE, "options = [1, 2, 3, 4, 5, 6, 7]")),
     "In step 2, poll: A choice poll needs 2 to 6 options; this one has 7"),
    ("a poll with no options", _file(tables=_poll(CHOICE)), "In step 2, poll: A choice poll needs 2 to 6 options"),
    ("a poll with options twice", _file(tables=_poll(CHOICE, 'options = ["a", "a"]')),
     "In step 2, poll: Each option of a poll must differ"),
    ("a poll with options of a table", _file(tables=_poll(CHOICE, "options = { a = 1 }")),
     "In step 2, poll.options: the options are a list"),
    ("a mark not an option", _file(tables=_poll(CHOICE, 'options = ["a", "b"]', 'mark = "c"')),
     "In step 2, poll: The right answer 'c' is not one of the options"),
    ("a mark of a number", _file(tables=_poll(CHOICE, 'options = ["1", "2"]', "mark = 1")),
     "In step 2, poll.mark: text in quotes"),
    ("a poll of an unknown kind", _file(tables=_poll(CHOICE, 'kind = "ranking"', 'options = ["a", "b"]')),
     "In step 2, poll: A poll is a choice, setting, number poll; not 'ranking'"),
    ("a poll kind of a number", _file(tables=_poll(CHOICE, "kind = 2")), "In step 2, poll.kind: text in quotes"),
    ("a setting poll on an unknown setting",
     _file(tables=_poll(CHOICE, 'kind = "setting"', 'setting = "colour"', 'options = ["red", "blue"]')),
     "In step 2, poll: A setting poll asks about one of"),
    ("a setting poll on the uploaded file",
     _file(tables=_poll(CHOICE, 'kind = "setting"', 'setting = "file"', 'options = ["a", "b"]')),
     "In step 2, poll: A setting poll asks about one of"),
    ("a setting poll's option the run cannot take",
     _file(tables=_poll(CHOICE, 'kind = "setting"', 'setting = "rate"', 'options = ["0.1", "100"]')),
     "In step 2, poll: The option '100' is not a learning rate this run can take"),
    ("a setting poll's score the data lacks",
     _file(settings='lesson = "bump-twenty-neurons"',
           tables=_poll(CHOICE, 'kind = "setting"', 'setting = "rate"', 'options = ["0.1", "0.2"]', 'score = "test_acc"')),
     "In step 2, poll: These runs have no test accuracy"),
    ("a number poll with low above high", _file(tables=_poll(CHOICE, 'kind = "number"', "low = 0.9", "high = 0.5")),
     "In step 2, poll: A number poll needs a range with its low end below its high end; got 0.9 to 0.5"),
    ("a number poll with low equal to high", _file(tables=_poll(CHOICE, 'kind = "number"', "low = 1", "high = 1")),
     "In step 2, poll: A number poll needs a range"),
    ("a number poll with a range of text", _file(tables=_poll(CHOICE, 'kind = "number"', 'low = "0"')),
     "In step 2, poll: A number poll needs a range"),
    ("a lesson poll for an unknown lesson", _file(tables=_poll('lesson = "deep-dream"')),
     "In step 2, poll.lesson: the lessons with a question of their own are step-two-neurons"),
    ("a lesson poll with other fields", _file(tables=_poll('lesson = "vanishing-gradients"', CHOICE)),
     "In step 2, poll: a lesson's own question takes nothing else"),
    # its challenge
    ("a challenge of text", _file('challenge = "fast"'), "In step 2, challenge: a challenge is a table of its rules"),
    ("a challenge with an unknown field", _file(tables=_challenge('prize = "cake"')),
     "In step 2, challenge: 'prize' is not a field here"),
    ("a challenge with an unknown free name", _file(tables=_challenge('free = ["model", "wheel"]')),
     "In step 2, challenge: A challenge can free model, training"),
    ("a challenge's free of text", _file(tables=_challenge('free = "model"')),
     "In step 2, challenge.free: a list of what students may change"),
    ("a challenge with max_units 0", _file(tables=_challenge("max_units = 0")),
     "In step 2, challenge: The most units a layer may have must be 1 to"),
    ("a challenge with max_units of text", _file(tables=_challenge('max_units = "8"')),
     "In step 2, challenge.max_units: a whole number"),
    ("a challenge with max_epochs 0", _file(tables=_challenge("max_epochs = 0")),
     "In step 2, challenge: The most epochs must be 1 to"),
    ("a challenge with an unknown score", _file(tables=_challenge('score = "f1"')),
     "In step 2, challenge.score: the score is one of test_acc, test_loss, train_acc, train_loss; not 'f1'"),
    ("a challenge title too long", _file(tables=_challenge(f'title = "{"t" * 61}"')),
     "step 2, challenge.title is at most 60 characters"),
    ("a challenge title of a number", _file(tables=_challenge("title = 6")), "step 2, challenge.title is text in quotes"),
    # cases that escape as another error than LectureError: each is reported, and marked to stay visible
    ("a page of a list", _file(page='["train"]'), "step 2, page"),
    ("a page of a table", _file(page="{ name = \"train\" }"), "step 2, page"),
    ("a lesson poll of a list", _file(tables=_poll('lesson = ["vanishing-gradients"]')), "step 2, poll.lesson"),
    ("a challenge score of a list", _file(tables=_challenge('score = ["test_acc"]')), "step 2, challenge.score"),
]

def _cases():
    for case in CORPUS:
        name, content, fragment = case
        yield pytest.param(content, fragment, id=name)


def test_the_corpus_is_large_and_every_name_its_own():
    assert len(CORPUS) >= 24 and len({case[0] for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("content, fragment", _cases())
def test_a_damaged_file_is_refused_naming_the_step_and_the_field(content, fragment):
    with pytest.raises(LectureError) as refused:
        lectures.read(content)
    assert fragment.lower() in str(refused.value).lower(), str(refused.value)
    assert isinstance(refused.value, ValueError)  # a LectureError is a ValueError too: callers may catch either


@pytest.mark.parametrize("content, fragment", _cases())
def test_every_refusal_reads_in_chinese(content, fragment):
    with pytest.raises(LectureError) as refused:
        lectures.read(content)
    chinese = i18n.translate(refused.value, "zh-CN")
    assert any("\u4e00" <= character <= "\u9fff" for character in chinese), chinese  # said in Chinese, not left English
    if "step 2" in fragment:  # the step's number survives the translation
        assert "2" in chinese


def test_the_corpus_base_file_itself_reads():
    """The damaged files differ from this one by one thing each: it must read, or the corpus proves nothing."""
    lecture = lectures.read(_file())
    assert [step.card.title for step in lecture.steps] == ["The first step", "The second step"]
    assert lectures.read(_file(tables=_poll(CHOICE, 'options = ["a", "b"]', 'mark = "a"'))).steps[1].poll.mark == "a"
    assert lectures.read(_file(tables=_challenge('free = ["model"]', "max_units = 8"))).steps[1].challenge.max_units == 8


def test_a_lecture_at_the_limits_still_reads():
    longest = Lecture("t" * lectures.MAX_TITLE, tuple(
        Step("train", (("lesson", "bump-twenty-neurons"),), Card("c" * lectures.MAX_TITLE, "n" * lectures.MAX_NOTICE,
                                                                 "p" * lectures.MAX_PREDICT))
        for _ in range(lectures.MAX_STEPS)))
    assert lectures.read(lectures.dumps(longest)) == longest



@pytest.mark.parametrize("content, fragment", [
    pytest.param(_file(tables=_challenge("max_units = 4")), "step 2, challenge", id="a challenge narrower than its step"),
    pytest.param(_file(tables=_challenge("max_epochs = 10")), "step 2, challenge", id="a challenge shorter than its step"),
    pytest.param(_file(settings='lesson = "bump-twenty-neurons"', tables=_challenge('score = "test_acc"')),
                 "step 2, challenge", id="a challenge's score its data lacks"),
    pytest.param(_file(tables=_poll('question = "One?\\nTwo?"', 'options = ["a", "b"]')), "step 2, poll",
                 id="a poll question of two lines"),
])
def test_a_step_the_board_cannot_open_is_refused_when_read(content, fragment):
    try:
        lectures.read(content)
    except LectureError as error:
        assert fragment.lower() in str(error).lower()
    else:
        raise AssertionError("read() accepted a step that go_to will refuse")
