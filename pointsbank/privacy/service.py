"""Privacy services in one place for the web layer: consent, certificates, export, erasure, scope."""

from pointsbank.activities import records as service_records
from pointsbank.activities import registry
from pointsbank.audit import service as audit
from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.privacy.certificates import certificates_of, issue, mask_name, token_of, verify
from pointsbank.privacy.consent import consents_of, has_consented, record_consent, user_has_consented
from pointsbank.privacy.erasure import approve, pending_request, pseudonym, reject, request_erasure, requests_for
from pointsbank.privacy.export import archive, collect
from pointsbank.privacy.models import ErasureRequest
from pointsbank.privacy.notice import SECTIONS, current_version
from pointsbank.privacy.scope import community_for_coordinator, default_community_id, is_coordinator_for, person_for

__all__ = [
    "SECTIONS",
    "approve",
    "archive",
    "audit",
    "certificates_of",
    "collect",
    "community_for_coordinator",
    "consents_of",
    "current_version",
    "default_community_id",
    "get_request",
    "has_consented",
    "is_coordinator_for",
    "issue",
    "mask_name",
    "pending_request",
    "person_for",
    "pseudonym",
    "record_consent",
    "user_has_consented",
    "registry",
    "reject",
    "request_erasure",
    "requests_for",
    "service_records",
    "token_of",
    "verify",
]


def get_request(actor, request_id: int) -> ErasureRequest:
    """An erasure request of a community the actor coordinates; otherwise 404."""
    req = db.session.get(ErasureRequest, request_id)
    if req is None or req.community_id not in actor.coordinated_community_ids():
        raise NotFound("request_not_found")
    return req
