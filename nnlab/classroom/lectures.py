"""A lecture as a file: a title and an ordered list of steps, kept as TOML so that an instructor can
write one by hand, keep it in their own repository and share it.

A step is a page, its settings (what a settings link holds, a drawn data set included), its card
(a title, what to notice, the question to predict; English and, where written, Chinese), what
students may change (the link's `lock` and `hide`), and optionally a poll and a challenge. Reading
validates every value and names the step and the field of the first one that is wrong; nothing is
half-read. The file is read with the standard library's tomllib and written with tomli-w.
"""

from __future__ import annotations

import dataclasses
import tomllib
import unicodedata
from dataclasses import dataclass, field
from importlib import resources

import tomli_w

from nnlab import links
from nnlab.classroom import polls
from nnlab.classroom.classdb import SCORES
from nnlab.classroom.rules import MAX_TITLE as MAX_CHALLENGE_TITLE
from nnlab.classroom.rules import Rules
from nnlab.errors import NnlabError
from nnlab.experiment import SETTINGS, Experiment
from nnlab.i18n import CHINESE, N_, Message, capitalized, msg

FORMAT = 1  # the file's format version: a file from a newer nnlab is refused, not misread
MAX_BYTES = 256 * 1024
MAX_STEPS = 60
MAX_TITLE = 80
MAX_NOTICE = 600
MAX_PREDICT = 300
# A step's page, by the name a lecture file gives it, and what it is called on screen
PAGES = {"lessons": N_("Lessons"), "data": N_("Data explorer"), "build": N_("Build model"), "train": N_("Train"),
         "compare": N_("Compare activations"), "sweep": N_("Sweep"), "inside": N_("Inside one step"),
         "hand": N_("Be the optimizer"), "race": N_("Optimizer race"), "board": N_("Class board")}
TRANSLATED = (CHINESE,)  # the languages a card may be written in beside English
STEP_FIELDS = ("page", "settings", "lock", "hide", "card", "poll", "challenge")
CARD_FIELDS = ("title", "notice", "predict")
POLL_FIELDS = ("lesson", "question", "kind", "options", "mark", "setting", "low", "high", "score")
CHALLENGE_FIELDS = ("title", "free", "max_units", "max_epochs", "score", "by_hand", "goal", "drawing", "points_each")


class LectureError(NnlabError, ValueError):
    """A lecture file that cannot be read, naming the step and the field that are wrong."""


@dataclass(frozen=True)
class Card:
    """What the room reads at a step: a title, what to notice, a question to predict; `words`
    holds the same in other languages (language -> (title, notice, predict))."""

    title: str
    notice: str = ""
    predict: str = ""
    words: tuple[tuple[str, tuple[str, str, str]], ...] = ()

    def text(self, language: str) -> tuple[str, str, str]:
        """(title, notice, predict) in `language`, each falling back to English where unwritten."""
        written = dict(self.words).get(language, ("", "", ""))
        return tuple(own or english for own, english in zip(written, (self.title, self.notice, self.predict), strict=True))


@dataclass(frozen=True)
class PollSpec:
    """A step's poll: a lesson's own question (`lesson`), or one written here (nnlab.classroom.polls' kinds)."""

    lesson: str = ""
    question: str = ""
    kind: str = "choice"
    options: tuple[str, ...] = ()
    mark: str | None = None
    setting: str | None = None
    low: float = 0.0
    high: float = 1.0
    score: str | None = None


@dataclass(frozen=True)
class Step:
    page: str
    settings: tuple[tuple[str, str], ...] = ()  # a settings link's query, (name, value) in order
    card: Card = field(default_factory=lambda: Card(""))
    lock: frozenset[str] = frozenset()
    hide: frozenset[str] = frozenset()
    poll: PollSpec | None = None
    challenge: Rules | None = None

    @property
    def experiment(self) -> Experiment:
        return links.from_query(dict(self.settings))

    @property
    def flags(self) -> links.InstructorFlags:
        return links.InstructorFlags(hide=self.hide, lock=self.lock)

    @classmethod
    def of(cls, page: str, exp: Experiment, flags: links.InstructorFlags, card: Card | None = None) -> Step:
        """A step that opens `page` with `exp`'s settings and `flags`' locks (a page's current state)."""
        return cls(page, tuple(links.to_query(exp).items()), card or Card(PAGES[page]), flags.lock, flags.hide)


@dataclass(frozen=True)
class Lecture:
    title: str
    steps: tuple[Step, ...]


def read(content: bytes | str) -> Lecture:
    """The lecture a file holds; LectureError naming the step and field of the first wrong value."""
    if len(content) > MAX_BYTES:
        raise LectureError(msg("A lecture file is at most {limit} kB; this one has {size} kB.", limit=MAX_BYTES // 1024,
                               size=len(content) // 1024))
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError:
            raise LectureError(N_("This file is not text in UTF-8, so it is not a lecture file.")) from None
    try:
        document = tomllib.loads(content)
    except tomllib.TOMLDecodeError as error:
        raise LectureError(msg("This file is not TOML ({reason}).", reason=str(error))) from None
    version = document.get("format")
    if type(version) is not int or version != FORMAT:
        if isinstance(version, int) and version > FORMAT:
            raise LectureError(msg("This lecture is in format {version}, from a newer nnlab; this one reads format {known}.",
                                   version=version, known=FORMAT))
        raise LectureError(msg("A lecture file starts with format = {known}; this one has {value}.", known=FORMAT,
                               value=N_("no format") if version is None else repr(version)))
    _only(document, ("format", "title", "steps"), N_("the file"))
    title = _text(document.get("title"), MAX_TITLE, N_("the lecture's title"))
    steps = document.get("steps")
    if not isinstance(steps, list) or not steps or not all(isinstance(step, dict) for step in steps):
        raise LectureError(N_("A lecture has at least one step, each a [[steps]] table."))
    if len(steps) > MAX_STEPS:
        raise LectureError(msg("A lecture has at most {limit} steps; this one has {count}.", limit=MAX_STEPS,
                               count=len(steps)))
    return Lecture(title, tuple(_step(number, step) for number, step in enumerate(steps, 1)))


def _step(number: int, table: dict) -> Step:
    place = msg("step {number}", number=number)
    where = lambda name: msg("step {number}, {field}", number=number, field=name)  # noqa: E731
    _only(table, STEP_FIELDS, place)
    page = table.get("page")
    if not isinstance(page, str) or page not in PAGES:
        raise LectureError(msg("In {where}: the page is one of {pages}; not {value}.", where=where("page"),
                               pages=", ".join(PAGES), value=repr(page)))
    settings = _settings(table.get("settings", {}), where("settings"))
    flags = {name: _names(table.get(name, []), where(name)) for name in ("lock", "hide")}
    try:
        links.flags_from_query({name: ",".join(names) for name, names in flags.items()})
    except NnlabError as error:
        raise _wrong(where("lock / hide"), error) from None
    step = Step(page, settings, _card(table.get("card"), place, where), flags["lock"], flags["hide"])
    try:
        exp = step.experiment
    except NnlabError as error:
        raise _wrong(where("settings"), error) from None
    poll = _poll(table["poll"], exp, where) if "poll" in table else None
    challenge = _challenge(table["challenge"], exp, page, where) if "challenge" in table else None
    return dataclasses.replace(step, poll=poll, challenge=challenge)


def _settings(table, where: Message) -> tuple[tuple[str, str], ...]:
    if not isinstance(table, dict):
        raise LectureError(msg("In {where}: settings are a table of a link's names and values.", where=where))
    known = ("lesson", *SETTINGS, *links.OLD_NAMES)
    pairs = []
    for name, value in table.items():
        if name not in known:
            raise LectureError(msg("In {where}: {name!r} is not a setting; a link's settings are {names}.", where=where,
                                   name=name, names=", ".join(("lesson", *SETTINGS))))
        if SETTINGS.get(links.OLD_NAMES.get(name, name)) and SETTINGS[links.OLD_NAMES.get(name, name)].group == "upload":
            raise LectureError(msg("In {where}: {name!r} names a file uploaded to one server; a lecture carries its "
                                   "data in its settings (a lesson, a data set or a drawing).", where=where, name=name))
        pairs.append((name, _link_text(value, where, name)))
    return tuple(pairs)


def _link_text(value, where: Message, name: str) -> str:
    """A TOML value as a link writes it: 0.1 -> "0.1", [8, 8] -> "8,8", true -> "1"."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, list) and all(isinstance(item, (int, float, str)) and not isinstance(item, bool)
                                       for item in value):
        return ",".join(map(str, value)) or "none"
    raise LectureError(msg("In {where}: {name} is a number, a word or a list of them.", where=where, name=name))


def _names(value, where: Message) -> frozenset[str]:
    if isinstance(value, str):
        value = [word for word in value.split(",") if word]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise LectureError(msg("In {where}: a list of control names, e.g. [\"model\", \"rate\"].", where=where))
    return frozenset(item.strip() for item in value)


def _card(table, place: Message, where) -> Card:
    if table is None:
        raise LectureError(msg("In {place}: a step has a card, with at least its title.", place=place))
    if not isinstance(table, dict):
        raise LectureError(msg("In {where}: a card is a table with title, notice and predict.", where=where("card")))
    _only(table, (*CARD_FIELDS, *TRANSLATED), where("card"))
    english = _card_words(table, where("card"), required=True)
    words = []
    for language in TRANSLATED:
        if language in table:
            written = table[language]
            if not isinstance(written, dict):
                raise LectureError(msg("In {where}: a card's {language} words are a table like the card's own.",
                                       where=where("card"), language=language))
            _only(written, CARD_FIELDS, where(f"card.{language}"))
            words.append((language, _card_words(written, where(f"card.{language}"), required=False)))
    return Card(*english, words=tuple(words))


def _card_words(table: dict, where: Message, required: bool) -> tuple[str, str, str]:
    limits = {"title": MAX_TITLE, "notice": MAX_NOTICE, "predict": MAX_PREDICT}
    return tuple(_text(table.get(name), limits[name], msg("{where}.{name}", where=where, name=name),
                       optional=not (required and name == "title"), lines=name != "title")
                 for name in CARD_FIELDS)


def _poll(table, exp: Experiment, where) -> PollSpec:
    if not isinstance(table, dict):
        raise LectureError(msg("In {where}: a poll is a table: a lesson's own question, or a question and its options.",
                               where=where("poll")))
    _only(table, POLL_FIELDS, where("poll"))
    if "lesson" in table:
        from nnlab import lessons

        lesson_id = table["lesson"]
        if not isinstance(lesson_id, str) or lesson_id not in lessons.LESSONS or lessons.lesson(lesson_id).poll is None:
            ready = ", ".join(name for name in lessons.names() if lessons.lesson(name).poll)
            raise LectureError(msg("In {where}: the lessons with a question of their own are {names}; not {value}.",
                                   where=where("poll.lesson"), names=ready, value=repr(lesson_id)))
        if len(table) > 1:
            raise LectureError(msg("In {where}: a lesson's own question takes nothing else.", where=where("poll")))
        return PollSpec(lesson=lesson_id)
    options = table.get("options", [])
    if not (isinstance(options, list) and all(isinstance(option, (str, int, float)) for option in options)):
        raise LectureError(msg("In {where}: the options are a list, e.g. [\"sigmoid\", \"relu\"].",
                               where=where("poll.options")))
    for name in ("mark", "setting", "score", "kind"):
        if name in table and not isinstance(table[name], str):
            raise LectureError(msg("In {where}: text in quotes.", where=where(f"poll.{name}")))
    spec = PollSpec(question=_text(table.get("question"), polls.MAX_QUESTION, where("poll.question")),
                    kind=table.get("kind", "choice"), options=tuple(str(option) for option in options),
                    mark=table.get("mark"), setting=table.get("setting"), low=table.get("low", 0.0),
                    high=table.get("high", 1.0), score=table.get("score"))
    try:
        polls.poll_details(spec.kind, spec.options, spec.mark, spec.setting, spec.low, spec.high, spec.score, exp)
    except NnlabError as error:
        raise _wrong(where("poll"), error) from None
    return spec


def _challenge(table, exp: Experiment, page: str, where) -> Rules:
    if not isinstance(table, dict):
        raise LectureError(msg("In {where}: a challenge is a table of its rules.", where=where("challenge")))
    _only(table, CHALLENGE_FIELDS, where("challenge"))
    if "title" in table:
        _text(table["title"], MAX_CHALLENGE_TITLE, where("challenge.title"))
    if "free" in table and not (isinstance(table["free"], list) and all(isinstance(name, str) for name in table["free"])):
        raise LectureError(msg("In {where}: a list of what students may change, e.g. [\"model\"].",
                               where=where("challenge.free")))
    if "score" in table and (not isinstance(table["score"], str) or table["score"] not in SCORES):
        raise LectureError(msg("In {where}: the score is one of {names}; not {value}.", where=where("challenge.score"),
                               names=", ".join(SCORES), value=repr(table["score"])))
    for name in ("max_units", "max_epochs", "points_each"):
        if name in table and type(table[name]) is not int:
            raise LectureError(msg("In {where}: a whole number.", where=where(f"challenge.{name}")))
    for name in ("by_hand", "drawing"):
        if name in table and not isinstance(table[name], bool):
            raise LectureError(msg("In {where}: true or false.", where=where(f"challenge.{name}")))
    if "goal" in table and (isinstance(table["goal"], bool) or not isinstance(table["goal"], (int, float))):
        raise LectureError(msg("In {where}: a number, the loss to get below.", where=where("challenge.goal")))
    try:
        rules = Rules(**table)
        rules.fits(exp)
    except NnlabError as error:
        raise _wrong(where("challenge"), error) from None
    needs = "hand" if rules.by_hand else "board" if rules.drawing else None  # where its students take part
    if needs and page != needs:
        raise LectureError(msg("In {where}: this challenge is taken part in on the page {needs!r}; the step's page is "
                               "{page!r}.", where=where("challenge"), needs=needs, page=page))
    return rules


def _text(value, limit: int, what: Message, optional: bool = False, lines: bool = False) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise LectureError(capitalized(msg("{what} is text in quotes.", what=what) if value is not None
                                       else msg("{what} is missing.", what=what)))
    text = value.strip()
    if len(text) > limit:
        raise LectureError(capitalized(msg("{what} is at most {limit} characters; this one has {count}.", what=what,
                                           limit=limit, count=len(text))))
    if not text and not optional:
        raise LectureError(capitalized(msg("{what} is empty.", what=what)))
    allowed = "\n" if lines else ""  # a notice or a question to predict may break its lines
    if any(unicodedata.category(character).startswith("C") and character not in allowed for character in text):
        raise LectureError(capitalized(msg("{what} has control characters (line breaks, tabs and the like).", what=what)))
    return text


def _only(table: dict, names: tuple[str, ...], where: Message) -> None:
    unknown = [name for name in table if name not in names]
    if unknown:
        raise LectureError(msg("In {where}: {value} is not a field here; the fields are {names}.", where=where,
                               value=repr(unknown[0]), names=", ".join(names)))


def _wrong(where: Message, error: Exception) -> LectureError:
    return LectureError(msg("In {where}: {problem}", where=where, problem=error.args[0] if error.args else str(error)))


def check(lecture: Lecture) -> None:
    """Refuse (LectureError) a lecture built in code that its own file would not give back: the
    checks a file gets, for a draft edited on screen or a lecture about to start."""
    read(dumps(lecture))


def dumps(lecture: Lecture) -> str:
    """The lecture as a TOML file that `read` gives back equal."""
    return tomli_w.dumps({"format": FORMAT, "title": lecture.title, "steps": [_step_table(s) for s in lecture.steps]})


def _step_table(step: Step) -> dict:
    table: dict = {"page": step.page, "settings": dict(step.settings)}
    for name in ("lock", "hide"):
        if getattr(step, name):
            table[name] = sorted(getattr(step, name))
    card = step.card
    table["card"] = {name: value for name, value in zip(CARD_FIELDS, (card.title, card.notice, card.predict),
                                                        strict=True) if value}
    for language, written in card.words:
        table["card"][language] = {name: value for name, value in zip(CARD_FIELDS, written, strict=True) if value}
    if step.poll is not None:
        defaults = PollSpec()
        table["poll"] = {name: list(value) if isinstance(value, tuple) else value
                         for name, value in dataclasses.asdict(step.poll).items()
                         if value != getattr(defaults, name) and value is not None}
    if step.challenge is not None:
        defaults = Rules()
        table["challenge"] = {name: list(value) if isinstance(value, tuple) else value
                              for name, value in dataclasses.asdict(step.challenge).items()
                              if value != getattr(defaults, name)}
    return table


def shipped() -> dict[str, Lecture]:
    """The lectures that come with nnlab (nnlab/data/lectures), by file name: examples of the format."""
    folder = resources.files("nnlab") / "data" / "lectures"
    return {entry.name.removesuffix(".toml"): read(entry.read_bytes())
            for entry in sorted(folder.iterdir(), key=lambda entry: entry.name) if entry.name.endswith(".toml")}


__all__ = ["FORMAT", "PAGES", "Card", "Lecture", "LectureError", "PollSpec", "Step", "check", "dumps", "read", "shipped"]
