"""The postcode district table, seeded from data/cheshire-postcode-districts.csv."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.postcodes import seed as postcode_seed
from portal.postcodes.models import ForceArea, PostcodeDistrict
from portal.postcodes.seed import authority_codes, seed_postcode_districts
from portal.seed import SEED_STEPS


def test_the_step_is_registered_for_flask_seed():
    assert SEED_STEPS["postcode districts"] is seed_postcode_districts


def test_the_seed_loads_every_district_once_with_authority_codes(app, transaction):
    with app.app_context():
        db.session.execute(sa.delete(PostcodeDistrict))
        assert seed_postcode_districts() == "39 added, 0 updated"
        db.session.commit()
        assert seed_postcode_districts() == "0 added, 0 updated"
        rows = {row.district: row for row in db.session.scalars(sa.select(PostcodeDistrict))}
    assert len(rows) == 39
    assert (rows["CW7"].force_area, rows["CW7"].authorities) == (ForceArea.INSIDE, "E06000050")
    assert rows["CW4"].authority_codes == ("E06000049", "E06000050")
    assert (rows["WA7"].force_area, rows["WA7"].authority_codes) == (
        ForceArea.UNCONFIRMED,
        ("E06000006", "E06000050"),
    )
    assert (rows["L24"].force_area, rows["L24"].authority_codes) == (ForceArea.PARTLY, ("E06000006",))
    counts = {area: sum(1 for row in rows.values() if row.force_area == area) for area in ForceArea}
    assert counts == {ForceArea.INSIDE: 19, ForceArea.UNCONFIRMED: 8, ForceArea.PARTLY: 12}


def test_a_change_in_the_file_updates_the_row(app, transaction):
    with app.app_context():
        seed_postcode_districts()
        db.session.get(PostcodeDistrict, "CH1").force_area = ForceArea.INSIDE
        db.session.commit()
        assert seed_postcode_districts() == "0 added, 1 updated"
        assert db.session.get(PostcodeDistrict, "CH1").force_area == ForceArea.PARTLY


def test_an_authority_outside_the_force_area_is_refused(app, transaction, monkeypatch):
    assert authority_codes("Halton; Warrington", "WA4") == "E06000006;E06000007"
    with pytest.raises(ValueError, match="WA99 names 'Wirral', which is not a force-area authority"):
        authority_codes("Halton; Wirral", "WA99")
    monkeypatch.setattr(
        postcode_seed,
        "read_csv",
        lambda _name: iter([{"district": "CW7", "force_area": "nearby", "authorities_inside": "Halton"}]),
    )
    with app.app_context(), pytest.raises(ValueError, match="'nearby' is not a valid ForceArea"):
        postcode_seed.seed_postcode_districts()
