"""The sandboxed expression engine that clause wording and Word templates share.

Clause files and templates are untrusted: they travel by email and are edited by many hands.
Their tags are evaluated in Jinja's sandbox (no attribute that starts with ``_``, no unsafe
method), made stricter here:

- no globals but a ``range`` that keeps to the time limit: ``lipsum``, ``cycler``, ``joiner``,
  ``namespace`` and ``dict`` are not there;
- every call, filter and loop step looks at the letter's clock (``limits.check_time``);
- no value grows past the letter size limit: ``*``, ``+``, ``%``, calls and filters are checked,
  and so are widths in format strings (``'%01000000000d' % 1``) and numbers given to methods
  (``'x'.center(10**9)``), before the work is done;
- the output of a template is counted as it is made.

Text from a case file reaches wording only as values: it is never compiled as a template.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import CodeType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.environment import TemplateExpression
from jinja2.exceptions import SecurityError
from jinja2.parser import Parser
from jinja2.sandbox import SandboxedEnvironment

from letters.code_cache import CodeCache
from letters.grammar import FILTERS, PersonWords
from letters.limits import OUTPUT_TIMES, check_output, check_size, check_time, size_limit
from letters.problems import LimitError

MAX_POWER = 100
_DIGITS = re.compile(r"\d+")


def _bounded_range(*arguments: int) -> Iterator[int]:
    """``range`` for wording: at most 100,000 numbers, and the clock checked as it goes."""
    numbers = range(*arguments)
    if len(numbers) > 100_000:
        raise LimitError("range() of more than 100,000 numbers in wording")
    for index, number in enumerate(numbers):
        if not index % 1000:
            check_time()
        yield number


def _check_arguments(arguments: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Refuse numbers and texts given to a call that would make a value past the limit."""
    limit = size_limit()
    for value in (*arguments, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > limit:
            raise LimitError(f"the number {value} is larger than wording may use")
        if isinstance(value, (str, list, tuple)):
            check_size(len(value))


def _check_result(value: Any) -> Any:
    if isinstance(value, (str, list, tuple)):
        check_size(len(value))
    return value


def _check_format(text: str) -> None:
    """Refuse a format string with a width or precision past the letter size limit."""
    limit = size_limit()
    for digits in _DIGITS.findall(text):
        if len(digits) > len(str(limit)) or int(digits) > limit:
            raise LimitError(
                f"a width of {digits} in a format string is larger than wording may use"
            )


def bounded(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that keeps to the letter's time and size limits (Jinja's pass_* marks kept)."""

    @functools.wraps(function)
    def run(*arguments: Any, **kwargs: Any) -> Any:
        check_time()
        _check_arguments(arguments, kwargs)
        return _check_result(function(*arguments, **kwargs))

    return run


def _format_filter(value: Any, *arguments: Any, **kwargs: Any) -> str:
    _check_format(str(value))
    return jinja2.filters.do_format(value, *arguments, **kwargs)


class Sandbox(SandboxedEnvironment):
    """Jinja's sandbox with time and size bounds, and no globals but a bounded ``range``.

    What it compiles (clause wording, a template's parts, an outline's conditions) is kept
    between runs in the code cache it is given (``bytecode_cache``, as Jinja's environments are
    given theirs), so that a command run again over the same library and template does not
    compile them again; with none, it is compiled each time.
    """

    intercepted_binops = frozenset(("*", "**", "%", "+"))
    reads_clock = True
    """Whether reading an attribute looks at the clock, as in templates, whose loops may read
    attributes and do nothing else. An expression alone (a condition) has no loops: its calls
    and filters look at the clock."""

    def __init__(
        self, *, lenient: bool = False, bytecode_cache: CodeCache | None = None, **options: Any
    ):
        """``lenient``: a name or attribute the context lacks is nothing (false, empty), as an
        outline's condition wants of a fact a case does not give; otherwise it is an error.
        ``bytecode_cache``: where compiled code is kept between runs (``code_cache.CODE_CACHE``)."""
        super().__init__(
            undefined=jinja2.ChainableUndefined if lenient else Undefined,
            bytecode_cache=bytecode_cache,
            **options,
        )
        self.code_cache = bytecode_cache
        self.globals.clear()
        self.globals["range"] = _bounded_range
        filters: dict[str, Callable[..., Any]] = {
            **self.filters,
            "format": _format_filter,
            **FILTERS,
        }
        self.filters = {name: bounded(function) for name, function in filters.items()}
        tests: dict[str, Any] = dict(self.tests)
        self.tests = {name: bounded(function) for name, function in tests.items()}
        self._kind = _settings_key(self)

    def compile(
        self,
        source: str | nodes.Template,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        """Jinja's compile, the code of a source kept between runs."""
        if raw:
            return super().compile(source, name, filename, True, defer_init)
        if not isinstance(source, str):
            return super().compile(source, name, filename, False, defer_init)
        compile_source = functools.partial(
            super().compile, source, name, filename, False, defer_init
        )
        if self.code_cache is None:
            return compile_source()
        key = f"{self._kind}:{name}:{filename}:{defer_init}"
        return self.code_cache.compiled(self, key, source, compile_source)

    def compile_expression(self, source: str, undefined_to_none: bool = True) -> Any:
        """Jinja's compile_expression, the code of an expression kept between runs. The steps
        are Jinja's own (``Environment.compile_expression``), with the compiling cached."""

        def expression_code() -> CodeType:
            parser = Parser(self, source, state="variable")
            try:
                expression = parser.parse_expression()
                if not parser.stream.eos:
                    raise jinja2.TemplateSyntaxError(
                        "chunk after expression", parser.stream.current.lineno, None, None
                    )
                expression.set_environment(self)
            except jinja2.TemplateSyntaxError:
                self.handle_exception(source=source)
            body = [nodes.Assign(nodes.Name("result", "store"), expression, lineno=1)]
            code: CodeType = super(Sandbox, self).compile(nodes.Template(body, lineno=1))
            return code

        if self.code_cache is None:
            code = expression_code()
        else:
            code = self.code_cache.compiled(
                self, f"{self._kind}:expression", source, expression_code
            )
        template = self.template_class.from_code(self, code, self.make_globals(None), None)
        return TemplateExpression(template, undefined_to_none)

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        check_time()
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_POWER:
            raise LimitError(f"a power above {MAX_POWER} is not allowed in wording")
        if operator == "*":
            for text, times in ((left, right), (right, left)):
                if isinstance(text, (str, list, tuple)) and isinstance(times, int):
                    check_size(len(text) * times, "text made by '*'")
        if operator == "%" and isinstance(left, str):
            _check_format(left)
            values = right if isinstance(right, tuple) else (right,)
            _check_arguments(values, {})
        return _check_result(super().call_binop(context, operator, left, right))

    def call(
        __self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any
    ) -> Any:
        check_time()
        _check_arguments(args, kwargs)
        return _check_result(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:  # "{:>1000000000}".format(x): refused before it is called
            _check_format(value.__self__)
        return wrapped

    def getattr(self, obj: Any, attribute: str) -> Any:
        if self.reads_clock:
            check_time()
        kind = type(obj)
        if kind in _PLAIN:
            plain = _PLAIN[kind]
            if plain is None:  # our own mapping of plain values: its keys are its attributes
                if attribute in obj:
                    return obj[attribute]
            elif attribute in plain:  # a plain value of our own records
                return getattr(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        check_time()
        return super().getitem(obj, argument)


def _settings_key(environment: jinja2.Environment) -> str:
    """What the code an environment compiles depends on, besides the source and Jinja's own
    version (which Jinja's cache checks): its class, syntax and code-generation settings."""
    settings = (
        [kind.__module__ + "." + kind.__qualname__ for kind in type(environment).__mro__],
        sorted(getattr(environment, "intercepted_binops", ())),
        sorted(getattr(environment, "intercepted_unops", ())),
        _named(environment.autoescape),
        _named(environment.finalize),
        _named(environment.undefined),
        sorted(environment.extensions),
        environment.optimized,
        environment.is_async,
        [
            getattr(environment, setting)
            for setting in (
                "block_start_string",
                "block_end_string",
                "variable_start_string",
                "variable_end_string",
                "comment_start_string",
                "comment_end_string",
                "line_statement_prefix",
                "line_comment_prefix",
                "trim_blocks",
                "lstrip_blocks",
                "newline_sequence",
                "keep_trailing_newline",
            )
        ],
    )
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:24]


def _named(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', repr(value))}"


_PLAIN: dict[type, frozenset[str] | None] = {}
"""Our own types whose attributes wording reads at once, without the sandbox's checks for
methods and internals: for each, the attributes that hold plain values (text, yes or no), or
None for a mapping whose keys are its attributes."""


def plain_values(kind: type, attributes: Iterable[str] | None = None) -> None:
    """Let wording read these attributes of ``kind`` (its keys, for a mapping) directly: they
    are plain values, never a method or anything internal. Only for the engine's own types."""
    _PLAIN[kind] = None if attributes is None else frozenset(attributes)


class Fields(dict[str, Any]):
    """Fields as wording and templates read them: ``letter.title``, ``facts.late``.

    A dict whose keys are also attributes, so that the sandbox finds ``letter.title`` at once
    rather than after looking for a Python attribute of that name and failing (an
    exception each time).
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


plain_values(Fields)
plain_values(PersonWords, ("name", "they", "them", "their", "theirs", "themselves", "possessive"))


def shared_context(template: jinja2.Template, context: Mapping[str, Any]) -> Any:
    """A Jinja context over ``context`` as it is, with no globals: what Jinja's
    ``new_context(context, shared=True)`` makes, without making a set of the template's globals
    for every call."""
    environment = template.environment
    return environment.context_class(environment, context, template.name, template.blocks)  # type: ignore[arg-type]


def render_bounded(
    template: jinja2.Template, context: Mapping[str, Any], *, xml: bool = False
) -> str:
    """Render a compiled template on the context as it is, within the letter's limits.

    Jinja's ``render`` copies the context and its globals into a new one for every call, which
    is most of the cost of a short clause; wording needs no globals of its context, so the
    context is shared as it is. The output is counted, and the clock read, as it is made:
    against the letter size limit (a clause's text), or for a template part's ``xml`` against
    the output bound, larger by as much as markup and escaping add to a letter's text.
    """
    made = template.root_render_func(shared_context(template, context))
    text: list[str] = []
    size = 0
    limit = size_limit() * (OUTPUT_TIMES if xml else 1)
    while True:  # in chunks of pieces: counted and timed without a step per piece
        chunk = list(itertools.islice(made, _CHUNK))
        size += sum(map(len, chunk))
        if size > limit:
            if xml:
                check_output(size)
            check_size(size, "the rendered text")
        check_time()
        if len(chunk) < _CHUNK:  # the last: a short template's only one
            return "".join(text + chunk if text else chunk)
        text.extend(chunk)


_CHUNK = 256


class MissingFact(jinja2.UndefinedError):
    """A name or attribute wording used that its context does not have, said as data:
    ``name`` is what was missing, ``is_attribute`` whether it was asked of another value."""

    def __init__(self, message: str, *, name: str, is_attribute: bool):
        super().__init__(message)
        self.name = name
        self.is_attribute = is_attribute


class Undefined(jinja2.StrictUndefined):
    """Jinja's strict undefined, whose error says what was missing as data, not only text."""

    __slots__ = ()

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = jinja2.utils.missing,
        name: str | None = None,
        exc: Any = None,
    ) -> None:
        if hint is not None:  # the sandbox's refusal of an unsafe attribute, said as it says it
            super().__init__(hint, obj, name, SecurityError)
            return
        missing = functools.partial(
            MissingFact, name=str(name), is_attribute=obj is not jinja2.utils.missing
        )
        super().__init__(hint, obj, name, missing)  # type: ignore[arg-type]
