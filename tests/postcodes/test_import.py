"""`flask postcodes import` and `status`: the sample file on both databases, re-imports, refusals,
constant memory, and readers answering while an import swaps the directory in."""

from __future__ import annotations

import csv
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.extensions import db
from portal.postcodes import importer, lookup_postcode, staging
from portal.postcodes.importer import ImportRefused, import_directory
from portal.postcodes.models import Postcode, PostcodeDistrict, PostcodeImport, postcodes_staging
from portal.postcodes.seed import seed_postcode_districts
from tests.conftest import run_alembic_check

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "onspd-sample.csv"
SAMPLE_LIVE_ROWS = 52
SAMPLE_TERMINATED = {"CW7 9ZZ", "M1 9ZX", "WA1 9QT", "CH1 9ZF", "SY14 9XB"}


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def directory_state(app) -> tuple[dict[str, str], int, int]:
    """The live rows, the staging table's row count and the number of recorded imports."""
    with app.app_context():
        live = dict(db.session.execute(sa.select(Postcode.postcode, Postcode.authority)).all())
        staged = db.session.scalar(sa.select(sa.func.count()).select_from(postcodes_staging))
        imports = db.session.scalar(sa.select(sa.func.count()).select_from(PostcodeImport))
    return live, staged, imports


def import_sample(runner) -> None:
    result = runner.invoke(args=["postcodes", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output


# --- the sample file through the CLI ----------------------------------------------------------


def test_the_sample_imports_through_the_cli(app, runner):
    result = runner.invoke(args=["postcodes", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert f"Imported {SAMPLE_LIVE_ROWS} postcodes from onspd-sample.csv (ONSPD)" in result.output
    assert "skipped 5 terminated and 0 without a usable postcode" in result.output
    live, staged, imports = directory_state(app)
    assert len(live) == SAMPLE_LIVE_ROWS
    assert staged == 0
    assert imports == 1
    assert live["CW7 2UA"] == "E06000050"
    assert live["CW10 9AB"] == "E06000049"  # a four-character district: pcd "CW109AB"
    assert live["SW1A 9ZX"] == "E09000033"
    assert live["M1 1AE"] == "E08000003"
    assert not SAMPLE_TERMINATED & live.keys()
    with app.app_context():
        record = db.session.scalar(sa.select(PostcodeImport))
        assert (record.file_name, record.file_format, record.row_count) == ("onspd-sample.csv", "ONSPD", 52)
        assert (record.terminated_count, record.rejected_count) == (5, 0)
        audit = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.action == "postcodes.imported"))
        assert audit.record_id == str(record.id)
        assert audit.details["row_count"] == SAMPLE_LIVE_ROWS
        answer = lookup_postcode("CW7 2UA")
    assert (answer.status, answer.source) == ("local", "ONS Postcode Directory")


def test_status_says_what_the_lookup_reads(app, runner):
    with app.app_context():
        db.session.execute(sa.delete(PostcodeDistrict))
        db.session.commit()
    before = runner.invoke(args=["postcodes", "status"]).output
    assert "ONS Postcode Directory: not imported" in before
    assert "Postcode district table: 0 districts (run `flask seed`)." in before
    with app.app_context():
        seed_postcode_districts()
        db.session.commit()
    import_sample(runner)
    after = runner.invoke(args=["postcodes", "status"]).output
    assert "ONS Postcode Directory: 52 postcodes from onspd-sample.csv (ONSPD), imported on " in after
    assert "Postcode district table: 39 districts." in after


def test_a_second_import_replaces_the_first(app, runner, tmp_path):
    import_sample(runner)
    newer = write_csv(
        tmp_path / "ONSPD_FEB_2027_UK.csv",
        ["pcd", "pcds", "doterm", "oslaua"],
        [["CW7 2UA", "CW7 2UA", "", "E06000050"], ["CW7 2UZ", "CW7 2UZ", "", "E06000050"]],
    )
    result = runner.invoke(args=["postcodes", "import", str(newer)])
    assert result.exit_code == 0, result.output
    live, staged, imports = directory_state(app)
    assert live == {"CW7 2UA": "E06000050", "CW7 2UZ": "E06000050"}
    assert (staged, imports) == (0, 2)
    assert "2 postcodes from ONSPD_FEB_2027_UK.csv" in runner.invoke(args=["postcodes", "status"]).output


def test_an_nspl_file_with_seven_character_postcodes_imports(app, runner, tmp_path):
    nspl = write_csv(
        tmp_path / "NSPL_NOV_2026_UK.csv",
        ["PCD", "DOINTR", "DOTERM", "USERTYPE", "LAUA", "CTRY"],  # any case, any order
        [
            ["CW102AB", "199001", "", "0", "E06000049", "E92000001"],
            ["M1  1AE", "198001", "", "0", "E08000003", "E92000001"],
            ["WA7 1TD", "198001", "", "0", "e06000006", "E92000001"],
            ["WA7 9ZZ", "198001", "201001", "0", "E06000006", "E92000001"],
        ],
    )
    result = runner.invoke(args=["postcodes", "import", str(nspl)])
    assert result.exit_code == 0, result.output
    assert "(NSPL)" in result.output
    live, _, _ = directory_state(app)
    assert live == {"CW10 2AB": "E06000049", "M1 1AE": "E08000003", "WA7 1TD": "E06000006"}


def test_unusable_and_repeated_rows_are_skipped_and_counted(app, runner, tmp_path):
    messy = tmp_path / "messy.csv"
    messy.write_text(
        "pcds,oslaua,doterm\n"
        "CW7 2UA,E06000050,\n"
        "\n"  # a blank line is nothing
        "CW7 2UA,E06000049,\n"  # repeated: the first row stands
        "NOT A POSTCODE,E06000050,\n"
        "CW7 2UB,,\n"  # no authority
        "CW7 2UC,Cheshire,\n"  # not an authority code
        "CW7 2UD\n"  # a short row
        "CW7 2UE,E06000050,202001\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["postcodes", "import", str(messy)])
    assert result.exit_code == 0, result.output
    assert "Imported 1 postcodes" in result.output
    assert "skipped 1 terminated and 5 without a usable postcode or authority, or repeated" in result.output
    live, _, _ = directory_state(app)
    assert live == {"CW7 2UA": "E06000050"}


def test_columns_can_be_named_by_hand(app, runner, tmp_path):
    renamed = write_csv(tmp_path / "renamed.csv", ["postcode", "lad25cd"], [["CW7 2UA", "E06000050"]])
    refused = runner.invoke(args=["postcodes", "import", str(renamed)])
    assert refused.exit_code != 0
    result = runner.invoke(
        args=[
            "postcodes",
            "import",
            str(renamed),
            "--postcode-column",
            "Postcode",
            "--authority-column",
            "LAD25CD",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "(CSV)" in result.output
    assert directory_state(app)[0] == {"CW7 2UA": "E06000050"}


# --- refusals change nothing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "postcode,oslaua,doterm\nCW7 2UA,E06000050,\n",
            "wrong.csv is not an ONS Postcode Directory CSV: its header row has no postcode column "
            "(pcds, pcd, pcd7, pcd8 or pcd2).",
        ),
        (
            "pcds,ctry,doterm\nCW7 2UA,E92000001,\n",
            "its header row has no local authority column (oslaua or laua).",
        ),
        (
            "name,address\nx,y\n",
            "no postcode column (pcds, pcd, pcd7, pcd8 or pcd2) and no local authority column (oslaua or laua).",
        ),
        ("", "is empty"),
        ("pcds,oslaua,doterm\n", "holds no live postcode"),
        ("pcds,oslaua,doterm\nCW7 2UA,E06000050,201801\n", "holds no live postcode"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_and_nothing_changes(
    app, runner, tmp_path, content, message
):
    import_sample(runner)
    before = directory_state(app)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["postcodes", "import", str(wrong)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Nothing was changed." in result.output
    assert directory_state(app) == before


def test_pcd2_alone_is_enough(app, runner, tmp_path):
    only = write_csv(tmp_path / "pcd2.csv", ["pcd2", "oslaua"], [["CW7  2UA", "E06000050"]])
    assert runner.invoke(args=["postcodes", "import", str(only)]).exit_code == 0
    assert directory_state(app)[0] == {"CW7 2UA": "E06000050"}


def test_a_file_that_is_not_text_is_refused_midway_and_nothing_changes(app, runner, tmp_path):
    import_sample(runner)
    before = directory_state(app)
    broken = tmp_path / "broken.csv"
    lines = ["pcds,oslaua"] + [
        f"CW7 {n % 10}{chr(65 + n // 10 % 26)}{chr(65 + n // 260)},E06000050" for n in range(600)
    ]
    broken.write_bytes(("\n".join(lines) + "\n").encode() + b"CW7 9\xff\xfeZ,E06000050\n")
    result = runner.invoke(args=["postcodes", "import", str(broken), "--batch-size", "100"])
    assert result.exit_code == 1
    assert "broken.csv could not be read at line" in result.output
    assert directory_state(app) == before  # on SQLite, the batches already staged are emptied


def test_a_missing_file_is_refused(runner, tmp_path):
    result = runner.invoke(args=["postcodes", "import", str(tmp_path / "nowhere.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


# --- streaming -------------------------------------------------------------------------------


def generated_directory(path: Path, rows: int) -> Path:
    """An ONSPD-shaped file of `rows` distinct postcodes, written a line at a time."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["pcd", "pcd2", "pcds", "dointr", "doterm", "oscty", "oslaua", "lat", "long"])
        for n in range(rows):
            district = f"CW{n // 4000 + 1}"
            inward = f"{n % 10}{letters[n // 10 % 20]}{letters[n // 200 % 20]}"
            postcode = f"{district} {inward}"
            writer.writerow(
                [postcode, postcode, postcode, "198001", "", "E99999999", "E06000050", "53.1", "-2.5"]
            )
    return path


def test_the_import_reads_the_file_in_batches(app, transaction, tmp_path, monkeypatch):
    """Rows are pulled from the file only as each batch is written: never more than one batch
    is held."""
    path = generated_directory(tmp_path / "big.csv", 10_000)
    pulled = [0]
    original = importer.directory_rows

    def counting_rows(*args):
        for row in original(*args):
            pulled[0] += 1
            yield row

    monkeypatch.setattr(importer, "directory_rows", counting_rows)
    seen: list[tuple[int, int]] = []
    with app.app_context():
        record = import_directory(
            path, batch_size=1_000, progress=lambda written: seen.append((written, pulled[0]))
        )
    assert record.row_count == 10_000
    assert seen == [(n, n) for n in range(1_000, 10_001, 1_000)]


def test_the_import_runs_in_constant_memory(app, transaction, tmp_path):
    """200,000 rows (about 20 MB of CSV, well over 40 MB as Python rows) in batches of 5,000: the
    import's Python allocations peak at a few megabytes."""
    path = generated_directory(tmp_path / "big.csv", 200_000)
    with app.app_context():
        tracemalloc.start()
        try:
            record = import_directory(path, batch_size=5_000)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert record.row_count == 200_000
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MB"


# --- committed for real ----------------------------------------------------------------------


def test_an_import_leaves_the_schema_as_the_migrations_made_it(fresh_app):
    runner = fresh_app.test_cli_runner()
    for _ in range(2):  # the second swap renames the table the first one made
        result = runner.invoke(args=["postcodes", "import", str(SAMPLE)])
        assert result.exit_code == 0, result.output
    run_alembic_check(fresh_app)
    with fresh_app.app_context():
        assert set(sa.inspect(db.engine).get_table_names()) >= {"postcodes", "postcodes_staging"}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Postcode)) == SAMPLE_LIVE_ROWS


def test_readers_keep_answering_while_an_import_swaps_the_directory_in(fresh_app, tmp_path):
    """A reader looks a postcode up in a loop while a 30,000-row import replaces the directory:
    every lookup answers, from the old directory until the swap and from the new one after."""
    old = generated_directory(tmp_path / "old.csv", 30_000)
    new = tmp_path / "new.csv"
    new.write_text(old.read_text().replace("E06000050", "E06000049"))
    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["postcodes", "import", str(old)]).exit_code == 0

    answers: list[str] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        with fresh_app.test_request_context("/"):  # a GET: SQLite reads begin a plain transaction
            try:
                while not stop.is_set():
                    answers.append(lookup_postcode("CW1 0AA").authorities[0][0])
                    db.session.rollback()  # end the read, as each request does
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    reader = threading.Thread(target=read)
    reader.start()
    try:
        result = runner.invoke(args=["postcodes", "import", str(new), "--batch-size", "1000"])
        during = len(answers)
        deadline = time.monotonic() + 10
        while len(answers) < during + 5 and not errors and time.monotonic() < deadline:
            time.sleep(0.01)  # a few lookups after the import too
    finally:
        stop.set()
        reader.join(30)
    assert result.exit_code == 0, result.output
    assert not errors, errors
    assert during > 10
    # Old answers, then new ones: never a gap, never back.
    flip = answers.index("E06000049")
    assert set(answers[:flip]) == {"E06000050"}
    assert set(answers[flip:]) == {"E06000049"}


def test_a_second_import_at_the_same_time_is_refused(fresh_app, database_kind):
    if database_kind != "postgresql":
        pytest.skip(
            "SQLite allows one writer at a time anyway; the lock guards PostgreSQL's one-transaction load"
        )
    with fresh_app.app_context():
        engine = db.engine
    with engine.connect() as other, other.begin():
        other.exec_driver_sql("LOCK TABLE postcodes_staging IN ACCESS EXCLUSIVE MODE")
        result = fresh_app.test_cli_runner().invoke(args=["postcodes", "import", str(SAMPLE)])
    assert result.exit_code == 1
    assert "Another postcode import is running. Nothing was changed." in result.output
    assert directory_state(fresh_app)[0] == {}


def test_a_reader_holding_the_directory_too_long_makes_the_import_give_up(
    fresh_app, database_kind, monkeypatch
):
    if database_kind != "postgresql":
        pytest.skip("on SQLite in WAL mode readers never hold up the swap")
    monkeypatch.setattr(staging, "LOCK_TIMEOUT", "50ms")
    monkeypatch.setattr(staging, "LOCK_ATTEMPTS", 2)
    monkeypatch.setattr(staging.time, "sleep", lambda _seconds: None)
    with fresh_app.app_context():
        engine = db.engine
    with engine.connect() as other, other.begin():
        other.execute(sa.select(Postcode).limit(1)).all()  # holds its lock until the transaction ends
        result = fresh_app.test_cli_runner().invoke(args=["postcodes", "import", str(SAMPLE)])
    assert result.exit_code == 1
    assert "The postcode directory stayed busy" in result.output
    assert directory_state(fresh_app) == ({}, 0, 0)


def test_import_directory_raises_import_refused(app, transaction, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with app.app_context(), pytest.raises(ImportRefused, match=r"empty\.csv is empty"):
        import_directory(empty)
