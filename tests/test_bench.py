"""The benchmark anchors (portal/bench.py) and the demo-data registry (portal/demo_data.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import delete, select

from portal import demo_data
from portal.bench import EPOCH, bench_rows, create_bench_table, fill_bench_rows
from portal.demo_data import demo_data_command, insert_in_chunks, seeder
from portal.extensions import db
from tests.conftest import count_queries, make_app

ANCHORS = ["/_bench/bare", "/_bench/minimal", "/_bench/shell"]
# The first cell of each body row holds the row's id.
ROW_IDS = re.compile(r"<tr[^>]*>\s*<td[^>]*>(\d+)</td>")
CATEGORIES = 10  # 300 rows over 10 categories: 30 in each, more than a page of 25


@pytest.fixture
def bench_app(fresh_database: str) -> Iterator[Flask]:
    """An app with the anchors mounted, on a throwaway database holding a small bench_rows."""
    app = make_app(fresh_database, BENCHMARK_ANCHORS=True)
    with app.app_context(), db.engine.begin() as connection:
        create_bench_table(connection)
        fill_bench_rows(connection, 300, categories=CATEGORIES)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def expected_ids(category: int) -> list[int]:
    return [i for i in range(1, 301) if i % CATEGORIES == category][:25]


@pytest.mark.parametrize("path", ANCHORS)
def test_anchors_are_absent_from_a_normal_app(client, path):
    assert client.get(path).status_code == 404


def test_bare_anchor_answers_plain_text_without_the_database(bench_app):
    client = bench_app.test_client()
    client.get("/_bench/bare")  # the first request may open a connection; count the second
    with count_queries(bench_app) as statements:
        response = client.get("/_bench/bare")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "ok\n"
    assert statements == []


@pytest.mark.parametrize("path", ["/_bench/minimal", "/_bench/shell"])
def test_minimal_and_shell_show_25_rows_from_one_query(bench_app, path):
    client = bench_app.test_client()
    client.get(path)  # warm: connection set-up is not the page's cost
    with count_queries(bench_app) as statements:
        response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [int(i) for i in ROW_IDS.findall(html)] == expected_ids(7)
    assert len(statements) == 1, statements
    assert "bench_rows" in statements[0]


@pytest.mark.parametrize("path", ["/_bench/minimal", "/_bench/shell"])
def test_anchors_take_the_category_from_the_query_string(bench_app, path):
    html = bench_app.test_client().get(f"{path}?c=3").get_data(as_text=True)
    assert [int(i) for i in ROW_IDS.findall(html)] == expected_ids(3)


def test_minimal_is_a_bare_document_and_shell_is_the_portal_page(bench_app):
    client = bench_app.test_client()
    minimal = client.get("/_bench/minimal").get_data(as_text=True)
    shell = client.get("/_bench/shell").get_data(as_text=True)
    assert "govuk-" not in minimal
    assert "Supplier Portal" not in minimal
    assert "<title>Benchmark – Supplier Portal – Cheshire Constabulary and PCC</title>" in shell
    assert 'class="govuk-table"' in shell
    assert shell.count('<td class="govuk-table__cell">') == 25 * 4
    assert "govuk-phase-banner" in shell


# --- demo data ---------------------------------------------------------------------------------


@pytest.fixture
def empty_registry(monkeypatch) -> dict:
    """An empty SEEDERS for the test, so the areas' own seeders neither run nor are disturbed."""
    registry: dict = {}
    monkeypatch.setattr(demo_data, "SEEDERS", registry)
    return registry


def register_bench_seeder() -> None:
    @seeder("bench")
    def seed_bench(rows: int, rng) -> int:
        return insert_in_chunks(
            bench_rows,
            (
                {
                    "id": i,
                    "category": rng.randint(0, 9),
                    "title": f"row {rng.random():.12f}",
                    "amount": rng.randint(1, 10_000),
                    "created_at": EPOCH,
                }
                for i in range(1, rows + 1)
            ),
        )


def seeded_rows(app: Flask, seed: int) -> list[tuple]:
    """Run `demo-data --rows 120 --seed S` on an emptied bench_rows and read back what it wrote."""
    with app.app_context():
        db.session.execute(delete(bench_rows))
        db.session.commit()
    result = app.test_cli_runner().invoke(demo_data_command, ["--rows", "120", "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    assert "bench: 120 rows in" in result.output
    with app.app_context():
        rows = db.session.execute(select(bench_rows).order_by(bench_rows.c.id)).all()
    return [tuple(row) for row in rows]


def test_demo_data_runs_registered_seeders_deterministically(bench_app, empty_registry, monkeypatch):
    monkeypatch.setattr(demo_data, "CHUNK_SIZE", 50)  # 120 rows: three chunks, three commits
    register_bench_seeder()
    first = seeded_rows(bench_app, seed=1)
    again = seeded_rows(bench_app, seed=1)
    other = seeded_rows(bench_app, seed=2)
    assert len(first) == 120
    assert first == again
    assert first != other


def test_demo_data_runs_seeders_in_name_order(empty_registry, runner):
    calls: list[str] = []
    for name in ["zeta", "alpha", "mu"]:
        seeder(name)(lambda rows, rng, name=name: calls.append(name) or rows)
    result = runner.invoke(demo_data_command, ["--rows", "3"])
    assert result.exit_code == 0, result.output
    assert calls == ["alpha", "mu", "zeta"]
    assert "9 rows from 3 seeders" in result.output


def test_demo_data_with_no_seeders_says_so(empty_registry, runner):
    result = runner.invoke(demo_data_command, ["--rows", "10"])
    assert result.exit_code == 0
    assert "No seeders registered." in result.output


def test_two_seeders_cannot_share_a_name(empty_registry):
    def first(rows, rng):
        return rows

    def second(rows, rng):
        return 0

    seeder("one")(first)
    seeder("one")(first)  # the same function again (a reloaded module) is no clash
    with pytest.raises(ValueError, match="already registered"):
        seeder("one")(second)


def test_demo_data_refuses_the_production_configuration(empty_registry, database_url):
    app = make_app(database_url, ENV_NAME="production")
    result = app.test_cli_runner().invoke(demo_data_command, ["--rows", "1"])
    assert result.exit_code != 0
    assert "production" in result.output
