"""The risk rules: the shipped file, every rule at its boundary, the bands, and the checks that
refuse a rules file the portal could not apply. Pure functions: no database."""

from __future__ import annotations

import copy
import tomllib

import pytest

from portal.due_diligence.rules import (
    QUESTIONS,
    Region,
    RiskRating,
    RulesError,
    Sector,
    assess,
    load_rules,
    parse_rules,
)
from portal.due_diligence.services import RULES_FILE

RULES = load_rules(RULES_FILE)
with open(RULES_FILE, "rb") as file:
    RAW = tomllib.load(file)

HIGHER_RISK_SECTORS = {
    Sector.CONSTRUCTION,
    Sector.CLEANING,
    Sector.SECURITY,
    Sector.TEXTILES,
    Sector.AGRICULTURE_FOOD,
    Sector.ELECTRONICS,
    Sector.LOGISTICS,
    Sector.WASTE,
    Sector.HOSPITALITY,
}
HIGHER_RISK_REGIONS = {
    Region.OTHER_EUROPE,
    Region.ASIA,
    Region.MIDDLE_EAST_NORTH_AFRICA,
    Region.AFRICA,
    Region.LATIN_AMERICA,
    Region.UNKNOWN,
}
ALL_CHECKS = ["glaa", "pay_direct", "documents"]
# Every answer at its lowest risk: no rule applies.
CLEAN = {
    "sector": "professional_services",
    "sourcing": ["uk"],
    "agency_labour": "no",
    "agency_checks": [],
    "social_audits": ["none"],
    "grievance_route": "yes",
    "training": "yes",
    "profile_sedex": "no",
    "profile_statement": "no",
}


def raised(**changes) -> list[str]:
    return [rule.id for rule in assess(RULES, {**CLEAN, **changes}).raised]


def test_the_shipped_rules_load_with_their_bands_and_every_rule_explained():
    assert RULES.version == 1
    assert (RULES.medium_from, RULES.high_from) == (3, 5)
    assert [(rule.id, rule.points) for rule in RULES.rules] == [
        ("higher-risk-sector", 2),
        ("higher-risk-sourcing", 2),
        ("agency-labour", 1),
        ("agency-licence-not-checked", 1),
        ("agency-pay-not-checked", 1),
        ("agency-documents-not-checked", 1),
        ("no-independent-evidence", 1),
        ("no-grievance-route", 1),
        ("no-training", 1),
    ]
    for rule in RULES.rules:
        assert len(rule.title) < 90 and rule.why and rule.lower, rule.id
    assert RULES.band_ranges() == [
        (RiskRating.LOW, "0 to 2 points"),
        (RiskRating.MEDIUM, "3 to 4 points"),
        (RiskRating.HIGH, "5 points or more"),
    ]


def test_the_cleanest_answers_raise_nothing_and_rate_low():
    assessment = assess(RULES, CLEAN)
    assert (assessment.rating, assessment.score, assessment.raised) == (RiskRating.LOW, 0, ())
    assert assessment.advice == [] and assessment.points_to_lower is None


@pytest.mark.parametrize(
    ("score", "rating"),
    [(0, "low"), (2, "low"), (3, "medium"), (4, "medium"), (5, "high"), (9, "high")],
)
def test_the_bands_at_their_boundaries(score, rating):
    assert RULES.rating_for(score) == RiskRating(rating)


@pytest.mark.parametrize("sector", list(Sector))
def test_the_sector_rule_applies_to_exactly_the_higher_risk_sectors(sector):
    # A higher-risk sector with no social audit also lacks independent evidence.
    expected = ["higher-risk-sector", "no-independent-evidence"] if sector in HIGHER_RISK_SECTORS else []
    assert raised(sector=sector.value) == expected


@pytest.mark.parametrize("region", [region for region in Region if region != Region.SERVICES_ONLY])
def test_the_sourcing_rule_applies_to_any_higher_risk_region_among_several(region):
    expected = ["higher-risk-sourcing", "no-independent-evidence"] if region in HIGHER_RISK_REGIONS else []
    assert raised(sourcing=[region.value]) == expected
    assert raised(sourcing=["uk", "eea", region.value]) == expected


def test_services_only_raises_no_sourcing_risk():
    assert raised(sourcing=["services_only"]) == []


def test_agency_labour_with_every_check_raises_one_point():
    assert raised(agency_labour="yes", agency_checks=ALL_CHECKS) == ["agency-labour"]
    assert raised(agency_labour="no", agency_checks=[]) == []


@pytest.mark.parametrize(
    ("missing", "rule"),
    [
        ("glaa", "agency-licence-not-checked"),
        ("pay_direct", "agency-pay-not-checked"),
        ("documents", "agency-documents-not-checked"),
    ],
)
def test_each_missing_agency_check_raises_its_own_point(missing, rule):
    checks = [check for check in ALL_CHECKS if check != missing]
    assert raised(agency_labour="yes", agency_checks=checks) == ["agency-labour", rule]


def test_agency_labour_with_no_checks_raises_four_points_and_a_medium_rating():
    assessment = assess(RULES, {**CLEAN, "agency_labour": "yes", "agency_checks": ["none"]})
    assert (assessment.score, assessment.rating) == (4, RiskRating.MEDIUM)


@pytest.mark.parametrize(
    "evidence",
    [
        {"social_audits": ["smeta"]},
        {"social_audits": ["sa8000"]},
        {"social_audits": ["amfori_bsci"]},
        {"social_audits": ["other"]},
        {"profile_sedex": "yes"},
        {"profile_statement": "yes"},
    ],
)
def test_an_audit_sedex_or_a_statement_takes_away_the_evidence_point(evidence):
    assert raised(sector="construction") == ["higher-risk-sector", "no-independent-evidence"]
    assert raised(sector="construction", **evidence) == ["higher-risk-sector"]


def test_the_evidence_rule_is_not_asked_of_lower_inherent_risk():
    assert raised(social_audits=["none"], sourcing=["uk"], sector="digital_software") == []


def test_the_grievance_and_training_rules():
    assert raised(grievance_route="no") == ["no-grievance-route"]
    assert raised(training="no") == ["no-training"]
    assert raised(training="some") == []


@pytest.mark.parametrize(
    ("changes", "score", "rating", "to_lower"),
    [
        ({"grievance_route": "no", "training": "no"}, 2, "low", None),
        ({"sector": "security", "social_audits": ["smeta"], "training": "no"}, 3, "medium", 1),
        ({"sector": "security", "training": "no"}, 4, "medium", 2),
        (
            {"sector": "security", "sourcing": ["asia"], "social_audits": ["smeta"], "training": "no"},
            5,
            "high",
            1,
        ),
        ({"sector": "security", "sourcing": ["unknown"]}, 5, "high", 1),
        ({"sector": "security", "sourcing": ["asia"], "grievance_route": "no"}, 6, "high", 2),
    ],
)
def test_scores_either_side_of_each_band(changes, score, rating, to_lower):
    assessment = assess(RULES, {**CLEAN, **changes})
    assert (assessment.score, assessment.rating.value, assessment.points_to_lower) == (
        score,
        rating,
        to_lower,
    )


def test_the_advice_is_each_raising_rules_once_in_order():
    assessment = assess(RULES, {**CLEAN, "sector": "security", "grievance_route": "no"})
    assert assessment.advice == [rule.lower for rule in assessment.raised]
    assert len(assessment.advice) == 3


def test_a_missing_answer_matches_no_condition():
    assert [rule.id for rule in assess(RULES, {}).raised] == []


# --- a rules file the portal refuses -----------------------------------------------------------


def broken(change) -> dict:
    data = copy.deepcopy(RAW)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["bands"].update(medium_from=5), "0 < medium_from < high_from"),
        (lambda d: d["bands"].update(medium_from=0), "0 < medium_from < high_from"),
        (lambda d: d["bands"].pop("high_from"), "0 < medium_from < high_from"),
        (lambda d: d.update(version="one"), "version"),
        (lambda d: d.update(rules=[]), "no [[rules]]"),
        (
            lambda d: d["rules"][0]["when"].update(favourite_colour=["red"]),
            "no question named 'favourite_colour'",
        ),
        (lambda d: d["rules"][0]["when"].update(sector=["space_tourism"]), "no value 'space_tourism'"),
        (lambda d: d["rules"][0]["when"].update(sector=[]), "at least one value"),
        (lambda d: d["rules"][0].update(when="sector"), "table of answer"),
        (lambda d: d["rules"][1].update(id="higher-risk-sector"), "used twice"),
        (lambda d: d["rules"][0].update(points=0), "above 0"),
        (lambda d: d["rules"][0].update(points=True), "above 0"),
        (lambda d: d["rules"][0].update(points=1.5), "above 0"),
        (lambda d: d["rules"][0].update(why=" "), "why must be some text"),
        (lambda d: d["rules"][0].pop("lower"), "lower must be some text"),
        (lambda d: d["rules"][0].update(whenever={}), "unknown keys"),
        (lambda d: d["rules"][0].update(after_any=["no-training"]), "listed before it"),
        (lambda d: d["rules"][0].pop("when"), "at least one condition"),
    ],
)
def test_a_rules_file_with_a_mistake_is_refused_naming_it(change, message):
    with pytest.raises(RulesError, match=message.replace("[", r"\[").replace("(", r"\(")):
        parse_rules(broken(change))


def test_a_file_that_is_not_toml_is_refused(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("version = [unclosed")
    with pytest.raises(RulesError, match=r"rules\.toml"):
        load_rules(path)


def test_every_question_the_rules_read_is_one_the_portal_asks_or_reads():
    named = {
        name for rule in RULES.rules for clause in (rule.when, rule.when_any, rule.unless) for name in clause
    }
    assert named <= QUESTIONS.keys()
