"""marshmallow schemas for people at the API boundary."""

import marshmallow as ma

from pointsbank.schemas import PageArgsSchema


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
    scope = ma.fields.String(dump_only=True, metadata={"description": "read, counter or manage"})
    created_at = ma.fields.DateTime(dump_only=True)
    expires_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    last_used_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class NewTokenArgsSchema(ma.Schema):
    """A new token: from a logged-in session whose password was typed in the last few minutes (or given here)."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    scope = ma.fields.String(
        load_default="read",
        validate=ma.validate.OneOf(["read", "counter", "manage"]),
        metadata={"description": "read: GET only; counter: read and the station counter; manage: everything"},
    )
    expires_in_days = ma.fields.Integer(load_default=90, validate=ma.validate.Range(min=1, max=365))
    password = ma.fields.String(
        load_only=True,
        load_default=None,
        validate=ma.validate.Length(max=128),
        metadata={"description": "Your password, when it was not typed in this session in the last few minutes"},
    )


class NewTokenSchema(TokenSchema):
    token = ma.fields.String(dump_only=True, metadata={"description": "Shown once; store it safely."})


class PeoplePageArgsSchema(PageArgsSchema):
    """People lists page by up to 200 (default 50)."""

    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


class GridSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String()


class CommunityTreeSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String()
    full_name = ma.fields.String()
    grids = ma.fields.List(ma.fields.Nested(GridSchema))


class StreetTreeSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String()
    communities = ma.fields.List(ma.fields.Nested(CommunityTreeSchema))


class DistrictTreeSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String()
    streets = ma.fields.List(ma.fields.Nested(StreetTreeSchema))


class PlaceSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String()


class NameSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))


class NewPlaceSchema(NameSchema):
    parent_id = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "district for a street, street for a community, community for a grid"},
    )


class GrantUserSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    phone = ma.fields.String(attribute="masked_phone", metadata={"description": "Masked, e.g. 138****0002"})


class GrantSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    user = ma.fields.Nested(GrantUserSchema, dump_only=True)
    role = ma.fields.String(dump_only=True)
    community_id = ma.fields.Integer(dump_only=True, allow_none=True)
    station_id = ma.fields.Integer(dump_only=True, allow_none=True)
    street_id = ma.fields.Integer(dump_only=True, allow_none=True)
    district_id = ma.fields.Integer(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class NewGrantSchema(ma.Schema):
    phone = ma.fields.String(required=True, validate=ma.validate.Length(max=20))
    role = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["coordinator", "clerk", "street_officer", "district_officer", "admin"]),
    )
    community_id = ma.fields.Integer(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=2**31 - 1)
    )
    station_id = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=2**31 - 1))
    street_id = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=2**31 - 1))
    district_id = ma.fields.Integer(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=2**31 - 1)
    )


class NewCoordinatorSchema(ma.Schema):
    phone = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20))


class GrantPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(GrantSchema))
    total = ma.fields.Integer()


class ResidentSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String()
    phone = ma.fields.String(
        attribute="masked_phone",
        metadata={"description": "Masked, e.g. 138****0002; POST /residents/{id}/phone-reveal for the full number"},
    )
    grid = ma.fields.Nested(GridSchema, allow_none=True)
    active = ma.fields.Boolean(dump_only=True)
    created_at = ma.fields.DateTime()


class ResidentPatchSchema(ma.Schema):
    active = ma.fields.Boolean(
        required=True, metadata={"description": "false: cannot log in, sessions and tokens end; true: back in"}
    )


class ResidentPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ResidentSchema))
    total = ma.fields.Integer()


class NewResidentSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    phone = ma.fields.String(required=True, validate=ma.validate.Length(max=20))
    grid_id = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=2**31 - 1))


class RegisteredResidentSchema(ma.Schema):
    resident = ma.fields.Nested(ResidentSchema)
    temporary_password = ma.fields.String(
        metadata={"description": "Shown once; the resident changes it at first login."}
    )


class ImportFileSchema(ma.Schema):
    sheet = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ImportResultSchema(ma.Schema):
    created = ma.fields.Integer()
    residents = ma.fields.List(ma.fields.Nested(RegisteredResidentSchema))


class CommunityPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CommunityTreeSchema))
    total = ma.fields.Integer()


class SessionsEndedSchema(ma.Schema):
    ended = ma.fields.Integer(metadata={"description": "How many sessions were ended"})


def _settings_fields(required: bool) -> dict:
    from pointsbank.people.settings import SETTINGS

    fields = {}
    for s in SETTINGS:
        meta = {"description": str(s.help)}
        if s.kind == "bool":
            fields[s.name] = ma.fields.Boolean(required=required, metadata=meta)
        elif s.kind == "choice":
            fields[s.name] = ma.fields.String(required=required, validate=ma.validate.OneOf(s.choices), metadata=meta)
        else:
            fields[s.name] = ma.fields.Integer(
                required=required, strict=True, validate=ma.validate.Range(min=s.low, max=s.high), metadata=meta
            )
    return fields


CommunitySettingsSchema = ma.Schema.from_dict(_settings_fields(True), name="CommunitySettingsSchema")


class _SettingsPatchBase(ma.Schema):
    @ma.validates_schema
    def _not_empty(self, data, **_kw):
        if not data:
            raise ma.ValidationError("Send at least one setting.", "_schema")


SettingsPatchSchema = type(
    "SettingsPatchSchema", (_SettingsPatchBase,), {**_settings_fields(False), "__doc__": "Some settings to change."}
)


class RevealedPhoneSchema(ma.Schema):
    id = ma.fields.Integer()
    phone = ma.fields.String(metadata={"description": "The full number; each reveal is audited"})
