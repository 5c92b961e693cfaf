"""Modern slavery due diligence: a short questionnaire an organisation answers, rated low,
medium or high by the documented rules in data/due-diligence-rules.toml, and the follow-ups
officers record.

The area owns no blueprint: the supplier's pages (`views`) register on the organisations
blueprint (/organisation/due-diligence), the officers' pages (`officer_views`) on the officers
blueprint (/officer/due-diligence), so each inherits that blueprint's access rule.
"""
