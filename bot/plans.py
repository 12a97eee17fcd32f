"""Settlement plan templates: phases and tasks read from TOML files and validated at start-up.

One file per template (the shipped one is ``bot/templates/standard.toml``; a deployment adds its
own through the config). Schema::

    id = "standard"                  # unique; a-z 0-9 _ -, at most 32 characters
    [name]                           # the template's name, one text per shipped language
    nl = "..."                       # en, ar, ti, fa_AF, so, uk, tr: all required

    [[phases]]                       # phases in the order they happen
    key = "pre_arrival"              # a-z 0-9 _
    [phases.name]                    # one text per shipped language

    [[phases.tasks]]                 # tasks of the phase above, in order
    key = "brp_registration"         # a-z 0-9 _, unique within the template, never renamed
    owner = "together"               # "newcomer", "together" or a group role (participants.ROLES)
    due_days = 5                     # days after the arrival date; negative = before arrival
    [phases.tasks.title]             # short title, one text per shipped language
    [phases.tasks.how]               # 2-4 plain sentences: what, where, what to bring

Texts are plain: no ``<``, ``>`` or ``&`` (they are sent with Telegram's HTML parse mode), runs of
whitespace become one space, titles and names at most 100 characters, how-to texts at most 600.
Inline tables (``title = { nl = "...", ... }``) work too. Any problem raises `TemplateError`,
whose message is one line naming the file, the line when known, and the problem.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

from bot.i18n import FALLBACK_LANGUAGE, SHIPPED_LANGUAGES
from bot.storage.participants import ROLES

OWNERS: tuple[str, ...] = ("newcomer", "together", *ROLES)
NAME_MAX = 100  # template and phase names, task titles
HOW_MAX = 600
DUE_DAYS_MIN, DUE_DAYS_MAX = -365, 730
FORBIDDEN = "<>&"

_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_KEY = re.compile(r"[a-z0-9][a-z0-9_]{0,39}")
_KEY_RULE = "1-40 characters a-z, 0-9 or _"
_TOP_FIELDS = ("id", "name", "phases")
_PHASE_FIELDS = ("key", "name", "tasks")
_TASK_FIELDS = ("key", "owner", "due_days", "title", "how")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


class TemplateError(Exception):
    """An unusable template file; ``str()`` is one line: file, line (when known), problem."""

    def __init__(self, source: str, problem: str, line: int | None = None) -> None:
        self.source = source
        self.line = line
        self.problem = " ".join(problem.split())
        where = f"{source}: line {line}" if line else source
        super().__init__(f"{where}: {self.problem}")


def _pick(texts: Mapping[str, str], lang: str) -> str:
    return texts.get(lang) or texts[FALLBACK_LANGUAGE]


@dataclass(frozen=True)
class Phase:
    """A phase of the plan, such as the arrival week."""

    key: str
    name: Mapping[str, str]

    def name_in(self, lang: str) -> str:
        """The name in `lang`, or in English for a language the template lacks."""
        return _pick(self.name, lang)


@dataclass(frozen=True)
class TaskTemplate:
    """A task as a template describes it, before it belongs to a sponsorship."""

    key: str
    phase: str
    owner: str
    due_days: int
    title: Mapping[str, str]
    how: Mapping[str, str]

    def title_in(self, lang: str) -> str:
        """The title in `lang`, or in English for a language the template lacks."""
        return _pick(self.title, lang)

    def how_in(self, lang: str) -> str:
        """The how-to in `lang`, or in English for a language the template lacks."""
        return _pick(self.how, lang)


@dataclass(frozen=True)
class PlanTemplate:
    """A validated plan template: its phases and its tasks, both in file order."""

    id: str
    name: Mapping[str, str]
    phases: tuple[Phase, ...]
    tasks: tuple[TaskTemplate, ...]

    def name_in(self, lang: str) -> str:
        """The template's name in `lang`, or in English."""
        return _pick(self.name, lang)

    def task(self, key: str) -> TaskTemplate | None:
        """The task with this key, if the template has it."""
        return next((t for t in self.tasks if t.key == key), None)

    def tasks_in(self, phase: str) -> tuple[TaskTemplate, ...]:
        """The tasks of one phase, in order."""
        return tuple(t for t in self.tasks if t.phase == phase)


def due_date(task: TaskTemplate, arrival: date) -> date:
    """The task's due date for a household arriving on `arrival`."""
    return arrival + timedelta(days=task.due_days)


def load_template(path: str | PathLike[str]) -> PlanTemplate:
    """Read and validate one template file; raise `TemplateError` on any problem."""
    return _parse(_read(path), str(path))


def load_all(extra_paths: Sequence[str | PathLike[str]] = ()) -> dict[str, PlanTemplate]:
    """The shipped templates, then the deployment's files, by id; a duplicate id is an error."""
    files: list[tuple[str, str]] = []
    for entry in sorted(resources.files("bot.templates").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml") and entry.is_file():
            files.append((str(entry), entry.read_text(encoding="utf-8")))
    files.extend((str(path), _read(path)) for path in extra_paths)
    found: dict[str, PlanTemplate] = {}
    sources: dict[str, str] = {}
    for source, text in files:
        template = _parse(text, source)
        if template.id in found:
            problem = f'template id "{template.id}" is already used by {sources[template.id]}'
            raise TemplateError(source, problem, _Lines(text).find("top", 0, ("id",)))
        found[template.id] = template
        sources[template.id] = source
    return found


def _read(path: str | PathLike[str]) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TemplateError(str(path), "the file is not UTF-8 text") from None
    except OSError as exc:
        raise TemplateError(str(path), f"cannot read the file: {exc.strerror or exc}") from None


def _parse(text: str, source: str) -> PlanTemplate:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        if match is None:
            raise TemplateError(source, f"invalid TOML: {message}") from None
        problem = f"invalid TOML: {message[: match.start()]} (column {match[2]})"
        raise TemplateError(source, problem, int(match[1])) from None
    return _Checker(source, _Lines(text)).template(data)


class _Lines:
    """Finds the line of a field for error messages (1-based; None when not found)."""

    _HEADER = re.compile(r"\s*\[")
    _PHASE = re.compile(r"\s*\[\[\s*phases\s*\]\]")
    _TASK = re.compile(r"\s*\[\[\s*phases\s*\.\s*tasks\s*\]\]")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.phases = [i for i, line in enumerate(self.lines) if self._PHASE.match(line)]
        self.tasks = [i for i, line in enumerate(self.lines) if self._TASK.match(line)]
        self.arrays = sorted(self.phases + self.tasks)

    def find(self, scope: str, index: int, path: Sequence[str]) -> int | None:
        """Line of `path` (field, then sub-field) in the top, the index-th phase or task."""
        headers = {"top": [0], "phase": self.phases, "task": self.tasks}[scope]
        if index >= len(headers):
            return None
        start = headers[index]
        end = next((i for i in self.arrays if i > start), len(self.lines))
        line: int | None = None  # a field not found: the key line of the phase or task
        if scope != "top":
            line = self._search("key", start, end)
            line = start if line is None else line
        for name in path:
            found = self._search(name, start, end)
            if found is None:
                break
            line = found
            if self._HEADER.match(self.lines[found]):  # a sub-table: search only inside it
                start = found + 1
                end = next((i for i in range(start, end) if self._HEADER.match(self.lines[i])), end)
            else:  # a value (maybe an inline table): nothing deeper to find on other lines
                start, end = found, found + 1
        return None if line is None else line + 1

    def find_key(self, key: str, occurrence: int = 0) -> int | None:
        """Line of the occurrence-th ``key = "<key>"`` (for files written with inline tables)."""
        pattern = re.compile(rf"""(?<![\w.])key\s*=\s*["']{re.escape(key)}["']""")
        hits = [i + 1 for i, line in enumerate(self.lines) if pattern.search(line)]
        return hits[occurrence] if occurrence < len(hits) else None

    def _search(self, name: str, start: int, end: int) -> int | None:
        field = re.escape(name)
        pattern = re.compile(rf"""\s*(?:["']?{field}["']?\s*[=.]|\[[^\]]*\b{field}\s*\])""")
        return next((i for i in range(start, end) if pattern.match(self.lines[i])), None)


_At = tuple[str, int]  # ("top", 0), ("phase", n) or ("task", n): where a problem is


class _Checker:
    """Turns parsed TOML into a `PlanTemplate`, failing on the first problem."""

    def __init__(self, source: str, lines: _Lines) -> None:
        self.source = source
        self.lines = lines
        self.task_keys: list[str] = []  # by task index, for files without [[phases.tasks]]

    def line(self, at: _At, *path: str) -> int | None:
        scope, index = at
        found = self.lines.find(scope, index, path)
        if found is None and scope == "task" and index < len(self.task_keys):
            key = self.task_keys[index]
            found = self.lines.find_key(key, self.task_keys[:index].count(key))
        return found

    def fail(self, problem: str, at: _At, *path: str) -> NoReturn:
        raise TemplateError(self.source, problem, self.line(at, *path))

    def template(self, data: dict[str, Any]) -> PlanTemplate:
        at = ("top", 0)
        self.unknown(data, _TOP_FIELDS, "the template", at)
        template_id = data.get("id")
        if template_id is None:
            self.fail('missing "id" (for example id = "my_plan")', at)
        if not isinstance(template_id, str) or not _ID.fullmatch(template_id):
            problem = f"id must be 1-32 characters a-z, 0-9, _ or -, not {_show(template_id)}"
            self.fail(problem, at, "id")
        name = self.texts(data.get("name"), "the template", "name", NAME_MAX, at)
        raw_phases = data.get("phases")
        if not isinstance(raw_phases, list) or not raw_phases:
            self.fail("no phases: add at least one [[phases]] table with tasks", at)
        phases: list[Phase] = []
        tasks: list[TaskTemplate] = []
        first_line: dict[str, int | None] = {}
        for number, raw in enumerate(raw_phases):
            phase = self.phase(raw, ("phase", number), {p.key for p in phases})
            phases.append(phase)
            raw_tasks = raw.get("tasks")
            if not isinstance(raw_tasks, list) or not raw_tasks:
                self.fail(f'phase "{phase.key}" has no tasks', ("phase", number), "key")
            for raw_task in raw_tasks:
                task_at = ("task", len(tasks))
                tasks.append(self.task(raw_task, task_at, phase.key, first_line))
        return PlanTemplate(template_id, name, tuple(phases), tuple(tasks))

    def phase(self, raw: object, at: _At, seen: set[str]) -> Phase:
        subject = f"phase {at[1] + 1}"
        if not isinstance(raw, dict):
            self.fail(f"{subject} must be a [[phases]] table", at)
        key = raw.get("key")
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            self.fail(f"{subject}: key must be {_KEY_RULE}, not {_show(key)}", at, "key")
        if key in seen:
            self.fail(f'duplicate phase key "{key}"', at, "key")
        subject = f'phase "{key}"'
        self.unknown(raw, _PHASE_FIELDS, subject, at)
        return Phase(key, self.texts(raw.get("name"), subject, "name", NAME_MAX, at))

    def task(
        self, raw: object, at: _At, phase: str, first_line: dict[str, int | None]
    ) -> TaskTemplate:
        subject = f'task {at[1] + 1} (phase "{phase}")'
        if not isinstance(raw, dict):
            self.fail(f"{subject} must be a [[phases.tasks]] table", at)
        key = raw.get("key")
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            self.fail(f"{subject}: key must be {_KEY_RULE}, not {_show(key)}", at, "key")
        self.task_keys.append(key)
        if key in first_line:
            first = f" (first on line {first_line[key]})" if first_line[key] else ""
            self.fail(f'duplicate task key "{key}"{first}', at, "key")
        first_line[key] = self.line(at, "key")
        subject = f'task "{key}"'
        self.unknown(raw, _TASK_FIELDS, subject, at)
        owner = raw.get("owner")
        if owner not in OWNERS:
            problem = f"{subject}: unknown owner {_show(owner)}"
            if owner is None:
                problem = f"{subject} has no owner"
            self.fail(f"{problem} (expected {', '.join(OWNERS)})", at, "owner")
        due_days = raw.get("due_days")
        if due_days is None:
            self.fail(f"{subject} has no due_days (days after arrival, negative before)", at)
        if type(due_days) is not int:
            problem = f"{subject}: due_days must be a whole number of days, not {_show(due_days)}"
            self.fail(problem, at, "due_days")
        if not DUE_DAYS_MIN <= due_days <= DUE_DAYS_MAX:
            problem = f"{subject}: due_days {due_days} is outside {DUE_DAYS_MIN}..{DUE_DAYS_MAX}"
            self.fail(problem, at, "due_days")
        title = self.texts(raw.get("title"), subject, "title", NAME_MAX, at)
        how = self.texts(raw.get("how"), subject, "how", HOW_MAX, at)
        return TaskTemplate(key, phase, owner, due_days, title, how)

    def unknown(
        self, raw: Mapping[str, object], allowed: Sequence[str], subject: str, at: _At
    ) -> None:
        for field in raw:
            if field not in allowed:
                expected = ", ".join(allowed)
                self.fail(f'{subject}: unknown field "{field}" (expected {expected})', at, field)

    def texts(
        self, raw: object, subject: str, field: str, limit: int, at: _At
    ) -> Mapping[str, str]:
        if raw is None:
            self.fail(f"{subject} has no {field}", at)
        if not isinstance(raw, dict):
            self.fail(f"{subject}: {field} must be a table of texts by language", at, field)
        for lang in raw:
            if lang not in SHIPPED_LANGUAGES:
                expected = ", ".join(SHIPPED_LANGUAGES)
                problem = f'{subject}: {field} in unknown language "{lang}" (expected {expected})'
                self.fail(problem, at, field, lang)
        texts: dict[str, str] = {}
        for lang in SHIPPED_LANGUAGES:
            value = raw.get(lang)
            if value is None:
                self.fail(f'{subject} has no {field} in "{lang}"', at, field)
            what = f'{subject}: {field} in "{lang}"'
            if not isinstance(value, str):
                self.fail(f"{what} must be text, not {_show(value)}", at, field, lang)
            text = " ".join(value.split())
            if not text:
                self.fail(f"{what} is empty", at, field, lang)
            if len(text) > limit:
                problem = f"{what} has {len(text)} characters (at most {limit})"
                self.fail(problem, at, field, lang)
            bad = next((ch for ch in FORBIDDEN if ch in text), None)
            if bad:
                problem = f'{what} contains "{bad}" (texts are sent as HTML; write it in words)'
                self.fail(problem, at, field, lang)
            texts[lang] = text
        return MappingProxyType(texts)


def _show(value: object) -> str:
    """A short one-line rendering of a wrong value for an error message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"  # as written in TOML
    shown = f'"{value}"' if isinstance(value, str) else repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."
