"""The due diligence risk rules, as pure functions over data.

The rules themselves (points, bands, why each is there, what would lower it) live in
data/due-diligence-rules.toml; `parse_rules` checks that file against the questions below and
`assess` applies it to one organisation's answers. No database, no request: the caller passes
the loaded rules and the answers (with the profile facts the rules read, as pseudo-answers).
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class Sector(enum.StrEnum):
    CONSTRUCTION = "construction"
    CLEANING = "cleaning_facilities"
    SECURITY = "security"
    TEXTILES = "textiles_uniforms"
    AGRICULTURE_FOOD = "agriculture_food"
    ELECTRONICS = "electronics"
    LOGISTICS = "logistics_vehicles"
    WASTE = "waste_recycling"
    HOSPITALITY = "hospitality"
    PROFESSIONAL = "professional_services"
    DIGITAL = "digital_software"
    OTHER = "other"


class Region(enum.StrEnum):
    """Where goods are made or sourced, in broad regions; or services only."""

    UK = "uk"
    EEA = "eea"
    NORTH_AMERICA_OCEANIA = "north_america_oceania"
    OTHER_EUROPE = "other_europe"
    ASIA = "asia"
    MIDDLE_EAST_NORTH_AFRICA = "middle_east_north_africa"
    AFRICA = "africa"
    LATIN_AMERICA = "latin_america"
    UNKNOWN = "unknown"
    SERVICES_ONLY = "services_only"


class AgencyCheck(enum.StrEnum):
    GLAA = "glaa"
    PAY_DIRECT = "pay_direct"
    DOCUMENTS = "documents"
    NONE = "none"


class SocialAudit(enum.StrEnum):
    SMETA = "smeta"
    SA8000 = "sa8000"
    AMFORI_BSCI = "amfori_bsci"
    OTHER = "other"
    NONE = "none"


class Training(enum.StrEnum):
    YES = "yes"
    SOME = "some"
    NO = "no"


class RiskRating(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


# Ordering for the officers' list (highest first); stored beside the rating, tied to it by a
# check constraint.
RANK = {RiskRating.LOW: 1, RiskRating.MEDIUM: 2, RiskRating.HIGH: 3}

YES_NO = ("yes", "no")
# Every answer a rule may read, with the values it can take. The profile facts are answers too,
# read from the organisation's profile rather than asked again.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "sector": tuple(Sector),
    "sourcing": tuple(Region),
    "agency_labour": YES_NO,
    "agency_checks": tuple(AgencyCheck),
    "social_audits": tuple(SocialAudit),
    "grievance_route": YES_NO,
    "training": tuple(Training),
    "profile_sedex": YES_NO,
    "profile_statement": YES_NO,
}

Answer = str | Collection[str]
Answers = Mapping[str, Answer]
Clause = Mapping[str, frozenset[str]]


# The keys a [[rules]] entry may have, and those of them that hold a clause.
RULE_KEYS = frozenset({"id", "title", "points", "why", "lower", "when", "when_any", "unless", "after_any"})
CLAUSES = ("when", "when_any", "unless")


class RulesError(ValueError):
    """The rules file is not one the portal can apply."""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # what the supplier is told raised the rating
    points: int
    why: str
    lower: str  # what would lower it
    when: Clause  # every answer named matches
    when_any: Clause  # at least one matches (no clause: always)
    unless: Clause  # none matches
    after_any: tuple[str, ...]  # applies only if one of these earlier rules applied

    def applies(self, answers: Answers, applied: Collection[str]) -> bool:
        if self.after_any and not any(rule_id in applied for rule_id in self.after_any):
            return False
        when_any = not self.when_any or _any_matches(answers, self.when_any)
        return _all_match(answers, self.when) and when_any and not _any_matches(answers, self.unless)


def _all_match(answers: Answers, clause: Clause) -> bool:
    return all(_matches(answers, name, values) for name, values in clause.items())


def _any_matches(answers: Answers, clause: Clause) -> bool:
    return any(_matches(answers, name, values) for name, values in clause.items())


def _matches(answers: Answers, name: str, values: frozenset[str]) -> bool:
    """A one-value answer matches if it is listed; a several-value answer if any chosen value is."""
    answer = answers.get(name)
    if answer is None:
        return False
    chosen = {answer} if isinstance(answer, str) else set(answer)
    return bool(chosen & values)


@dataclass(frozen=True)
class Rules:
    version: int
    medium_from: int  # the fewest points rated medium
    high_from: int  # the fewest points rated high
    rules: tuple[Rule, ...]

    def rating_for(self, score: int) -> RiskRating:
        if score >= self.high_from:
            return RiskRating.HIGH
        if score >= self.medium_from:
            return RiskRating.MEDIUM
        return RiskRating.LOW

    def band_ranges(self) -> list[tuple[RiskRating, str]]:
        """Each rating with its points in words, for the page that explains the rules."""
        return [
            (RiskRating.LOW, f"0 to {self.medium_from - 1} points"),
            (RiskRating.MEDIUM, f"{self.medium_from} to {self.high_from - 1} points"),
            (RiskRating.HIGH, f"{self.high_from} points or more"),
        ]

    def by_id(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)


@dataclass(frozen=True)
class Assessment:
    rating: RiskRating
    score: int
    raised: tuple[Rule, ...]  # the rules that applied, in the file's order
    points_to_lower: int | None  # fewer points that would give the next lower rating

    @property
    def advice(self) -> list[str]:
        """What would lower the rating: each applied rule's advice, once."""
        return list(dict.fromkeys(rule.lower for rule in self.raised))


def assess(rules: Rules, answers: Answers) -> Assessment:
    """Apply the rules in order; a rule may depend on earlier ones (`after_any`)."""
    applied = _applied(rules, answers)
    score = sum(rule.points for rule in applied)
    rating = rules.rating_for(score)
    return Assessment(
        rating=rating, score=score, raised=applied, points_to_lower=_points_to_lower(rules, rating, score)
    )


def _applied(rules: Rules, answers: Answers) -> tuple[Rule, ...]:
    """The rules that apply to the answers, in the file's order."""
    applied: list[Rule] = []
    for rule in rules.rules:
        if rule.applies(answers, {done.id for done in applied}):
            applied.append(rule)
    return tuple(applied)


def _points_to_lower(rules: Rules, rating: RiskRating, score: int) -> int | None:
    """How many points fewer would give the next lower rating; None for a low rating."""
    lower_bound = {RiskRating.HIGH: rules.high_from, RiskRating.MEDIUM: rules.medium_from}.get(rating)
    return None if lower_bound is None else score - lower_bound + 1


# --- reading the file -------------------------------------------------------------------------


def load_rules(path: str | Path) -> Rules:
    with open(path, "rb") as file:
        try:
            return parse_rules(tomllib.load(file))
        except tomllib.TOMLDecodeError as error:
            raise RulesError(f"{path}: {error}") from None


def parse_rules(data: Mapping[str, Any]) -> Rules:
    """Check and build the rules. :raise RulesError: naming what is wrong."""
    medium_from, high_from = _parse_bands(data.get("bands", {}))
    version = _parse_version(data.get("version"))
    rules = _parse_rule_list(data.get("rules", []))
    return Rules(version=version, medium_from=medium_from, high_from=high_from, rules=rules)


def _parse_bands(bands: Mapping[str, Any]) -> tuple[int, int]:
    medium_from, high_from = bands.get("medium_from"), bands.get("high_from")
    if not (_is_int(medium_from) and _is_int(high_from) and 0 < medium_from < high_from):
        raise RulesError(
            "bands: medium_from and high_from must be whole numbers, 0 < medium_from < high_from"
        )
    return medium_from, high_from


def _parse_version(version: Any) -> int:
    if not _is_int(version):
        raise RulesError("version must be a whole number")
    return version


def _parse_rule_list(entries: list[Any]) -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for number, entry in enumerate(entries, start=1):
        rules.append(_parse_rule(entry, number, {rule.id for rule in rules}))
    if not rules:
        raise RulesError("there are no [[rules]]")
    return tuple(rules)


def _parse_rule(entry: Mapping[str, Any], number: int, earlier: set[str]) -> Rule:
    """One [[rules]] entry. :raise RulesError: naming the rule and what is wrong."""
    where = f"rule {number} ({entry.get('id', 'no id')})"
    _check_rule_entry(entry, where, earlier)
    return Rule(id=entry["id"], points=entry["points"], **_rule_words(entry), **_conditions(entry, where))


def _conditions(entry: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The rule's clauses and the earlier rules it follows: at least one of them."""
    conditions: dict[str, Any] = {key: _parse_clause(entry.get(key, {}), f"{where} {key}") for key in CLAUSES}
    conditions["after_any"] = tuple(entry.get("after_any", ()))
    if not any(conditions.values()):
        raise RulesError(f"{where}: give at least one condition")
    return conditions


def _rule_words(entry: Mapping[str, Any]) -> dict[str, str]:
    """The rule's title, why and what would lower it, their white space made single spaces."""
    return {
        "title": entry["title"].strip(),
        "why": " ".join(entry["why"].split()),
        "lower": " ".join(entry["lower"].split()),
    }


def _check_rule_entry(entry: Mapping[str, Any], where: str, earlier: set[str]) -> None:
    """The entry's texts, id, points and keys, and that after_any names earlier rules only."""
    for key in ("id", "title", "why", "lower"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise RulesError(f"{where}: {key} must be some text")
    if entry["id"] in earlier:
        raise RulesError(f"{where}: the id is used twice")
    if not _is_int(entry.get("points")) or entry["points"] <= 0:
        raise RulesError(f"{where}: points must be a whole number above 0")
    if unknown := set(entry) - RULE_KEYS:
        raise RulesError(f"{where}: unknown keys {sorted(unknown)}")
    if any(rule_id not in earlier for rule_id in entry.get("after_any", ())):
        raise RulesError(f"{where}: after_any must name rules listed before it")


def _parse_clause(clause: Any, where: str) -> Clause:
    if not isinstance(clause, Mapping):
        raise RulesError(f"{where}: must be a table of answer = [values]")
    for name, values in clause.items():
        _check_answer_values(name, values, where)
    return {name: frozenset(values) for name, values in clause.items()}


def _check_answer_values(name: str, values: Any, where: str) -> None:
    if name not in QUESTIONS:
        raise RulesError(f"{where}: no question named {name!r}")
    if not isinstance(values, list) or not values:
        raise RulesError(f"{where}: {name} must list at least one value")
    if wrong := [value for value in values if value not in QUESTIONS[name]]:
        raise RulesError(f"{where}: {name} has no value {wrong[0]!r}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
