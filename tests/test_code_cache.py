"""The code cache: what one command compiles is kept in a folder, and the next reads it back."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from letters.code_cache import CodeCache
from letters.wording import Sandbox


def test_compiled_wording_is_kept_and_read_back_without_compiling_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Sandbox(bytecode_cache=CodeCache(tmp_path))
    assert first.from_string("Dear {{ name }}").render(name="Ms Adebayo") == "Dear Ms Adebayo"
    assert len(list(tmp_path.glob("*.code"))) == 1

    def no_compiling(*arguments: object, **options: object) -> str:
        raise AssertionError("compiled again")

    monkeypatch.setattr(jinja2.Environment, "_generate", no_compiling)
    again = Sandbox(bytecode_cache=CodeCache(tmp_path))
    assert again.from_string("Dear {{ name }}").render(name="Mr Cole") == "Dear Mr Cole"


def test_a_sandbox_given_no_cache_keeps_nothing(tmp_path: Path) -> None:
    sandbox = Sandbox()
    assert sandbox.from_string("{{ 1 + 1 }}").render() == "2"
    assert sandbox.code_cache is None


def test_kept_text_is_made_once_and_read_back(tmp_path: Path) -> None:
    made: list[str] = []

    def make() -> str:
        made.append("made")
        return "<w:p/>"

    assert CodeCache(tmp_path).kept_text("patched-1.xml", make) == "<w:p/>"
    assert CodeCache(tmp_path).kept_text("patched-1.xml", make) == "<w:p/>"
    assert made == ["made"]
    assert [path.name for path in tmp_path.iterdir()] == ["patched-1.xml"]


def test_the_users_code_folder_is_none_when_the_cache_is_turned_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LETTERS_CODE_CACHE", "off")
    cache = CodeCache()
    assert cache.folder is None
    assert cache.kept_text("x.xml", lambda: "made") == "made"
