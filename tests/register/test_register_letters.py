"""Letters from the register (#32): a reminder to a body of its remedies overdue, and its
compliance report for a period, with a table and a chart; each made from a case the register
writes beside it, composed from the register's letters' library (clauses/register/), issued
and recorded as any letter is, and made again the same; on SQLite and PostgreSQL. And the
pictures a Word template shows (``letter.pictures``), which only the edge rendering a letter
draws."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import attrs
import pytest
from click.testing import CliRunner

from letters.cli import cli
from letters.composition import Letter, LetterParagraph, Section
from letters.problems import CaseError, OutputError, RegisterError, TemplateError, UsageError
from letters.register import REGISTER_LETTERS, Decision, Register, Remedy, RemedyQuery
from letters.register.charts import compliance_chart, pictures_of
from letters.register.compliance import compliance, reminder_case, report_case
from letters.word import Picture, WordTemplate
from tests.conftest import EXAMPLES, W, letter_lines
from tests.register.test_database import letters_command
from tests.register.test_remedy_life import issue, write
from tests.test_remedies import UPHELD

DAY = datetime.date
UPHELD_EXAMPLE = EXAMPLES / "upheld-care-assessment-delay.json"
PNG = b"\x89PNG\r\n\x1a\n"
DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"


def run(*arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(arguments))
    return result.exit_code, result.stdout, result.stderr


def lines_of(path: Path) -> list[str]:
    return [line for line in letter_lines(path.read_bytes()) if line.strip()]


def pictures_in(docx: bytes) -> list[tuple[str, bytes]]:
    """Each picture the document's body shows: its alternative text and the image's bytes,
    found through the drawing's relationship, as Word finds it."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        body = ElementTree.fromstring(package.read("word/document.xml"))
        relationships = ElementTree.fromstring(package.read("word/_rels/document.xml.rels"))
        targets = {each.get("Id"): each.get("Target") for each in relationships}
        found = []
        for drawing in body.iter(W + "drawing"):
            described = next(drawing.iter(DRAWING + "docPr")).get("descr", "")
            blip = next(drawing.iter(BLIP))
            found.append((described, package.read(f"word/{targets[blip.get(EMBED)]}")))
    return found


def table_rows(docx: bytes) -> list[list[str]]:
    """The text of each row of the body's tables, cell by cell."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        body = ElementTree.fromstring(package.read("word/document.xml"))
    return [
        ["".join(t.text or "" for t in cell.iter(W + "t")) for cell in row.iter(W + "tc")]
        for row in body.iter(W + "tr")
    ]


# -- the done-when test: one upheld case, from the draft to the compliance report ----------------


def test_an_upheld_case_followed_from_its_draft_to_the_reminder_and_the_compliance_report(
    register_at: str, tmp_path: Path
) -> None:
    example = json.loads(UPHELD_EXAMPLE.read_text(encoding="utf-8"))
    cases, out = tmp_path / "cases", tmp_path / "out"
    draft = write(cases, "draft", {**example, "stage": "draft"})
    final = write(cases, "final", {**example, "stage": "final"})
    common = ("--register", register_at)
    for case in (draft, final):
        code, _, err = run("issue", case, "--out-dir", str(out), "--by", "A. Caseworker", *common)
        assert code == 0, err
    code, out_json, _ = run("register", "show", "2", "--json", *common)
    assert (json.loads(out_json)["stage"], json.loads(out_json)["draft"]) == ("final", 1)

    # the £300 is paid on time, with the body's evidence; the apology comes late
    receipt = tmp_path / "remittance.txt"
    receipt.write_text("BACS remittance: Mrs X, 300.00, 9 May 2025\n", encoding="utf-8")
    code, _, err = run(
        "register", "remedy", "2.2", "done", "--evidence", str(receipt), "--on", "2025-05-09",
        "--by", "B. Officer", "--note", "paid by BACS", *common,
    )  # fmt: skip
    assert code == 0, err
    code, _, err = run(
        "register", "remedy", "2.1", "done", "--on", "2025-05-20", "--by", "B. Officer",
        "--note", "the apology, seen", *common,
    )  # fmt: skip
    assert code == 0, err

    # the £150 and the training go overdue: the overdue list on 1 June 2025
    code, listed, _ = run("register", "remedies", "--overdue", "--on", "2025-06-01", *common)
    assert code == 0
    assert [line.split("\t")[:3] for line in listed.splitlines()] == [
        ["2.3", "overdue", "2025-05-10"],
        ["2.5", "overdue", "2025-05-13"],
    ]
    with Register(register_at) as register:
        overdue = register.remedies(RemedyQuery(overdue=True), on=DAY(2025, 6, 1))

    # the reminder: its case beside it, the remedies overdue in the letter, recorded
    reminder = out / "reminder.docx"
    code, _, err = run(
        "register", "reminder", "--body", "westshire  COUNCIL", "--on", "2025-06-01",
        "-o", str(reminder), "--by", "B. Officer", *common,
    )  # fmt: skip
    assert code == 0, err
    assert err == f"issued record 3: {reminder} (its case: {out / 'reminder.json'})\n"
    case = json.loads((out / "reminder.json").read_text(encoding="utf-8"))
    assert (case["outline"], case["body"], case["decision_date"]) == (
        "reminder",
        {"name": "Westshire Council"},
        "2025-06-01",
    )
    assert [(r["remedy"], r["case_reference"], r["due"]) for r in case["facts"]["overdue"]] == [
        ("2.3", "25 900 101", "2025-05-10"),
        ("2.5", "25 900 101", "2025-05-13"),
    ]
    text = "\n".join(lines_of(reminder))
    for remedy, due in zip(overdue, ("10 May 2025", "13 May 2025"), strict=True):
        assert f"25 900 101 (Mrs X): {remedy.wording}, due by {due}" in text
    assert "£300" not in text and "apologise" not in text  # done: not overdue

    # the compliance report: figures, a table and the chart, its case beside it
    report = out / "report.docx"
    code, shown, err = run(
        "register", "report", "--body", "Westshire Council", "--from", "2025-04-01",
        "--to", "2026-03-31", "--on", "2025-06-01", "-o", str(report), "--by", "B. Officer",
        "--json", *common,
    )  # fmt: skip
    assert code == 0, err
    issued = json.loads(shown)
    assert (issued["ok"], issued["record"], issued["case"]) == (True, 4, str(out / "report.json"))
    facts = json.loads((out / "report.json").read_text(encoding="utf-8"))["facts"]
    assert {name: facts[name] for name in facts if name != "overdue"} == {
        "period_from": "2025-04-01",
        "period_to": "2026-03-31",
        "decisions": "1",  # the final decision; not its draft, nor the reminder
        "investigated": "1",
        "upheld": "1",
        "upheld_rate": "100%",
        "remedies_due": "5",
        "on_time": "1",
        "late": "1",
        "outstanding": "3",  # the two overdue, and the change of procedure due in July
        "refused": "0",
    }
    assert [r["remedy"] for r in facts["overdue"]] == ["2.3", "2.5"]
    document = report.read_bytes()
    [(described, png)] = pictures_in(document)
    assert png.startswith(PNG)
    assert "5 remedies" in described  # its alternative text, the library's line
    assert [row[1] for row in table_rows(document)] == ["Number", "1", "1", "3", "0", "5"]

    # both recorded as any letter is, and made again the same, here and in a new process
    with Register(register_at) as register:
        assert [register.record(n).summary.outline for n in (3, 4)] == [
            "reminder",
            "compliance-report",
        ]
        assert register.record(4).summary.body == "Westshire Council"
        assert register.remedies(RemedyQuery(letter=4), on=DAY(2025, 6, 1)) == []
        assert all(register.reproduce(n).matches for n in (3, 4))
        assert register.audit() == []
    verified = letters_command("register", "verify", "--register", register_at)
    assert verified.returncode == 0, verified.stderr
    assert "4 of 4 letters the same" in verified.stderr


# -- what the register's letters count ----------------------------------------------------------


def remedies_of(register_at: str, tmp_path: Path, on: datetime.date) -> list[Remedy]:
    """The fixture library's upheld case issued (four remedies due 10 and 13 May 2025), one
    remedy done on time, one late, one refused: its remedies as they stood on ``on``."""
    with Register(register_at) as register:
        issue(register, write(tmp_path / "cases", "C1"), tmp_path / "o1")
        register.change_remedy("1.1", "done", by="B", on=DAY(2025, 5, 1), note="sent")
        register.change_remedy("1.2", "done", by="B", on=DAY(2025, 5, 20), note="paid late")
        register.change_remedy("1.3", "refused", by="B", on=DAY(2025, 5, 2), note="will not")
        return register.remedies(on=on)


def test_a_report_counts_each_remedy_due_in_its_period_by_what_became_of_it(
    register_at: str, tmp_path: Path
) -> None:
    held = remedies_of(register_at, tmp_path, DAY(2025, 6, 1))
    decisions = [
        Decision(1, "C1", DAY(2025, 4, 10), "Upheld"),
        Decision(7, "C2", DAY(2025, 4, 11), "Not upheld: no fault"),
        Decision(8, "C3", DAY(2025, 4, 12), "Closed after initial enquiries"),
        Decision(9, "C4", DAY(2024, 4, 12), "Upheld"),  # before the period
    ]
    figures = compliance(
        decisions, held, start=DAY(2025, 4, 1), end=DAY(2025, 5, 31), on=DAY(2025, 6, 1)
    )
    assert (figures.decisions, figures.investigated, figures.upheld) == (3, 2, 1)
    assert figures.upheld_rate == "50%"
    assert (figures.on_time, figures.late, figures.refused, figures.outstanding) == (1, 1, 1, 1)
    # a remedy counts in the period by the day its decision set for it, not an extension's
    with Register(register_at) as register:
        register.change_remedy(
            "1.4", "extended", by="B", on=DAY(2025, 5, 12), to=DAY(2025, 6, 20), note="ill"
        )
        held = register.remedies(on=DAY(2025, 6, 1))
    narrow = compliance(
        decisions, held, start=DAY(2025, 5, 11), end=DAY(2025, 5, 31), on=DAY(2025, 6, 1)
    )
    assert (narrow.remedies_due, narrow.outstanding) == (1, 1)  # the review, due 13 May
    assert not held[3].is_overdue  # outstanding, and not overdue: extended to 20 June
    # two thirds is 67%: a half rounds up
    assert (
        compliance(
            [
                Decision(n, None, DAY(2025, 4, 2), o)
                for n, o in enumerate(["Upheld"] * 2 + ["Not upheld"])
            ],
            [],
            start=DAY(2025, 4, 1),
            end=DAY(2025, 4, 30),
            on=DAY(2025, 5, 1),
        ).upheld_rate
        == "67%"
    )
    with pytest.raises(UsageError, match="is before --from"):
        compliance([], [], start=DAY(2025, 4, 1), end=DAY(2025, 3, 1), on=DAY(2025, 5, 1))
    with pytest.raises(UsageError, match="before the period begins"):
        compliance([], [], start=DAY(2025, 4, 1), end=DAY(2025, 5, 1), on=DAY(2025, 3, 1))


def test_a_report_of_a_period_counts_no_draft_no_letter_sent_again_and_no_letter_of_the_register(
    register_at: str, tmp_path: Path
) -> None:
    facts = {**UPHELD["facts"], "comments_by": "20 working days"}
    with Register(register_at) as register:
        issue(register, write(tmp_path / "d", "D1", stage="draft", facts=facts), tmp_path / "o1")
        issue(register, write(tmp_path / "f", "D1", decision="Upheld"), tmp_path / "o2")
        issue(register, write(tmp_path / "g", "D1", decision="Upheld"), tmp_path / "o3")
        issue(
            register,
            write(tmp_path / "n", "D2", decision="Not upheld", decision_date="2025-05-02"),
            tmp_path / "o4",
        )
        (tmp_path / "r").mkdir()
        reminder = tmp_path / "r" / "reminder.txt"
        outcome = register.reminder(
            "WESTSHIRE council", by="B", output=reminder, on=DAY(2025, 6, 1), output_format="txt"
        )
        assert outcome.is_ok, outcome.problems
        report = tmp_path / "r" / "report.md"
        outcome = register.report(
            "Westshire Council",
            start=DAY(2025, 4, 1),
            end=DAY(2025, 6, 30),
            by="B",
            output=report,
            on=DAY(2025, 6, 1),
            output_format="md",
        )
        assert outcome.is_ok, outcome.problems
    case = json.loads(report.with_suffix(".json").read_text(encoding="utf-8"))
    figures = case["facts"]
    assert (figures["decisions"], figures["investigated"], figures["upheld"]) == ("2", "2", "1")
    assert figures["remedies_due"] == "8"  # the letter sent again's four, and D2's four
    assert case["body"] == {"name": "Westshire Council"}


def test_a_reminder_with_nothing_overdue_is_not_written_nor_recorded(
    register_at: str, tmp_path: Path
) -> None:
    with Register(register_at) as register:
        issue(register, write(tmp_path / "cases", "E1"), tmp_path / "o1")
    letter = tmp_path / "reminder.docx"
    code, out, err = run(
        "register", "reminder", "--body", "Westshire Council", "--on", "2025-05-10",
        "-o", str(letter), "--register", register_at,
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert err == (
        "no remedy of Westshire Council is overdue on 2025-05-10: there is nothing to remind "
        "it of (letters register remedies --body ... --overdue lists them)\n"
    )
    assert not letter.exists() and not letter.with_suffix(".json").exists()
    code, _, err = run(
        "register", "report", "--body", "Eastshire Council", "--from", "2025-01-01",
        "--to", "2025-12-31", "-o", str(tmp_path / "report.docx"), "--register", register_at,
    )  # fmt: skip
    assert code == 1 and "no letter in the register" in err and "'Eastshire Council'" in err
    with Register(register_at) as register:
        assert register.ids() == [1]


def test_a_letter_s_case_file_and_the_letter_are_never_written_over(
    register_at: str, tmp_path: Path
) -> None:
    with Register(register_at) as register:
        issue(register, write(tmp_path / "cases", "F1"), tmp_path / "o1")
        letter = tmp_path / "reminder.docx"
        letter.with_suffix(".json").write_text("{}\n", encoding="utf-8")
        options: dict[str, Any] = {"by": "B", "output": letter, "on": DAY(2025, 6, 1)}
        with pytest.raises(OutputError, match="case file is never written over"):
            register.reminder("Westshire Council", **options)
        assert not letter.exists()
        letter.with_suffix(".json").unlink()
        letter.write_bytes(b"a letter of its own")
        outcome = register.reminder("Westshire Council", **options)
        assert not outcome.is_ok
        assert "never written over" in outcome.problems[0].message
        assert not letter.with_suffix(".json").exists()  # made for the letter, gone with it
        assert letter.read_bytes() == b"a letter of its own"
        with pytest.raises(UsageError, match=r"name the letter \.docx, \.txt or \.md"):
            register.reminder("Westshire Council", **{**options, "output": tmp_path / "x.json"})
        assert register.ids() == [1]


# -- the letters' wording, from the register's letters' library ---------------------------------


@pytest.mark.golden
def test_a_reminder_and_a_report_say_one_remedy_and_no_remedy_as_english_does(
    register_at: str, tmp_path: Path
) -> None:
    held = remedies_of(register_at, tmp_path, DAY(2025, 6, 1))
    overdue = [remedy for remedy in held if remedy.is_overdue]
    assert [str(remedy.id) for remedy in overdue] == ["1.4"]
    with Register(register_at) as register:
        letter = tmp_path / "out" / "reminder.txt"
        letter.parent.mkdir()
        outcome = register.reminder(
            "Westshire Council", by="B", output=letter, on=DAY(2025, 6, 1), output_format="txt"
        )
        assert outcome.is_ok, outcome.problems
        text = letter.read_text(encoding="utf-8")
        assert "has done a remedy it agreed to in our final decision on a complaint" in text
        assert (
            "Please send us evidence that the Council has done it within ten working days" in text
        )
        report = tmp_path / "out" / "report.txt"
        outcome = register.report(
            "Westshire Council",
            start=DAY(2026, 1, 1),
            end=DAY(2026, 3, 31),
            by="B",
            output=report,
            on=DAY(2026, 4, 1),
            output_format="txt",
        )
        assert outcome.is_ok, outcome.problems
        text = report.read_text(encoding="utf-8")
        assert "We made no final decisions on complaints about the Council between" in text
        assert "None of the remedies the Council agreed to in our final decisions was due" in text


@pytest.mark.golden
def test_the_register_s_letters_library_and_its_templates_check_clean() -> None:
    code, _, err = run("clauses", "lint", str(REGISTER_LETTERS), "--verbose")
    assert (code, err) == (0, "0 errors, 0 warnings\n")
    for name in ("reminder", "report"):
        code, _, err = run(
            "templates", "check", str(REGISTER_LETTERS.parent.parent / "templates" / f"{name}.docx"),
            "--clauses", str(REGISTER_LETTERS),
        )  # fmt: skip
        assert code == 0 and err.endswith("0 errors, 0 warnings\n"), err


# -- the chart, and pictures in a template ------------------------------------------------------


def report_letter(**facts: str) -> Letter:
    """A report's letter as composed, as the chart reads it: its facts and named lines."""
    counts = {"on_time": "3", "late": "1", "outstanding": "2", "refused": "0", **facts}
    return Letter(
        sections=(Section("compliance", "Compliance", (LetterParagraph(()),)),),
        sign_off=LetterParagraph(()),
        facts=counts,
        lines={"chart_title": "Remedies", "chart_description": "A chart of 6 remedies"},
    )


def test_the_chart_is_drawn_from_the_letter_s_facts_the_same_each_time() -> None:
    [(name, picture)] = pictures_of(report_letter()).items()
    assert name == "compliance" and picture.png.startswith(PNG)
    assert picture.description == "A chart of 6 remedies"
    assert pictures_of(report_letter())["compliance"] == picture
    other = compliance_chart(["a", "b", "c", "d"], [3, 1, 2, 1], "Remedies")
    assert other != picture.png
    assert pictures_of(report_letter(on_time="0", late="0", outstanding="0")) == {}  # nothing
    assert pictures_of(Letter(sections=(), sign_off=LetterParagraph(()))) == {}  # no report
    with pytest.raises(CaseError, match="a whole number, not 'three'"):
        pictures_of(report_letter(on_time="three"))


def test_a_template_shows_a_picture_where_it_asks_and_nothing_where_the_letter_has_none(
    tmp_path: Path,
) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("{{ letter.title }}")
    document.add_paragraph("{{ letter.pictures.compliance }}")
    document.add_paragraph("{{ letter.pictures.missing }}end")
    path = tmp_path / "pictured.docx"
    document.save(str(path))
    template = WordTemplate(path)  # no table: filled by docxtpl all the same, for its picture
    letter = Letter(sections=(), sign_off=LetterParagraph(()), title="The title")
    png = compliance_chart(["a", "b", "c", "d"], [1, 2, 3, 4], "")
    shown = template.render(letter, pictures={"compliance": Picture(png, 10, "Four bars")})
    assert pictures_in(shown) == [("Four bars", png)]
    assert "end" in letter_lines(shown)
    assert template.render(letter, pictures={"compliance": Picture(png, 10)}) != shown
    assert pictures_in(template.render(letter)) == []
    assert template.render(letter, pictures={"compliance": Picture(png, 10, "Four bars")}) == shown
    with pytest.raises(TemplateError, match="must be a PNG image"):
        Picture(b"GIF89a", 10)
    with pytest.raises(TemplateError, match="width is in centimetres"):
        Picture(png, 0)


def test_the_compliance_report_s_chart_is_in_its_pdf(tmp_path: Path) -> None:
    import shutil

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not here: make libreoffice installs it")
    from pypdf import PdfReader

    from letters.formats import to_pdf
    from letters.loading import parse_case
    from letters.register.recording import make_letter
    from letters.rendering import Renderer

    renderer = Renderer(REGISTER_LETTERS, "report")
    figures = compliance(
        [Decision(1, "R1", DAY(2025, 4, 2), "Upheld")],
        [],
        start=DAY(2025, 4, 1),
        end=DAY(2026, 3, 31),
        on=DAY(2026, 4, 1),
    )
    data = report_case("Westshire Council", None, figures, [])
    data["facts"] |= {"remedies_due": "4", "on_time": "2", "late": "1", "outstanding": "1"}
    _, document = make_letter(renderer, parse_case(data), "docx", "report.json")
    [pdf] = to_pdf([document])
    assert pdf is not None
    images = [image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images]
    assert len({image.name for image in images}) == 1  # one picture, the chart
    assert images[0].image is not None
    assert images[0].image.size[0] > 1000  # as drawn: 6 inches at 200 dots an inch


def test_a_reminder_case_names_each_remedy_overdue_earliest_first(
    register_at: str, tmp_path: Path
) -> None:
    held = remedies_of(register_at, tmp_path, DAY(2025, 6, 1))
    case = reminder_case("Westshire Council", "the Council", held, DAY(2025, 6, 1))
    assert case == {
        "outline": "reminder",
        "body": {"name": "Westshire Council", "called": "the Council"},
        "decision_date": "2025-06-01",
        "facts": {
            "overdue": [
                {
                    "kind": "remedy",
                    "remedy": "1.4",
                    "case_reference": "C1",
                    "case_complainant": "Mrs X",
                    "action": held[3].wording,
                    "due": "2025-05-13",
                }
            ]
        },
    }
    earlier = [attrs.evolve(remedy, on=DAY(2025, 5, 1)) for remedy in held]
    with pytest.raises(RegisterError, match="nothing to remind it of"):
        reminder_case("Westshire Council", None, earlier, DAY(2025, 5, 1))
