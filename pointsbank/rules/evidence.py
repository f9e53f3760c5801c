"""A rule's evidence is enforced: what each kind of award proves, and which rules it may pay under."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.errors import Invalid, Refused
from pointsbank.extensions import db
from pointsbank.rules.models import RuleVersion

# What an award proves -> the rule evidence it satisfies. check_in: an attended sign-up (activities);
# report / report_photo: an accepted report (with a photo); photo / witness: a coordinator's award with
# the photo or the witness attached; coordinator: the coordinator's word alone.
SATISFIES: dict[str, frozenset[str]] = {
    "check_in": frozenset({"check_in", "coordinator"}),
    "report": frozenset({"report", "coordinator"}),
    "report_photo": frozenset({"report", "photo", "coordinator"}),
    "photo": frozenset({"photo", "coordinator"}),
    "witness": frozenset({"witness", "coordinator"}),
    "coordinator": frozenset({"coordinator"}),
}
# The refusal when the rule's evidence is missing, by the rule's kind of evidence.
REFUSALS = {
    "check_in": (
        "rule_pays_from_activity",
        _l("This rule pays only for attending an activity: points come when the activity is confirmed."),
    ),
    "report": (
        "rule_pays_from_report",
        _l("This rule pays only for accepted reports: points come when the report is accepted."),
    ),
    "photo": ("photo_required", _l("This rule asks for a photo: attach one to the award.")),
    "witness": ("witness_required", _l("This rule asks for a witness: give the phone number of someone who saw it.")),
    "coordinator": ("evidence_mismatch", _l("This rule asks for other evidence.")),
}


def accepts(version: RuleVersion, given: str) -> bool:
    """True when evidence of kind `given` satisfies the version's evidence."""
    return version.evidence in SATISFIES.get(given, frozenset())


def check_evidence(version: RuleVersion, given: str) -> None:
    """Refuse an award whose evidence does not satisfy the rule (a stable code per kind of evidence)."""
    if not accepts(version, given):
        code, message = REFUSALS.get(version.evidence, REFUSALS["coordinator"])
        raise Refused(code, message, details={"evidence": version.evidence, "given": given})


def manual_evidence(version: RuleVersion, *, photo: str | None, witness_id: int | None, resident, actor) -> str:
    """What a coordinator's award proves: the photo or witness the rule asks for, else their word."""
    if version.evidence == "photo" and photo:
        return "photo"
    if version.evidence == "witness" and witness_id is not None:
        check_witness(witness_id, version.rule.community_id, resident=resident, actor=actor)
        return "witness"
    return "coordinator"


def check_witness(witness_id: int, community_id: int, *, resident, actor) -> None:
    """A witness is another active person of the community: not the resident, not the awarding coordinator."""
    from pointsbank.people.models import User

    witness = db.session.get(User, witness_id)
    if (
        witness is None
        or not witness.active
        or witness.id in (resident.id, actor.id)
        or (witness.community_id != community_id and community_id not in witness.coordinated_community_ids())
    ):
        raise Refused("invalid_witness", _l("The witness must be another person of this community."))


def witness_by_phone(phone: str, community_id: int) -> int:
    """The id of the community's person with this phone number (a witness), else Refused("invalid_witness")."""
    from pointsbank.people.auth import normalize_phone
    from pointsbank.people.models import User

    try:
        number = normalize_phone(phone)
    except Invalid as exc:  # a malformed number is no witness
        raise Refused("invalid_witness", _l("The witness must be another person of this community.")) from exc
    witness = db.session.scalar(sa.select(User).where(User.phone == number))
    if witness is None or (
        witness.community_id != community_id and community_id not in witness.coordinated_community_ids()
    ):
        raise Refused("invalid_witness", _l("The witness must be another person of this community."))
    return witness.id


def check_pays_for(version: RuleVersion | None, given: str) -> None:
    """An activity or a report category may only use a rule its evidence satisfies."""
    if version is not None and not accepts(version, given):
        raise Invalid(
            "rule_evidence_mismatch",
            _l("This rule asks for other evidence; choose a rule this can pay under."),
            details={"evidence": version.evidence, "given": given},
        )
