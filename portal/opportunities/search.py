"""Keyword search over opportunities' titles, references and summaries, through each database's
own full-text search: an FTS5 table kept by triggers on SQLite, a generated tsvector column with
a GIN index on PostgreSQL (both made by migrations; models.SEARCH_OBJECTS names them).

Words are matched whole, after English stemming on both ("cleans" and "cleaned" find "cleaning";
"cleaner" is a word of its own and does not); every word must match. What a visitor types is never
passed on as query syntax: it is cut into words (and on PostgreSQL also read as plain text by
plainto_tsquery, which knows no syntax)."""

from __future__ import annotations

import itertools
import re

import sqlalchemy as sa

MAX_WORDS = 12

# Each opportunity's search document on PostgreSQL: to_tsvector('english', ...) of its title,
# reference and summary, which the database stores as the row is written.
PG_DOCUMENT = "opportunities.search_vector"

_WORD = re.compile(r"\w+")
# The opportunities whose words match :words, on SQLite.
_FTS_MATCHES = "SELECT rowid FROM opportunities_fts WHERE opportunities_fts MATCH :words"


def search_words(text: str) -> list[str]:
    """The words of a search, in lower case: punctuation, quotes and operators dropped."""
    return _WORD.findall(text.lower())[:MAX_WORDS]


def keyword_condition(dialect: str, *, any_plan: bool = False) -> sa.ColumnElement[bool]:
    """A condition on `opportunities` that its text matches the bound `words` (search_words), and
    on PostgreSQL, failing that, the bound `as_typed` (search_as_typed): their values are
    keyword_values'.

    With `any_plan`, for a prepared statement planned once for any words (queries._walk), each
    query is a subquery, parsed once a statement rather than once a row tested: half the time
    of the walk. Without it the planner sees the words, and plans for how many rows match."""
    if dialect == "postgresql":
        return _postgresql_match(("words", "as_typed"), any_plan)
    return sa.literal_column("opportunities.id").in_(sa.text(_FTS_MATCHES))


def keyword_values(dialect: str, text: str) -> dict[str, str]:
    """The values keyword_condition's statement is run with, for a search of `text`."""
    return {"words": search_value(dialect, search_words(text)), "as_typed": search_as_typed(text)}


def _postgresql_match(names: tuple[str, str], any_plan: bool) -> sa.ColumnElement[bool]:
    # PostgreSQL's parser reads a reference such as CC-2026-041 as "cc", "-2026", "-041": the
    # words alone ("cc 2026 041") miss it, the text as typed, parsed as the index was, finds it.
    document = sa.literal_column(PG_DOCUMENT)
    queries = [
        sa.func.plainto_tsquery(sa.literal_column("'english'"), sa.bindparam(name, type_=sa.String))
        for name in names
    ]
    if any_plan:
        queries = [sa.select(query).scalar_subquery() for query in queries]
    return sa.or_(*(document.op("@@", return_type=sa.Boolean)(query) for query in queries))


def search_value(dialect: str, words: list[str]) -> str:
    """What the database's search is given for `words`: each quoted for FTS5, which then needs
    them all; plain text for plainto_tsquery, which does the same."""
    if dialect == "postgresql":
        return " ".join(words)
    return " ".join(f'"{word}"' for word in words)


def search_as_typed(text: str) -> str:
    """The search as typed, to the end of the last word search_words counts (for PostgreSQL)."""
    ends = [match.end() for match in itertools.islice(_WORD.finditer(text), MAX_WORDS)]
    return text[: ends[-1]].replace("\x00", " ") if ends else ""
