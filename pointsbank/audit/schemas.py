"""marshmallow schemas for the audit log at the API boundary."""

import marshmallow as ma

from pointsbank.schemas import InputDate, PageArgsSchema

ID = ma.validate.Range(min=1, max=2**31 - 1)


class AuditFilterArgsSchema(ma.Schema):
    community_id = ma.fields.Integer(load_default=None, validate=ID, metadata={"description": "Only this community"})
    person_id = ma.fields.Integer(
        load_default=None, validate=ID, metadata={"description": "Entries by or about this user"}
    )
    action = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=48))
    date_from = InputDate(load_default=None, metadata={"description": "First day (Asia/Shanghai)"})
    date_to = InputDate(load_default=None, metadata={"description": "Last day (Asia/Shanghai)"})


class AuditPageArgsSchema(AuditFilterArgsSchema, PageArgsSchema):
    """Filters and paging."""


class AuditEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    community_id = ma.fields.Integer(allow_none=True)
    action = ma.fields.String(metadata={"description": "Stable code, e.g. role.granted"})
    action_text = ma.fields.Method("_action_text", metadata={"description": "The action in the reader's language"})
    subject_type = ma.fields.String(allow_none=True)
    subject_id = ma.fields.Integer(allow_none=True)
    address = ma.fields.String(allow_none=True)
    details = ma.fields.Dict()
    hash = ma.fields.String()

    def _action_text(self, entry) -> str:
        from pointsbank.audit.labels import action_text

        return action_text(entry.action)


class AuditPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AuditEntrySchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
