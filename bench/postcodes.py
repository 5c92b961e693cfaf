"""How long `flask postcodes import` takes on a full-size directory, and how much memory it needs.

Writes an ONSPD-layout CSV of about 2.7 million rows (52 columns named as ONSPD's, in postcode
order, a third of them terminated, 306,000 in the CW, WA, CH and SK areas; about 1.4 GB) to a
temporary folder, migrates a fresh database, runs the import in a subprocess and prints its wall time and
peak resident memory; then removes everything it made. Targets: under 3 minutes and 300 MB.

    .venv/bin/python bench/postcodes.py [--database sqlite|postgresql] [--rows 2700000]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DISTRICTS_CSV = ROOT / "data" / "cheshire-postcode-districts.csv"
POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_SECONDS = 180
TARGET_MB = 300

# The ONS Postcode Directory's columns, in its order.
HEADER = (
    "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,osnrth1m,osgrdind,"
    "oshlthau,nhser,ctry,rgn,streg,pcon,eer,teclec,ttwa,pct,itl,statsward,oa01,casward,npark,lsoa01,"
    "msoa01,ur01ind,oac01,oa11,lsoa11,msoa11,wz11,sicbl,bua24,ru11ind,oac11,lat,long,lep1,lep2,pfa,"
    "imd,calncv,icb,oa21,lsoa21,msoa21"
)
# Postcode areas of the UK (each is given a few to 40 districts below).
# fmt: off
AREAS = (
    "AB", "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB", "CF", "CM", "CO",
    "CR", "CT", "CV", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E", "EC", "EH", "EN", "EX",
    "FK", "FY", "G", "GL", "GU", "HA", "HD", "HG", "HP", "HR", "HS", "HU", "HX", "IG", "IP", "IV", "KA",
    "KT", "KW", "KY", "L", "LA", "LD", "LE", "LL", "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE",
    "NG", "NN", "NP", "NR", "NW", "OL", "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S",
    "SA", "SE", "SG", "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN",
    "TQ", "TR", "TS", "TW", "UB", "W", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
)
# fmt: on
CHESHIRE_AREAS = {"CW": 12, "WA": 16, "CH": 66, "SK": 23}  # areas the force area lies in
NAMES = {
    "Cheshire East": "E06000049",
    "Cheshire West and Chester": "E06000050",
    "Halton": "E06000006",
    "Warrington": "E06000007",
}
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def stable(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def district_authorities() -> dict[str, tuple[str, bool]]:
    """District -> (its first force-area authority, whether it straddles the boundary)."""
    with open(DISTRICTS_CSV, newline="", encoding="utf-8") as file:
        return {
            row["district"]: (
                NAMES[row["authorities_inside"].split(";")[0].strip()],
                row["force_area"] == "partly",
            )
            for row in csv.DictReader(file)
        }


def districts(rows: int) -> list[tuple[str, int]]:
    """(district, rows in it): Cheshire's areas dense, the rest of the UK spread evenly."""
    cheshire = [f"{area}{n}" for area, count in CHESHIRE_AREAS.items() for n in range(1, count + 1)]
    cheshire = [d for d in cheshire if not d.startswith("CH") or int(d[2:]) <= 8 or int(d[2:]) >= 41]
    elsewhere = [f"{area}{n}" for area in AREAS for n in range(1, 5 + stable(area) % 40)]
    per_cheshire = 3_600
    remaining = max(rows - per_cheshire * len(cheshire), 0)
    per_elsewhere, extra = divmod(remaining, len(elsewhere))
    plan = [(d, per_cheshire) for d in cheshire]
    plan += [(d, per_elsewhere + (1 if i < extra else 0)) for i, d in enumerate(elsewhere)]
    return sorted(
        plan,
        key=lambda item: (item[0].rstrip("0123456789"), int(item[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))),
    )


def tail(district: str, authority: str) -> str:
    """The columns after doterm, the same for a district's postcodes (as near enough in ONSPD)."""
    h = stable(district)
    country = {"E": "E92000001", "W": "W92000004", "S": "S92000003", "N": "N92000002"}[authority[0]]
    c = authority[0]
    values = [
        f"{c}99999999",
        f"{c}99999999",
        authority,
        f"{c}05{h % 999999:06d}",
        f"{c}43{h % 99999:06d}",
        "0",
        str(300000 + h % 300000),
        str(200000 + h % 700000),
        "1",
        f"{c}18{h % 999:06d}",
        f"{c}40{h % 9:06d}",
        country,
        f"{c}12{h % 9:06d}",
        "0",
        f"{c}14{h % 9999:06d}",
        f"{c}15{h % 9:06d}",
        "0",
        f"{c}30{h % 999:06d}",
        f"{c}16{h % 999:06d}",
        f"{c}08{h % 999:06d}",
        f"{h % 99:02d}UBGA",
        f"{c}00{h % 999999:06d}",
        f"{h % 99:02d}UBGA",
        f"{c}99999999",
        f"{c}01{h % 99999:06d}",
        f"{c}02{h % 9999:06d}",
        "5",
        "3B1",
        f"{c}00{h % 99999:06d}",
        f"{c}01{h % 99999:06d}",
        f"{c}02{h % 9999:06d}",
        f"{c}33{h % 99999:06d}",
        f"{c}38{h % 999:06d}",
        f"{c}63{h % 9999:06d}",
        "C1",
        "4B3",
    ]
    quoted = ",".join(f'"{v}"' for v in values)
    lat, long = 50 + (h % 8000) / 1000, -5 + (h % 6000) / 1000
    rest = [
        f"{c}37{h % 99:06d}",
        f"{c}99999999",
        f"{c}23{h % 43:06d}",
        str(h % 32844),
        f"{c}99999999",
        f"{c}54{h % 42:06d}",
        f"{c}00{h % 999999:06d}",
        f"{c}01{h % 99999:06d}",
        f"{c}02{h % 9999:06d}",
    ]
    return f"{quoted},{lat:.6f},{long:.6f}," + ",".join(f'"{v}"' for v in rest)


def lines(rows: int) -> Iterator[str]:
    cheshire = district_authorities()
    for district, count in districts(rows):
        if district in cheshire:
            home, partly = cheshire[district]
        else:
            home, partly = f"E0{6 + stable(district) % 3}{stable(district) % 999999:06d}", False
        if district.startswith(("LL", "SA", "CF", "NP", "LD")):
            home = f"W06{stable(district) % 99:06d}"
        elif district.startswith(
            ("AB", "DD", "EH", "FK", "G", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD", "ZE")
        ):
            home = f"S12{stable(district) % 99:06d}"
        elif district.startswith("BT"):
            home = f"N09{stable(district) % 11:06d}"
        neighbour = tail(district, f"E08{stable(district + 'n') % 99:06d}")
        own = tail(district, home)
        outward_pcd = district.ljust(4) if len(district) < 4 else district
        for n in range(count):
            sector, unit = divmod(n, 400)
            inward = f"{sector % 10}{UNIT_LETTERS[unit // 20]}{UNIT_LETTERS[unit % 20]}"
            h = stable(f"{district}{n}")
            terminated = h % 3 == 0  # about a third of ONSPD's rows are terminated postcodes
            introduced = f"{1980 + h % 40}{1 + h % 12:02d}"
            ended = f"{2000 + h % 24}{1 + h % 12:02d}" if terminated else ""
            columns = neighbour if partly and h % 4 == 0 else own
            yield (
                f'"{outward_pcd}{inward}","{district.ljust(5)}{inward}","{district} {inward}",'
                f'"{introduced}","{ended}",{columns}\n'
            )


def write_directory(path: Path, rows: int) -> int:
    written = 0
    with open(path, "w", encoding="ascii", newline="") as file:
        file.write(HEADER + "\n")
        for line in lines(rows):
            file.write(line)
            written += 1
    return written


def postgres_database() -> tuple[str, str]:
    import sqlalchemy as sa

    name = f"portal_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return name, POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(name: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def flask(database_url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PORTAL_CONFIG": "test", "TEST_DATABASE_URL": database_url}
    return subprocess.Popen(  # noqa: S603 (fixed arguments)
        [sys.executable, "-m", "flask", "--app", "portal:create_app", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_import(database_url: str, path: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and output of the import, measured on its own process."""
    upgrade = flask(database_url, "db", "upgrade")
    if upgrade.wait() != 0:
        raise RuntimeError(upgrade.stdout.read())
    started = time.perf_counter()
    process = flask(database_url, "postcodes", "import", str(path))
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(output)
    return elapsed, usage.ru_maxrss / 1024, output  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rows", type=int, default=2_700_000)
    args = parser.parse_args()
    print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]} on {os.cpu_count()} cores")
    folder = Path(tempfile.mkdtemp(prefix="portal-postcodes-bench-"))
    name = None
    try:
        path = folder / "ONSPD_BENCH_UK.csv"
        started = time.perf_counter()
        rows = write_directory(path, args.rows)
        print(
            f"wrote {rows:,} rows ({path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - started:.0f} s"
        )
        if args.database == "sqlite":
            database_url = f"sqlite:///{folder / 'bench.db'}"
        else:
            name, database_url = postgres_database()
        seconds, peak_mb, output = run_import(database_url, path)
        print(output.strip().splitlines()[-1])
        if args.database == "sqlite":
            print(f"database file: {(folder / 'bench.db').stat().st_size / 1e6:,.0f} MB")
        verdict = "meets" if seconds < TARGET_SECONDS and peak_mb < TARGET_MB else "MISSES"
        print(
            f"postcodes import, {args.database}: {rows:,} rows in {seconds:.1f} s, peak RSS {peak_mb:.0f} MB "
            f"({verdict} the targets of {TARGET_SECONDS} s and {TARGET_MB} MB; {time.strftime('%Y-%m-%d')})"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if name:
            drop_postgres_database(name)


if __name__ == "__main__":
    main()
