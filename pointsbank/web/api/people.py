"""API: the current user and personal API tokens."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from pointsbank.db import unit_of_work, utcnow
from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.people.auth import create_token
from pointsbank.people.models import ApiToken
from pointsbank.people.schemas import MeSchema, NewTokenSchema, TokenSchema
from pointsbank.web.api.base import SECURITY, ApiBlueprint, api_auth

blp = ApiBlueprint("api_people", __name__, url_prefix="/api/v1", description="People: me and API tokens")


@blp.get("/me")
@blp.response(200, MeSchema)
@blp.doc(security=SECURITY)
@api_auth
def me():
    """The logged-in user, with roles and scopes."""
    return current_user


@blp.get("/tokens")
@blp.response(200, TokenSchema(many=True))
@blp.doc(security=SECURITY)
@api_auth
def list_tokens():
    """My personal API tokens (never the secret)."""
    return db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id)
    ).all()


@blp.post("/tokens")
@blp.arguments(TokenSchema)
@blp.response(201, NewTokenSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def new_token(data):
    """Create a personal API token; the secret is in this answer only."""
    token, plain = create_token(current_user, data["name"])
    token.token = plain
    return token


@blp.delete("/tokens/<int:token_id>")
@blp.response(204)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def revoke_token(token_id: int):
    """Revoke one of my tokens."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
