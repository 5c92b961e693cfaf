"""The Code's text: the fingerprint and the reading into areas."""

from pathlib import Path

import pytest

from portal.ethics.content import ContentError, digest, normalise, parse

VERSION_1 = (Path(__file__).resolve().parents[2] / "data" / "code-of-ethics" / "version-1.md").read_text(
    "utf-8"
)


def test_version_1_has_the_four_areas_of_appendix_b():
    document = parse(VERSION_1)
    assert [area.title[:40] for area in document.areas] == [
        "Instil a culture of fairness, teamwork, ",
        "Have a written plan to work towards payi",
        "Commit to the delivery of excellent work",
        "Acting with integrity and transparency",
    ]
    assert document.introduction[0].lines[0].startswith("The Police and Crime Commissioner for Cheshire")
    second = document.areas[1].blocks
    assert second[0].lines == ("Employment is freely chosen:",)
    assert second[1].kind == "list"
    assert len(second[1].lines) == 3


def test_the_hash_is_stable_across_line_endings_unicode_forms_and_trailing_spaces():
    text = "Intro caf\u00e9\n\n## Area\n\nCommit - yes"
    same = [
        text.replace("\n", "\r\n"),
        text.replace("\n", "\r"),
        text.replace("caf\u00e9", "cafe\u0301"),  # decomposed é
        text.replace("Intro", "Intro").replace("\n\n## Area", "   \n\n## Area  ") + "\n\n",
    ]
    assert {digest(variant) for variant in same} == {digest(text)}
    assert digest(text) == digest(normalise(text))
    assert len(digest(text)) == 64


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace("Commit", "commit"),  # case
        lambda t: t.replace("yes", "yes."),  # punctuation
        lambda t: t.replace("Intro", "Intro\u00a0"),  # a non-breaking space inside a line
        lambda t: t.replace("caf\u00e9", "cafe"),  # an accent
        lambda t: t.replace("Commit - yes", "Commit  - yes"),  # spacing inside a line
        lambda t: t.replace("## Area", "## Areas"),
    ],
)
def test_any_visible_change_changes_the_hash(change):
    text = "Intro caf\u00e9\n\n## Area\n\nCommit - yes"
    assert digest(change(text)) != digest(text)


def test_the_hash_of_version_1_is_what_was_published():
    # If this fails, data/code-of-ethics/version-1.md changed: a published version never changes.
    assert digest(VERSION_1) == "e6a2c4086c7ed728e5ac2a5257eb0b581006fb0ed0cece1615a402ad98232a86"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Just an introduction", "at least one area"),
        ("Intro\n\n## First\n\nCommits\n\n##   \n\nMore", "no words after it"),
        ("Intro\n\n## Empty area\n\n## Second\n\nCommits", "has no commitments"),
        ("\n\n".join(f"## Area {n}\n\nText" for n in range(13)), "at most 12 areas"),
    ],
)
def test_texts_that_are_not_a_code_are_refused_with_what_to_change(text, message):
    with pytest.raises(ContentError, match=message):
        parse(text)


def test_markup_in_the_text_stays_text():
    document = parse("<script>alert(1)</script>\n\n## <b>Area</b>\n\n- <img src=x onerror=alert(1)>")
    assert document.introduction[0].lines == ("<script>alert(1)</script>",)
    assert document.areas[0].title == "<b>Area</b>"
