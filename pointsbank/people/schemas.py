"""marshmallow schemas for people at the API boundary."""

import marshmallow as ma


class CommunitySchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    full_name = ma.fields.String()


class MeSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    phone = ma.fields.String(attribute="masked_phone")
    roles = ma.fields.List(ma.fields.String())
    community = ma.fields.Nested(CommunitySchema, allow_none=True)
    coordinated_communities = ma.fields.Method("_coordinated")
    stations = ma.fields.Method("_stations")
    elder_mode = ma.fields.Boolean()

    def _coordinated(self, user) -> list[int]:
        return sorted(user.coordinated_community_ids())

    def _stations(self, user) -> list[int]:
        return sorted(user.clerk_station_ids())


class TokenSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    prefix = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    last_used_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class NewTokenSchema(TokenSchema):
    token = ma.fields.String(dump_only=True, metadata={"description": "Shown once; store it safely."})
