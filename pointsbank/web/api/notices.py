"""API: my notices (rendered in my language), marking them read, my channels and quiet hours."""

from __future__ import annotations

from flask_login import current_user

from pointsbank.db import unit_of_work
from pointsbank.notices import codes, service
from pointsbank.notices import schemas as s
from pointsbank.paging import PageArgsSchema, page_of_query
from pointsbank.web.api.base import SECURITY, ApiBlueprint, api_auth, errors

blp = ApiBlueprint("api_notices", __name__, url_prefix="/api/v1/me", description="My notices and how they reach me")


def _dump(notice) -> dict:
    return {
        "id": notice.id,
        "code": notice.code,
        "params": notice.params or {},
        "text": codes.render(notice.code, notice.params),
        "link": notice.link,
        "subject_type": notice.subject_type,
        "subject_id": notice.subject_id,
        "read_at": notice.read_at,
        "created_at": notice.created_at,
    }


@blp.get("/notices")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, s.MyNoticePageSchema)
@blp.doc(security=SECURITY)
@errors(400, 401)
@api_auth
def list_notices(args):
    """My notices, newest first, with the unread count; text in my language (or ?lang=en)."""
    page = page_of_query(service.notices_query(current_user.id), args)
    return {**page, "items": [_dump(n) for n in page["items"]], "unread": service.unread_count(current_user.id)}


@blp.post("/notices/<int:notice_id>/read")
@blp.response(200, s.MyNoticeReadSchema)
@blp.doc(security=SECURITY)
@errors(401, 404)
@api_auth
@unit_of_work
def read_notice(notice_id: int):
    """Mark one of my notices read."""
    marked = service.mark_read(current_user.id, notice_id)
    return {"marked": marked, "unread": service.unread_count(current_user.id)}


@blp.post("/notices/read-all")
@blp.response(200, s.MyNoticeReadSchema)
@blp.doc(security=SECURITY)
@errors(401)
@api_auth
@unit_of_work
def read_all():
    """Mark all my notices read."""
    return {"marked": service.mark_read(current_user.id), "unread": 0}


def _pref_body(user_id: int) -> dict:
    pref = service.preference(user_id)
    return {
        "channels": service.channels_for(user_id, pref),
        "offered": service.offered_choices(),
        "quiet_start": pref.quiet_start if pref else None,
        "quiet_end": pref.quiet_end if pref else None,
    }


@blp.get("/notice-preferences")
@blp.response(200, s.NoticePreferenceSchema)
@blp.doc(security=SECURITY)
@errors(401)
@api_auth
def get_preferences():
    """My outbound channels and quiet hours."""
    return _pref_body(current_user.id)


@blp.put("/notice-preferences")
@blp.arguments(s.NoticePreferenceSchema)
@blp.response(200, s.NoticePreferenceSchema)
@blp.doc(security=SECURITY)
@errors(400, 401)
@api_auth
@unit_of_work
def put_preferences(body):
    """Choose outbound channels (null: all offered) and quiet hours (both or neither)."""
    service.save_preference(
        current_user.id,
        channels=body.get("channels"),
        quiet_start=body.get("quiet_start"),
        quiet_end=body.get("quiet_end"),
        wechat_openid=body.get("wechat_openid"),
    )
    return _pref_body(current_user.id)
