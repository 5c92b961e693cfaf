"""The table rows of the busiest lists, written in Python rather than in a Jinja loop.

Why: a list page shows 25 rows, and each row's expressions cost a Jinja loop about 25
microseconds a row (the attribute look-ups, filters and escaping of each cell), a quarter of an
officer list's time; written here a row costs about 5. Every value is escaped, as autoescaping
would; the markup is the GOV.UK table's, as the templates wrote it, and the templates still own
the table around the rows. `link` is a list's URL pattern from portal.pagination.row_link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from flask import current_app
from jinja2.filters import do_truncate
from markupsafe import Markup

from portal.organisations.rules import LOCAL_STATUS_WORDS
from portal.time import london_datetime

# Who acted, where no account did.
SYSTEM_ACTORS = {"cli": "Command line", "system": "The portal"}


def _escape(value: object) -> str:
    """As markupsafe's escape (the same five entities; Markup kept as it is), returning a str: a
    list writes some 250 cells, and making a Markup of each cost half the rows' time."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return (
        str(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


def _markup(rows: Iterable[str]) -> Markup:
    # Safe: every value in the rows is escaped by the writer that made it.
    return Markup("".join(rows))  # noqa: S704  # nosec B704


def _hrefs(link: tuple[str, str]):
    """Each row's link from the list's URL pattern, escaped once."""
    before, after = _escape(link[0]), _escape(link[1])
    return lambda row_id: f"{before}{int(row_id)}{after}"


def _truncated(text: str, length: int) -> str:
    """As the templates' `truncate(length)` filter (the same leeway and ellipsis)."""
    return do_truncate(current_app.jinja_env, text, length)


def outbox(messages: Iterable, link: tuple[str, str], state_tags: Mapping) -> Markup:
    href = _hrefs(link)
    return _markup(
        '\n            <tr class="govuk-table__row">'
        f'\n              <td class="govuk-table__cell"><a class="govuk-link" href="{href(m.id)}">'
        f"{_escape(m.subject)}</a><br>"
        f'<span class="govuk-body-s">Queued {_escape(london_datetime(m.created_at))}</span></td>'
        '\n              <td class="govuk-table__cell govuk-body-s portal-break-anywhere">'
        f"{_escape(', '.join(m.recipients))}</td>"
        f'\n              <td class="govuk-table__cell">{state_tags[m.state]}'
        + (
            f'<br><span class="govuk-body-s">{_escape(_truncated(m.last_error, 80))}</span>'
            if m.last_error
            else ""
        )
        + "</td>"
        f'\n              <td class="govuk-table__cell govuk-table__cell--numeric">{_escape(m.attempts)}</td>'
        "\n            </tr>"
        for m in messages
    )


def _detail(value: object) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def audit(entries: Iterable, record_labels: Mapping[str, str]) -> Markup:
    def who(entry) -> str:
        if entry.actor_email:
            return f"{_escape(entry.actor_name)}<br>{_escape(entry.actor_email)}"
        return _escape(SYSTEM_ACTORS.get(entry.actor_kind) or str(entry.actor_kind).capitalize())

    return _markup(
        '\n            <tr class="govuk-table__row">'
        f'\n              <td class="govuk-table__cell govuk-body-s">{_escape(london_datetime(e.occurred_at))}</td>'
        f'\n              <td class="govuk-table__cell govuk-body-s">{who(e)}</td>'
        f'\n              <td class="govuk-table__cell govuk-body-s">{_escape(e.action)}'
        + "".join(
            f"<br>{_escape(str(key).replace('_', ' '))}: {_escape(_detail(value))}"
            for key, value in (e.details or {}).items()
        )
        + "</td>"
        f'\n              <td class="govuk-table__cell govuk-body-s">'
        f"{_escape(record_labels.get(e.record_type, e.record_type))} {_escape(e.record_id)}</td>"
        "\n            </tr>"
        for e in entries
    )


def organisations(organisations: Iterable, link: tuple[str, str]) -> Markup:
    def registered(org) -> str:
        if org.registered_at:
            return f"Registered {_escape(london_datetime(org.registered_at))}"
        return '<strong class="govuk-tag govuk-tag--grey">In progress</strong>'

    href = _hrefs(link)
    return _markup(
        '\n            <tr class="govuk-table__row">'
        f'\n              <td class="govuk-table__cell"><a class="govuk-link" href="{href(org.id)}">'
        f"{_escape(org.name)}</a>"
        + (
            f'<br><span class="govuk-body-s">Company {_escape(org.companies_house_number)}</span>'
            if org.companies_house_number
            else ""
        )
        + "</td>"
        f'\n              <td class="govuk-table__cell">'
        f"{_escape(LOCAL_STATUS_WORDS.get(org.local_status.value if org.local_status else '', 'Not known'))}</td>"
        f'\n              <td class="govuk-table__cell">{registered(org)}</td>'
        "\n            </tr>"
        for org in organisations
    )


def _offer_row(href: str, title: str, detail: str, tag: Markup) -> str:
    """An offer's row: its link (`title`, escaped) and a line under it (`detail`, escaped), and
    its state's tag."""
    return (
        '\n          <tr class="govuk-table__row">'
        f'\n            <td class="govuk-table__cell"><a class="govuk-link" href="{href}">{title}</a><br>'
        f'<span class="govuk-body-s">{detail}</span></td>'
        f'\n            <td class="govuk-table__cell">{tag}</td>'
        "\n          </tr>"
    )


def offer_queue(offers: Iterable, link: tuple[str, str], state_tags: Mapping) -> Markup:
    """The officers' queue of social value offers."""
    href = _hrefs(link)
    return _markup(
        _offer_row(
            href(o.id),
            _escape(o.organisation_name),
            f"{_escape(o.theme_name)}: {_escape(o.measure_name)}; "
            f"in the queue since {_escape(london_datetime(o.queued_at))}"
            + (f"; with {_escape(o.reviewer_name)}" if o.reviewer_name else ""),
            state_tags[o.state],
        )
        for o in offers
    )


def organisation_offers(offers: Iterable, link: tuple[str, str], state_tags: Mapping) -> Markup:
    """An organisation's own social value offers."""
    href = _hrefs(link)
    return _markup(
        _offer_row(
            href(o.id),
            (f"{_escape(o.theme_name)}: " if o.theme_name else "")
            + _escape(_truncated(o.description or "Draft offer", 80)),
            f"Started {_escape(london_datetime(o.created_at))}"
            + (f"; {_escape(o.measure_name)}" if o.measure_name else ""),
            state_tags[o.state],
        )
        for o in offers
    )


def summary_rows(rows: Iterable[tuple[str, object]], change_url: str = "") -> Markup:
    """A GOV.UK summary list's rows, "Not given" for an empty answer; each with a change link to
    `change_url` if one is given ("check your answers" has about forty)."""
    no_actions = "" if change_url else " govuk-summary-list__row--no-actions"
    href = _escape(change_url)

    def action(label: str) -> str:
        if not change_url:
            return ""
        return (
            f'\n          <dd class="govuk-summary-list__actions"><a class="govuk-link" href="{href}">'
            f'Change<span class="govuk-visually-hidden"> {_escape(str(label).lower())}</span></a></dd>'
        )

    return _markup(
        f'\n        <div class="govuk-summary-list__row{no_actions}">'
        f'\n          <dt class="govuk-summary-list__key">{_escape(label)}</dt>'
        f'\n          <dd class="govuk-summary-list__value">'
        f"{_escape('Not given' if value is None or value == '' else value)}</dd>"
        + action(label)
        + "\n        </div>"
        for label, value in rows
    )


def opportunity_results(
    items: Iterable, link: tuple[str, str], procedures: Mapping, now: datetime, gbp: Callable[[object], str]
) -> Markup:
    """The public opportunities list's results (portal/opportunities/queries.py's rows)."""

    def closing(item) -> str:
        if item.closed_at:
            return f"Closed early on {_escape(london_datetime(item.closed_at))}"
        closed = item.state == "closed" or item.closes_at <= now
        return f"{'Closed' if closed else 'Closes'} {_escape(london_datetime(item.closes_at))}"

    href = _hrefs(link)
    return _markup(
        '\n          <li class="portal-result">'
        f'\n            <h3 class="govuk-heading-s govuk-!-margin-bottom-1"><a class="govuk-link" href="{href(item.id)}">'
        f"{_escape(item.title)}</a></h3>"
        f'\n            <p class="govuk-body-s govuk-!-margin-bottom-1">{_escape(item.reference)} · {_escape(item.category)}</p>'
        f'\n            <p class="govuk-body-s govuk-!-margin-bottom-1">{_escape(_truncated(item.summary, 200))}</p>'
        f'\n            <p class="govuk-body-s govuk-!-margin-bottom-1"><strong>{_escape(gbp(item.value_ex_vat))}</strong>'
        f" excluding VAT · {_escape(procedures[item.procedure])}</p>"
        f'\n            <p class="govuk-body-s govuk-!-margin-bottom-1">{closing(item)}</p>'
        + (
            '\n            <strong class="govuk-tag govuk-tag--green">Suitable for SMEs</strong>'
            if item.suitable_sme
            else ""
        )
        + (
            '\n            <strong class="govuk-tag govuk-tag--turquoise">Suitable for VCSEs</strong>'
            if item.suitable_vcse
            else ""
        )
        + "\n          </li>"
        for item in items
    )
